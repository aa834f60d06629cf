package dev.faultline.spring.boot;

import dev.faultline.supervisor.health.CheckResult;
import dev.faultline.supervisor.health.HealthRegistry;
import java.util.Locale;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The health of one check of a {@link HealthRegistry}, read from the registry's last report (which never runs a
 * check); the mapping is explained on {@link FaultlineSupervisorHealthAutoConfiguration}. Thread-safe.
 */
final class SupervisorCheckHealthIndicator implements HealthIndicator {
  private final HealthRegistry registry;
  private final String check;

  SupervisorCheckHealthIndicator(HealthRegistry registry, String check) {
    this.registry = registry;
    this.check = check;
  }

  @Override
  public Health health() {
    CheckResult r = registry.report().check(check);
    Health.Builder health = switch (r.status()) {
      case UP -> Health.up();
      case DOWN -> Health.down();
      case UNKNOWN -> Health.unknown();
    };
    health.withDetail("kind", r.kind().name().toLowerCase(Locale.ROOT)).withDetail("detail", r.detail());
    if (r.checkedAt() != null) {
      // A string, so that the JSON is ISO-8601 whatever the application's date serialization settings.
      health.withDetail("checkedAt", r.checkedAt().toString());
    }
    return health.build();
  }
}
