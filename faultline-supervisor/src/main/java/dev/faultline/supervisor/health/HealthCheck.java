package dev.faultline.supervisor.health;

/**
 * Something that says whether a part of the service is healthy. A check may block (it runs on the registry's
 * executor, within its timeout) and must respond to interruption; throwing counts as {@linkplain Health#down down}.
 * Implementations need not be thread-safe: the registry never runs one check twice at the same time.
 */
@FunctionalInterface
public interface HealthCheck {

  /** Runs the check once. */
  Health check() throws Exception;
}
