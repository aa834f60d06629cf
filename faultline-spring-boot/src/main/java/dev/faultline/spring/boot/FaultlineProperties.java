package dev.faultline.spring.boot;

import dev.faultline.core.circuitbreaker.CircuitBreaker.SlidingWindowType;
import dev.faultline.core.retry.Backoff;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code faultline.*} properties: named instances of the policies that {@link FaultlinePolicies} builds, for
 * example {@code faultline.retry.instances.payments.max-attempts=3}. Immutable (bound through the constructors).
 *
 * <p>A property left out keeps the default of the policy's builder in {@code faultline-core}; nothing is defaulted
 * here. The values are checked when the policies are built, at startup, by the builders' own rules: a broken rule
 * fails the application with the property's path and value.
 *
 * @param retry {@code faultline.retry.*}
 * @param circuitBreaker {@code faultline.circuit-breaker.*}
 * @param timeout {@code faultline.timeout.*}
 * @param bulkhead {@code faultline.bulkhead.*}
 * @param rateLimiter {@code faultline.rate-limiter.*}
 * @param metrics {@code faultline.metrics.*}
 */
@ConfigurationProperties("faultline")
public record FaultlineProperties(RetryInstances retry, CircuitBreakerInstances circuitBreaker,
    TimeoutInstances timeout, BulkheadInstances bulkhead, RateLimiterInstances rateLimiter, Metrics metrics) {

  /** Replaces absent groups by empty ones. */
  public FaultlineProperties {
    retry = retry == null ? new RetryInstances(null) : retry;
    circuitBreaker = circuitBreaker == null ? new CircuitBreakerInstances(null) : circuitBreaker;
    timeout = timeout == null ? new TimeoutInstances(null) : timeout;
    bulkhead = bulkhead == null ? new BulkheadInstances(null) : bulkhead;
    rateLimiter = rateLimiter == null ? new RateLimiterInstances(null) : rateLimiter;
    metrics = metrics == null ? new Metrics(null) : metrics;
  }

  // One record per kind rather than one generic Instances<P>: Spring Boot's configuration processor writes a map's
  // value type into the metadata only when it is concrete (for a type variable it writes Object), and that type is
  // all an IDE has to complete the keys under faultline.<kind>.instances.<name>.

  /**
   * The named retries, in the order they were configured.
   *
   * @param instances each retry's settings by its name ({@code faultline.retry.instances.<name>.*})
   */
  public record RetryInstances(Map<String, RetryProperties> instances) {
    /** Copies the map (an absent map is empty), keeping its order. */
    public RetryInstances {
      instances = copy(instances);
    }
  }

  /**
   * The named circuit breakers, in the order they were configured.
   *
   * @param instances each breaker's settings by its name ({@code faultline.circuit-breaker.instances.<name>.*})
   */
  public record CircuitBreakerInstances(Map<String, CircuitBreakerProperties> instances) {
    /** Copies the map (an absent map is empty), keeping its order. */
    public CircuitBreakerInstances {
      instances = copy(instances);
    }
  }

  /**
   * The named timeouts, in the order they were configured.
   *
   * @param instances each timeout's settings by its name ({@code faultline.timeout.instances.<name>.*})
   */
  public record TimeoutInstances(Map<String, TimeoutProperties> instances) {
    /** Copies the map (an absent map is empty), keeping its order. */
    public TimeoutInstances {
      instances = copy(instances);
    }
  }

  /**
   * The named bulkheads, in the order they were configured.
   *
   * @param instances each bulkhead's settings by its name ({@code faultline.bulkhead.instances.<name>.*})
   */
  public record BulkheadInstances(Map<String, BulkheadProperties> instances) {
    /** Copies the map (an absent map is empty), keeping its order. */
    public BulkheadInstances {
      instances = copy(instances);
    }
  }

  /**
   * The named rate limiters, in the order they were configured.
   *
   * @param instances each rate limiter's settings by its name ({@code faultline.rate-limiter.instances.<name>.*})
   */
  public record RateLimiterInstances(Map<String, RateLimiterProperties> instances) {
    /** Copies the map (an absent map is empty), keeping its order. */
    public RateLimiterInstances {
      instances = copy(instances);
    }
  }

  private static <P> Map<String, P> copy(Map<String, P> instances) {
    return instances == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(instances));
  }

  /**
   * The settings of a retry ({@code dev.faultline.core.retry.Retry.Builder}).
   *
   * @param maxAttempts the most attempts, the first included (at least 1)
   * @param maxDuration the longest an execution may take, to the start of its last attempt (positive)
   * @param backoff the wait before each retry
   * @param retryOn retry only exceptions of these types
   * @param ignore never retry exceptions of these types
   * @param abortOn stop retrying at once on exceptions of these types
   */
  public record RetryProperties(Integer maxAttempts, Duration maxDuration, BackoffProperties backoff,
      List<Class<? extends Throwable>> retryOn, List<Class<? extends Throwable>> ignore,
      List<Class<? extends Throwable>> abortOn) {
    /** Copies the lists (absent lists are empty). */
    public RetryProperties {
      retryOn = retryOn == null ? List.of() : List.copyOf(retryOn);
      ignore = ignore == null ? List.of() : List.copyOf(ignore);
      abortOn = abortOn == null ? List.of() : List.copyOf(abortOn);
    }
  }

  /**
   * The settings of a retry's {@link Backoff}; without a {@code kind} the retry keeps its builder's default
   * (exponential from 100 ms, doubling up to 10 s, with full jitter), and no other field may be set.
   *
   * @param kind {@code none}, {@code fixed}, {@code exponential} or {@code decorrelated-jitter}
   * @param delay the delay of a {@code fixed} backoff (zero or more)
   * @param initial the first delay of an {@code exponential} backoff (positive)
   * @param multiplier the growth factor of an {@code exponential} backoff, in [1, 1000] (default 2)
   * @param max the largest delay of an {@code exponential} or {@code decorrelated-jitter} backoff
   * @param base the smallest delay of a {@code decorrelated-jitter} backoff
   * @param jitter whether a {@code fixed} or {@code exponential} delay is replaced by a uniform draw below it
   *     (default false)
   */
  public record BackoffProperties(Backoff.Kind kind, Duration delay, Duration initial, Double multiplier,
      Duration max, Duration base, Boolean jitter) {}

  /**
   * The settings of a circuit breaker ({@code dev.faultline.core.circuitbreaker.CircuitBreaker.Builder}).
   *
   * @param failureRateThreshold the failure rate, in (0, 1], at which the breaker opens
   * @param slowCallRateThreshold the slow-call rate, in (0, 1], at which the breaker opens (needs
   *     {@code slow-call-duration})
   * @param slowCallDuration calls slower than this are slow
   * @param slidingWindowType {@code count-based} (default) or {@code time-based}; needs {@code sliding-window-size}
   * @param slidingWindowSize the last N calls, or the last N seconds
   * @param minimumNumberOfCalls outcomes the window must hold before rates are evaluated
   * @param permittedCallsInHalfOpen trial calls admitted in half-open
   * @param waitInOpen how long the breaker stays open before admitting trial calls
   * @param waitMultiplier multiplies the wait in open each time the trials fail (at least 1; above 1 needs
   *     {@code max-wait-in-open})
   * @param maxWaitInOpen the longest wait in open
   * @param recordExceptions exceptions of these types are failures (once set, others are successes)
   * @param ignoreExceptions exceptions of these types are neither successes nor failures
   * @param automaticHalfOpen whether the breaker moves to half-open when the wait in open ends, on the context's
   *     {@code Scheduler} (else the system one), instead of at the first call after it (default false, the builder's
   *     default). Without calls, a breaker that does not move stays open, and so does its health
   */
  public record CircuitBreakerProperties(Double failureRateThreshold, Double slowCallRateThreshold,
      Duration slowCallDuration, SlidingWindowType slidingWindowType, Integer slidingWindowSize,
      Integer minimumNumberOfCalls, Integer permittedCallsInHalfOpen, Duration waitInOpen, Double waitMultiplier,
      Duration maxWaitInOpen, List<Class<? extends Throwable>> recordExceptions,
      List<Class<? extends Throwable>> ignoreExceptions, Boolean automaticHalfOpen) {
    /** Copies the lists (absent lists are empty). */
    public CircuitBreakerProperties {
      recordExceptions = recordExceptions == null ? List.of() : List.copyOf(recordExceptions);
      ignoreExceptions = ignoreExceptions == null ? List.of() : List.copyOf(ignoreExceptions);
    }
  }

  /**
   * The settings of a timeout ({@code dev.faultline.core.timeout.Timeout.Builder}).
   *
   * @param timeout the longest a call may take (required; positive)
   * @param interruptOnTimeout whether to interrupt a synchronous call's thread at the deadline (default false)
   */
  public record TimeoutProperties(Duration timeout, Boolean interruptOnTimeout) {}

  /**
   * The settings of a bulkhead ({@code dev.faultline.core.bulkhead.Bulkhead.Builder}).
   *
   * @param maxConcurrentCalls the calls that may run at once (at least 1)
   * @param maxWait how long a call may wait for a permit (zero or more)
   */
  public record BulkheadProperties(Integer maxConcurrentCalls, Duration maxWait) {}

  /**
   * The settings of a rate limiter ({@code dev.faultline.core.ratelimiter.RateLimiter.Builder}).
   *
   * @param permits the permits per {@code period} (required; at least 1)
   * @param period the period of the rate (required; positive)
   * @param burst the most permits stored while unused (default: {@code permits})
   * @param maxWait how long a call may wait for its permit (zero or more)
   */
  public record RateLimiterProperties(Integer permits, Duration period, Integer burst, Duration maxWait) {}

  /**
   * {@code faultline.metrics.*}.
   *
   * @param enabled whether the policies' metrics are bound to the application's {@code MeterRegistry} when
   *     {@code faultline-micrometer} is present (default true)
   */
  public record Metrics(Boolean enabled) {}
}
