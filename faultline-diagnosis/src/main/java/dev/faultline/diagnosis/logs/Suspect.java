package dev.faultline.diagnosis.logs;

import java.util.List;

/**
 * An event ranked as a likely beginning of a failure, with the reasons for it; immutable and thread-safe.
 *
 * @param event the event, the first of its template in the window before the failure
 * @param score the sum of the weights of its reasons
 * @param reasons why it is suspect, in words
 */
public record Suspect(LogEvent event, int score, List<String> reasons) {

  /** Copies the reasons. */
  public Suspect {
    reasons = List.copyOf(reasons);
  }
}
