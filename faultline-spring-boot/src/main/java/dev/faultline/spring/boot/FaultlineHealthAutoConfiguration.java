package dev.faultline.spring.boot;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of the {@code faultline} health contributor: one health indicator per circuit breaker of the
 * {@link FaultlinePolicies} ({@code /actuator/health/faultline/payments}).
 *
 * <p>A breaker that is {@code OPEN} or {@code FORCED_OPEN} is {@code OUT_OF_SERVICE}, not {@code DOWN}: the
 * application is working as designed, refusing calls to a dependency that is failing (or that an operator took out),
 * and restarting it would not bring that dependency back. {@code CLOSED}, {@code HALF_OPEN} (trial calls are let
 * through) and {@code DISABLED} (every call is let through) are {@code UP}. The details give the state, the failure
 * and slow-call rates of the current window, the failure-rate threshold, the buffered calls and failures, and the
 * calls rejected so far. Spring Boot maps {@code OUT_OF_SERVICE} to HTTP 503 by default: keep this contributor out of
 * the liveness and readiness groups, or one failing dependency takes every instance out of service.
 *
 * <p>Active when Spring Boot's health module ({@code spring-boot-health}) is on the class path and the context has a
 * {@code FaultlinePolicies} bean; off with {@code management.health.faultline.enabled=false}; backs off if the
 * application defines a bean named {@code faultlineHealthContributor}.
 */
@AutoConfiguration(after = FaultlineAutoConfiguration.class)
@ConditionalOnClass({HealthContributor.class, ConditionalOnEnabledHealthIndicator.class})
@ConditionalOnBean(FaultlinePolicies.class)
public final class FaultlineHealthAutoConfiguration {

  /** Creates the auto-configuration (Spring Boot does). */
  public FaultlineHealthAutoConfiguration() {}

  /**
   * One indicator per circuit breaker, named after it. The enabling condition is on the method, not the class: its
   * condition class is in the health module, which Spring would load with the class's conditions before
   * {@code @ConditionalOnClass} had ruled the class out.
   */
  @Bean
  @ConditionalOnEnabledHealthIndicator("faultline")
  @ConditionalOnMissingBean(name = "faultlineHealthContributor")
  public HealthContributor faultlineHealthContributor(FaultlinePolicies policies) {
    return CompositeHealthContributor.fromMap(policies.circuitBreakers(), CircuitBreakerHealthIndicator::new);
  }
}
