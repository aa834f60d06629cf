package dev.faultline.core.ratelimiter;

import dev.faultline.core.Clock;
import dev.faultline.core.Scheduler;
import dev.faultline.core.event.FaultEventListener;
import java.time.Duration;
import java.util.List;

/**
 * The immutable configuration of a {@link RateLimiter}, as checked by {@link RateLimiter.Builder#build()}.
 * Thread-safe.
 */
public final class RateLimiterConfig {
  /** The longest span of time a full bucket may stand for (2^62 ns, about 146 years), so that time sums never overflow. */
  static final long MAX_BURST_NANOS = 1L << 62;

  private final String name;
  private final int permits;
  private final Duration period;
  private final int burst;
  private final Duration maxWait;
  private final Clock clock;
  private final Scheduler scheduler;
  private final List<FaultEventListener> listeners;

  RateLimiterConfig(String name, int permits, Duration period, int burst, Duration maxWait, Clock clock,
      Scheduler scheduler, List<FaultEventListener> listeners) {
    this.name = name;
    this.permits = permits;
    this.period = period;
    this.burst = burst;
    this.maxWait = maxWait;
    this.clock = clock;
    this.scheduler = scheduler;
    this.listeners = List.copyOf(listeners);
  }

  /** The time between two permits: the period divided by the permits, rounded up to whole nanoseconds. */
  static long interval(long periodNanos, int permits) {
    // Not (periodNanos + permits - 1) / permits: that sum wraps for a period within permits of Long.MAX_VALUE ns.
    return periodNanos / permits + (periodNanos % permits == 0 ? 0 : 1);
  }

  /** The name of the rate limiter. */
  public String name() {
    return name;
  }

  /** The permits granted per {@link #period()}. */
  public int permits() {
    return permits;
  }

  /** The period over which {@link #permits()} permits are granted. */
  public Duration period() {
    return period;
  }

  /**
   * The time between two permits, {@code period / permits}, rounded up to whole nanoseconds (so the limiter never
   * exceeds the configured rate).
   */
  public Duration interval() {
    return Duration.ofNanos(interval(period.toNanos(), permits));
  }

  /** The most permits stored while unused. */
  public int burst() {
    return burst;
  }

  /** How long a call may wait for its permit; zero rejects at once. */
  public Duration maxWait() {
    return maxWait;
  }

  /** The clock that measures the rate. */
  public Clock clock() {
    return clock;
  }

  /** The scheduler that starts asynchronous calls after their wait. */
  public Scheduler scheduler() {
    return scheduler;
  }

  /** The listeners of the rate limiter's events. */
  public List<FaultEventListener> listeners() {
    return listeners;
  }

  @Override
  public String toString() {
    return "RateLimiterConfig[name=" + name + ", permits=" + permits + ", period=" + period + ", burst=" + burst
        + ", maxWait=" + maxWait + "]";
  }
}
