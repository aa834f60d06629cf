package dev.faultline.core.support;

import dev.faultline.core.AsyncChain;
import dev.faultline.core.CallContext;
import dev.faultline.core.Pipeline;
import dev.faultline.core.Policy;
import dev.faultline.core.internal.Exceptions;
import dev.faultline.core.testing.FakeClock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs one scripted scenario through a policy or pipeline either synchronously or asynchronously, on a
 * {@link FakeClock}, so that every scenario is proved in both modes by the same test (use it with
 * {@code @ParameterizedTest @EnumSource(Mode.class)}).
 *
 * <p>A {@link Script} says, for each attempt that reaches the call, how long it takes and how it ends. In SYNC mode a
 * slow attempt sleeps on the fake clock (so timeouts scheduled on it fire, and interrupt the caller); in ASYNC mode the
 * attempt's future is completed by a task scheduled on the fake clock. The harness then drives the clock until the
 * execution's outcome is known.
 */
public final class Harness {
  private Harness() {}

  /** How to run a scenario. */
  public enum Mode {
    /** Through {@code call}: the call runs in the test thread. */
    SYNC,
    /** Through {@code callAsync}: the call returns a stage completed on the fake clock. */
    ASYNC
  }

  /** What each attempt does; {@code attempt} counts the attempts that reached the call, from 1. */
  @FunctionalInterface
  public interface Script<T> {
    /** The behaviour of the given attempt. */
    Behavior<T> attempt(int attempt) throws Exception;
  }

  /** How one attempt behaves: after {@code after}, it returns {@code value} or throws {@code failure}. */
  public record Behavior<T>(Duration after, T value, Throwable failure) {
    /** Succeeds at once. */
    public static <T> Behavior<T> ok(T value) {
      return new Behavior<>(Duration.ZERO, value, null);
    }

    /** Fails at once. */
    public static <T> Behavior<T> fail(Throwable failure) {
      return new Behavior<>(Duration.ZERO, null, failure);
    }

    /** Succeeds after a while. */
    public static <T> Behavior<T> okAfter(Duration after, T value) {
      return new Behavior<>(after, value, null);
    }

    /** Fails after a while. */
    public static <T> Behavior<T> failAfter(Duration after, Throwable failure) {
      return new Behavior<>(after, null, failure);
    }
  }

  /** The outcome of an execution: a value or a failure (unwrapped), and how many attempts reached the call. */
  public record Outcome<T>(T value, Throwable failure, int attempts) {
    /** Whether the execution succeeded. */
    public boolean succeeded() {
      return failure == null;
    }
  }

  /** Runs {@code script} through {@code policy} in {@code mode}. */
  public static <T> Outcome<T> run(Mode mode, FakeClock clock, Policy policy, Script<T> script) {
    AtomicInteger attempts = new AtomicInteger();
    if (mode == Mode.SYNC) {
      try {
        T value = policy.call(() -> syncAttempt(clock, script, attempts.incrementAndGet()));
        return new Outcome<>(value, null, attempts.get());
      } catch (Throwable t) {
        return new Outcome<>(null, t, attempts.get());
      }
    }
    CompletionStage<T> stage = policy.callAsync(() -> asyncAttempt(clock, script, attempts.incrementAndGet()));
    return drive(clock, stage, attempts);
  }

  /** Runs {@code script} through {@code pipeline} in {@code mode}. */
  public static <T> Outcome<T> run(Mode mode, FakeClock clock, Pipeline pipeline, Script<T> script) {
    AtomicInteger attempts = new AtomicInteger();
    if (mode == Mode.SYNC) {
      try {
        T value = pipeline.call(ctx -> syncAttempt(clock, script, attempts.incrementAndGet()));
        return new Outcome<>(value, null, attempts.get());
      } catch (Throwable t) {
        return new Outcome<>(null, t, attempts.get());
      }
    }
    CompletionStage<T> stage = pipeline.callAsync(ctx -> asyncAttempt(clock, script, attempts.incrementAndGet()));
    return drive(clock, stage, attempts);
  }

  private static <T> T syncAttempt(FakeClock clock, Script<T> script, int attempt) throws Exception {
    Behavior<T> behavior = script.attempt(attempt);
    clock.sleep(behavior.after().toNanos());
    if (behavior.failure() != null) {
      throw Exceptions.sneakyThrow(behavior.failure());
    }
    return behavior.value();
  }

  private static <T> CompletionStage<T> asyncAttempt(FakeClock clock, Script<T> script, int attempt) {
    Behavior<T> behavior;
    try {
      behavior = script.attempt(attempt);
    } catch (Exception e) {
      return CompletableFuture.failedFuture(e);
    }
    CompletableFuture<T> future = new CompletableFuture<>();
    Runnable complete = () -> {
      if (behavior.failure() != null) {
        future.completeExceptionally(behavior.failure());
      } else {
        future.complete(behavior.value());
      }
    };
    if (behavior.after().isZero()) {
      complete.run();
    } else {
      clock.schedule(complete, behavior.after().toNanos());
    }
    return future;
  }

  private static <T> Outcome<T> drive(FakeClock clock, CompletionStage<T> stage, AtomicInteger attempts) {
    CompletableFuture<T> future = stage.toCompletableFuture();
    int steps = 0;
    while (!future.isDone()) {
      if (!clock.runNext()) {
        throw new AssertionError("async execution did not complete and nothing is scheduled on the fake clock");
      }
      if (++steps > 1_000_000) {
        throw new AssertionError("async execution did not complete after a million scheduled tasks");
      }
    }
    try {
      return new Outcome<>(future.join(), null, attempts.get());
    } catch (Throwable t) {
      return new Outcome<>(null, Exceptions.unwrap(t), attempts.get());
    }
  }

  /**
   * An async chain that breaks its contract: {@code proceed()} throws {@code broken} instead of returning a stage (a
   * caller of a policy's {@code executeAsync} with a chain of its own can do so).
   */
  public static <T> AsyncChain<T> throwingChain(FakeClock clock, RuntimeException broken) {
    return new AsyncChain<>() {
      @Override
      public CallContext context() {
        return new CallContext(clock);
      }

      @Override
      public CompletionStage<T> proceed() {
        throw broken;
      }
    };
  }
}
