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
  private final Clock clock;
  private final long startNanos;
  private volatile int attempt = 1;
  private volatile Throwable lastFailure;

  /** Starts a context now, as read from {@code clock}. */
  public CallContext(Clock clock) {
    this.clock = clock;
    this.startNanos = clock.nanoTime();
  }

  /** The number of the attempt now running, 1 for the first. */
  public int attempt() {
    return attempt;
  }

  /** Time since the execution started. */
  public Duration elapsed() {
    return Duration.ofNanos(elapsedNanos());
  }

  /** Time since the execution started, in nanoseconds. */
  public long elapsedNanos() {
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
