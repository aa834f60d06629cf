package dev.faultline.state.workflow;

import dev.faultline.core.retry.Retry;
import java.time.Duration;

/**
 * What a running {@link Workflow} uses to make its work durable. Steps and timers are numbered in the order the
 * workflow calls them; that number, with the workflow id, identifies them across restarts.
 *
 * <p>Not thread-safe: call it only from the thread that runs the workflow.
 */
public interface WorkflowContext {

  /** The workflow's id. */
  String workflowId();

  /**
   * The idempotency key of the step (or compensation) running now: {@code <workflowId>/<step index>} for a step,
   * with {@code /compensate} appended for its compensation. Stable across restarts, so a step that runs again after a
   * crash gets the same key.
   *
   * @throws IllegalStateException outside a step or compensation
   */
  String idempotencyKey();

  /**
   * Runs a step once: if its result is recorded (a replay after a restart), returns the recorded result without
   * running it; otherwise runs {@code action}, records the result durably and only then returns it.
   *
   * @throws WorkflowException {@code step-failed} (with the failure as cause on the first run) if the action threw,
   *     or returned a result the codec cannot encode; the failure is recorded, so a replay throws it again;
   *     {@code workflow-cancelled} if cancellation was requested
   * @throws IllegalArgumentException if {@code name} is longer than 65535 bytes in modified UTF-8 (the form it is
   *     recorded in): before the action runs, recording nothing
   * @throws IllegalStateException if called inside a step's action or a compensation (steps do not nest)
   */
  default <T> T step(String name, StepAction<T> action) {
    return step(name, null, action, null);
  }

  /** As {@link #step(String, StepAction)}, running the action under {@code retry}. */
  default <T> T step(String name, Retry retry, StepAction<T> action) {
    return step(name, retry, action, null);
  }

  /**
   * As {@link #step(String, StepAction)}, under {@code retry} (null: one attempt), registering {@code compensation}
   * (null: none) to undo the step if the workflow later fails or is cancelled.
   */
  <T> T step(String name, Retry retry, StepAction<T> action, Compensation<? super T> compensation);

  /**
   * A durable timer: records the wake-up time, then waits on the executor's clock until it. After a restart only the
   * remaining time is waited. Cancellation interrupts the wait. A wake-up time beyond the wall clock's range (epoch
   * milliseconds in a long) is taken as the end of that range.
   *
   * @throws WorkflowException {@code workflow-cancelled} if cancellation was requested
   * @throws dev.faultline.core.ConfigurationException if {@code duration} is null or negative (nothing is recorded)
   * @throws IllegalStateException if called inside a step's action or a compensation
   */
  void sleep(Duration duration);
}
