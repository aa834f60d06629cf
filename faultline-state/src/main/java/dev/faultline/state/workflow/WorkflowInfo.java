package dev.faultline.state.workflow;

import java.util.List;

/**
 * What the store records about one workflow, for listing and inspection.
 *
 * @param workflowId the id given at start
 * @param workflowName the registered name of its code
 * @param queue the queue it runs on
 * @param status its status
 * @param steps the recorded steps and timers, in order
 * @param compensated how many steps were compensated
 * @param error why it failed or was cancelled (null otherwise)
 */
public record WorkflowInfo(String workflowId, String workflowName, String queue, WorkflowStatus status,
    List<StepInfo> steps, int compensated, String error) {

  /** Copies the list. */
  public WorkflowInfo {
    steps = List.copyOf(steps);
  }

  /**
   * One recorded step or timer.
   *
   * @param index its position in the workflow (0-based; steps and timers share the count)
   * @param name the step name ({@code "sleep"} for a timer)
   * @param outcome {@code "completed"}, {@code "failed: <error>"} or {@code "wake at <epoch millis>"}
   * @param compensated whether its compensation completed
   */
  public record StepInfo(int index, String name, String outcome, boolean compensated) {}
}
