package dev.faultline.spring.boot;

import dev.faultline.core.Clock;
import dev.faultline.core.ConfigurationException;
import dev.faultline.core.Scheduler;
import dev.faultline.core.event.FaultEventListener;
import dev.faultline.state.workflow.WorkflowExecutor;
import java.util.HashMap;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Lazy;

/**
 * Auto-configuration of a {@link WorkflowExecutor} on the embedded store in {@code faultline.workflows.directory},
 * with the application's workflows registered by its {@link WorkflowExecutorCustomizer} beans.
 *
 * <p>Active when {@code faultline-state} is on the class path and {@code faultline.workflows.directory} is set; backs
 * off if the application defines its own {@code WorkflowExecutor}. The executor gets the {@link Clock},
 * {@link Scheduler} and {@link FaultEventListener} beans as the policies do, then the customizers run. It opens (and,
 * unless {@code faultline.workflows.resume-on-start=false}, resumes the unfinished workflows) when the context creates
 * it, and is closed when the context closes. Opening fails the application if no customizer registered a workflow, or
 * if a setting is invalid (naming the property), or if the store cannot be opened (locked by another process,
 * corrupt).
 */
@AutoConfiguration(after = FaultlineAutoConfiguration.class)
@ConditionalOnClass(WorkflowExecutor.class)
@ConditionalOnProperty(prefix = "faultline.workflows", name = "directory")
@EnableConfigurationProperties(FaultlineWorkflowProperties.class)
public final class FaultlineWorkflowAutoConfiguration {
  /** Creates the auto-configuration (Spring Boot does). */
  public FaultlineWorkflowAutoConfiguration() {}

  /**
   * The executor, opened on the configured directory; closed with the context. Never lazy, also with
   * {@code spring.main.lazy-initialization=true}: unfinished workflows resume at startup, not when something first
   * asks for the executor.
   */
  @Bean(destroyMethod = "close")
  @Lazy(false)
  @ConditionalOnMissingBean
  public WorkflowExecutor faultlineWorkflowExecutor(FaultlineWorkflowProperties properties,
      ObjectProvider<Clock> clock, ObjectProvider<Scheduler> scheduler, ObjectProvider<FaultEventListener> listeners,
      ObjectProvider<WorkflowExecutorCustomizer> customizers) {
    WorkflowExecutor.Builder builder = WorkflowExecutor.builder(properties.directory())
        .clock(clock.getIfAvailable(Clock::system)).scheduler(scheduler.getIfAvailable(Scheduler::system));
    listeners.orderedStream().forEach(builder::listener);
    // Builder field -> the property that set it, and its value.
    Map<String, Map.Entry<String, Object>> set = new HashMap<>();
    if (properties.name() != null) {
      builder.name(properties.name());
      set.put("name", Map.entry("name", properties.name()));
    }
    if (properties.threads() != null) {
      builder.threads(properties.threads());
      set.put("threads", Map.entry("threads", properties.threads()));
    }
    if (properties.durability() != null) {
      builder.durability(properties.durability());
      set.put("durability", Map.entry("durability", properties.durability()));
    }
    if (properties.retainFinished() != null) {
      builder.retainFinished(properties.retainFinished());
      set.put("retainFinished", Map.entry("retain-finished", properties.retainFinished()));
    }
    if (properties.resumeOnStart() != null) {
      builder.resumeOnStart(properties.resumeOnStart());
    }
    customizers.orderedStream().forEach(c -> c.customize(builder));
    try {
      return builder.open();
    } catch (ConfigurationException e) {
      Map.Entry<String, Object> property = set.get(e.field());
      // Named after the property only if the rejected value is the property's (a customizer may have changed it).
      if (property == null || !String.valueOf(property.getValue()).equals(String.valueOf(e.value()))) {
        throw e;
      }
      throw new InvalidConfigurationPropertyValueException("faultline.workflows." + property.getKey(),
          property.getValue(), e.getMessage());
    }
  }
}
