package dev.faultline.state.workflow;

/**
 * Undoes a completed step when its workflow fails or is cancelled. Like a step, it may run more than once if the
 * process dies before its completion is recorded: make it idempotent (see {@link WorkflowContext#idempotencyKey()}).
 *
 * @param <T> the result type of the step it undoes
 */
@FunctionalInterface
public interface Compensation<T> {

  /** Undoes the step that returned {@code result}. */
  void compensate(T result) throws Exception;
}
