package dev.faultline.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faultline.core.circuitbreaker.CallNotPermittedException;
import dev.faultline.core.circuitbreaker.CircuitBreaker;
import dev.faultline.core.circuitbreaker.CircuitState;
import dev.faultline.core.event.FaultEvent;
import dev.faultline.core.event.FaultEventListener;
import dev.faultline.core.event.PolicyEvent;
import dev.faultline.core.retry.Retry;
import dev.faultline.core.testing.EventRecorder;
import dev.faultline.core.testing.FakeClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;

/**
 * The policies publish their events to every {@link FaultEventListener} bean, and run on the context's clock and
 * scheduler: a {@link FakeClock} bean makes time move only when the test says so.
 */
class EventsAndClockTest {
  private static final Instant START = Instant.parse("2026-03-01T12:00:00Z");

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(FaultlineAutoConfiguration.class))
      .withUserConfiguration(Listeners.class, Time.class);

  @Configuration(proxyBeanMethods = false)
  static class Listeners {
    final List<String> order = new CopyOnWriteArrayList<>();

    @Bean
    EventRecorder recorder() {
      return new EventRecorder();
    }

    @Bean
    @Order(2)
    FaultEventListener second() {
      return e -> order.add("second " + e.getClass().getSimpleName());
    }

    @Bean
    @Order(1)
    FaultEventListener first() {
      return e -> order.add("first " + e.getClass().getSimpleName());
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class Time {
    @Bean
    FakeClock clock() {
      return new FakeClock(START);
    }
  }

  @Test
  void everyListenerBeanReceivesEveryPolicysEventsInBeanOrder() {
    runner.withPropertyValues("faultline.retry.instances.payments.max-attempts=2",
        "faultline.retry.instances.payments.backoff.kind=none",
        "faultline.circuit-breaker.instances.search.wait-in-open=10s").run(ctx -> {
          FaultlinePolicies policies = ctx.getBean(FaultlinePolicies.class);
          EventRecorder recorder = ctx.getBean(EventRecorder.class);

          assertThatThrownBy(() -> policies.retry("payments").get(() -> {
            throw new UncheckedIOException(new IOException("down"));
          })).isInstanceOf(UncheckedIOException.class);
          policies.circuitBreaker("search").transitionTo(CircuitState.OPEN);

          assertThat(recorder.names()).containsExactly("AttemptFailed", "RetryScheduled", "AttemptFailed",
              "RetriesExhausted", "CircuitStateChanged");
          assertThat(recorder.events()).extracting(FaultEvent::source)
              .containsExactly("payments", "payments", "payments", "payments", "search");
          PolicyEvent.CircuitStateChanged changed = recorder.events(PolicyEvent.CircuitStateChanged.class).get(0);
          assertThat(changed.from()).isEqualTo(CircuitState.CLOSED);
          assertThat(changed.to()).isEqualTo(CircuitState.OPEN);
          // Events are stamped by the context's clock.
          assertThat(recorder.events()).extracting(FaultEvent::time).containsOnly(START);

          List<String> order = ctx.getBean(Listeners.class).order;
          assertThat(order.subList(0, 2)).containsExactly("first AttemptFailed", "second AttemptFailed");
          assertThat(order).hasSize(10);
        });
  }

  @Test
  void aRetryWaitsOnTheClockBean() {
    runner.withPropertyValues("faultline.retry.instances.payments.max-attempts=3",
        "faultline.retry.instances.payments.backoff.kind=fixed",
        "faultline.retry.instances.payments.backoff.delay=1s").run(ctx -> {
          FakeClock clock = ctx.getBean(FakeClock.class);
          Retry retry = ctx.getBean(FaultlinePolicies.class).retry("payments");
          assertThat(retry.config().clock()).isSameAs(clock);
          assertThat(retry.config().scheduler()).isSameAs(clock);

          int[] attempts = {0};
          String result = retry.get(() -> {
            if (++attempts[0] < 3) {
              throw new UncheckedIOException(new IOException("attempt " + attempts[0]));
            }
            return "paid";
          });

          assertThat(result).isEqualTo("paid");
          // Two fixed waits of one second, taken on the fake clock: no real time passed.
          assertThat(clock.nanoTime()).isEqualTo(Duration.ofSeconds(2).toNanos());
          assertThat(ctx.getBean(EventRecorder.class).events(PolicyEvent.RetryScheduled.class))
              .extracting(PolicyEvent.RetryScheduled::delay).containsExactly(Duration.ofSeconds(1),
                  Duration.ofSeconds(1));
        });
  }

  @Test
  void anOpenBreakerWaitsInOpenOnTheClockBean() {
    runner.withPropertyValues("faultline.circuit-breaker.instances.search.wait-in-open=10s").run(ctx -> {
      FakeClock clock = ctx.getBean(FakeClock.class);
      CircuitBreaker breaker = ctx.getBean(FaultlinePolicies.class).circuitBreaker("search");
      breaker.transitionTo(CircuitState.OPEN);

      clock.advance(Duration.ofSeconds(9));
      assertThatThrownBy(() -> breaker.get(() -> "too early")).isInstanceOf(CallNotPermittedException.class);
      clock.advance(Duration.ofSeconds(1));
      assertThat(breaker.get(() -> "trial")).isEqualTo("trial");
      assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
    });
  }

  @Test
  void withAutomaticHalfOpenTheSchedulerBeanEndsTheWaitWithoutACall() {
    runner.withPropertyValues("faultline.circuit-breaker.instances.search.wait-in-open=10s",
        "faultline.circuit-breaker.instances.search.automatic-half-open=true",
        "faultline.circuit-breaker.instances.lazy.wait-in-open=10s").run(ctx -> {
          FakeClock clock = ctx.getBean(FakeClock.class);
          FaultlinePolicies policies = ctx.getBean(FaultlinePolicies.class);
          CircuitBreaker search = policies.circuitBreaker("search");
          CircuitBreaker lazy = policies.circuitBreaker("lazy");
          assertThat(search.config().scheduler()).containsSame(clock);
          assertThat(lazy.config().scheduler()).isEmpty();
          search.transitionTo(CircuitState.OPEN);
          lazy.transitionTo(CircuitState.OPEN);

          clock.advance(Duration.ofSeconds(10));
          assertThat(search.state()).isEqualTo(CircuitState.HALF_OPEN);
          assertThat(lazy.state()).isEqualTo(CircuitState.OPEN);
        });
  }

  @Test
  void withoutAClockBeanThePoliciesUseTheSystemClock() {
    new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(FaultlineAutoConfiguration.class))
        .withPropertyValues("faultline.retry.instances.payments.max-attempts=2").run(ctx -> {
          Retry retry = ctx.getBean(FaultlinePolicies.class).retry("payments");
          assertThat(retry.config().clock()).isSameAs(dev.faultline.core.Clock.system());
          assertThat(retry.config().scheduler()).isSameAs(dev.faultline.core.Scheduler.system());
          assertThat(retry.config().listeners()).isEmpty();
        });
  }
}
