package dev.faultline.state.workflow;

/**
 * The body of a workflow step: the side effect whose result is recorded. It may run more than once if the process
 * dies before its result is recorded, so it should use {@link WorkflowContext#idempotencyKey()} to make its effect
 * idempotent.
 *
 * @param <T> the result type
 */
@FunctionalInterface
public interface StepAction<T> {

  /** Performs the step and returns its result (which the codec must be able to encode). */
  T run() throws Exception;
}
