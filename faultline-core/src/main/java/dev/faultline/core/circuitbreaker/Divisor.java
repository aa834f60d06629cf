package dev.faultline.core.circuitbreaker;

/**
 * A fixed positive divisor that takes remainders of 32-bit unsigned numbers by multiplication instead of division, for
 * ring indices on hot paths: Lemire's fastmod (Lemire, Kaser, Kurz, "Faster remainder by direct computation", 2019),
 * exact for every 32-bit numerator and divisor. Immutable.
 */
final class Divisor {
  private final int divisor;
  /** {@code ceil(2^64 / divisor)}, wrapping to 0 for a divisor of 1. */
  private final long inverse;

  Divisor(int divisor) {
    if (divisor < 1) {
      throw new IllegalArgumentException("divisor must be at least 1, but was " + divisor);
    }
    this.divisor = divisor;
    this.inverse = Long.divideUnsigned(-1L, divisor) + 1;
  }

  /**
   * {@code (value mod 2^32) mod divisor}. The high half of the unsigned 128-bit product {@code low * divisor} is the
   * signed {@code multiplyHigh} corrected for the sign of {@code low}, since the divisor is positive.
   */
  int remainder(long value) {
    long low = inverse * (value & 0xFFFF_FFFFL);
    return (int) (Math.multiplyHigh(low, divisor) + ((low >> 63) & divisor));
  }
}
