package dev.faultline.core.limit;

/**
 * The {@link LimitAlgorithm#GRADIENT2} estimator.
 *
 * <p>For each sample: {@code gradient = clamp(rttTolerance * longRtt / shortRtt, 0.5, 1)}, the target is
 * {@code limit * gradient + queueSize(limit)}, and the limit moves a {@code smoothing} fraction of the way there, then
 * is clamped to [min, max]. With a steady latency the gradient is 1 and the limit creeps up by
 * {@code smoothing * queueSize} per sample, probing for more capacity; rising latency pulls it down. The long average
 * lags by design (it is the baseline); when it is more than twice the short one (latency came back down after a long
 * overload) it is pulled down by 10% per sample so that the limit recovers sooner. Samples taken while fewer than half
 * the limit were in flight say nothing about the limit and leave it alone.
 *
 * <p>Not thread-safe (see {@link LimitEstimator}).
 */
final class Gradient2Estimator implements LimitEstimator {
  private static final int WARMUP_SAMPLES = 10;

  private final int minLimit;
  private final int maxLimit;
  private final double smoothing;
  private final double tolerance;
  private final int[] queueSizes;
  private final ExpAverage shortRtt;
  private final ExpAverage longRtt;
  private double estimate;

  Gradient2Estimator(AdaptiveLimiterConfig config) {
    this.minLimit = config.minLimit();
    this.maxLimit = config.maxLimit();
    this.smoothing = config.smoothing();
    this.tolerance = config.rttTolerance();
    this.queueSizes = config.queueSizes();
    this.shortRtt = new ExpAverage(config.shortWindow(), WARMUP_SAMPLES);
    this.longRtt = new ExpAverage(config.longWindow(), WARMUP_SAMPLES);
    this.estimate = config.initialLimit();
  }

  @Override
  public int update(long rttNanos, int inflight, boolean dropped) {
    double shortAvg = shortRtt.add(rttNanos);
    double longAvg = longRtt.add(rttNanos);
    if (longAvg / shortAvg > 2) {
      longRtt.scale(0.9);
    }
    if (inflight < estimate / 2) {
      return (int) estimate;
    }
    double gradient = Math.max(0.5, Math.min(1.0, tolerance * longAvg / shortAvg));
    double target = estimate * gradient + queueSizes[(int) estimate - minLimit];
    double next = estimate * (1 - smoothing) + target * smoothing;
    estimate = Math.max(minLimit, Math.min(maxLimit, next));
    return (int) estimate;
  }

  /** The short-term RTT average, in nanoseconds. */
  double shortRtt() {
    return shortRtt.value();
  }

  /** The long-term RTT average, in nanoseconds. */
  double longRtt() {
    return longRtt.value();
  }
}
