package dev.faultline.console.server;

/** A delay doubled without overflow: the login lockout's and the reporter's backoff. */
final class Doubling {
  private Doubling() {}

  /**
   * {@code base} (positive) doubled {@code doublings} times, at most {@code max}: a shift that would reach the sign
   * bit gives {@code max} (a shift past a long's range would otherwise wrap, to a negative or a short delay).
   */
  static long doubled(long base, int doublings, long max) {
    return doublings < Long.numberOfLeadingZeros(base) - 1 ? Math.min(max, base << doublings) : max;
  }
}
