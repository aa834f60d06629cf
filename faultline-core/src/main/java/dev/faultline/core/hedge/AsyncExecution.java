package dev.faultline.core.hedge;

import dev.faultline.core.internal.Exceptions;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;

/**
 * A hedged execution of an asynchronous call: each attempt is started by calling the supplier in the thread that
 * decided to start it; losing stages that are {@link Future}s are cancelled. Cancelling {@link #result} cancels every
 * attempt and the timer. Thread-safe as its parent.
 */
final class AsyncExecution<T> extends HedgedExecution<T> {

  /** Starts attempt {@code hedge} of an asynchronous call. */
  @FunctionalInterface
  interface Attempt<T> {
    CompletionStage<T> start(int hedge);
  }

  private final Attempt<T> attempt;

  AsyncExecution(DefaultHedge hedge, Attempt<T> attempt) {
    super(hedge);
    this.attempt = attempt;
    result.whenComplete((value, failure) -> {
      if (failure instanceof CancellationException) {
        abort();
      }
    });
  }

  @Override
  void launch(int number) {
    CompletionStage<T> stage;
    int previous = DefaultHedge.enter(number);
    try {
      stage = attempt.start(number);
    } catch (Throwable failure) {
      stage = CompletableFuture.failedFuture(failure);
    } finally {
      DefaultHedge.exit(previous);
    }
    if (stage == null) {
      stage = CompletableFuture.failedFuture(new NullPointerException("async call returned a null stage"));
    }
    if (stage instanceof Future && !register(number, (Future<?>) stage)) {
      ((Future<?>) stage).cancel(true);
      return;
    }
    stage.whenComplete((value, failure) -> report(number, value, failure == null ? null : Exceptions.unwrap(failure)));
  }
}
