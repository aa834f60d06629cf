package dev.faultline.state.workflow;

import dev.faultline.core.FaultlineException;

/**
 * A durable workflow could not be started, run or recorded. {@link #code()}: {@code workflow-unknown} (no workflow
 * registered under that name, or no workflow with that id), {@code workflow-conflict} (an id reused for another
 * workflow name), {@code workflow-nondeterministic} (on replay the code called other steps than were recorded),
 * {@code step-failed} (a step failed after its retries; recorded, so replay fails it the same way),
 * {@code workflow-failed}, {@code workflow-cancelled}, {@code compensation-failed} (the workflow stays COMPENSATING
 * until resumed), {@code queue-unknown}, {@code codec-failed}, {@code value-too-large} (an input, step result or
 * output larger than the store records: the start is refused, the step fails with it as cause, the workflow fails),
 * {@code executor-closed}; on a shared store also
 * {@code workflow-fenced} (another node took the workflow over: this node's write was refused, see
 * {@link dev.faultline.state.workflow.spi.WorkflowStore}), {@code workflow-finished} (a change to a finished
 * workflow) and {@code store-failed} (the store could not be reached or refused a write).
 */
public final class WorkflowException extends FaultlineException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception. */
  public WorkflowException(String code, String message) {
    super(code, message);
  }

  /** Creates the exception with a cause. */
  public WorkflowException(String code, String message, Throwable cause) {
    super(code, message, cause);
  }
}
