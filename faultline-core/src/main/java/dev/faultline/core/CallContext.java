package dev.faultline.core;

import java.time.Duration;
import java.util.Optional;

/**
 * What one execution knows about itself: which attempt is running, how long it has taken and how the previous attempt
 * failed. One context is shared by every link of a {@link Pipeline} execution and is passed to the call.
 *
 * <p>Thread-safe: hedged attempts may read it concurrently. Readers see the latest values written by policies.
 */
public final class CallContext {
  /** The start of an execution whose elapsed time is not measured. */
  private static final long UNTIMED = Long.MIN_VALUE;

  private final Clock clock;
  private final long startNanos;
  private volatile int attempt = 1;
  private volatile Throwable lastFailure;

  /** Starts a context now, as read from {@code clock}. */
  public CallContext(Clock clock) {
    this(clock, clock.nanoTime());
  }

  private CallContext(Clock clock, long startNanos) {
    this.clock = clock;
    this.startNanos = startNanos;
  }

  /**
   * A context that counts attempts but does not measure elapsed time, so that starting it reads no clock: for
   * executions whose call cannot see its context ({@link Pipeline#call(java.util.concurrent.Callable)}).
   */
  static CallContext untimed(Clock clock) {
    return new CallContext(clock, UNTIMED);
  }

  /** Whether this context measures {@linkplain #elapsed() elapsed time}. */
  public boolean timed() {
    return startNanos != UNTIMED;
  }

  /** The number of the attempt now running, 1 for the first. */
  public int attempt() {
    return attempt;
  }

  /**
   * Time since the execution started.
   *
   * @throws IllegalStateException if this context is not {@linkplain #timed() timed}
   */
  public Duration elapsed() {
    return Duration.ofNanos(elapsedNanos());
  }

  /**
   * Time since the execution started, in nanoseconds.
   *
   * @throws IllegalStateException if this context is not {@linkplain #timed() timed}
   */
  public long elapsedNanos() {
    if (startNanos == UNTIMED) {
      throw new IllegalStateException("this execution does not measure elapsed time: it was started with a call "
          + "that takes no CallContext (Pipeline.call(Callable)); pass a Pipeline.Call to measure it");
    }
    return clock.nanoTime() - startNanos;
  }

  /** The failure of the previous attempt, if an attempt failed. */
  public Optional<Throwable> lastFailure() {
    return Optional.ofNullable(lastFailure);
  }

  /** The clock that times this execution. */
  public Clock clock() {
    return clock;
  }

  /**
   * For policies: records that the attempt now running failed with {@code failure} and that the next one starts.
   * Returns the number of the next attempt.
   */
  public int nextAttempt(Throwable failure) {
    synchronized (this) {
      lastFailure = failure;
      return ++attempt;
    }
  }
}
