package dev.faultline.spring.boot;

import dev.faultline.core.FaultlineException;
import dev.faultline.core.Policy;
import dev.faultline.core.bulkhead.Bulkhead;
import dev.faultline.core.circuitbreaker.CircuitBreaker;
import dev.faultline.core.ratelimiter.RateLimiter;
import dev.faultline.core.retry.Retry;
import dev.faultline.core.timeout.Timeout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The policies configured under {@code faultline.*}, each built once at startup and looked up by kind and name:
 * {@code policies.retry("payments")} is the retry of {@code faultline.retry.instances.payments.*}.
 *
 * <p>Every policy publishes its events to each {@link dev.faultline.core.event.FaultEventListener} bean of the
 * application context, and runs on its {@link dev.faultline.core.Clock} and {@link dev.faultline.core.Scheduler}
 * beans if it has them (else on the system ones).
 *
 * <p>Immutable and thread-safe: the set of policies is fixed when the context starts.
 */
public final class FaultlinePolicies {
  private final Map<String, Retry> retries;
  private final Map<String, CircuitBreaker> circuitBreakers;
  private final Map<String, Timeout> timeouts;
  private final Map<String, Bulkhead> bulkheads;
  private final Map<String, RateLimiter> rateLimiters;

  FaultlinePolicies(Map<String, Retry> retries, Map<String, CircuitBreaker> circuitBreakers,
      Map<String, Timeout> timeouts, Map<String, Bulkhead> bulkheads, Map<String, RateLimiter> rateLimiters) {
    this.retries = copy(retries);
    this.circuitBreakers = copy(circuitBreakers);
    this.timeouts = copy(timeouts);
    this.bulkheads = copy(bulkheads);
    this.rateLimiters = copy(rateLimiters);
  }

  private static <P> Map<String, P> copy(Map<String, P> map) {
    return Collections.unmodifiableMap(new LinkedHashMap<>(map));
  }

  /**
   * The retry configured as {@code faultline.retry.instances.<name>}.
   *
   * @throws FaultlineException ({@code "unknown-policy"}) naming the configured retries, if there is none by that name
   */
  public Retry retry(String name) {
    return find(retries, "retry", "retry", name);
  }

  /**
   * The circuit breaker configured as {@code faultline.circuit-breaker.instances.<name>}.
   *
   * @throws FaultlineException ({@code "unknown-policy"}) naming the configured breakers, if there is none by that name
   */
  public CircuitBreaker circuitBreaker(String name) {
    return find(circuitBreakers, "circuit breaker", "circuit-breaker", name);
  }

  /**
   * The timeout configured as {@code faultline.timeout.instances.<name>}.
   *
   * @throws FaultlineException ({@code "unknown-policy"}) naming the configured timeouts, if there is none by that name
   */
  public Timeout timeout(String name) {
    return find(timeouts, "timeout", "timeout", name);
  }

  /**
   * The bulkhead configured as {@code faultline.bulkhead.instances.<name>}.
   *
   * @throws FaultlineException ({@code "unknown-policy"}) naming the configured bulkheads, if there is none by that
   *     name
   */
  public Bulkhead bulkhead(String name) {
    return find(bulkheads, "bulkhead", "bulkhead", name);
  }

  /**
   * The rate limiter configured as {@code faultline.rate-limiter.instances.<name>}.
   *
   * @throws FaultlineException ({@code "unknown-policy"}) naming the configured rate limiters, if there is none by
   *     that name
   */
  public RateLimiter rateLimiter(String name) {
    return find(rateLimiters, "rate limiter", "rate-limiter", name);
  }

  /** The circuit breakers by name, in the order they were configured; unmodifiable. */
  public Map<String, CircuitBreaker> circuitBreakers() {
    return circuitBreakers;
  }

  /** Every policy: the retries, circuit breakers, timeouts, bulkheads and rate limiters, in that order. */
  public List<Policy> all() {
    List<Policy> all = new ArrayList<>();
    all.addAll(retries.values());
    all.addAll(circuitBreakers.values());
    all.addAll(timeouts.values());
    all.addAll(bulkheads.values());
    all.addAll(rateLimiters.values());
    return List.copyOf(all);
  }

  private static <P> P find(Map<String, P> policies, String kind, String property, String name) {
    P policy = policies.get(name);
    if (policy == null) {
      throw new FaultlineException("unknown-policy", "no " + kind + " named '" + name + "' is configured (faultline."
          + property + ".instances." + name + ".*); the configured " + kind + " names are " + policies.keySet());
    }
    return policy;
  }

  @Override
  public String toString() {
    return "FaultlinePolicies[retry=" + retries.keySet() + ", circuit-breaker=" + circuitBreakers.keySet()
        + ", timeout=" + timeouts.keySet() + ", bulkhead=" + bulkheads.keySet() + ", rate-limiter="
        + rateLimiters.keySet() + "]";
  }
}
