package dev.faultline.core;

import dev.faultline.core.internal.SystemClock;

/**
 * A source of time and of waiting, injected into every policy so that tests control time.
 *
 * <p>Faultline code never reads {@code System.nanoTime()} or sleeps directly: it asks its {@code Clock}. Tests use
 * {@link dev.faultline.core.testing.FakeClock}, whose {@link #sleep(long)} advances time instantly.
 *
 * <p>Implementations must be thread-safe.
 */
public interface Clock {

  /** A monotonic reading in nanoseconds, meaningful only as a difference between two readings. */
  long nanoTime();

  /** Wall-clock time in milliseconds since the epoch, used to stamp events. */
  long wallMillis();

  /**
   * Waits for the given number of nanoseconds.
   *
   * @throws InterruptedException if the waiting thread is interrupted, as {@link Thread#sleep(long)} does
   */
  void sleep(long nanos) throws InterruptedException;

  /** The system clock: {@code System.nanoTime()}, {@code System.currentTimeMillis()} and real sleeping. */
  static Clock system() {
    return SystemClock.INSTANCE;
  }
}
