package dev.faultline.core.bulkhead;

import dev.faultline.core.AsyncChain;
import dev.faultline.core.PolicyKind;
import dev.faultline.core.event.PolicyEvent;
import dev.faultline.core.internal.Events;
import dev.faultline.core.internal.Exceptions;
import dev.faultline.core.internal.Stages;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.LongAdder;

/** What both bulkhead implementations do around a permit: run an async call holding one, and reject. Stateless. */
final class Permits {
  private Permits() {}

  /**
   * Runs an async call that holds a permit, completing {@code result} with its outcome; {@code giveBack} runs once
   * when the call's stage completes (or at once, if the chain breaks its contract by throwing).
   */
  static <T> CompletableFuture<T> runHolding(AsyncChain<T> chain, CompletableFuture<T> result, Runnable giveBack) {
    CompletionStage<T> stage;
    try {
      stage = chain.proceed();
      stage.whenComplete((value, failure) -> {
        giveBack.run();
        Stages.complete(result, value, failure);
      });
    } catch (Throwable t) {
      // Only a chain or stage that breaks its contract gets here; the permit must still come back.
      giveBack.run();
      result.completeExceptionally(t);
      Exceptions.rethrowIfFatal(t);
      return result;
    }
    Stages.cancelWith(result, stage);
    return result;
  }

  /** Counts a rejection, publishes it (if anyone listens) and returns the exception to throw. */
  static BulkheadFullException rejected(BulkheadConfig config, Events events, LongAdder rejections) {
    rejections.increment();
    if (events.enabled()) {
      events.publish(new PolicyEvent.CallRejected(config.name(), events.now(), PolicyKind.BULKHEAD,
          "all " + config.maxConcurrentCalls() + " permits in use"));
    }
    return new BulkheadFullException(config.name(), config.maxConcurrentCalls(), config.maxWait());
  }
}
