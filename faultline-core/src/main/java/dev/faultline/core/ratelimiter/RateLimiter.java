package dev.faultline.core.ratelimiter;

import dev.faultline.core.Clock;
import dev.faultline.core.ConfigurationException;
import dev.faultline.core.Policy;
import dev.faultline.core.Scheduler;
import dev.faultline.core.event.FaultEventListener;
import dev.faultline.core.internal.Validate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A policy that limits the rate of calls with a smooth token bucket: {@code permits} permits per {@code period},
 * one every {@code period / permits}, stored up to {@code burst} permits while unused.
 *
 * <p>Each call takes one permit. A full bucket lets {@code burst} calls through at once; after that, permits come
 * evenly spaced. A call that would have to wait for its permit waits, up to {@linkplain Builder#maxWait maxWait}
 * (default zero); a call that would have to wait longer is rejected at once with {@link RateLimitedException},
 * publishing {@link dev.faultline.core.event.PolicyEvent.CallRejected}, and takes no permit. The bucket starts full.
 *
 * <p>A synchronous call waits with {@link Clock#sleep(long)} in the calling thread (so a fake clock advances); an
 * asynchronous call is started after its wait by the injected {@link Scheduler}. A permit, once reserved, is spent even
 * if the waiting caller is interrupted or cancels the returned stage.
 *
 * <p>Thread-safe, lock-free: a permit is reserved by one compare-and-set of the time at which the bucket is empty.
 */
public interface RateLimiter extends Policy {

  /** Starts a builder for a rate limiter named {@code name}. */
  static Builder builder(String name) {
    return new Builder(name);
  }

  /** The configuration of this rate limiter. */
  RateLimiterConfig config();

  /** A snapshot of this rate limiter's state and counters. */
  Metrics metrics();

  /**
   * The state and counters of a rate limiter.
   *
   * @param availablePermits permits stored now; negative when callers have reserved permits ahead and are waiting
   * @param calls calls submitted, rejected ones included
   * @param waits calls that waited for their permit
   * @param rejections calls rejected because their permit was further away than maxWait
   */
  record Metrics(long availablePermits, long calls, long waits, long rejections) {}

  /** Builds a {@link RateLimiter}. Not thread-safe. */
  final class Builder {
    private final String name;
    private int permits;
    private Duration period;
    private Integer burst;
    private Duration maxWait = Duration.ZERO;
    private Clock clock = Clock.system();
    private Scheduler scheduler = Scheduler.system();
    private final List<FaultEventListener> listeners = new ArrayList<>();

    private Builder(String name) {
      this.name = name;
    }

    /** The rate (required): {@code permits} permits per {@code period}, for example 100 per second. */
    public Builder rate(int permits, Duration period) {
      this.permits = permits;
      this.period = period;
      return this;
    }

    /** The most permits stored while unused, which may be taken at once (default: the permits of one period). */
    public Builder burst(int burst) {
      this.burst = burst;
      return this;
    }

    /** How long a call may wait for its permit before it is rejected (default zero: rejected at once). */
    public Builder maxWait(Duration maxWait) {
      this.maxWait = maxWait;
      return this;
    }

    /** The clock that measures the rate, waits synchronous calls and stamps events (default {@link Clock#system()}). */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** The scheduler that starts asynchronous calls after their wait (default {@link Scheduler#system()}). */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = scheduler;
      return this;
    }

    /** Adds a listener of this rate limiter's events; may be called several times. */
    public Builder listener(FaultEventListener listener) {
      listeners.add(Validate.notNull("listener", listener));
      return this;
    }

    /**
     * Checks the configuration and builds the rate limiter.
     *
     * @throws ConfigurationException naming the field, the rule and the value that broke it
     */
    public RateLimiter build() {
      Validate.notBlank("name", name);
      Validate.atLeast("permits", permits, 1);
      Validate.positive("period", period);
      int resolvedBurst = burst == null ? permits : burst;
      Validate.atLeast("burst", resolvedBurst, 1);
      Validate.notNegative("maxWait", maxWait);
      Validate.notNull("clock", clock);
      Validate.notNull("scheduler", scheduler);
      long periodNanos;
      try {
        periodNanos = period.toNanos();
      } catch (ArithmeticException e) {
        throw new ConfigurationException("period", "be at most " + Duration.ofNanos(Long.MAX_VALUE), period);
      }
      if (periodNanos < permits) {
        throw new ConfigurationException("period", "be at least one nanosecond per permit (" + permits + " ns)",
            period);
      }
      long intervalNanos = RateLimiterConfig.interval(periodNanos, permits);
      if (resolvedBurst > RateLimiterConfig.MAX_BURST_NANOS / intervalNanos) {
        throw new ConfigurationException("burst", "hold at most " + Duration.ofNanos(RateLimiterConfig.MAX_BURST_NANOS)
            + " worth of permits (" + RateLimiterConfig.MAX_BURST_NANOS / intervalNanos + ")", resolvedBurst);
      }
      return new DefaultRateLimiter(new RateLimiterConfig(name, permits, period, resolvedBurst, maxWait, clock,
          scheduler, listeners));
    }
  }
}
