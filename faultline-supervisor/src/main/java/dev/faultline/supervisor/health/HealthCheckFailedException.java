package dev.faultline.supervisor.health;

import dev.faultline.core.FaultlineException;

/** A liveness check went DOWN; given to the restarter of the component it guards. */
public final class HealthCheckFailedException extends FaultlineException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception for check {@code check} with its last detail. */
  public HealthCheckFailedException(String check, String detail) {
    super("health-check-failed", "liveness check '" + check + "' is DOWN: " + detail);
  }
}
