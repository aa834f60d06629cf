package dev.faultline.core.limit;

import dev.faultline.core.Clock;
import dev.faultline.core.event.FaultEventListener;
import java.util.List;

/**
 * The immutable configuration of an {@link AdaptiveLimiter}, as checked by {@link AdaptiveLimiter.Builder#build()}.
 * Options of the algorithm not chosen hold their defaults and are not used. Thread-safe.
 */
public final class AdaptiveLimiterConfig {
  private final String name;
  private final LimitAlgorithm algorithm;
  private final int initialLimit;
  private final int minLimit;
  private final int maxLimit;
  private final double smoothing;
  private final double rttTolerance;
  private final int shortWindow;
  private final int longWindow;
  private final int[] queueSizes;
  private final int alpha;
  private final int beta;
  private final int probeMultiplier;
  private final Clock clock;
  private final List<FaultEventListener> listeners;

  AdaptiveLimiterConfig(String name, LimitAlgorithm algorithm, int initialLimit, int minLimit, int maxLimit,
      double smoothing, double rttTolerance, int shortWindow, int longWindow, int[] queueSizes, int alpha, int beta,
      int probeMultiplier, Clock clock, List<FaultEventListener> listeners) {
    this.name = name;
    this.algorithm = algorithm;
    this.initialLimit = initialLimit;
    this.minLimit = minLimit;
    this.maxLimit = maxLimit;
    this.smoothing = smoothing;
    this.rttTolerance = rttTolerance;
    this.shortWindow = shortWindow;
    this.longWindow = longWindow;
    this.queueSizes = queueSizes.clone();
    this.alpha = alpha;
    this.beta = beta;
    this.probeMultiplier = probeMultiplier;
    this.clock = clock;
    this.listeners = List.copyOf(listeners);
  }

  /** The name of the limiter. */
  public String name() {
    return name;
  }

  /** The algorithm that adapts the limit. */
  public LimitAlgorithm algorithm() {
    return algorithm;
  }

  /** The limit to start with. */
  public int initialLimit() {
    return initialLimit;
  }

  /** The lowest the limit may go. */
  public int minLimit() {
    return minLimit;
  }

  /** The highest the limit may go. */
  public int maxLimit() {
    return maxLimit;
  }

  /** The fraction of the way to the algorithm's target taken per sample. */
  public double smoothing() {
    return smoothing;
  }

  /** Gradient2: how much the short-term RTT may exceed the long-term one before the limit shrinks. */
  public double rttTolerance() {
    return rttTolerance;
  }

  /** Gradient2: the samples of the short-term RTT average. */
  public int shortWindow() {
    return shortWindow;
  }

  /** Gradient2: the samples of the long-term RTT average. */
  public int longWindow() {
    return longWindow;
  }

  /**
   * Gradient2: the queue allowed on top of {@code limit} (0 with Vegas, which does not use it).
   *
   * @throws IllegalArgumentException if {@code limit} is outside [minLimit, maxLimit]
   */
  public int queueSize(int limit) {
    if (algorithm != LimitAlgorithm.GRADIENT2) {
      return 0;
    }
    if (limit < minLimit || limit > maxLimit) {
      throw new IllegalArgumentException("limit must be between " + minLimit + " and " + maxLimit + ", but was "
          + limit);
    }
    return queueSizes[limit - minLimit];
  }

  /** The queue sizes by limit, index {@code limit - minLimit}; shared, not copied: callers must not change it. */
  int[] queueSizes() {
    return queueSizes;
  }

  /** Vegas: the factor of {@code log10(limit)} below which the estimated queue lets the limit grow. */
  public int alpha() {
    return alpha;
  }

  /** Vegas: the factor of {@code log10(limit)} above which the estimated queue makes the limit shrink. */
  public int beta() {
    return beta;
  }

  /** Vegas: the no-load RTT is probed again about every {@code probeMultiplier * limit} samples. */
  public int probeMultiplier() {
    return probeMultiplier;
  }

  /** The clock that times calls and stamps events. */
  public Clock clock() {
    return clock;
  }

  /** The listeners of the limiter's events. */
  public List<FaultEventListener> listeners() {
    return listeners;
  }

  @Override
  public String toString() {
    String common = "AdaptiveLimiterConfig[name=" + name + ", algorithm=" + algorithm + ", initialLimit="
        + initialLimit + ", minLimit=" + minLimit + ", maxLimit=" + maxLimit + ", smoothing=" + smoothing;
    if (algorithm == LimitAlgorithm.GRADIENT2) {
      return common + ", rttTolerance=" + rttTolerance + ", shortWindow=" + shortWindow + ", longWindow=" + longWindow
          + "]";
    }
    return common + ", alpha=" + alpha + ", beta=" + beta + ", probeMultiplier=" + probeMultiplier + "]";
  }
}
