package dev.faultline.core.retry;

import dev.faultline.core.ConfigurationException;
import dev.faultline.core.internal.Durations;
import dev.faultline.core.internal.Validate;
import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * How long a {@link Retry} waits before each retry: none, fixed, exponential (optionally with full jitter), or
 * decorrelated jitter.
 *
 * <p>With retry number {@code n} (1 for the first retry):
 * <ul>
 *   <li>{@linkplain #none() none}: {@code 0};
 *   <li>{@linkplain #fixed fixed}: {@code delay};
 *   <li>{@linkplain #exponential exponential}: {@code min(max, initial * multiplier^(n-1))};
 *   <li>{@linkplain #withFullJitter() full jitter} (of fixed or exponential): a uniform draw in {@code [0, d)} where
 *       {@code d} is the delay without jitter ("full jitter" in the AWS Architecture Blog's "Exponential Backoff And
 *       Jitter");
 *   <li>{@linkplain #decorrelatedJitter decorrelated jitter}: {@code min(max, uniform[base, 3 * previous))} with
 *       {@code previous = base} before the first retry (the same article's "decorrelated jitter").
 * </ul>
 * The random draws come from the {@link RandomGenerator} given to {@link Retry.Builder#random}, so that tests can
 * seed it.
 *
 * <p>A duration too long to count in nanoseconds (over about 292 years, such as
 * {@code Duration.ofSeconds(Long.MAX_VALUE)} for "no cap") counts as {@link Long#MAX_VALUE} nanoseconds, and
 * {@link #initial()} and {@link #max()} report it so.
 *
 * <p>Immutable and thread-safe. The factories validate their arguments and throw {@link ConfigurationException}
 * naming the field ({@code backoff.delay}, {@code backoff.initial}, ...), the rule and the value.
 */
public final class Backoff {

  /** The shape of a backoff. */
  public enum Kind {
    /** No wait between attempts. */
    NONE,
    /** The same wait before each retry. */
    FIXED,
    /** A wait that grows by a constant factor up to a cap. */
    EXPONENTIAL,
    /** AWS-style decorrelated jitter: each wait is drawn from {@code [base, 3 * previous wait)}, up to a cap. */
    DECORRELATED_JITTER
  }

  private static final Backoff NONE = new Backoff(Kind.NONE, 0L, 1.0, 0L, false);

  private final Kind kind;
  private final long initialNanos;
  private final double multiplier;
  private final long maxNanos;
  private final boolean fullJitter;

  private Backoff(Kind kind, long initialNanos, double multiplier, long maxNanos, boolean fullJitter) {
    this.kind = kind;
    this.initialNanos = initialNanos;
    this.multiplier = multiplier;
    this.maxNanos = maxNanos;
    this.fullJitter = fullJitter;
  }

  /** No wait: each retry starts as soon as the previous attempt failed. */
  public static Backoff none() {
    return NONE;
  }

  /** The same {@code delay} (zero or more) before every retry. */
  public static Backoff fixed(Duration delay) {
    long nanos = Durations.toNanosSaturated(Validate.notNegative("backoff.delay", delay));
    return new Backoff(Kind.FIXED, nanos, 1.0, nanos, false);
  }

  /**
   * A delay of {@code initial} before the first retry, multiplied by {@code multiplier} (at least 1) for each further
   * retry, and never more than {@code max} (at least {@code initial}).
   */
  public static Backoff exponential(Duration initial, double multiplier, Duration max) {
    long initialNanos = Durations.toNanosSaturated(Validate.positive("backoff.initial", initial));
    Validate.between("backoff.multiplier", multiplier, 1.0, 1_000.0);
    long maxNanos = Durations.toNanosSaturated(Validate.positive("backoff.max", max));
    Validate.ordered("backoff.initial", initialNanos, "backoff.max", maxNanos);
    return new Backoff(Kind.EXPONENTIAL, initialNanos, multiplier, maxNanos, false);
  }

  /**
   * AWS-style decorrelated jitter: each delay is a uniform draw in {@code [base, 3 * previous delay)}, capped at
   * {@code max} (at least {@code base}); the first draw is in {@code [base, 3 * base)}.
   */
  public static Backoff decorrelatedJitter(Duration base, Duration max) {
    long baseNanos = Durations.toNanosSaturated(Validate.positive("backoff.base", base));
    long maxNanos = Durations.toNanosSaturated(Validate.positive("backoff.max", max));
    Validate.ordered("backoff.base", baseNanos, "backoff.max", maxNanos);
    return new Backoff(Kind.DECORRELATED_JITTER, baseNanos, 3.0, maxNanos, false);
  }

  /**
   * This fixed or exponential backoff with full jitter: each delay is a uniform draw in {@code [0, d)}, where
   * {@code d} is the delay this backoff would give without jitter.
   *
   * @throws ConfigurationException if this backoff is {@code none} or decorrelated jitter
   */
  public Backoff withFullJitter() {
    if (kind != Kind.FIXED && kind != Kind.EXPONENTIAL) {
      throw new ConfigurationException("backoff.jitter", "apply only to a fixed or exponential backoff", kind);
    }
    return new Backoff(kind, initialNanos, multiplier, maxNanos, true);
  }

  /** The shape of this backoff. */
  public Kind kind() {
    return kind;
  }

  /** The first delay (fixed: the delay; decorrelated jitter: the base; none: zero). */
  public Duration initial() {
    return Duration.ofNanos(initialNanos);
  }

  /** The growth factor between delays (1 for fixed and none, 3 for decorrelated jitter). */
  public double multiplier() {
    return multiplier;
  }

  /** The largest delay this backoff gives. */
  public Duration max() {
    return Duration.ofNanos(maxNanos);
  }

  /** Whether fixed or exponential delays are replaced by a uniform draw below them. */
  public boolean fullJitter() {
    return fullJitter;
  }

  /** Whether computing a delay draws random numbers. */
  boolean random() {
    return fullJitter || kind == Kind.DECORRELATED_JITTER;
  }

  /**
   * The delay before retry number {@code retry} (1 for the first), in nanoseconds.
   *
   * @param previousNanos the delay before the previous retry (ignored for the first retry)
   */
  long delayNanos(int retry, long previousNanos, RandomGenerator random) {
    switch (kind) {
      case NONE:
        return 0L;
      case FIXED:
        return fullJitter ? draw(random, 0L, initialNanos) : initialNanos;
      case EXPONENTIAL: {
        double grown = initialNanos * Math.pow(multiplier, retry - 1);
        long delay = grown >= maxNanos ? maxNanos : (long) grown;
        return fullJitter ? draw(random, 0L, delay) : delay;
      }
      case DECORRELATED_JITTER: {
        long previous = retry <= 1 ? initialNanos : Math.max(initialNanos, previousNanos);
        long upper = previous > Long.MAX_VALUE / 3 ? Long.MAX_VALUE : previous * 3;
        return Math.min(maxNanos, draw(random, initialNanos, upper));
      }
      default:
        throw new AssertionError(kind);
    }
  }

  /** A uniform draw in {@code [low, high)}, or {@code low} if the range is empty. */
  private static long draw(RandomGenerator random, long low, long high) {
    if (high <= low) {
      return low;
    }
    long delay = low + (long) (random.nextDouble() * (high - low));
    return Math.min(delay, high - 1);
  }

  @Override
  public boolean equals(Object other) {
    if (!(other instanceof Backoff)) {
      return false;
    }
    Backoff that = (Backoff) other;
    return kind == that.kind && initialNanos == that.initialNanos && Double.compare(multiplier, that.multiplier) == 0
        && maxNanos == that.maxNanos && fullJitter == that.fullJitter;
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, initialNanos, multiplier, maxNanos, fullJitter);
  }

  @Override
  public String toString() {
    switch (kind) {
      case NONE:
        return "Backoff[none]";
      case FIXED:
        return "Backoff[fixed " + initial() + (fullJitter ? ", full jitter]" : "]");
      case EXPONENTIAL:
        return "Backoff[exponential " + initial() + " x" + multiplier + " up to " + max()
            + (fullJitter ? ", full jitter]" : "]");
      default:
        return "Backoff[decorrelated jitter " + initial() + " up to " + max() + "]";
    }
  }
}
