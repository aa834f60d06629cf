package dev.faultline.core.limit;

import dev.faultline.core.Clock;
import dev.faultline.core.ConfigurationException;
import dev.faultline.core.Policy;
import dev.faultline.core.event.FaultEventListener;
import dev.faultline.core.internal.Validate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntUnaryOperator;

/**
 * A policy that bounds the calls in flight by a limit that adapts to latency, after Netflix's concurrency-limits: a
 * call is admitted while fewer than {@code limit} calls are in flight, else rejected at once with
 * {@link LimitExceededException} (publishing {@link dev.faultline.core.event.PolicyEvent.CallRejected}).
 *
 * <p>When a call ends, its round-trip time (by the injected {@link Clock}), the number in flight when it was
 * admitted, and whether it failed feed the {@linkplain LimitAlgorithm algorithm}, which moves the limit, always within
 * [{@code minLimit}, {@code maxLimit}]. Each change of the integer limit publishes
 * {@link dev.faultline.core.event.PolicyEvent.LimitChanged}. An asynchronous call ends when its stage completes;
 * cancellation counts as a failure. Fatal errors end a call without feeding the algorithm.
 *
 * <p>Thread-safe. Admission is lock-free; updating the limit never blocks: a sample that arrives while another thread
 * is updating the limit is skipped (under such contention samples are plentiful), and {@code LimitChanged} events from
 * concurrent updates may reach listeners out of order (each carries its own {@code from} and {@code to}).
 */
public interface AdaptiveLimiter extends Policy {

  /** Starts a builder for an adaptive limiter named {@code name}. */
  static Builder builder(String name) {
    return new Builder(name);
  }

  /** The configuration of this limiter. */
  AdaptiveLimiterConfig config();

  /** A snapshot of this limiter's state and counters. */
  Metrics metrics();

  /**
   * The state and counters of an adaptive limiter.
   *
   * @param limit the current limit
   * @param inflight calls in flight now
   * @param calls calls submitted, rejected ones included
   * @param rejections calls rejected because the limit was reached
   */
  record Metrics(int limit, int inflight, long calls, long rejections) {}

  /** Builds an {@link AdaptiveLimiter}. Not thread-safe. */
  final class Builder {
    /** The highest {@code maxLimit} accepted: far beyond any useful concurrency, and it bounds a lookup table. */
    static final int MAX_LIMIT = 1_000_000;

    private final String name;
    private LimitAlgorithm algorithm = LimitAlgorithm.GRADIENT2;
    private int initialLimit = 20;
    private int minLimit = 1;
    private int maxLimit = 200;
    private Double smoothing;
    private Double rttTolerance;
    private Integer shortWindow;
    private Integer longWindow;
    private Integer queueSize;
    private IntUnaryOperator queueSizeFunction;
    private Integer alpha;
    private Integer beta;
    private Integer probeMultiplier;
    private Clock clock = Clock.system();
    private final List<FaultEventListener> listeners = new ArrayList<>();

    private Builder(String name) {
      this.name = name;
    }

    /** The algorithm (default {@link LimitAlgorithm#GRADIENT2}). */
    public Builder algorithm(LimitAlgorithm algorithm) {
      this.algorithm = algorithm;
      return this;
    }

    /** The limit to start with (default 20; within [minLimit, maxLimit]). */
    public Builder initialLimit(int initialLimit) {
      this.initialLimit = initialLimit;
      return this;
    }

    /** The lowest the limit may go (default 1; at least 1). */
    public Builder minLimit(int minLimit) {
      this.minLimit = minLimit;
      return this;
    }

    /** The highest the limit may go (default 200; at least minLimit, at most 1,000,000). */
    public Builder maxLimit(int maxLimit) {
      this.maxLimit = maxLimit;
      return this;
    }

    /**
     * The fraction of the way from the current limit to the algorithm's target taken per sample (greater than 0, at
     * most 1; default 0.2 for Gradient2, 1 for Vegas).
     */
    public Builder smoothing(double smoothing) {
      this.smoothing = smoothing;
      return this;
    }

    /** Gradient2 only: how much the short-term RTT may exceed the long-term one before the limit shrinks (default 1.5; at least 1). */
    public Builder rttTolerance(double rttTolerance) {
      this.rttTolerance = rttTolerance;
      return this;
    }

    /** Gradient2 only: the samples of the short-term RTT average (default 1: the latest sample; at most longWindow). */
    public Builder shortWindow(int shortWindow) {
      this.shortWindow = shortWindow;
      return this;
    }

    /** Gradient2 only: the samples of the long-term RTT average, the baseline (default 600). */
    public Builder longWindow(int longWindow) {
      this.longWindow = longWindow;
      return this;
    }

    /** Gradient2 only: the queue allowed on top of the limit, by which the limit grows while latency holds (default 4). */
    public Builder queueSize(int queueSize) {
      this.queueSize = queueSize;
      this.queueSizeFunction = null;
      return this;
    }

    /**
     * Gradient2 only: the queue allowed as a function of the current limit, for example {@code l -> (int)
     * Math.sqrt(l)}. It is evaluated once per limit in [minLimit, maxLimit] by {@link #build()}, which rejects a
     * negative result.
     */
    public Builder queueSize(IntUnaryOperator queueSize) {
      this.queueSizeFunction = queueSize;
      this.queueSize = null;
      return this;
    }

    /** Vegas only: below {@code alpha * log10(limit)} queued calls, the limit grows (default 3; at least 1). */
    public Builder alpha(int alpha) {
      this.alpha = alpha;
      return this;
    }

    /** Vegas only: above {@code beta * log10(limit)} queued calls, the limit shrinks (default 6; at least alpha). */
    public Builder beta(int beta) {
      this.beta = beta;
      return this;
    }

    /** Vegas only: the no-load RTT is probed again about every {@code probeMultiplier * limit} samples (default 30). */
    public Builder probeMultiplier(int probeMultiplier) {
      this.probeMultiplier = probeMultiplier;
      return this;
    }

    /** The clock that times calls and stamps events (default {@link Clock#system()}). */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** Adds a listener of this limiter's events; may be called several times. */
    public Builder listener(FaultEventListener listener) {
      listeners.add(Validate.notNull("listener", listener));
      return this;
    }

    /**
     * Checks the configuration and builds the limiter. Options of the other algorithm are refused, naming it.
     *
     * @throws ConfigurationException naming the field, the rule and the value that broke it
     */
    public AdaptiveLimiter build() {
      Validate.notBlank("name", name);
      Validate.notNull("algorithm", algorithm);
      Validate.atLeast("minLimit", minLimit, 1);
      Validate.ordered("minLimit", minLimit, "maxLimit", maxLimit);
      if (maxLimit > MAX_LIMIT) {
        throw new ConfigurationException("maxLimit", "be at most " + MAX_LIMIT, maxLimit);
      }
      if (initialLimit < minLimit || initialLimit > maxLimit) {
        throw new ConfigurationException("initialLimit",
            "be between minLimit (" + minLimit + ") and maxLimit (" + maxLimit + ")", initialLimit);
      }
      boolean gradient = algorithm == LimitAlgorithm.GRADIENT2;
      double resolvedSmoothing = smoothing != null ? smoothing : gradient ? 0.2 : 1.0;
      if (!(resolvedSmoothing > 0 && resolvedSmoothing <= 1)) {
        throw new ConfigurationException("smoothing", "be greater than 0 and at most 1", resolvedSmoothing);
      }
      onlyFor(LimitAlgorithm.GRADIENT2, "rttTolerance", rttTolerance);
      onlyFor(LimitAlgorithm.GRADIENT2, "shortWindow", shortWindow);
      onlyFor(LimitAlgorithm.GRADIENT2, "longWindow", longWindow);
      onlyFor(LimitAlgorithm.GRADIENT2, "queueSize", queueSize != null ? queueSize : queueSizeFunction);
      onlyFor(LimitAlgorithm.VEGAS, "alpha", alpha);
      onlyFor(LimitAlgorithm.VEGAS, "beta", beta);
      onlyFor(LimitAlgorithm.VEGAS, "probeMultiplier", probeMultiplier);

      double resolvedTolerance = Validate.atLeast("rttTolerance", rttTolerance != null ? rttTolerance : 1.5, 1.0);
      int resolvedLong = Validate.atLeast("longWindow", longWindow != null ? longWindow : 600, 1);
      int resolvedShort = Validate.atLeast("shortWindow", shortWindow != null ? shortWindow : 1, 1);
      Validate.ordered("shortWindow", resolvedShort, "longWindow", resolvedLong);
      int[] queueSizes = gradient ? queueSizes() : new int[0];
      int resolvedAlpha = Validate.atLeast("alpha", alpha != null ? alpha : 3, 1);
      int resolvedBeta = beta != null ? beta : 6;
      Validate.ordered("alpha", resolvedAlpha, "beta", resolvedBeta);
      int resolvedProbe = Validate.atLeast("probeMultiplier", probeMultiplier != null ? probeMultiplier : 30, 1);
      Validate.notNull("clock", clock);

      AdaptiveLimiterConfig config = new AdaptiveLimiterConfig(name, algorithm, initialLimit, minLimit, maxLimit,
          resolvedSmoothing, resolvedTolerance, resolvedShort, resolvedLong, queueSizes, resolvedAlpha, resolvedBeta,
          resolvedProbe, clock, listeners);
      return new DefaultAdaptiveLimiter(config);
    }

    private void onlyFor(LimitAlgorithm owner, String field, Object value) {
      if (value != null && algorithm != owner) {
        throw new ConfigurationException(field, "be left unset with algorithm " + algorithm + " (it applies to "
            + owner + " only)", value);
      }
    }

    /** The queue size for every limit in [minLimit, maxLimit], index {@code limit - minLimit}. */
    private int[] queueSizes() {
      int[] sizes = new int[maxLimit - minLimit + 1];
      if (queueSizeFunction == null) {
        int fixed = Validate.atLeast("queueSize", queueSize != null ? queueSize : 4, 0);
        Arrays.fill(sizes, fixed);
        return sizes;
      }
      for (int limit = minLimit; limit <= maxLimit; limit++) {
        int size = queueSizeFunction.applyAsInt(limit);
        if (size < 0) {
          throw new ConfigurationException("queueSize", "be at least 0 for every limit (limit " + limit + ")", size);
        }
        sizes[limit - minLimit] = size;
      }
      return sizes;
    }
  }
}
