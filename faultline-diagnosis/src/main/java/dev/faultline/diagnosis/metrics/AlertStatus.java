package dev.faultline.diagnosis.metrics;

import java.util.Objects;

/**
 * The state of one {@link BurnRateAlert} at one moment; immutable and thread-safe.
 *
 * @param alert the alert
 * @param longBurnRate the burn rate over its long window (zero without events)
 * @param shortBurnRate the burn rate over its short window (zero without events)
 * @param firing whether both burn rates reach the alert's threshold
 */
public record AlertStatus(BurnRateAlert alert, double longBurnRate, double shortBurnRate, boolean firing) {

  /** Checks that the alert is given. */
  public AlertStatus {
    Objects.requireNonNull(alert, "alert");
  }
}
