package dev.faultline.spring.boot;

import dev.faultline.core.circuitbreaker.CircuitBreaker;
import java.util.Locale;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The health of one circuit breaker, read from its metrics snapshot (no lock, no call through the breaker); the
 * mapping of states to statuses is explained on {@link FaultlineHealthAutoConfiguration}. Thread-safe.
 */
final class CircuitBreakerHealthIndicator implements HealthIndicator {
  private final CircuitBreaker breaker;

  CircuitBreakerHealthIndicator(CircuitBreaker breaker) {
    this.breaker = breaker;
  }

  @Override
  public Health health() {
    CircuitBreaker.Metrics m = breaker.metrics();
    Health.Builder health = switch (m.state()) {
      case OPEN, FORCED_OPEN -> Health.outOfService();
      case CLOSED, HALF_OPEN, DISABLED -> Health.up();
    };
    return health
        .withDetail("state", m.state().name().toLowerCase(Locale.ROOT))
        .withDetail("failureRate", m.failureRate())
        .withDetail("failureRateThreshold", breaker.config().failureRateThreshold())
        .withDetail("slowCallRate", m.slowCallRate())
        .withDetail("bufferedCalls", m.bufferedCalls())
        .withDetail("bufferedFailures", m.bufferedFailures())
        .withDetail("rejectedCalls", m.rejections())
        .build();
  }
}
