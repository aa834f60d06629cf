package dev.faultline.core.circuitbreaker;

/**
 * The counts of a window or of a set of half-open trials: outcomes, failures among them, slow calls among them.
 *
 * @param calls outcomes counted
 * @param failures failures among them
 * @param slowCalls slow calls among them
 */
record WindowCounts(long calls, long failures, long slowCalls) {
  /** No outcome. */
  static final WindowCounts EMPTY = new WindowCounts(0, 0, 0);

  /** Failures per call, or 0 without calls. */
  double failureRate() {
    return calls <= 0 ? 0.0 : Math.min(1.0, (double) failures / calls);
  }

  /** Slow calls per call, or 0 without calls. */
  double slowCallRate() {
    return calls <= 0 ? 0.0 : Math.min(1.0, (double) slowCalls / calls);
  }
}
