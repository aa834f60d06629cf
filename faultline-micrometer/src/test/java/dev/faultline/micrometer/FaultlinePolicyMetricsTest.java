package dev.faultline.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.ConfigurationException;
import dev.faultline.core.Policy;
import dev.faultline.core.PolicyKind;
import dev.faultline.core.bulkhead.Bulkhead;
import dev.faultline.core.circuitbreaker.CircuitBreaker;
import dev.faultline.core.circuitbreaker.CircuitState;
import dev.faultline.core.fallback.Fallback;
import dev.faultline.core.hedge.Hedge;
import dev.faultline.core.limit.AdaptiveLimiter;
import dev.faultline.core.ratelimiter.RateLimiter;
import dev.faultline.core.retry.Retry;
import dev.faultline.core.testing.FakeClock;
import dev.faultline.core.timeout.Timeout;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Policy snapshots as Micrometer meters with conventional names, read through a SimpleMeterRegistry. */
class FaultlinePolicyMetricsTest {
  private final FakeClock clock = new FakeClock();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  double calls(String policy, String outcome) {
    return registry.get("faultline.calls").tags("policy", policy, "outcome", outcome).functionCounter().count();
  }

  double gauge(String name, String... tags) {
    return registry.get(name).tags(tags).gauge().value();
  }

  static void failing(Policy p) {
    assertThrows(IllegalStateException.class, () -> p.call(() -> {
      throw new IllegalStateException("down");
    }));
  }

  @Test
  void circuitBreakerCallsStateAndRates() throws Exception {
    CircuitBreaker cb = CircuitBreaker.builder("payments").countBasedWindow(4).minimumNumberOfCalls(4)
        .failureRateThreshold(0.5).clock(clock).build();
    FaultlinePolicyMetrics.of(List.of(cb), Tags.of("app", "shop")).bindTo(registry);
    cb.call(() -> "ok");
    cb.call(() -> "ok");
    failing(cb);
    assertEquals(2, calls("payments", "success"));
    assertEquals(1, calls("payments", "failure"));
    assertEquals(0, calls("payments", "rejected"));
    assertEquals("circuit_breaker", registry.get("faultline.calls").tags("policy", "payments").functionCounter()
        .getId().getTag("kind"));
    assertEquals("shop", registry.get("faultline.calls").tags("policy", "payments").functionCounter().getId()
        .getTag("app"));
    assertEquals(1, gauge("faultline.circuitbreaker.state", "policy", "payments", "state", "closed"));
    assertEquals(0, gauge("faultline.circuitbreaker.state", "policy", "payments", "state", "open"));
    failing(cb);
    assertEquals(CircuitState.OPEN, cb.state());
    assertEquals(0.5, gauge("faultline.circuitbreaker.failure.rate", "policy", "payments"));
    assertEquals(1, gauge("faultline.circuitbreaker.state", "policy", "payments", "state", "open"));
    assertEquals(0, gauge("faultline.circuitbreaker.state", "policy", "payments", "state", "closed"));
    assertThrows(Exception.class, () -> cb.call(() -> "refused"));
    assertEquals(1, calls("payments", "rejected"));
    assertEquals(CircuitState.values().length, registry.find("faultline.circuitbreaker.state").gauges().size());
  }

  @Test
  void retryCountsRetriedAndUnretriedOutcomes() throws Exception {
    Retry retry = Retry.builder("inventory").maxAttempts(3).clock(clock).scheduler(clock).build();
    FaultlinePolicyMetrics.of(retry).bindTo(registry);
    retry.call(() -> "first time");
    AtomicInteger attempts = new AtomicInteger();
    retry.call(() -> {
      if (attempts.incrementAndGet() < 3) {
        throw new IllegalStateException("flaky");
      }
      return "third time";
    });
    failing(retry);
    assertEquals(2, calls("inventory", "success"));
    assertEquals(1, calls("inventory", "failure"));
    assertEquals(1, registry.get("faultline.retry.calls").tags("outcome", "success", "retried", "false")
        .functionCounter().count());
    assertEquals(1, registry.get("faultline.retry.calls").tags("outcome", "success", "retried", "true")
        .functionCounter().count());
    assertEquals(1, registry.get("faultline.retry.calls").tags("outcome", "failure", "retried", "true")
        .functionCounter().count());
    assertEquals(4, registry.get("faultline.retry.retries").functionCounter().count(), "2 + 2 attempts after the first");
  }

  @Test
  void limitersCountPermittedAndRejected() throws Exception {
    Bulkhead bulkhead = Bulkhead.builder("db").maxConcurrentCalls(1).clock(clock).scheduler(clock).build();
    RateLimiter limiter = RateLimiter.builder("api").rate(1, Duration.ofMinutes(1)).burst(1).clock(clock)
        .scheduler(clock).build();
    AdaptiveLimiter adaptive = AdaptiveLimiter.builder("search").initialLimit(5).clock(clock).build();
    FaultlinePolicyMetrics.of(bulkhead, limiter, adaptive).bindTo(registry);
    assertEquals(1, gauge("faultline.bulkhead.available.permits", "policy", "db"));
    bulkhead.call(() -> {
      assertEquals(0, gauge("faultline.bulkhead.available.permits", "policy", "db"));
      assertThrows(Exception.class, () -> bulkhead.call(() -> "nested: no permit"));
      return "ok";
    });
    assertEquals(1, calls("db", "permitted"));
    assertEquals(1, calls("db", "rejected"));
    assertEquals(1, gauge("faultline.bulkhead.max.concurrent.calls", "policy", "db"));
    limiter.call(() -> "ok");
    assertThrows(Exception.class, () -> limiter.call(() -> "too soon"));
    assertEquals(1, calls("api", "permitted"));
    assertEquals(1, calls("api", "rejected"));
    assertEquals(0, gauge("faultline.ratelimiter.available.permits", "policy", "api"));
    adaptive.call(() -> {
      assertEquals(1, gauge("faultline.limit.inflight", "policy", "search"));
      return "ok";
    });
    assertEquals(1, calls("search", "permitted"));
    assertEquals(5, gauge("faultline.limit.limit", "policy", "search"), 0.0);
  }

  @Test
  void timeoutFallbackAndHedge() throws Exception {
    Timeout timeout = Timeout.builder("slow-call").timeout(Duration.ofSeconds(1)).clock(clock).scheduler(clock)
        .build();
    Fallback<String> fallback = Fallback.<String>builder("cached").value("cached").clock(clock).build();
    Hedge hedge = Hedge.builder("replicas").delay(Duration.ofMillis(50)).clock(clock).scheduler(clock).build();
    FaultlinePolicyMetrics.of(timeout, fallback, hedge).bindTo(registry);
    timeout.call(() -> "ok");
    failing(timeout);
    assertEquals(1, calls("slow-call", "success"));
    assertEquals(1, calls("slow-call", "failure"));
    assertEquals(0, calls("slow-call", "timeout"));
    fallback.call(() -> "direct");
    assertEquals("cached", fallback.call(() -> {
      throw new IllegalStateException("down");
    }));
    assertEquals(1, calls("cached", "direct"));
    assertEquals(1, calls("cached", "fallback"));
    assertEquals(0, calls("cached", "fallback_failed"));
    assertEquals("fast", hedge.callAsync(() -> CompletableFuture.completedFuture("fast")).toCompletableFuture().get());
    assertEquals(1, calls("replicas", "success"));
    assertEquals(1, registry.get("faultline.hedge.wins").tags("winner", "primary").functionCounter().count());
    assertEquals(0, registry.get("faultline.hedge.started").functionCounter().count());
    assertEquals(50, registry.get("faultline.hedge.delay").timeGauge().value(TimeUnit.MILLISECONDS), 1e-9);
  }

  /**
   * Outcomes derived by subtraction ({@code calls - rejections}, {@code calls - fallbacksApplied}) counted a call still
   * queued or running: the counter went down when that call was later rejected or fell back, which a registry reads
   * as a counter reset (Prometheus) or drops and counts again (step registries).
   */
  @Test
  void countersDerivedBySubtractionNeverGoDown() throws Exception {
    Bulkhead bulkhead = Bulkhead.builder("db").maxConcurrentCalls(1).maxWait(Duration.ofSeconds(1)).clock(clock)
        .scheduler(clock).build();
    double[] inside = new double[2];
    Fallback<String> fallback = Fallback.<String>builder("cached").call(() -> {
      inside[1] = calls("cached", "fallback");
      throw new IllegalStateException("cache down too");
    }).clock(clock).build();
    FaultlinePolicyMetrics.of(bulkhead, fallback).bindTo(registry);
    CompletableFuture<String> running = new CompletableFuture<>();
    bulkhead.callAsync(() -> running);
    CompletableFuture<String> queued = bulkhead.callAsync(() -> CompletableFuture.completedFuture("late"))
        .toCompletableFuture();
    double permittedWhileQueued = calls("db", "permitted");
    clock.advance(Duration.ofSeconds(1));
    assertTrue(queued.isCompletedExceptionally(), "the queued call is rejected at maxWait");
    assertEquals(1, calls("db", "rejected"));
    assertTrue(calls("db", "permitted") >= permittedWhileQueued,
        "permitted went from " + permittedWhileQueued + " to " + calls("db", "permitted"));
    running.complete("ok");

    assertThrows(IllegalStateException.class, () -> fallback.call(() -> {
      inside[0] = calls("cached", "direct");
      throw new IllegalStateException("down");
    }));
    assertTrue(calls("cached", "direct") >= inside[0],
        "direct went from " + inside[0] + " to " + calls("cached", "direct"));
    assertTrue(calls("cached", "fallback") >= inside[1],
        "fallback went from " + inside[1] + " to " + calls("cached", "fallback"));
    assertEquals(1, calls("cached", "fallback_failed"));
  }

  @Test
  void badPoliciesAreRefusedNamingThem() {
    Policy custom = new Policy() {
      @Override
      public String name() {
        return "custom";
      }

      @Override
      public PolicyKind kind() {
        return PolicyKind.RETRY;
      }

      @Override
      public <T> T execute(dev.faultline.core.Chain<T> chain) throws Exception {
        return chain.proceed();
      }

      @Override
      public <T> java.util.concurrent.CompletionStage<T> executeAsync(dev.faultline.core.AsyncChain<T> chain) {
        return chain.proceed();
      }
    };
    ConfigurationException e = assertThrows(ConfigurationException.class, () -> FaultlinePolicyMetrics.of(custom));
    assertEquals("policies", e.field());
    assertTrue(e.getMessage().contains("custom"), e.getMessage());
    Timeout a = Timeout.builder("t").timeout(Duration.ofSeconds(1)).build();
    Timeout b = Timeout.builder("t").timeout(Duration.ofSeconds(2)).build();
    assertTrue(assertThrows(ConfigurationException.class, () -> FaultlinePolicyMetrics.of(a, b)).getMessage()
        .contains("timeout/t"));
  }
}
