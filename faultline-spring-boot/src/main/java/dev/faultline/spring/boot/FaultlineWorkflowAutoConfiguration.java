package dev.faultline.spring.boot;

import dev.faultline.core.Clock;
import dev.faultline.core.ConfigurationException;
import dev.faultline.core.Scheduler;
import dev.faultline.core.event.FaultEventListener;
import dev.faultline.state.workflow.WorkflowExecutor;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
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
    // Builder field -> the value its property set (the property is the field in kebab case).
    Map<String, Object> set = new HashMap<>();
    set(set, "name", properties.name(), builder::name);
    set(set, "threads", properties.threads(), builder::threads);
    set(set, "durability", properties.durability(), builder::durability);
    set(set, "retainFinished", properties.retainFinished(), builder::retainFinished);
    set(set, "resumeOnStart", properties.resumeOnStart(), builder::resumeOnStart);
    customizers.orderedStream().forEach(c -> c.customize(builder));
    try {
      return builder.open();
    } catch (ConfigurationException e) {
      Object value = set.get(e.field());
      // Named after the property only if the rejected value is the property's (a customizer may have changed it).
      if (value == null || !String.valueOf(value).equals(String.valueOf(e.value()))) {
        throw e;
      }
      throw new InvalidConfigurationPropertyValueException("faultline.workflows." + PolicyFactory.property(e.field()),
          value, e.getMessage());
    }
  }

  /** Passes a set property to the builder and notes its value under the builder field it sets. */
  private static <T> void set(Map<String, Object> set, String field, T value, Consumer<T> setter) {
    if (value != null) {
      setter.accept(value);
      set.put(field, value);
    }
  }
}
