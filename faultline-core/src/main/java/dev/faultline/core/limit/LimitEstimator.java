package dev.faultline.core.limit;

/**
 * Turns samples of completed calls into a concurrency limit.
 *
 * <p>Not thread-safe: {@link DefaultAdaptiveLimiter} lets one thread at a time call {@link #update}, and publishes the
 * result itself.
 */
interface LimitEstimator {

  /**
   * Records one completed call and returns the new limit, within the configured bounds.
   *
   * @param rttNanos the call's round-trip time, at least 1
   * @param inflight the calls in flight when this one was admitted, itself included
   * @param dropped whether the call failed (was dropped, timed out or threw)
   */
  int update(long rttNanos, int inflight, boolean dropped);

  /** Creates the estimator the configuration names, starting at its initial limit. */
  static LimitEstimator of(AdaptiveLimiterConfig config) {
    switch (config.algorithm()) {
      case GRADIENT2:
        return new Gradient2Estimator(config);
      case VEGAS:
        return new VegasEstimator(config);
      default:
        throw new IllegalArgumentException("unknown algorithm " + config.algorithm());
    }
  }
}
