package dev.faultline.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faultline.core.FaultlineException;
import dev.faultline.core.bulkhead.Bulkhead;
import dev.faultline.core.circuitbreaker.CircuitBreaker;
import dev.faultline.core.circuitbreaker.CircuitBreaker.SlidingWindowType;
import dev.faultline.core.ratelimiter.RateLimiter;
import dev.faultline.core.retry.Backoff;
import dev.faultline.core.retry.Retry;
import dev.faultline.core.timeout.Timeout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The {@code faultline.*} properties become policies with exactly those settings, the builders' defaults elsewhere. */
class FaultlinePoliciesTest {
  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(FaultlineAutoConfiguration.class));

  @Test
  void buildsEachConfiguredRetryWithItsSettings() {
    runner.withPropertyValues(
        "faultline.retry.instances.payments.max-attempts=5",
        "faultline.retry.instances.payments.max-duration=30s",
        "faultline.retry.instances.payments.backoff.kind=exponential",
        "faultline.retry.instances.payments.backoff.initial=200ms",
        "faultline.retry.instances.payments.backoff.multiplier=3",
        "faultline.retry.instances.payments.backoff.max=5s",
        "faultline.retry.instances.payments.backoff.jitter=true",
        "faultline.retry.instances.payments.retry-on=java.io.IOException,java.util.concurrent.TimeoutException",
        "faultline.retry.instances.payments.ignore=java.io.FileNotFoundException",
        "faultline.retry.instances.payments.abort-on=java.lang.IllegalArgumentException",
        "faultline.retry.instances.search.backoff.kind=fixed",
        "faultline.retry.instances.search.backoff.delay=1s",
        "faultline.retry.instances.plain.max-attempts=2",
        "faultline.retry.instances.spread.backoff.kind=decorrelated-jitter",
        "faultline.retry.instances.spread.backoff.base=10ms",
        "faultline.retry.instances.spread.backoff.max=1s",
        "faultline.retry.instances.now.backoff.kind=none")
        .run(ctx -> {
          assertThat(ctx).hasNotFailed().hasSingleBean(FaultlinePolicies.class);
          FaultlinePolicies policies = ctx.getBean(FaultlinePolicies.class);

          Retry payments = policies.retry("payments");
          assertThat(payments.name()).isEqualTo("payments");
          assertThat(payments.config().maxAttempts()).isEqualTo(5);
          assertThat(payments.config().maxDuration()).contains(Duration.ofSeconds(30));
          Backoff backoff = payments.config().backoff();
          assertThat(backoff.kind()).isEqualTo(Backoff.Kind.EXPONENTIAL);
          assertThat(backoff.initial()).isEqualTo(Duration.ofMillis(200));
          assertThat(backoff.multiplier()).isEqualTo(3.0);
          assertThat(backoff.max()).isEqualTo(Duration.ofSeconds(5));
          assertThat(backoff.fullJitter()).isTrue();
          assertThat(payments.config().retryOn()).containsExactly(IOException.class, TimeoutException.class);
          assertThat(payments.config().ignore()).containsExactly(java.io.FileNotFoundException.class);
          assertThat(payments.config().abortOn()).containsExactly(IllegalArgumentException.class);

          Backoff fixed = policies.retry("search").config().backoff();
          assertThat(fixed.kind()).isEqualTo(Backoff.Kind.FIXED);
          assertThat(fixed.initial()).isEqualTo(Duration.ofSeconds(1));
          assertThat(fixed.fullJitter()).isFalse();
          assertThat(policies.retry("spread").config().backoff().kind())
              .isEqualTo(Backoff.Kind.DECORRELATED_JITTER);
          assertThat(policies.retry("now").config().backoff().kind()).isEqualTo(Backoff.Kind.NONE);

          // Left out: the builder's defaults (3 attempts is Retry.Builder's; here 2 was set, the backoff was not).
          Retry plain = policies.retry("plain");
          assertThat(plain.config().maxAttempts()).isEqualTo(2);
          Backoff defaultBackoff = Retry.builder("reference").build().config().backoff();
          assertThat(plain.config().backoff().kind()).isEqualTo(defaultBackoff.kind());
          assertThat(plain.config().backoff().initial()).isEqualTo(defaultBackoff.initial());
          assertThat(plain.config().backoff().fullJitter()).isEqualTo(defaultBackoff.fullJitter());
        });
  }

  @Test
  void buildsCircuitBreakersTimeoutsBulkheadsAndRateLimiters() {
    runner.withPropertyValues(
        "faultline.circuit-breaker.instances.payments.failure-rate-threshold=0.25",
        "faultline.circuit-breaker.instances.payments.slow-call-rate-threshold=0.8",
        "faultline.circuit-breaker.instances.payments.slow-call-duration=2s",
        "faultline.circuit-breaker.instances.payments.sliding-window-type=time-based",
        "faultline.circuit-breaker.instances.payments.sliding-window-size=30",
        "faultline.circuit-breaker.instances.payments.minimum-number-of-calls=20",
        "faultline.circuit-breaker.instances.payments.permitted-calls-in-half-open=3",
        "faultline.circuit-breaker.instances.payments.wait-in-open=10s",
        "faultline.circuit-breaker.instances.payments.wait-multiplier=2",
        "faultline.circuit-breaker.instances.payments.max-wait-in-open=5m",
        "faultline.circuit-breaker.instances.payments.record-exceptions=java.io.IOException",
        "faultline.circuit-breaker.instances.payments.ignore-exceptions=java.lang.IllegalArgumentException",
        "faultline.circuit-breaker.instances.payments.automatic-half-open=true",
        "faultline.circuit-breaker.instances.search.sliding-window-size=10",
        "faultline.timeout.instances.payments.timeout=1500ms",
        "faultline.timeout.instances.payments.interrupt-on-timeout=true",
        "faultline.bulkhead.instances.payments.max-concurrent-calls=8",
        "faultline.bulkhead.instances.payments.max-wait=100ms",
        "faultline.rate-limiter.instances.payments.permits=50",
        "faultline.rate-limiter.instances.payments.period=1s",
        "faultline.rate-limiter.instances.payments.burst=10",
        "faultline.rate-limiter.instances.payments.max-wait=20ms")
        .run(ctx -> {
          FaultlinePolicies policies = ctx.getBean(FaultlinePolicies.class);

          CircuitBreaker breaker = policies.circuitBreaker("payments");
          assertThat(breaker.config().failureRateThreshold()).isEqualTo(0.25);
          assertThat(breaker.config().slowCallRateThreshold()).isEqualTo(0.8);
          assertThat(breaker.config().slowCallDuration()).contains(Duration.ofSeconds(2));
          assertThat(breaker.config().slidingWindowType()).isEqualTo(SlidingWindowType.TIME_BASED);
          assertThat(breaker.config().slidingWindowSize()).isEqualTo(30);
          assertThat(breaker.config().minimumNumberOfCalls()).isEqualTo(20);
          assertThat(breaker.config().permittedCallsInHalfOpen()).isEqualTo(3);
          assertThat(breaker.config().waitInOpen()).isEqualTo(Duration.ofSeconds(10));
          assertThat(breaker.config().waitMultiplier()).isEqualTo(2.0);
          assertThat(breaker.config().maxWaitInOpen()).isEqualTo(Duration.ofMinutes(5));
          assertThat(breaker.config().recordExceptions()).containsExactly(IOException.class);
          assertThat(breaker.config().ignoreExceptions()).containsExactly(IllegalArgumentException.class);
          assertThat(breaker.config().scheduler()).contains(dev.faultline.core.Scheduler.system());
          CircuitBreaker search = policies.circuitBreaker("search");
          assertThat(search.config().slidingWindowType()).isEqualTo(SlidingWindowType.COUNT_BASED);
          assertThat(search.config().slidingWindowSize()).isEqualTo(10);
          assertThat(policies.circuitBreakers()).containsOnlyKeys("payments", "search");

          Timeout timeout = policies.timeout("payments");
          assertThat(timeout.config().timeout()).isEqualTo(Duration.ofMillis(1500));
          assertThat(timeout.config().interruptOnTimeout()).isTrue();
          Bulkhead bulkhead = policies.bulkhead("payments");
          assertThat(bulkhead.config().maxConcurrentCalls()).isEqualTo(8);
          assertThat(bulkhead.config().maxWait()).isEqualTo(Duration.ofMillis(100));
          RateLimiter limiter = policies.rateLimiter("payments");
          assertThat(limiter.config().permits()).isEqualTo(50);
          assertThat(limiter.config().period()).isEqualTo(Duration.ofSeconds(1));
          assertThat(limiter.config().burst()).isEqualTo(10);
          assertThat(limiter.config().maxWait()).isEqualTo(Duration.ofMillis(20));

          assertThat(policies.all()).containsExactly(breaker, search, timeout, bulkhead, limiter);
        });
  }

  @Test
  void eachPolicyIsBuiltOnceAndTheRegistryIsImmutable() {
    runner.withPropertyValues("faultline.circuit-breaker.instances.payments.wait-in-open=5s").run(ctx -> {
      FaultlinePolicies policies = ctx.getBean(FaultlinePolicies.class);
      assertThat(policies.circuitBreaker("payments")).isSameAs(policies.circuitBreaker("payments"));
      assertThatThrownBy(() -> policies.circuitBreakers().clear()).isInstanceOf(UnsupportedOperationException.class);
      assertThatThrownBy(() -> policies.all().clear()).isInstanceOf(UnsupportedOperationException.class);
    });
  }

  @Test
  void withoutPropertiesTheRegistryIsEmpty() {
    runner.run(ctx -> {
      FaultlinePolicies policies = ctx.getBean(FaultlinePolicies.class);
      assertThat(policies.all()).isEmpty();
      assertThat(policies.circuitBreakers()).isEmpty();
    });
  }

  @Test
  void anUnknownNameIsAnErrorNamingItAndTheConfiguredNames() {
    runner.withPropertyValues("faultline.retry.instances.payments.max-attempts=2",
        "faultline.retry.instances.search.max-attempts=4").run(ctx -> {
          FaultlinePolicies policies = ctx.getBean(FaultlinePolicies.class);
          assertThatThrownBy(() -> policies.retry("shipping"))
              .isInstanceOfSatisfying(FaultlineException.class, e -> assertThat(e.code()).isEqualTo("unknown-policy"))
              .hasMessage("no retry named 'shipping' is configured (faultline.retry.instances.shipping.*); the "
                  + "configured retry names are [payments, search]");
          assertThatThrownBy(() -> policies.circuitBreaker("payments"))
              .hasMessageContaining("no circuit breaker named 'payments'")
              .hasMessageContaining("faultline.circuit-breaker.instances.payments.*")
              .hasMessageEndingWith("are []");
          assertThatThrownBy(() -> policies.timeout("x")).hasMessageContaining("faultline.timeout.instances.x.*");
          assertThatThrownBy(() -> policies.bulkhead("x")).hasMessageContaining("faultline.bulkhead.instances.x.*");
          assertThatThrownBy(() -> policies.rateLimiter("x"))
              .hasMessageContaining("faultline.rate-limiter.instances.x.*");
        });
  }

  @Test
  void backsOffWhenTheApplicationDefinesItsOwnRegistry() {
    runner.withUserConfiguration(OwnPolicies.class)
        .withPropertyValues("faultline.retry.instances.payments.max-attempts=2")
        .run(ctx -> {
          assertThat(ctx).hasSingleBean(FaultlinePolicies.class);
          assertThat(ctx.getBean(FaultlinePolicies.class)).isSameAs(ctx.getBean(OwnPolicies.class).policies);
          assertThat(ctx.getBean(FaultlinePolicies.class).all()).isEmpty();
        });
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnPolicies {
    final FaultlinePolicies policies = new FaultlinePolicies(Map.of(), Map.of(), Map.of(), Map.of(), Map.of());

    @Bean
    FaultlinePolicies ownPolicies() {
      return policies;
    }
  }

  @Test
  void theBuiltPolicyWorks() {
    runner.withPropertyValues("faultline.retry.instances.payments.max-attempts=3",
        "faultline.retry.instances.payments.backoff.kind=none").run(ctx -> {
          int[] attempts = {0};
          String result = ctx.getBean(FaultlinePolicies.class).retry("payments").get(() -> {
            if (++attempts[0] < 3) {
              throw new UncheckedIOException(new IOException("attempt " + attempts[0]));
            }
            return "paid";
          });
          assertThat(result).isEqualTo("paid");
          assertThat(attempts[0]).isEqualTo(3);
        });
  }
}
