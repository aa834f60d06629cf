package dev.faultline.state.workflow;

/** Where a workflow is in its life. */
public enum WorkflowStatus {
  /** Recorded and waiting to run (in its queue, or after a restart until it resumes). */
  PENDING,
  /** Running on this executor. */
  RUNNING,
  /** Failed or cancelled, undoing its completed steps; a crash or a failed compensation leaves it here. */
  COMPENSATING,
  /** Completed with a result. */
  SUCCEEDED,
  /** Failed (its completed steps compensated). */
  FAILED,
  /** Cancelled (its completed steps compensated). */
  CANCELLED;

  /** Whether the workflow is finished for good. */
  public boolean terminal() {
    return this == SUCCEEDED || this == FAILED || this == CANCELLED;
  }
}
