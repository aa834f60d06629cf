package dev.faultline.state.workflow.spi;

import dev.faultline.state.workflow.WorkflowStatus;

/**
 * One change an executor records about a workflow through {@link WorkflowStore#record}. Every change but
 * {@link Cancel} and {@link Resume} is an act of the workflow's owner, which a shared store fences (see
 * {@link WorkflowStore}).
 */
public sealed interface WorkflowChange {

  /** The workflow the change is about. */
  String id();

  /** Step {@code index} completed with the encoded {@code result}. */
  record StepDone(String id, int index, String step, byte[] result) implements WorkflowChange {}

  /** Step {@code index} failed (after its retries) with {@code error}. */
  record StepFailed(String id, int index, String step, String error) implements WorkflowChange {}

  /** The durable timer at {@code index} wakes at {@code wakeMillis} (wall-clock epoch milliseconds). */
  record Sleep(String id, int index, long wakeMillis) implements WorkflowChange {}

  /** A cancellation was requested (by anyone: not fenced). */
  record Cancel(String id) implements WorkflowChange {}

  /** A resume was requested (by anyone: not fenced). */
  record Resume(String id) implements WorkflowChange {}

  /** The workflow is compensating, to end with {@code outcome} (FAILED or CANCELLED) because of {@code error}. */
  record Compensating(String id, WorkflowStatus outcome, String error) implements WorkflowChange {}

  /** The compensation of step {@code index} completed. */
  record Compensated(String id, int index) implements WorkflowChange {}

  /**
   * The workflow ended with {@code status}, the encoded {@code output} (null if none) and {@code error} (null if
   * none).
   */
  record Finished(String id, WorkflowStatus status, byte[] output, String error) implements WorkflowChange {}
}
