package dev.faultline.supervisor;

import dev.faultline.core.FaultlineException;
import java.time.Duration;

/**
 * A supervisor gave up: its children failed more than {@code maxRestarts} times within {@code period}. It stopped its
 * children and reports this to its parent as its own failure; the last child failure is the cause.
 */
public final class RestartIntensityExceededException extends FaultlineException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception for {@code supervisor}. */
  public RestartIntensityExceededException(String supervisor, int maxRestarts, Duration period, Throwable last) {
    super("restart-intensity-exceeded", "supervisor '" + supervisor + "' exceeded its restart intensity of "
        + maxRestarts + " restarts in " + period, last);
  }
}
