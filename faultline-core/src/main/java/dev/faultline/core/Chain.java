package dev.faultline.core;

import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * The rest of a synchronous execution, as seen by one policy: its per-call {@link CallContext} and a way to proceed
 * to the next link.
 *
 * @param <T> the type of the call's result
 */
public interface Chain<T> extends Callable<T> {

  /** The per-call context shared by every link of this execution. */
  CallContext context();

  /** Runs the next link (in the end, the call itself) and returns its result. May be called more than once. */
  T proceed() throws Exception;

  /**
   * The same as {@link #proceed()}: a chain is also the {@link Callable} of the rest of the execution, so that a policy
   * can hand it to its own call path without allocating an adapter.
   */
  @Override
  default T call() throws Exception {
    return proceed();
  }

  /** A chain whose only remaining link is {@code call}, with a fresh context timed by {@code clock}. */
  static <T> Chain<T> of(Clock clock, Callable<? extends T> call) {
    Objects.requireNonNull(call, "call");
    CallContext context = new CallContext(clock);
    return new Chain<>() {
      @Override
      public CallContext context() {
        return context;
      }

      @Override
      public T proceed() throws Exception {
        return call.call();
      }
    };
  }
}
