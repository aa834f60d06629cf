package dev.faultline.diagnosis.incident;

/** Where an {@link Issue} stands; see {@link IssueTracker} for the transitions. */
public enum IssueStatus {
  /** Seen once, for the first time. */
  NEW,
  /** Seen again, and not resolved. */
  ONGOING,
  /** Seen again after it was resolved. */
  REGRESSED,
  /** Marked resolved by hand; the next occurrence makes it {@link #REGRESSED}. */
  RESOLVED
}
