package dev.faultline.supervisor;

import dev.faultline.core.internal.Durations;
import dev.faultline.core.internal.Validate;
import dev.faultline.core.ConfigurationException;
import java.time.Duration;

/**
 * The delay before each restart of a child: exponential from {@code initial} by {@code multiplier} up to {@code max},
 * with jitter that only shortens the delay, so that it never exceeds {@code max}; the count restarts from the initial
 * delay once the child has run healthy for {@code resetAfter} (as Flink's exponential-delay restart strategy does).
 *
 * <p>The {@code n}-th restart (counting from 1) waits {@code d = min(max, initial * multiplier^(n-1))} shortened by a
 * random fraction of at most {@code jitter}: a delay in {@code [d * (1 - jitter), d]}.
 *
 * <p>Immutable and thread-safe.
 */
public final class RestartBackoff {
  private final Duration initial;
  private final Duration max;
  private final double multiplier;
  private final double jitter;
  private final Duration resetAfter;

  private RestartBackoff(Duration initial, Duration max, double multiplier, double jitter, Duration resetAfter) {
    this.initial = initial;
    this.max = max;
    this.multiplier = multiplier;
    this.jitter = jitter;
    this.resetAfter = resetAfter;
  }

  /**
   * An exponential backoff.
   *
   * @param initial the first delay (zero or more)
   * @param max the cap (at least {@code initial})
   * @param multiplier the growth per restart (at least 1)
   * @param jitter the largest fraction by which a delay is shortened (0 to 1)
   * @param resetAfter how long a child must run to count as healthy again (positive)
   * @throws ConfigurationException naming the field, the rule and the value when a setting is invalid
   */
  public static RestartBackoff exponential(Duration initial, Duration max, double multiplier, double jitter,
      Duration resetAfter) {
    Validate.notNegative("initial", initial);
    Validate.notNegative("max", max);
    if (max.compareTo(initial) < 0) {
      throw new ConfigurationException("max", "be at least initial (" + initial + ")", max);
    }
    Validate.atLeast("multiplier", multiplier, 1.0);
    if (Double.isInfinite(multiplier)) {
      throw new ConfigurationException("multiplier", "be finite", multiplier);
    }
    Validate.between("jitter", jitter, 0.0, 1.0);
    Validate.positive("resetAfter", resetAfter);
    return new RestartBackoff(initial, max, multiplier, jitter, resetAfter);
  }

  /** No delay: children are restarted at once (Erlang's default). */
  public static RestartBackoff none() {
    return new RestartBackoff(Duration.ZERO, Duration.ZERO, 1.0, 0.0, Duration.ofSeconds(1));
  }

  /** How long a child must run to count as healthy, after which its restart count starts over. */
  public Duration resetAfter() {
    return resetAfter;
  }

  /**
   * The delay in nanoseconds before restart number {@code attempt} (from 1), with {@code random} in {@code [0, 1)}
   * choosing the jitter.
   */
  public long delayNanos(int attempt, double random) {
    long cap = Durations.toNanosSaturated(max);
    double base = Durations.toNanosSaturated(initial) * Math.pow(multiplier, Math.max(0, attempt - 1));
    double capped = Math.min(cap, base);
    double jittered = capped * (1.0 - jitter * random);
    return Math.max(0L, Math.min(cap, (long) jittered));
  }

  @Override
  public String toString() {
    return "RestartBackoff{initial=" + initial + ", max=" + max + ", multiplier=" + multiplier + ", jitter=" + jitter
        + ", resetAfter=" + resetAfter + "}";
  }
}
