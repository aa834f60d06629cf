package dev.faultline.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faultline.core.circuitbreaker.CircuitBreaker;
import dev.faultline.core.circuitbreaker.CircuitState;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.actuate.endpoint.SimpleHttpCodeStatusMapper;
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

/** Each circuit breaker is a health indicator under {@code faultline}: open is OUT_OF_SERVICE, with details. */
class HealthAutoConfigurationTest {
  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(FaultlineAutoConfiguration.class,
          FaultlineHealthAutoConfiguration.class))
      .withPropertyValues("faultline.circuit-breaker.instances.payments.sliding-window-size=4",
          "faultline.circuit-breaker.instances.payments.failure-rate-threshold=0.5",
          "faultline.circuit-breaker.instances.search.sliding-window-size=10");

  private static Health health(CompositeHealthContributor faultline, String name) {
    return ((HealthIndicator) faultline.getContributor(name)).health();
  }

  @Test
  void reportsEachBreakerByState() {
    runner.run(ctx -> {
      CompositeHealthContributor faultline = ctx.getBean("faultlineHealthContributor",
          CompositeHealthContributor.class);
      assertThat(faultline.stream().map(e -> e.name())).containsExactly("payments", "search");
      CircuitBreaker search = ctx.getBean(FaultlinePolicies.class).circuitBreaker("search");

      assertThat(health(faultline, "search").getStatus()).isEqualTo(Status.UP);
      assertThat(health(faultline, "search").getDetails()).containsEntry("state", "closed");
      search.transitionTo(CircuitState.OPEN);
      assertThat(health(faultline, "search").getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
      assertThat(health(faultline, "search").getDetails()).containsEntry("state", "open");
      search.transitionTo(CircuitState.HALF_OPEN);
      assertThat(health(faultline, "search").getStatus()).isEqualTo(Status.UP);
      assertThat(health(faultline, "search").getDetails()).containsEntry("state", "half_open");
      search.forceOpen();
      assertThat(health(faultline, "search").getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
      search.disable();
      assertThat(health(faultline, "search").getStatus()).isEqualTo(Status.UP);
      assertThat(health(faultline, "search").getDetails()).containsEntry("state", "disabled");
      assertThat(health(faultline, "payments").getStatus()).isEqualTo(Status.UP);
    });
  }

  @Test
  void springBootAnswersOutOfServiceWith503AsItDoesDown() {
    // Why the docs say to keep the contributor out of the liveness and readiness groups.
    SimpleHttpCodeStatusMapper mapper = new SimpleHttpCodeStatusMapper();
    assertThat(mapper.getStatusCode(Status.OUT_OF_SERVICE)).isEqualTo(503);
    assertThat(mapper.getStatusCode(Status.DOWN)).isEqualTo(503);
    assertThat(mapper.getStatusCode(Status.UP)).isEqualTo(200);
  }

  @Test
  void detailsGiveTheRatesOfTheWindowThatOpenedTheBreaker() {
    runner.run(ctx -> {
      CircuitBreaker payments = ctx.getBean(FaultlinePolicies.class).circuitBreaker("payments");
      payments.get(() -> "ok");
      payments.get(() -> "ok");
      for (int i = 0; i < 2; i++) {
        assertThatThrownBy(() -> payments.get(() -> {
          throw new UncheckedIOException(new IOException("down"));
        })).isInstanceOf(UncheckedIOException.class);
      }
      assertThat(payments.state()).isEqualTo(CircuitState.OPEN);
      assertThat(payments.tryAcquirePermission()).isFalse();

      Health health = health(ctx.getBean("faultlineHealthContributor", CompositeHealthContributor.class),
          "payments");
      assertThat(health.getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
      assertThat(health.getDetails()).containsEntry("state", "open").containsEntry("failureRate", 0.5)
          .containsEntry("failureRateThreshold", 0.5).containsEntry("slowCallRate", 0.0)
          .containsEntry("bufferedCalls", 4L).containsEntry("bufferedFailures", 2L)
          .containsEntry("rejectedCalls", 1L);
    });
  }

  @Test
  void isRegisteredWithSpringBootsHealthRegistryAsFaultline() {
    runner.withConfiguration(AutoConfigurations.of(HealthContributorRegistryAutoConfiguration.class)).run(ctx -> {
      HealthContributor faultline = ctx.getBean(HealthContributorRegistry.class).getContributor("faultline");
      assertThat(faultline).isInstanceOf(CompositeHealthContributor.class);
      assertThat(((CompositeHealthContributor) faultline).getContributor("payments"))
          .isInstanceOf(HealthIndicator.class);
    });
  }

  @Test
  void withoutBreakersTheContributorIsEmpty() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(FaultlineAutoConfiguration.class,
            FaultlineHealthAutoConfiguration.class, HealthContributorRegistryAutoConfiguration.class))
        .withPropertyValues("faultline.retry.instances.payments.max-attempts=2").run(ctx -> {
          assertThat(ctx).hasNotFailed();
          CompositeHealthContributor faultline = ctx.getBean("faultlineHealthContributor",
              CompositeHealthContributor.class);
          assertThat(faultline.stream()).isEmpty();
        });
  }

  @Test
  void offWithTheManagementProperty() {
    runner.withPropertyValues("management.health.faultline.enabled=false")
        .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean("faultlineHealthContributor"));
    runner.withPropertyValues("management.health.defaults.enabled=false")
        .run(ctx -> assertThat(ctx).doesNotHaveBean("faultlineHealthContributor"));
  }

  @Test
  void offWithoutSpringBootsHealthModule() {
    runner.withClassLoader(new FilteredClassLoader("org.springframework.boot.health"))
        .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean("faultlineHealthContributor"));
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnContributor {
    @Bean
    HealthIndicator faultlineHealthContributor() {
      return () -> Health.up().withDetail("own", true).build();
    }
  }

  @Test
  void backsOffWhenTheApplicationDefinesTheBean() {
    runner.withUserConfiguration(OwnContributor.class).run(ctx -> {
      assertThat(ctx).hasSingleBean(HealthContributor.class);
      assertThat(ctx.getBean("faultlineHealthContributor", HealthIndicator.class).health().getDetails())
          .containsEntry("own", true);
    });
  }
}
