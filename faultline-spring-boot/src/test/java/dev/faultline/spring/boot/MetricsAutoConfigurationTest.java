package dev.faultline.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faultline.core.circuitbreaker.CircuitBreaker;
import dev.faultline.micrometer.FaultlinePolicyMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.springframework.boot.LazyInitializationBeanFactoryPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The policies' metrics are bound to the context's MeterRegistry with faultline-micrometer's binder. */
class MetricsAutoConfigurationTest {
  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(FaultlineAutoConfiguration.class,
          FaultlineMetricsAutoConfiguration.class))
      .withPropertyValues("faultline.circuit-breaker.instances.payments.sliding-window-size=10",
          "faultline.retry.instances.payments.max-attempts=2");

  @Configuration(proxyBeanMethods = false)
  static class Registry {
    @Bean
    SimpleMeterRegistry meterRegistry() {
      return new SimpleMeterRegistry();
    }
  }

  @Test
  void bindsEveryPolicyToTheApplicationsRegistry() {
    runner.withUserConfiguration(Registry.class).run(ctx -> {
      assertThat(ctx).hasBean("faultlinePolicyMetricsBinding");
      MeterRegistry registry = ctx.getBean(MeterRegistry.class);
      CircuitBreaker breaker = ctx.getBean(FaultlinePolicies.class).circuitBreaker("payments");
      breaker.get(() -> "ok");
      breaker.get(() -> "ok");

      assertThat(registry.get("faultline.calls").tags("policy", "payments", "kind", "circuit_breaker",
          "outcome", "success").functionCounter().count()).isEqualTo(2.0);
      assertThat(registry.get("faultline.circuitbreaker.state").tags("policy", "payments", "state", "closed")
          .gauge().value()).isEqualTo(1.0);
      assertThat(registry.find("faultline.retry.retries").tags("policy", "payments").functionCounter()).isNotNull();
    });
  }

  @Test
  void runsAfterSpringBootsMetricsAndBindsToItsRegistry() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(FaultlineMetricsAutoConfiguration.class,
            FaultlineAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class,
            SimpleMetricsExportAutoConfiguration.class, MetricsAutoConfiguration.class))
        .withPropertyValues("faultline.bulkhead.instances.db.max-concurrent-calls=4",
            "management.metrics.tags.application=shop")
        .run(ctx -> {
          assertThat(ctx).hasNotFailed().hasBean("faultlinePolicyMetricsBinding");
          MeterRegistry registry = ctx.getBean(MeterRegistry.class);
          // Boot's common tags apply: the meters went through Boot's configured registry.
          assertThat(registry.get("faultline.bulkhead.max.concurrent.calls")
              .tags("policy", "db", "application", "shop").gauge().value()).isEqualTo(4.0);
        });
  }

  /** Boot's lazy initialization leaves SmartInitializingSingleton beans eager, so the binding still happens. */
  @Test
  void bindsAlsoWithLazyInitialization() {
    runner.withUserConfiguration(Registry.class)
        .withInitializer(ctx -> ctx.addBeanFactoryPostProcessor(new LazyInitializationBeanFactoryPostProcessor()))
        .run(ctx -> assertThat(ctx.getBean(MeterRegistry.class).find("faultline.calls").tags("policy", "payments")
            .meters()).isNotEmpty());
  }

  @Test
  void offWithTheProperty() {
    runner.withUserConfiguration(Registry.class).withPropertyValues("faultline.metrics.enabled=false").run(ctx -> {
      assertThat(ctx).doesNotHaveBean("faultlinePolicyMetricsBinding");
      assertThat(ctx.getBean(MeterRegistry.class).find("faultline.calls").meters()).isEmpty();
    });
  }

  @Test
  void offWithoutAMeterRegistry() {
    runner.run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean("faultlinePolicyMetricsBinding"));
  }

  @Test
  void offWithoutFaultlineMicrometer() {
    runner.withUserConfiguration(Registry.class).withClassLoader(new FilteredClassLoader(FaultlinePolicyMetrics.class))
        .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean("faultlinePolicyMetricsBinding"));
  }

  @Test
  void offWithoutMicrometer() {
    runner.withClassLoader(new FilteredClassLoader("io.micrometer", "dev.faultline.micrometer"))
        .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean("faultlinePolicyMetricsBinding")
            .hasSingleBean(FaultlinePolicies.class));
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnBinder {
    @Bean
    FaultlinePolicyMetrics ownMetrics(FaultlinePolicies policies) {
      return FaultlinePolicyMetrics.of(policies.all(), Tags.of("team", "payments"));
    }
  }

  @Test
  void backsOffWhenTheApplicationDefinesItsOwnBinder() {
    runner.withUserConfiguration(Registry.class, OwnBinder.class).run(ctx -> {
      assertThat(ctx).doesNotHaveBean("faultlinePolicyMetricsBinding");
      assertThat(ctx.getBean(MeterRegistry.class).find("faultline.calls").meters()).isEmpty();
    });
  }

  @Test
  void withSpringBootsMetricsAnOwnBinderIsBoundByBootOnce() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(FaultlineAutoConfiguration.class,
            FaultlineMetricsAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class,
            SimpleMetricsExportAutoConfiguration.class, MetricsAutoConfiguration.class))
        .withUserConfiguration(OwnBinder.class)
        .withPropertyValues("faultline.timeout.instances.api.timeout=2s")
        .run(ctx -> {
          assertThat(ctx).doesNotHaveBean("faultlinePolicyMetricsBinding");
          List<String> teams = ctx.getBean(MeterRegistry.class).find("faultline.calls").tags("policy", "api")
              .meters().stream().map(m -> m.getId().getTag("team")).distinct().toList();
          assertThat(teams).containsExactly("payments");
        });
  }

  @Test
  void runsFaultlineMicrometerOnTheMicrometerThatSpringBootManages() throws Exception {
    // faultline-micrometer is built against Micrometer 1.17; these tests bind it on Boot 4.0's 1.16, as applications
    // do (docs/integrations.md). If Boot's BOM stopped deciding the version here, the docs' claim would go unchecked.
    Path jar = Path.of(MeterRegistry.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    try (JarFile file = new JarFile(jar.toFile())) {
      assertThat(file.getManifest().getMainAttributes().getValue("Implementation-Version")).as(jar.toString())
          .startsWith("1.16.");
    }
  }
}
