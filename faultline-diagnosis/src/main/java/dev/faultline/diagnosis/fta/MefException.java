package dev.faultline.diagnosis.fta;

import dev.faultline.core.FaultlineException;

/**
 * An Open-PSA MEF model was invalid: malformed XML, an undefined or duplicate event, a cycle, a probability outside
 * [0, 1], or an unsupported construct. The message names the file, the line and the element when they are known.
 */
public final class MefException extends FaultlineException {
  private static final long serialVersionUID = 1L;

  private final transient Location location;

  /** Creates the exception for a problem at {@code location} (may be null when the model was built in code). */
  public MefException(Location location, String message) {
    super("invalid-fault-tree", location == null ? message : location + ": " + message);
    this.location = location;
  }

  /** Creates the exception with a cause. */
  public MefException(Location location, String message, Throwable cause) {
    super("invalid-fault-tree", location == null ? message : location + ": " + message, cause);
    this.location = location;
  }

  /** Where the problem is, or null when unknown. */
  public Location location() {
    return location;
  }
}
