package dev.faultline.core.event;

import java.time.Instant;

/** Something that happened to a durable workflow. {@link #source()} names the executor. */
public sealed interface WorkflowEvent extends FaultEvent {

  /** What happened. */
  enum Kind {
    /** The workflow started. */
    STARTED,
    /** A step completed and its result was recorded. */
    STEP_COMPLETED,
    /** A step failed and will run again. */
    STEP_RETRIED,
    /**
     * A step failed for good and its failure was recorded: it threw and has no retry (or its retry gave up, after the
     * last attempt), or its result cannot be recorded. {@code step} names it, {@code detail} is the recorded failure.
     * The workflow's code gets the failure next; unless it catches it, the workflow compensates and fails.
     */
    STEP_FAILED,
    /** The workflow resumed after a crash or a restart. */
    RESUMED,
    /** A compensation of a completed step ran. */
    COMPENSATED,
    /** Another node took the workflow over from a dead one. */
    TAKEN_OVER,
    /** The workflow completed. */
    COMPLETED,
    /** The workflow failed. */
    FAILED,
    /** The workflow was cancelled. */
    CANCELLED
  }

  /** The workflow's id. */
  String workflowId();

  /** A transition of workflow {@code workflowId}; {@code step} is null for whole-workflow transitions. */
  record Transition(String source, Instant time, String workflowId, Kind kind, String step, String detail)
      implements WorkflowEvent {}
}
