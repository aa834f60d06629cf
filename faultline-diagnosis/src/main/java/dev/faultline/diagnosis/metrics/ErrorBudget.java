package dev.faultline.diagnosis.metrics;

import java.time.Duration;
import java.util.Objects;

/**
 * The error budget of a service level objective over its rolling period; immutable and thread-safe.
 *
 * @param target the objective, the fraction of events that must be good (for example 0.999)
 * @param period the rolling period over which the objective holds
 * @param good good events within the period
 * @param bad bad events within the period
 * @param allowedBad bad events the budget allows for the events seen: {@code (1 - target) * (good + bad)}
 * @param consumed the fraction of the budget spent, {@code bad / allowedBad} (above 1 when overspent; zero without
 *     events)
 */
public record ErrorBudget(double target, Duration period, long good, long bad, double allowedBad, double consumed) {

  /** Checks that the period is given. */
  public ErrorBudget {
    Objects.requireNonNull(period, "period");
  }

  /** The fraction of the budget left, {@code 1 - consumed}; negative when overspent. */
  public double remaining() {
    return 1.0 - consumed;
  }

  /** The fraction of good events, one without events. */
  public double compliance() {
    long total = good + bad;
    return total == 0 ? 1.0 : good / (double) total;
  }
}
