package dev.faultline.supervisor.heartbeat;

import dev.faultline.core.internal.Validate;
import dev.faultline.core.ConfigurationException;
import java.time.Duration;

/**
 * The immutable settings of a {@link PhiAccrualDetector}: the phi threshold above which a peer is suspected, how many
 * inter-arrival samples are kept, the floor of the standard deviation, the pause accepted on top of the mean interval,
 * and the estimate of the first interval used before any heartbeat was measured. The names and defaults are those of
 * Akka's and Pekko's detectors (threshold 8, 1000 samples, 100 ms, 3 s, 1 s).
 *
 * <p>Immutable and thread-safe; its {@link Builder} is not thread-safe.
 */
public final class PhiAccrualConfig {
  private final double threshold;
  private final int maxSampleSize;
  private final Duration minStdDeviation;
  private final Duration acceptableHeartbeatPause;
  private final Duration firstHeartbeatEstimate;

  private PhiAccrualConfig(Builder b) {
    this.threshold = b.threshold;
    this.maxSampleSize = b.maxSampleSize;
    this.minStdDeviation = b.minStdDeviation;
    this.acceptableHeartbeatPause = b.acceptableHeartbeatPause;
    this.firstHeartbeatEstimate = b.firstHeartbeatEstimate;
  }

  /** A builder with the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** The settings with every default. */
  public static PhiAccrualConfig defaults() {
    return builder().build();
  }

  /** Phi at or above which the peer is suspected. */
  public double threshold() {
    return threshold;
  }

  /** How many inter-arrival intervals are kept; older ones are dropped. */
  public int maxSampleSize() {
    return maxSampleSize;
  }

  /** The least standard deviation used, so that very regular heartbeats do not make phi jump at the first delay. */
  public Duration minStdDeviation() {
    return minStdDeviation;
  }

  /** A pause added to the mean interval before phi starts to rise (tolerates GC pauses and network hiccups). */
  public Duration acceptableHeartbeatPause() {
    return acceptableHeartbeatPause;
  }

  /** The interval assumed before any was measured; the history starts with two samples around it. */
  public Duration firstHeartbeatEstimate() {
    return firstHeartbeatEstimate;
  }

  @Override
  public String toString() {
    return "PhiAccrualConfig{threshold=" + threshold + ", maxSampleSize=" + maxSampleSize + ", minStdDeviation="
        + minStdDeviation + ", acceptableHeartbeatPause=" + acceptableHeartbeatPause + ", firstHeartbeatEstimate="
        + firstHeartbeatEstimate + "}";
  }

  /** Builds a {@link PhiAccrualConfig}; not thread-safe. */
  public static final class Builder {
    private double threshold = 8.0;
    private int maxSampleSize = 1000;
    private Duration minStdDeviation = Duration.ofMillis(100);
    private Duration acceptableHeartbeatPause = Duration.ofSeconds(3);
    private Duration firstHeartbeatEstimate = Duration.ofSeconds(1);

    private Builder() {}

    /** Sets the phi threshold (greater than 0; default 8). */
    public Builder threshold(double threshold) {
      this.threshold = threshold;
      return this;
    }

    /** Sets how many intervals are kept (at least 1; default 1000). */
    public Builder maxSampleSize(int maxSampleSize) {
      this.maxSampleSize = maxSampleSize;
      return this;
    }

    /** Sets the floor of the standard deviation (positive; default 100 ms). */
    public Builder minStdDeviation(Duration minStdDeviation) {
      this.minStdDeviation = minStdDeviation;
      return this;
    }

    /** Sets the acceptable pause (zero or more; default 3 s). */
    public Builder acceptableHeartbeatPause(Duration acceptableHeartbeatPause) {
      this.acceptableHeartbeatPause = acceptableHeartbeatPause;
      return this;
    }

    /** Sets the first-interval estimate (positive; default 1 s). */
    public Builder firstHeartbeatEstimate(Duration firstHeartbeatEstimate) {
      this.firstHeartbeatEstimate = firstHeartbeatEstimate;
      return this;
    }

    /**
     * Checks every setting and returns the immutable config.
     *
     * @throws ConfigurationException naming the field, the rule and the value when a setting is invalid
     */
    public PhiAccrualConfig build() {
      Validate.above("threshold", threshold, 0.0);
      if (Double.isInfinite(threshold)) {
        throw new ConfigurationException("threshold", "be finite", threshold);
      }
      Validate.atLeast("maxSampleSize", maxSampleSize, 1);
      Validate.positive("minStdDeviation", minStdDeviation);
      Validate.notNegative("acceptableHeartbeatPause", acceptableHeartbeatPause);
      Validate.positive("firstHeartbeatEstimate", firstHeartbeatEstimate);
      return new PhiAccrualConfig(this);
    }
  }
}
