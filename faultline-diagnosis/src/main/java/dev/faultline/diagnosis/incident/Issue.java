package dev.faultline.diagnosis.incident;

import dev.faultline.core.internal.Validate;
import java.time.Instant;

/**
 * The incidents of one cause, grouped by fingerprint: a snapshot taken by the {@link IssueTracker}; immutable and
 * thread-safe.
 *
 * @param fingerprint the fingerprint shared by its incidents
 * @param component the component of the latest incident
 * @param type the root-cause type ({@code error.type}) of the latest incident
 * @param message the exception message of the latest incident, or null
 * @param firstSeen the time of the first incident
 * @param lastSeen the time of the latest incident
 * @param count how many incidents were recorded
 * @param status where it stands
 */
public record Issue(String fingerprint, String component, String type, String message, Instant firstSeen,
    Instant lastSeen, long count, IssueStatus status) {

  /** Checks the components. */
  public Issue {
    Validate.notBlank("fingerprint", fingerprint);
    Validate.notBlank("component", component);
    Validate.notBlank("type", type);
    Validate.notNull("firstSeen", firstSeen);
    Validate.notNull("lastSeen", lastSeen);
    Validate.notNull("status", status);
    if (count < 1) {
      throw new dev.faultline.core.ConfigurationException("count", "be at least 1", count);
    }
  }

  Issue withStatus(IssueStatus newStatus) {
    return new Issue(fingerprint, component, type, message, firstSeen, lastSeen, count, newStatus);
  }
}
