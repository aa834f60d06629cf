package dev.faultline.core.internal;

import java.time.Duration;

/** Conversions of {@link Duration}s for policies that count time in nanoseconds. */
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
}
