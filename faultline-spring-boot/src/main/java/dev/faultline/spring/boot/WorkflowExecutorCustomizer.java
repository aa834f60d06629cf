package dev.faultline.spring.boot;

import dev.faultline.state.workflow.WorkflowExecutor;

/**
 * Adds the application's part to the {@link WorkflowExecutor} that {@link FaultlineWorkflowAutoConfiguration} opens:
 * its workflows ({@code builder.register("order", new OrderWorkflow(...))}, under names that stay stable, as they are
 * recorded with each start), and queues or a codec if it needs them. Every customizer bean is applied, in
 * {@link org.springframework.core.annotation.Order @Order}, after the {@code faultline.workflows.*} properties, the
 * clock, scheduler and listener beans, so a customizer may override those.
 */
@FunctionalInterface
public interface WorkflowExecutorCustomizer {

  /** Adds to (or changes) the builder; called once, before the executor opens. */
  void customize(WorkflowExecutor.Builder builder);
}
