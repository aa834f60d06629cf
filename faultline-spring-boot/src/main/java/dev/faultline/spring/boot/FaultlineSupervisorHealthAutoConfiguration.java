package dev.faultline.spring.boot;

import dev.faultline.supervisor.health.CheckResult;
import dev.faultline.supervisor.health.HealthRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of the {@code faultlineSupervisor} health contributor: one health indicator per check of the
 * application's {@link HealthRegistry} bean ({@code /actuator/health/faultlineSupervisor/disk}).
 *
 * <p>Each indicator reads the check's last result from {@link HealthRegistry#report()}, which never runs a check: a
 * check may block (a database ping, an HTTP call) and runs on the registry's own executor and schedule, never on
 * Boot's health request thread. The application starts the registry (for example
 * {@code @Bean(initMethod = "start")}); until a check has run it is {@code UNKNOWN} with the detail
 * {@code not run yet}.
 *
 * <p>The registry's statuses, already past the check's failure and success thresholds, map one to one:
 * {@code UP} is {@code UP}, {@code DOWN} is {@code DOWN} and {@code UNKNOWN} (not run, not enough outcomes in a row,
 * waiting for a startup check) is {@code UNKNOWN}. {@code DOWN} and not {@code OUT_OF_SERVICE} (as for an open
 * circuit breaker): these checks test the application's own parts (its disk, heap, threads, database), and a failing
 * one means this instance should not get work (readiness) or should be restarted (liveness). The details are what
 * the report keeps of each check: {@code kind} ({@code liveness}, {@code readiness}, {@code startup}), {@code detail}
 * (of the last outcome) and {@code checkedAt} (ISO-8601, on the registry's clock; absent before the first run).
 *
 * <p>Active when Spring Boot's health module and {@code faultline-supervisor} are on the class path and the context
 * has exactly one {@code HealthRegistry} bean (or a primary one); off with
 * {@code management.health.faultlinesupervisor.enabled=false} (Boot's rule: the contributor's name in lower case);
 * backs off if the application defines a bean named {@code faultlineSupervisorHealthContributor}.
 */
@AutoConfiguration
@ConditionalOnClass({HealthRegistry.class, HealthContributor.class, ConditionalOnEnabledHealthIndicator.class})
@ConditionalOnSingleCandidate(HealthRegistry.class)
public final class FaultlineSupervisorHealthAutoConfiguration {

  /** Creates the auto-configuration (Spring Boot does). */
  public FaultlineSupervisorHealthAutoConfiguration() {}

  /**
   * One indicator per check of {@code registry}, named after it, in registration order (a registry's checks are fixed
   * when it is built). The enabling condition is on the method for the reason given on
   * {@link FaultlineHealthAutoConfiguration}.
   */
  @Bean
  @ConditionalOnEnabledHealthIndicator("faultlinesupervisor")
  @ConditionalOnMissingBean(name = "faultlineSupervisorHealthContributor")
  public HealthContributor faultlineSupervisorHealthContributor(HealthRegistry registry) {
    Map<String, String> checks = new LinkedHashMap<>();
    for (CheckResult check : registry.report().checks()) {
      checks.put(check.name(), check.name());
    }
    return CompositeHealthContributor.fromMap(checks, name -> new SupervisorCheckHealthIndicator(registry, name));
  }
}
