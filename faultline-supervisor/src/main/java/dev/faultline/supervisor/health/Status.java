package dev.faultline.supervisor.health;

/** The status of a check or of a group of checks. */
public enum Status {
  /** Passing (for a check: at least {@code successThreshold} passes in a row). */
  UP,
  /** Failing (for a check: at least {@code failureThreshold} failures in a row). */
  DOWN,
  /** Not known yet: not run, or not enough outcomes in a row to decide, or waiting for a startup check. */
  UNKNOWN
}
