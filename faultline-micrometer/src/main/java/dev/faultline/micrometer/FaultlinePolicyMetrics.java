package dev.faultline.micrometer;

import dev.faultline.core.ConfigurationException;
import dev.faultline.core.Policy;
import dev.faultline.core.bulkhead.Bulkhead;
import dev.faultline.core.circuitbreaker.CircuitBreaker;
import dev.faultline.core.circuitbreaker.CircuitState;
import dev.faultline.core.fallback.Fallback;
import dev.faultline.core.hedge.Hedge;
import dev.faultline.core.limit.AdaptiveLimiter;
import dev.faultline.core.ratelimiter.RateLimiter;
import dev.faultline.core.retry.Retry;
import dev.faultline.core.timeout.Timeout;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.DoubleAccumulator;
import java.util.function.ToDoubleFunction;

/**
 * Binds the metrics snapshots of Faultline policies to a Micrometer {@link MeterRegistry}; immutable and thread-safe.
 *
 * <p>Every policy gets {@code faultline.calls} function counters tagged {@code policy} (its name), {@code kind} (its
 * {@link dev.faultline.core.PolicyKind} in lower case) and {@code outcome}:
 * <table>
 *   <caption>Outcomes and meters by kind</caption>
 *   <tr><th>kind</th><th>{@code outcome} of {@code faultline.calls}</th><th>other meters</th></tr>
 *   <tr><td>circuit_breaker</td><td>success, failure, ignored, rejected</td><td>{@code faultline.circuitbreaker.state}
 *     (one gauge per {@code state}: 1 for the current state, 0 otherwise), {@code .slow.calls},
 *     {@code .failure.rate} and {@code .slow.call.rate} (0..1 over the buffered window)</td></tr>
 *   <tr><td>retry</td><td>success, failure</td><td>{@code faultline.retry.calls} ({@code outcome}, {@code retried}
 *     true or false), {@code faultline.retry.retries}, {@code faultline.retry.budget.rejections}</td></tr>
 *   <tr><td>timeout</td><td>success, failure, timeout</td><td></td></tr>
 *   <tr><td>bulkhead</td><td>permitted, rejected</td><td>{@code faultline.bulkhead.available.permits},
 *     {@code faultline.bulkhead.max.concurrent.calls}</td></tr>
 *   <tr><td>rate_limiter</td><td>permitted, rejected</td><td>{@code faultline.ratelimiter.available.permits},
 *     {@code faultline.ratelimiter.waits}</td></tr>
 *   <tr><td>adaptive_limiter</td><td>permitted, rejected</td><td>{@code faultline.limit.limit},
 *     {@code faultline.limit.inflight}</td></tr>
 *   <tr><td>fallback</td><td>direct, fallback, fallback_failed</td><td></td></tr>
 *   <tr><td>hedge</td><td>success, failure</td><td>{@code faultline.hedge.wins} ({@code winner} primary or hedge),
 *     {@code faultline.hedge.started}, {@code faultline.hedge.delay} (time gauge)</td></tr>
 * </table>
 * Counters read the policy's {@code metrics()} snapshot when the registry reads them; nothing is added to the policies'
 * call path. The outcomes counted as differences ({@code permitted}, {@code direct}, {@code fallback}) never go down:
 * a call still queued or running is counted when read, and not taken back if it is then rejected or falls back (the
 * count catches up as further calls complete). Meters refer to their policy weakly, as Micrometer's function meters
 * do: a policy that is no longer used elsewhere reports NaN.
 */
public final class FaultlinePolicyMetrics implements MeterBinder {
  private final List<Policy> policies;
  private final Tags tags;

  private FaultlinePolicyMetrics(List<Policy> policies, Tags tags) {
    this.policies = policies;
    this.tags = tags;
  }

  /**
   * A binder of these policies, with {@code extraTags} added to every meter.
   *
   * @throws ConfigurationException if a policy is null, of a kind without metrics, or two share a name and kind
   */
  public static FaultlinePolicyMetrics of(List<? extends Policy> policies, Iterable<Tag> extraTags) {
    Objects.requireNonNull(policies, "policies");
    List<Policy> copy = new ArrayList<>();
    List<String> seen = new ArrayList<>();
    for (Policy p : policies) {
      if (p == null) {
        throw new ConfigurationException("policies", "hold no null", policies.toString());
      }
      if (!(p instanceof CircuitBreaker || p instanceof Retry || p instanceof Timeout || p instanceof Bulkhead
          || p instanceof RateLimiter || p instanceof AdaptiveLimiter || p instanceof Fallback || p instanceof Hedge)) {
        throw new ConfigurationException("policies", "be Faultline policies with metrics", p.name() + " ("
            + p.getClass().getName() + ")");
      }
      String key = kind(p) + "/" + p.name();
      if (seen.contains(key)) {
        throw new ConfigurationException("policies", "have distinct names per kind", key);
      }
      seen.add(key);
      copy.add(p);
    }
    return new FaultlinePolicyMetrics(List.copyOf(copy), Tags.of(Objects.requireNonNull(extraTags, "extraTags")));
  }

  /** A binder of these policies. */
  public static FaultlinePolicyMetrics of(Policy... policies) {
    return of(List.of(policies), Tags.empty());
  }

  private static String kind(Policy p) {
    return p.kind().name().toLowerCase(Locale.ROOT);
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    for (Policy p : policies) {
      Tags base = tags.and("policy", p.name(), "kind", kind(p));
      if (p instanceof CircuitBreaker cb) {
        calls(registry, base, cb, "success", c -> c.metrics().successes());
        calls(registry, base, cb, "failure", c -> c.metrics().failures());
        calls(registry, base, cb, "ignored", c -> c.metrics().ignored());
        calls(registry, base, cb, "rejected", c -> c.metrics().rejections());
        counter(registry, "faultline.circuitbreaker.slow.calls", "calls slower than the slow-call threshold", base, cb,
            c -> c.metrics().slowCalls());
        Gauge.builder("faultline.circuitbreaker.failure.rate", cb, c -> c.metrics().failureRate()).tags(base)
            .description("failed calls over buffered calls (0..1)").register(registry);
        Gauge.builder("faultline.circuitbreaker.slow.call.rate", cb, c -> c.metrics().slowCallRate()).tags(base)
            .description("slow calls over buffered calls (0..1)").register(registry);
        for (CircuitState state : CircuitState.values()) {
          Gauge.builder("faultline.circuitbreaker.state", cb, c -> c.metrics().state() == state ? 1 : 0)
              .tags(base.and("state", state.name().toLowerCase(Locale.ROOT)))
              .description("1 when the breaker is in this state, 0 otherwise").register(registry);
        }
      } else if (p instanceof Retry r) {
        calls(registry, base, r, "success", x -> x.metrics().successesWithoutRetry() + x.metrics().successesWithRetry());
        calls(registry, base, r, "failure", x -> x.metrics().failuresWithoutRetry() + x.metrics().failuresWithRetry());
        counter(registry, "faultline.retry.calls", "calls by outcome and whether they were retried",
            base.and("outcome", "success", "retried", "false"), r, x -> x.metrics().successesWithoutRetry());
        counter(registry, "faultline.retry.calls", "calls by outcome and whether they were retried",
            base.and("outcome", "success", "retried", "true"), r, x -> x.metrics().successesWithRetry());
        counter(registry, "faultline.retry.calls", "calls by outcome and whether they were retried",
            base.and("outcome", "failure", "retried", "false"), r, x -> x.metrics().failuresWithoutRetry());
        counter(registry, "faultline.retry.calls", "calls by outcome and whether they were retried",
            base.and("outcome", "failure", "retried", "true"), r, x -> x.metrics().failuresWithRetry());
        counter(registry, "faultline.retry.retries", "attempts after the first", base, r, x -> x.metrics().retries());
        counter(registry, "faultline.retry.budget.rejections", "retries refused by the retry budget", base, r,
            x -> x.metrics().budgetRejections());
      } else if (p instanceof Timeout t) {
        calls(registry, base, t, "success", x -> x.metrics().successes());
        calls(registry, base, t, "failure", x -> x.metrics().failures());
        calls(registry, base, t, "timeout", x -> x.metrics().timeouts());
      } else if (p instanceof Bulkhead b) {
        calls(registry, base, b, "permitted", neverDown(x -> {
          Bulkhead.Metrics m = x.metrics();
          return m.calls() - m.rejections();
        }));
        calls(registry, base, b, "rejected", x -> x.metrics().rejections());
        Gauge.builder("faultline.bulkhead.available.permits", b, x -> x.metrics().availablePermits()).tags(base)
            .description("permits free now").register(registry);
        Gauge.builder("faultline.bulkhead.max.concurrent.calls", b, x -> x.metrics().maxConcurrentCalls()).tags(base)
            .description("the most calls allowed at once").register(registry);
      } else if (p instanceof RateLimiter rl) {
        calls(registry, base, rl, "permitted", neverDown(x -> {
          RateLimiter.Metrics m = x.metrics();
          return m.calls() - m.rejections();
        }));
        calls(registry, base, rl, "rejected", x -> x.metrics().rejections());
        counter(registry, "faultline.ratelimiter.waits", "calls that waited for their permit", base, rl,
            x -> x.metrics().waits());
        Gauge.builder("faultline.ratelimiter.available.permits", rl, x -> x.metrics().availablePermits()).tags(base)
            .description("permits available now").register(registry);
      } else if (p instanceof AdaptiveLimiter l) {
        calls(registry, base, l, "permitted", neverDown(x -> {
          AdaptiveLimiter.Metrics m = x.metrics();
          return m.calls() - m.rejections();
        }));
        calls(registry, base, l, "rejected", x -> x.metrics().rejections());
        Gauge.builder("faultline.limit.limit", l, x -> x.metrics().limit()).tags(base)
            .description("the concurrency limit now").register(registry);
        Gauge.builder("faultline.limit.inflight", l, x -> x.metrics().inflight()).tags(base)
            .description("calls in flight now").register(registry);
      } else if (p instanceof Fallback<?> f) {
        calls(registry, base, f, "direct", neverDown(x -> {
          Fallback.Metrics m = x.metrics();
          return m.calls() - m.fallbacksApplied();
        }));
        calls(registry, base, f, "fallback", neverDown(x -> {
          Fallback.Metrics m = x.metrics();
          return m.fallbacksApplied() - m.fallbackFailures();
        }));
        calls(registry, base, f, "fallback_failed", x -> x.metrics().fallbackFailures());
      } else if (p instanceof Hedge h) {
        calls(registry, base, h, "success", x -> x.metrics().successes());
        calls(registry, base, h, "failure", x -> x.metrics().failures());
        counter(registry, "faultline.hedge.wins", "executions won by the primary or by a hedge",
            base.and("winner", "primary"), h, x -> x.metrics().primaryWins());
        counter(registry, "faultline.hedge.wins", "executions won by the primary or by a hedge",
            base.and("winner", "hedge"), h, x -> x.metrics().hedgeWins());
        counter(registry, "faultline.hedge.started", "hedges started", base, h, x -> x.metrics().hedgesStarted());
        TimeGauge.builder("faultline.hedge.delay", h, TimeUnit.NANOSECONDS, x -> x.metrics().delay().toNanos())
            .tags(base).description("the hedge delay now").register(registry);
      }
    }
  }

  /**
   * A count derived by subtraction that never goes down. {@code calls} counts a call when it is submitted or started, so
   * {@code calls - rejections} (or {@code - fallbacksApplied}) includes calls still queued or running, which a later
   * rejection or fallback takes back; a function counter that went down would read as a reset (Prometheus) or be
   * counted again when it rises (step registries). The highest value read is reported instead, which the derived count
   * passes again as calls complete.
   */
  private static <P> ToDoubleFunction<P> neverDown(ToDoubleFunction<P> count) {
    DoubleAccumulator highest = new DoubleAccumulator(Math::max, 0);
    return p -> {
      highest.accumulate(count.applyAsDouble(p));
      return highest.get();
    };
  }

  private static <P> void calls(MeterRegistry registry, Tags base, P policy, String outcome,
      ToDoubleFunction<P> count) {
    counter(registry, "faultline.calls", "calls through the policy by outcome", base.and("outcome", outcome), policy,
        count);
  }

  private static <P> void counter(MeterRegistry registry, String name, String description, Tags tags, P policy,
      ToDoubleFunction<P> count) {
    FunctionCounter.builder(name, policy, count).tags(tags).description(description).register(registry);
  }
}
