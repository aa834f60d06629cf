package dev.faultline.diagnosis.incident;

/** How bad an incident is, from least to most severe. */
public enum Severity {
  /** Worth noting; the service is unaffected. */
  INFO,
  /** Something went wrong and was tolerated. */
  WARNING,
  /** A request or task failed. */
  ERROR,
  /** The component can no longer work. */
  FATAL
}
