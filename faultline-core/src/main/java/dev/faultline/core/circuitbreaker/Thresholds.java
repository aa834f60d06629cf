package dev.faultline.core.circuitbreaker;

/**
 * When a set of outcomes trips a breaker: at least {@code minimumCalls} outcomes, and a failure rate or a slow-call
 * rate at or above its threshold. Immutable.
 */
final class Thresholds {
  final int minimumCalls;
  final double failureRate;
  final double slowCallRate;

  Thresholds(int minimumCalls, double failureRate, double slowCallRate) {
    this.minimumCalls = minimumCalls;
    this.failureRate = failureRate;
    this.slowCallRate = slowCallRate;
  }

  /** Whether {@code calls} outcomes with the given failures and slow calls reach a threshold. */
  boolean reached(long calls, long failures, long slowCalls) {
    return calls >= minimumCalls && calls > 0
        && ((double) failures / calls >= failureRate || (double) slowCalls / calls >= slowCallRate);
  }

  /** Whether the rates alone reach a threshold, whatever the number of calls. */
  boolean ratesReached(long calls, long failures, long slowCalls) {
    return calls > 0 && ((double) failures / calls >= failureRate || (double) slowCalls / calls >= slowCallRate);
  }

  /** Words for an event: which rate reached its threshold over how many calls. */
  String describe(WindowCounts counts) {
    double failures = counts.failureRate();
    if (failures >= failureRate) {
      return "failure rate " + failures + " reached threshold " + failureRate + " over " + counts.calls() + " calls";
    }
    return "slow-call rate " + counts.slowCallRate() + " reached threshold " + slowCallRate + " over "
        + counts.calls() + " calls";
  }
}
