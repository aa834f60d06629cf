package dev.faultline.diagnosis.incident;

import dev.faultline.core.FaultlineException;

/** A text was not a well-formed incident in JSON; the message names the position (0-based character offset) and the rule. */
public final class IncidentJsonException extends FaultlineException {
  private static final long serialVersionUID = 1L;

  private final int position;

  /** Creates the exception; the message reads {@code "malformed incident JSON at position <n>: <problem>"}. */
  public IncidentJsonException(int position, String problem) {
    super("malformed-incident-json", "malformed incident JSON at position " + position + ": " + problem);
    this.position = position;
  }

  /** The 0-based character offset where the problem was found. */
  public int position() {
    return position;
  }
}
