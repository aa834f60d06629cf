package dev.faultline.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faultline.supervisor.health.HealthRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.annotation.ImportCandidates;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.health.registry.HealthContributorRegistry;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Spring Boot finds the five auto-configurations through META-INF/spring/...AutoConfiguration.imports. */
class AutoConfigurationImportsTest {

  @Test
  void theImportsFileListsTheFiveAutoConfigurations() {
    List<String> ours = new ArrayList<>();
    ImportCandidates.load(AutoConfiguration.class, getClass().getClassLoader()).getCandidates().forEach(name -> {
      if (name.startsWith("dev.faultline.")) {
        ours.add(name);
      }
    });
    assertThat(ours).containsExactly(FaultlineAutoConfiguration.class.getName(),
        FaultlineMetricsAutoConfiguration.class.getName(), FaultlineHealthAutoConfiguration.class.getName(),
        FaultlineWorkflowAutoConfiguration.class.getName(),
        FaultlineSupervisorHealthAutoConfiguration.class.getName());
  }

  @Test
  void theConfigurationMetadataDescribesTheProperties() throws IOException {
    try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
      assertThat(in).as("written by spring-boot-configuration-processor").isNotNull();
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).contains("\"faultline.retry.instances\"",
          "\"faultline.circuit-breaker.instances\"", "\"faultline.metrics.enabled\"",
          "\"faultline.workflows.directory\"");
    }
  }

  @Test
  void theMetadataGivesEachInstancesMapItsSettingsType() throws IOException {
    // The type is all an IDE has to complete faultline.<kind>.instances.<name>.* (the metadata format lists no keys
    // under a map's keys); a generic value type would be written as Object.
    try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
      String metadata = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      for (String kind : List.of("Retry", "CircuitBreaker", "Timeout", "Bulkhead", "RateLimiter")) {
        assertThat(metadata).contains("\"java.util.Map<java.lang.String,dev.faultline.spring.boot.FaultlineProperties$"
            + kind + "Properties>\"");
      }
      assertThat(metadata).doesNotContain("java.lang.Object>")
          .contains("\"management.health.faultline.enabled\"", "\"management.health.faultlinesupervisor.enabled\"");
    }
  }

  @Test
  void togetherWithSpringBootsMetricsAndHealth() throws ClassNotFoundException {
    List<Class<?>> classes = new ArrayList<>(List.of(CompositeMeterRegistryAutoConfiguration.class,
        SimpleMetricsExportAutoConfiguration.class, MetricsAutoConfiguration.class,
        HealthContributorRegistryAutoConfiguration.class));
    for (String name : ImportCandidates.load(AutoConfiguration.class, getClass().getClassLoader())) {
      if (name.startsWith("dev.faultline.")) {
        classes.add(Class.forName(name));
      }
    }
    new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(classes.toArray(Class<?>[]::new)))
        .withBean(HealthRegistry.class, () -> HealthRegistry.builder("app").build())
        .withPropertyValues("faultline.circuit-breaker.instances.payments.sliding-window-size=20",
            "faultline.retry.instances.payments.max-attempts=4")
        .run(ctx -> {
          assertThat(ctx).hasNotFailed().hasSingleBean(FaultlinePolicies.class)
              .hasBean("faultlinePolicyMetricsBinding").hasBean("faultlineHealthContributor")
              .hasBean("faultlineSupervisorHealthContributor");
          assertThat(ctx.getBean(MeterRegistry.class).find("faultline.calls").tags("policy", "payments").meters())
              .isNotEmpty();
          assertThat(ctx.getBean(HealthContributorRegistry.class).getContributor("faultline")).isNotNull();
          assertThat(ctx.getBean(HealthContributorRegistry.class).getContributor("faultlineSupervisor")).isNotNull();
        });
  }
}
