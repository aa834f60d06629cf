package dev.faultline.spring.boot;

import dev.faultline.micrometer.FaultlinePolicyMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration that binds the metrics of the {@link FaultlinePolicies} to the application's
 * {@link MeterRegistry} with {@code faultline-micrometer}'s {@link FaultlinePolicyMetrics} (meters
 * {@code faultline.calls}, {@code faultline.circuitbreaker.state}, ...; see that class).
 *
 * <p>Active when {@code faultline-micrometer} and Micrometer are on the class path, the context has a
 * {@code MeterRegistry} bean (Spring Boot's, or the application's) and a {@code FaultlinePolicies} bean, and
 * {@code faultline.metrics.enabled} is not {@code false}. The policies are bound once every singleton exists, to the
 * primary {@code MeterRegistry} (with Spring Boot's metrics, its composite of the export registries when there are
 * several). It backs off if the application defines a {@code FaultlinePolicyMetrics} bean of its own (for example
 * with extra tags); Spring Boot binds such a bean, being a {@code MeterBinder}, itself.
 */
@AutoConfiguration(after = FaultlineAutoConfiguration.class, afterName = {
    "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration"})
@ConditionalOnClass({FaultlinePolicyMetrics.class, MeterRegistry.class})
@ConditionalOnBean({MeterRegistry.class, FaultlinePolicies.class})
@ConditionalOnBooleanProperty(name = "faultline.metrics.enabled", matchIfMissing = true)
public final class FaultlineMetricsAutoConfiguration {

  /** Creates the auto-configuration (Spring Boot does). */
  public FaultlineMetricsAutoConfiguration() {}

  /**
   * Binds the policies' metrics to the registry once every singleton exists. Not a {@code MeterBinder} bean, so that
   * Spring Boot's metrics support does not bind the same meters a second time.
   */
  @Bean
  @ConditionalOnMissingBean(FaultlinePolicyMetrics.class)
  public SmartInitializingSingleton faultlinePolicyMetricsBinding(FaultlinePolicies policies,
      MeterRegistry registry) {
    FaultlinePolicyMetrics metrics = FaultlinePolicyMetrics.of(policies.all(), Tags.empty());
    return () -> metrics.bindTo(registry);
  }
}
