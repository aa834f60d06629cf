package dev.faultline.core.circuitbreaker;

/**
 * Three signed counters packed in one {@code long}, so that one atomic add updates calls, failures and slow calls
 * together: calls in bits 0-20, failures in bits 21-41, slow calls in bits 42-63, each in two's complement.
 *
 * <p>The packed value is the exact sum {@code calls + failures * 2^21 + slow * 2^42} (mod 2^64), so adding packed
 * deltas, some of them negative, is exact, and decoding is unique while each counter stays within
 * [-2^20, 2^20): windows and trial sets are capped at 1,000,000 so that counters that briefly lag or lead by the number
 * of threads in flight stay in range.
 */
final class Packed {
  /** One call. */
  static final long CALL = 1L;
  /** One failure. */
  static final long FAILURE = 1L << 21;
  /** One slow call. */
  static final long SLOW = 1L << 42;

  private Packed() {}

  /** The packed contribution of one outcome ({@link Window#FAILURE} and {@link Window#SLOW} bits). */
  static long of(int outcome) {
    return CALL + ((outcome & Window.FAILURE) != 0 ? FAILURE : 0L) + ((outcome & Window.SLOW) != 0 ? SLOW : 0L);
  }

  /** The calls counter of {@code packed}. */
  static long calls(long packed) {
    return (packed << 43) >> 43;
  }

  /** The failures counter of {@code packed}. */
  static long failures(long packed) {
    long rest = (packed - calls(packed)) >> 21;
    return (rest << 43) >> 43;
  }

  /** The slow-calls counter of {@code packed}. */
  static long slowCalls(long packed) {
    long rest = (packed - calls(packed)) >> 21;
    return (rest - ((rest << 43) >> 43)) >> 21;
  }

  /** The counters as a {@link WindowCounts}, negative transients clamped to 0. */
  static WindowCounts counts(long packed) {
    return new WindowCounts(Math.max(0, calls(packed)), Math.max(0, failures(packed)), Math.max(0, slowCalls(packed)));
  }
}
