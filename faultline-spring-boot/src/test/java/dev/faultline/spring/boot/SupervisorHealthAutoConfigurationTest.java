package dev.faultline.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faultline.core.testing.FakeClock;
import dev.faultline.supervisor.health.CheckSpec;
import dev.faultline.supervisor.health.HealthRegistry;
import dev.faultline.supervisor.health.ProbeKind;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.actuate.endpoint.SimpleStatusAggregator;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.health.registry.HealthContributorRegistry;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Each check of the application's {@link HealthRegistry} is a health indicator under {@code faultlineSupervisor},
 * read from the registry's last report: health requests never run a check.
 */
class SupervisorHealthAutoConfigurationTest {
  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(FaultlineSupervisorHealthAutoConfiguration.class))
      .withUserConfiguration(Checks.class);

  /** A disk check the test turns up and down, counting its runs. */
  static final class Disk {
    final AtomicBoolean up = new AtomicBoolean(true);
    final AtomicInteger runs = new AtomicInteger();

    dev.faultline.supervisor.health.Health check() {
      runs.incrementAndGet();
      return up.get() ? dev.faultline.supervisor.health.Health.up("enough free")
          : dev.faultline.supervisor.health.Health.down("2 bytes free");
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class Checks {
    @Bean
    FakeClock clock() {
      return new FakeClock(START);
    }

    @Bean
    Disk disk() {
      return new Disk();
    }

    @Bean
    HealthRegistry healthRegistry(FakeClock clock, Disk disk) {
      // Checks run on the thread that refreshes (the fake clock's, here the test's), so that a run is visible at once.
      return HealthRegistry.builder("app").clock(clock).scheduler(clock).executor(Runnable::run)
          .check(CheckSpec.builder("disk", ProbeKind.READINESS, disk::check).refresh(Duration.ofSeconds(10))
              .failureThreshold(2).build())
          .check(CheckSpec.builder("heap", ProbeKind.LIVENESS,
              () -> dev.faultline.supervisor.health.Health.up("heap 10% used")).build())
          .build();
    }
  }

  private static Health health(CompositeHealthContributor checks, String name) {
    return ((HealthIndicator) checks.getContributor(name)).health();
  }

  @Test
  void reportsEachChecksLastResultAfterItsThresholds() {
    runner.run(ctx -> {
      CompositeHealthContributor checks = ctx.getBean("faultlineSupervisorHealthContributor",
          CompositeHealthContributor.class);
      assertThat(checks.stream().map(e -> e.name())).containsExactly("disk", "heap");
      assertThat(health(checks, "disk").getStatus()).isEqualTo(Status.UNKNOWN);
      assertThat(health(checks, "disk").getDetails()).containsEntry("kind", "readiness")
          .containsEntry("detail", "not run yet").doesNotContainKey("checkedAt");

      FakeClock clock = ctx.getBean(FakeClock.class);
      Disk disk = ctx.getBean(Disk.class);
      ctx.getBean(HealthRegistry.class).start();
      assertThat(health(checks, "disk").getStatus()).isEqualTo(Status.UP);
      assertThat(health(checks, "disk").getDetails()).containsEntry("detail", "enough free")
          .containsEntry("checkedAt", "2026-01-01T00:00:00Z");
      assertThat(health(checks, "heap").getStatus()).isEqualTo(Status.UP);
      assertThat(health(checks, "heap").getDetails()).containsEntry("kind", "liveness");

      disk.up.set(false);
      clock.advance(Duration.ofSeconds(10));
      // One failure of two: the registry keeps it UP, and so does Boot, with the failure's detail.
      assertThat(health(checks, "disk").getStatus()).isEqualTo(Status.UP);
      assertThat(health(checks, "disk").getDetails()).containsEntry("detail", "2 bytes free")
          .containsEntry("checkedAt", "2026-01-01T00:00:10Z");
      clock.advance(Duration.ofSeconds(10));
      assertThat(health(checks, "disk").getStatus()).isEqualTo(Status.DOWN);
      assertThat(health(checks, "disk").getDetails()).containsEntry("checkedAt", "2026-01-01T00:00:20Z");
      assertThat(disk.runs).hasValue(3);
    });
  }

  @Test
  void aHealthRequestNeverRunsACheck() {
    runner.run(ctx -> {
      CompositeHealthContributor checks = ctx.getBean("faultlineSupervisorHealthContributor",
          CompositeHealthContributor.class);
      Disk disk = ctx.getBean(Disk.class);
      ctx.getBean(HealthRegistry.class).start();
      assertThat(disk.runs).hasValue(1);
      // The disk check is due again, but it is the registry's schedule that runs it, not Boot's request.
      ctx.getBean(FakeClock.class).advance(Duration.ofSeconds(10).minusNanos(1));
      ctx.getBean(HealthRegistry.class).close();
      ctx.getBean(FakeClock.class).advance(Duration.ofSeconds(1));
      for (int i = 0; i < 3; i++) {
        assertThat(health(checks, "disk").getStatus()).isEqualTo(Status.UP);
      }
      assertThat(disk.runs).hasValue(1);
    });
  }

  @Test
  void unknownRanksBelowUpInSpringBootsAggregate() {
    // Unlike the registry's own aggregate (UNKNOWN above UP), which the docs point out.
    assertThat(new SimpleStatusAggregator().getAggregateStatus(Set.of(Status.UP, Status.UNKNOWN)))
        .isEqualTo(Status.UP);
    assertThat(new SimpleStatusAggregator().getAggregateStatus(Set.of(Status.UP, Status.DOWN)))
        .isEqualTo(Status.DOWN);
  }

  @Test
  void isRegisteredWithSpringBootsHealthRegistryAsFaultlineSupervisor() {
    runner.withConfiguration(AutoConfigurations.of(HealthContributorRegistryAutoConfiguration.class)).run(ctx -> {
      HealthContributor supervisor = ctx.getBean(HealthContributorRegistry.class)
          .getContributor("faultlineSupervisor");
      assertThat(supervisor).isInstanceOf(CompositeHealthContributor.class);
      assertThat(((CompositeHealthContributor) supervisor).getContributor("disk")).isInstanceOf(HealthIndicator.class);
    });
  }

  @Test
  void offWithTheManagementProperty() {
    runner.withPropertyValues("management.health.faultlinesupervisor.enabled=false")
        .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean("faultlineSupervisorHealthContributor"));
    runner.withPropertyValues("management.health.faultline.enabled=false")
        .run(ctx -> assertThat(ctx).hasBean("faultlineSupervisorHealthContributor"));
  }

  @Test
  void offWithoutTheSupervisorModuleOrARegistry() {
    runner.withClassLoader(new FilteredClassLoader(HealthRegistry.class))
        .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean("faultlineSupervisorHealthContributor"));
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(FaultlineSupervisorHealthAutoConfiguration.class))
        .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean("faultlineSupervisorHealthContributor"));
  }

  @Configuration(proxyBeanMethods = false)
  static class SecondRegistry {
    @Bean
    HealthRegistry otherRegistry() {
      return HealthRegistry.builder("other").build();
    }
  }

  @Test
  void backsOffWithTwoRegistriesAndNoPrimary() {
    runner.withUserConfiguration(SecondRegistry.class)
        .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean("faultlineSupervisorHealthContributor"));
  }
}
