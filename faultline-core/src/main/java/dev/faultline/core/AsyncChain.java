package dev.faultline.core;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The rest of an asynchronous execution, as seen by one policy.
 *
 * @param <T> the type of the call's result
 */
public interface AsyncChain<T> {

  /** The per-call context shared by every link of this execution. */
  CallContext context();

  /**
   * Starts the next link (in the end, the call itself). Never throws: a call that throws instead of returning a stage
   * is turned into a failed stage. May be called more than once.
   */
  CompletionStage<T> proceed();

  /** A chain whose only remaining link is {@code call}, with a fresh context timed by {@code clock}. */
  static <T> AsyncChain<T> of(Clock clock, Supplier<? extends CompletionStage<T>> call) {
    Objects.requireNonNull(call, "call");
    CallContext context = new CallContext(clock);
    return new AsyncChain<>() {
      @Override
      public CallContext context() {
        return context;
      }

      @Override
      public CompletionStage<T> proceed() {
        try {
          CompletionStage<T> stage = call.get();
          return stage != null ? stage
              : CompletableFuture.failedFuture(new NullPointerException("async call returned a null stage"));
        } catch (Throwable t) {
          return CompletableFuture.failedFuture(t);
        }
      }
    };
  }
}
