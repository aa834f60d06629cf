package dev.faultline.core.limit;

import java.util.SplittableRandom;

/**
 * The {@link LimitAlgorithm#VEGAS} estimator.
 *
 * <p>{@code rttNoLoad} is the lowest RTT seen; a sample below it replaces it (and changes nothing else). Otherwise the
 * queue is estimated as {@code ceil(limit * (1 - rttNoLoad / rtt))} and, with {@code L = max(1, floor(log10(limit)))}:
 * <ul>
 *   <li>a dropped or failed call: the target is {@code limit - L};
 *   <li>fewer than half the limit in flight: no change (the limit is not what holds the calls back);
 *   <li>{@code queue <= L}: no queueing, grow fast, target {@code limit + beta * L};
 *   <li>{@code queue < alpha * L}: grow slowly, target {@code limit + L};
 *   <li>{@code queue > beta * L}: queueing, target {@code limit - L};
 *   <li>otherwise: no change.
 * </ul>
 * The target is clamped to [min, max] and the limit moves a {@code smoothing} fraction of the way there. Every
 * {@code probeMultiplier * limit} samples or so (times a jitter in [0.5, 1) so that instances do not probe in step)
 * the next sample becomes the new {@code rttNoLoad}, so that the baseline can rise when the downstream got slower for
 * good. The jitter comes from a generator seeded by the limiter's name, so runs are reproducible.
 *
 * <p>Not thread-safe (see {@link LimitEstimator}).
 */
final class VegasEstimator implements LimitEstimator {
  private final int minLimit;
  private final int maxLimit;
  private final double smoothing;
  private final int alpha;
  private final int beta;
  private final int probeMultiplier;
  private final SplittableRandom random;
  private double estimate;
  private long rttNoLoad;
  private long samplesSinceProbe;
  private double probeJitter;

  VegasEstimator(AdaptiveLimiterConfig config) {
    this.minLimit = config.minLimit();
    this.maxLimit = config.maxLimit();
    this.smoothing = config.smoothing();
    this.alpha = config.alpha();
    this.beta = config.beta();
    this.probeMultiplier = config.probeMultiplier();
    this.random = new SplittableRandom(config.name().hashCode());
    this.estimate = config.initialLimit();
    this.probeJitter = nextJitter();
  }

  private double nextJitter() {
    return 0.5 + random.nextDouble() * 0.5;
  }

  /** {@code max(1, floor(log10(limit)))}: the unit by which Vegas moves the limit. */
  static int log10(int limit) {
    return Math.max(1, (int) Math.log10(limit));
  }

  @Override
  public int update(long rttNanos, int inflight, boolean dropped) {
    int limit = (int) estimate;
    samplesSinceProbe++;
    if (samplesSinceProbe >= probeJitter * probeMultiplier * estimate) {
      samplesSinceProbe = 0;
      probeJitter = nextJitter();
      rttNoLoad = rttNanos;
      return limit;
    }
    if (rttNoLoad == 0 || rttNanos < rttNoLoad) {
      rttNoLoad = rttNanos;
      return limit;
    }
    int unit = log10(limit);
    double target;
    if (dropped) {
      target = estimate - unit;
    } else if (inflight * 2 < estimate) {
      return limit;
    } else {
      double queue = Math.ceil(estimate * (1 - (double) rttNoLoad / rttNanos));
      // In long: alpha and beta may be as large as Integer.MAX_VALUE, and alpha * unit or beta * unit would wrap.
      if (queue <= unit) {
        target = estimate + (long) beta * unit;
      } else if (queue < (long) alpha * unit) {
        target = estimate + unit;
      } else if (queue > (long) beta * unit) {
        target = estimate - unit;
      } else {
        return limit;
      }
    }
    target = Math.max(minLimit, Math.min(maxLimit, target));
    // Clamped again: rounding may put the blend of two values within the bounds a hair outside them.
    estimate = Math.max(minLimit, Math.min(maxLimit, (1 - smoothing) * estimate + smoothing * target));
    return (int) estimate;
  }

  /** The no-load RTT, in nanoseconds (0 before the first sample). */
  long rttNoLoad() {
    return rttNoLoad;
  }
}
