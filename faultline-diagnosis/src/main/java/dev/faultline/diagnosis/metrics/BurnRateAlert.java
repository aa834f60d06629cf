package dev.faultline.diagnosis.metrics;

import dev.faultline.core.internal.Validate;
import dev.faultline.core.ConfigurationException;
import java.time.Duration;
import java.util.List;

/**
 * A multi-window burn-rate alert: it fires while the error budget burns at least {@code burnRate} times the sustainable
 * rate over both the long and the short window (the long window gives significance, the short one lets the alert clear
 * soon after the burning stops); immutable and thread-safe.
 *
 * @param name a name for the alert
 * @param severity whether it pages or opens a ticket
 * @param burnRate the threshold: the fraction of bad events divided by the allowed fraction ({@code 1 - target})
 * @param longWindow the long window
 * @param shortWindow the short window, shorter than the long one
 */
public record BurnRateAlert(String name, Severity severity, double burnRate, Duration longWindow,
    Duration shortWindow) {

  /** How urgent an alert is. */
  public enum Severity {
    /** Wake someone up. */
    PAGE,
    /** Look at it during working hours. */
    TICKET
  }

  /** Checks the alert: a name, a positive burn rate and a short window shorter than the long one. */
  public BurnRateAlert {
    Validate.notBlank("alert name", name);
    Validate.notNull("alert " + name + " severity", severity);
    if (!(burnRate > 0) || Double.isInfinite(burnRate)) {
      throw new ConfigurationException("alert " + name + " burnRate", "be a positive number", burnRate);
    }
    Validate.positive("alert " + name + " longWindow", longWindow);
    Validate.positive("alert " + name + " shortWindow", shortWindow);
    if (shortWindow.compareTo(longWindow) >= 0) {
      throw new ConfigurationException("alert " + name + " shortWindow", "be shorter than longWindow (" + longWindow
          + ")", shortWindow);
    }
  }

  /**
   * The alerts recommended by the Google SRE workbook ("Alerting on SLOs", multiwindow, multi-burn-rate) for a 30-day
   * SLO: page at 14.4x over 1 h and 5 min (2% of the budget in an hour), page at 6x over 6 h and 30 min (5% in six
   * hours), ticket at 1x over 3 days and 6 h (10% in three days).
   */
  public static List<BurnRateAlert> workbookDefaults() {
    return List.of(
        new BurnRateAlert("fast-burn", Severity.PAGE, 14.4, Duration.ofHours(1), Duration.ofMinutes(5)),
        new BurnRateAlert("medium-burn", Severity.PAGE, 6, Duration.ofHours(6), Duration.ofMinutes(30)),
        new BurnRateAlert("slow-burn", Severity.TICKET, 1, Duration.ofDays(3), Duration.ofHours(6)));
  }
}
