package dev.faultline.state.workflow;

/**
 * A durable workflow: code that does its side effects through {@link WorkflowContext#step} so that they are recorded
 * and, after a crash, not done again. It must be deterministic apart from its steps: given the same input and the same
 * step results it must call the same steps in the same order (a mismatch on replay fails with
 * {@code workflow-nondeterministic}). Implementations must be thread-safe (different runs may execute at once).
 *
 * @param <I> the input type
 * @param <O> the output type
 */
@FunctionalInterface
public interface Workflow<I, O> {

  /**
   * Runs the workflow once, or again after a crash (then recorded steps return their recorded results).
   *
   * @throws Exception to fail the workflow; its completed steps are then compensated
   */
  O run(WorkflowContext ctx, I input) throws Exception;
}
