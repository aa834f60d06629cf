package dev.faultline.supervisor;

import dev.faultline.core.FaultlineException;

/** Thrown by an {@link Agent} to end its loop normally (not a failure). */
public final class AgentTerminationException extends FaultlineException {
  private static final long serialVersionUID = 1L;

  /** Creates the signal with a reason. */
  public AgentTerminationException(String reason) {
    super("agent-terminated", reason);
  }
}
