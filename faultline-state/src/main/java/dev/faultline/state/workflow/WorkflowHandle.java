package dev.faultline.state.workflow;

import java.util.concurrent.CompletableFuture;

/**
 * A started workflow, looked up by its id. Thread-safe.
 *
 * @param <O> the output type
 */
public interface WorkflowHandle<O> {

  /** The workflow's id. */
  String workflowId();

  /** The registered name of the workflow's code. */
  String workflowName();

  /** The current status. */
  WorkflowStatus status();

  /**
   * The result: completes with the output, or exceptionally with a {@link WorkflowException} ({@code workflow-failed}
   * with the failure as cause, {@code workflow-cancelled}, {@code compensation-failed}, or {@code executor-closed}
   * if the executor closed first; the workflow then resumes when the store is next opened; {@code store-failed},
   * {@code workflow-fenced}, {@code workflow-nondeterministic} or {@code codec-failed} (a recorded input or step
   * result the codec cannot decode) when the run ended with the workflow unfinished; an output the codec cannot
   * encode fails the workflow); or with the fatal error ({@link VirtualMachineError}, {@link LinkageError}) that
   * ended the run, which also leaves the workflow unfinished. An
   * untimed {@code get()} or {@code join()} of this future while the workflow is queued to run and no worker has
   * taken it yet runs it in the waiting thread, as {@link WorkflowExecutor#call} does; a timed {@code get} never does.
   * After a run that left the workflow unfinished, a {@link #resume()} gives the handle a new result for the new
   * run (also one made as the ended run lets go of the workflow, before it completed its result), and so does a
   * shared store's claim of the workflow back to this executor; futures taken before keep the outcome they had.
   */
  CompletableFuture<O> result();

  /**
   * Requests cancellation (durably): the workflow stops at its next step or timer and compensates its completed
   * steps (ending CANCELLED even if its code catches the cancellation that step or timer throws). A waiting timer is
   * interrupted, and so is a step's {@code Retry} waiting for its next attempt (that step is not recorded: it did not
   * finish).
   *
   * @return false if the workflow had already finished
   * @throws WorkflowException {@code executor-closed} if the executor that gave this handle out is closed
   */
  boolean cancel();

  /**
   * Schedules the workflow to run (again) if it is unfinished and not queued or running here: after a restart with
   * automatic resume off, or to retry a failed compensation.
   *
   * @return whether it was scheduled
   */
  boolean resume();

  /** What the store records about the workflow now. */
  WorkflowInfo info();
}
