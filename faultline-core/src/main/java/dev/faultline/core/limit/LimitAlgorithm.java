package dev.faultline.core.limit;

/** The algorithms by which an {@link AdaptiveLimiter} adapts its limit to latency. */
public enum LimitAlgorithm {
  /**
   * Gradient2: compares a short-term exponential average of the round-trip time with a long-term one. While they
   * agree (within {@code rttTolerance}) the limit grows by about {@code smoothing * queueSize} per sample; when the
   * short-term latency rises above the tolerated long-term one, the limit shrinks in proportion (at most halved per
   * sample before smoothing). Drops and failures count only through their latency.
   */
  GRADIENT2,
  /**
   * Vegas, after TCP Vegas: estimates the queue from the round-trip time against the lowest one seen (the no-load
   * RTT), {@code queue = limit * (1 - rttNoLoad / rtt)}, with thresholds that scale with {@code log10(limit)}:
   * grows fast while there is no queue, grows slowly below {@code alpha * log10(limit)}, shrinks above
   * {@code beta * log10(limit)}, and shrinks on every drop or failure.
   */
  VEGAS
}
