package dev.faultline.state.workflow;

import java.time.Instant;
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
   * @param outcome {@code "completed"}, {@code "failed: <error>"} or, for a timer, {@code "wake at <instant>"} (the
   *     ISO-8601 instant in UTC, as {@link Instant#toString()} writes it: {@code wake at 2026-11-28T03:32:26.645Z})
   * @param compensated whether its compensation completed
   */
  public record StepInfo(int index, String name, String outcome, boolean compensated) {
    /**
     * A recorded step or timer in the wording every store uses.
     *
     * @param index its position
     * @param name its name
     * @param timer whether it is a timer ({@code ctx.sleep})
     * @param wakeMillis a timer's wake-up time, in milliseconds since the epoch (ignored for a step)
     * @param error a failed step's error (null for a completed step or a timer)
     * @param compensated whether its compensation completed
     * @return its description
     */
    public static StepInfo of(int index, String name, boolean timer, long wakeMillis, String error,
        boolean compensated) {
      String outcome = timer ? "wake at " + Instant.ofEpochMilli(wakeMillis)
          : error != null ? "failed: " + error : "completed";
      return new StepInfo(index, name, outcome, compensated);
    }
  }
}
