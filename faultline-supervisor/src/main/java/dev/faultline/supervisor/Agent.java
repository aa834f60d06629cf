package dev.faultline.supervisor;

/**
 * A unit of work run in a loop by an {@link AgentRunner}, which owns its thread (after Agrona's {@code Agent}).
 *
 * <p>{@link #doWork()} does a bounded amount of work and returns how much it did; 0 lets the runner idle. Throwing
 * {@link AgentTerminationException} ends the agent normally; any other exception ends it as failed. Not required to be
 * thread-safe: all three methods run on the runner's thread.
 */
public interface Agent {

  /** Called once on the runner's thread before the first {@link #doWork()}. */
  default void onStart() throws Exception {}

  /** Does some work; returns the amount done (0 when there was nothing to do). */
  int doWork() throws Exception;

  /** Called once on the runner's thread when the loop ends, whatever the reason. */
  default void onClose() {}

  /** The name of the agent's role, used to name its thread. */
  String roleName();
}
