package dev.faultline.diagnosis.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.circuitbreaker.CircuitBreaker;
import dev.faultline.core.circuitbreaker.CircuitState;
import dev.faultline.core.testing.FakeClock;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A real circuit breaker on a fake clock publishing to the metrics: its open spells become its downstream's outages. */
class CircuitBreakerMetricsTest {

  @Test
  void openSpellsOfARealBreakerAreFailuresOfItsDownstream() {
    FakeClock clock = new FakeClock();
    ReliabilityMetrics metrics = ReliabilityMetrics.builder(clock).downstream("payments-cb", "payments").build();
    CircuitBreaker breaker = CircuitBreaker.builder("payments-cb")
        .countBasedWindow(4)
        .minimumNumberOfCalls(4)
        .failureRateThreshold(0.5)
        .waitInOpen(Duration.ofSeconds(30))
        .permittedCallsInHalfOpen(1)
        .clock(clock)
        .listener(metrics)
        .build();
    clock.advance(Duration.ofMinutes(1));
    breaker.transitionTo(CircuitState.CLOSED); // already closed: nothing is published
    for (int i = 0; i < 4; i++) {
      assertTrue(breaker.tryAcquirePermission());
      breaker.onError(0, new IllegalStateException("payments down"));
    }
    assertEquals(CircuitState.OPEN, breaker.state());
    clock.advance(Duration.ofSeconds(30));
    assertTrue(breaker.tryAcquirePermission()); // half-open trial
    breaker.onError(0, new IllegalStateException("still down"));
    assertEquals(CircuitState.OPEN, breaker.state());
    clock.advance(Duration.ofSeconds(30));
    assertTrue(breaker.tryAcquirePermission());
    breaker.onSuccess(0);
    assertEquals(CircuitState.CLOSED, breaker.state());
    clock.advance(Duration.ofMinutes(3));

    ComponentMetrics payments = metrics.component("payments", Duration.ofMinutes(5));
    assertEquals(1, payments.failures());
    assertEquals(1, payments.recoveries());
    assertEquals(Optional.of(Duration.ofMinutes(1)), payments.mttr());
    assertEquals(Duration.ofMinutes(4), payments.observed());
    assertEquals(0.75, payments.availability().orElseThrow(), 1e-12);
  }
}
