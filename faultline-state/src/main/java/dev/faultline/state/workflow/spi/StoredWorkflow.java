package dev.faultline.state.workflow.spi;

import dev.faultline.state.workflow.WorkflowInfo;
import dev.faultline.state.workflow.WorkflowStatus;

/**
 * A store's view of one workflow: what the executor replays and checks while it runs the workflow. The store keeps
 * it current with what it records through {@link WorkflowStore#record}; a view of a workflow that another node runs
 * may lag until the store refreshes it (and then calls {@link StoreListener#changed}).
 *
 * <p>Implementations must be thread-safe: the worker running the workflow and any thread holding its handle read it.
 */
public interface StoredWorkflow {

  /** The workflow's id. */
  String id();

  /** The registered name of its code. */
  String name();

  /** The queue it runs on. */
  String queue();

  /** The encoded input. */
  byte[] input();

  /** The recorded status: PENDING, COMPENSATING or a terminal one (never RUNNING, which only an executor knows). */
  WorkflowStatus status();

  /** The step or timer recorded at {@code index}, or null if none is (yet). */
  StoredStep step(int index);

  /** Whether a cancellation was requested. */
  boolean cancelRequested();

  /** Whether a resume was requested (see {@link dev.faultline.state.workflow.WorkflowExecutor#resumeOffline}). */
  boolean resumeRequested();

  /** Whether the compensation of the step at {@code index} was recorded as done. */
  boolean compensated(int index);

  /** While COMPENSATING: the status the workflow ends with (FAILED or CANCELLED); otherwise null. */
  WorkflowStatus outcome();

  /** The encoded output of a SUCCEEDED workflow, or null. */
  byte[] output();

  /** Why the workflow failed or was cancelled, or null. */
  String error();

  /** The recorded workflow for listing and inspection. */
  WorkflowInfo info();

  /**
   * Whether its queue's limits across the executors sharing the store admitted it ({@link WorkflowStore#admit}): it
   * then counts against them until it finishes, wherever it runs, and is not admitted again. False by default.
   */
  default boolean admitted() {
    return false;
  }

  /**
   * Whether a step of this workflow recorded a failure (that its code may have caught). A store that records a
   * successful end lazily (not durable before the result completes) must not do so for such a workflow: computed again
   * from the records, its output could differ from the one the caller was given.
   */
  default boolean anyStepFailed() {
    StoredStep step;
    for (int i = 0; (step = step(i)) != null; i++) {
      if (step.error() != null) {
        return true;
      }
    }
    return false;
  }
}
