package dev.faultline.core.circuitbreaker;

/**
 * The sliding window of a closed breaker: it aggregates the outcomes of recent calls and says when a threshold is
 * reached. Implementations are thread-safe and lock-free.
 *
 * <p>An outcome is a bit set: {@link #FAILURE} and {@link #SLOW}; 0 is a fast success.
 */
interface Window {
  /** Outcome bit: the call failed. */
  int FAILURE = 1;
  /** Outcome bit: the call was slow. */
  int SLOW = 2;

  /**
   * Records one outcome of a call that ended at {@code nowNanos} (read only by time-based windows) and returns whether
   * the window now holds enough calls and a rate at or above its threshold.
   */
  boolean record(int outcome, long nowNanos);

  /** The counts of the window as seen at {@code nowNanos}. */
  WindowCounts snapshot(long nowNanos);
}
