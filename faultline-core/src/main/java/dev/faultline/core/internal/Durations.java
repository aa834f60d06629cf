package dev.faultline.core.internal;

import java.time.Duration;

/** Conversions of {@link Duration}s, and sums of nanosecond times, for code that counts time in nanoseconds. */
public final class Durations {
  private Durations() {}

  /** The duration in nanoseconds, or {@link Long#MAX_VALUE} when it is too long to count so (about 292 years). */
  public static long toNanosSaturated(Duration duration) {
    try {
      return duration.toNanos();
    } catch (ArithmeticException tooLong) {
      return duration.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  /**
   * {@code nanos + delay} for a {@code delay} of at least 0, or {@link Long#MAX_VALUE} where the sum would wrap: a
   * delay of centuries (a saturated timeout) must not come out as a time in the past, due at once.
   */
  public static long plusSaturated(long nanos, long delay) {
    long sum = nanos + delay;
    return sum < nanos ? Long.MAX_VALUE : sum;
  }
}
