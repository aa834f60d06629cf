package dev.faultline.core;

import dev.faultline.core.internal.Exceptions;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * A fault-tolerance policy: a link that decides whether, when and how often a call runs, and what its outcome is.
 *
 * <p>A policy is used on its own ({@link #call}, {@link #callAsync}) or composed with others in a {@link Pipeline},
 * which calls {@link #execute(Chain)} and {@link #executeAsync(AsyncChain)}: the policy does its work around
 * {@code chain.proceed()}, which runs the next link (and in the end the call). A link may call {@code proceed()} more
 * than once (retry) or concurrently (hedge).
 *
 * <p>Policies are thread-safe; one instance guards all the calls to one resource.
 */
public interface Policy {

  /** The name of this instance, used in events, metrics and rejections. */
  String name();

  /** The kind of this policy, which fixes its place in a {@link Pipeline}. */
  PolicyKind kind();

  /** Runs the rest of a synchronous chain under this policy. */
  <T> T execute(Chain<T> chain) throws Exception;

  /** Runs the rest of an asynchronous chain under this policy. */
  <T> CompletionStage<T> executeAsync(AsyncChain<T> chain);

  /**
   * Runs {@code call} under this policy, in the calling thread, and returns its result or throws its exception
   * (or a {@link FaultlineException} when the policy decides so).
   */
  default <T> T call(Callable<? extends T> call) throws Exception {
    return execute(Chain.of(Clock.system(), call));
  }

  /** Runs {@code call} under this policy; checked exceptions of the call are wrapped in a {@link FaultlineException}. */
  default <T> T get(Supplier<? extends T> call) {
    try {
      return call(call::get);
    } catch (Exception e) {
      throw Exceptions.unchecked(e);
    }
  }

  /** Runs {@code call} under this policy. */
  default void run(Runnable call) {
    get(() -> {
      call.run();
      return null;
    });
  }

  /**
   * Runs an asynchronous call under this policy. The supplier is invoked for each attempt; the returned stage
   * completes with the outcome after the policy has decided.
   */
  default <T> CompletionStage<T> callAsync(Supplier<? extends CompletionStage<T>> call) {
    return executeAsync(AsyncChain.of(Clock.system(), call));
  }
}
