package dev.faultline.diagnosis.model;

import dev.faultline.core.internal.Validate;
import dev.faultline.core.ConfigurationException;
import dev.faultline.diagnosis.metrics.ComponentMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Failure mode and effects analysis: ranks failure modes by risk priority number, {@code RPN = S × O × D}, with
 * severity given, occurrence mapped from an observed failure rate and detection mapped from the mean time to detect;
 * immutable and thread-safe.
 *
 * <p>Occurrence is 1 plus the number of occurrence thresholds the rate (failures per hour) reaches; by default the
 * thresholds are once a year, a quarter, a month, a week, a day, every 8 hours, every hour, every 6 minutes and every
 * minute, so that 1 means rarer than once a year and 10 at least once a minute. Detection is 1 plus the number of
 * detection thresholds the mean time to detect reaches; by default 1 s, 10 s, 1 min, 5 min, 15 min, 1 h, 4 h, 1 day and
 * 1 week, so that 1 means detected within a second; an unknown time to detect rates 10 (no known detection).
 */
public final class Fmea {
  private static final double HOURS_PER_YEAR = 24 * 365;
  private static final double[] DEFAULT_OCCURRENCE = {1 / HOURS_PER_YEAR, 4 / HOURS_PER_YEAR, 1 / 720.0, 1 / 168.0,
      1 / 24.0, 1 / 8.0, 1, 10, 60};
  private static final Duration[] DEFAULT_DETECTION = {Duration.ofSeconds(1), Duration.ofSeconds(10),
      Duration.ofMinutes(1), Duration.ofMinutes(5), Duration.ofMinutes(15), Duration.ofHours(1), Duration.ofHours(4),
      Duration.ofDays(1), Duration.ofDays(7)};

  private final double[] occurrence;
  private final Duration[] detection;

  private Fmea(double[] occurrence, Duration[] detection) {
    this.occurrence = occurrence;
    this.detection = detection;
  }

  /** An analysis with the default scales. */
  public static Fmea withDefaultScales() {
    return new Fmea(DEFAULT_OCCURRENCE.clone(), DEFAULT_DETECTION.clone());
  }

  /**
   * An analysis with custom scales: nine increasing failure rates per hour at which occurrence reaches 2 to 10, and
   * nine increasing times to detect at which detection reaches 2 to 10.
   *
   * @throws ConfigurationException if a scale does not hold nine strictly increasing positive values
   */
  public static Fmea withScales(double[] occurrenceThresholds, List<Duration> detectionThresholds) {
    Validate.notNull("occurrenceThresholds", occurrenceThresholds);
    Validate.notNull("detectionThresholds", detectionThresholds);
    if (occurrenceThresholds.length != 9) {
      throw new ConfigurationException("occurrenceThresholds", "hold 9 values", occurrenceThresholds.length);
    }
    if (detectionThresholds.size() != 9) {
      throw new ConfigurationException("detectionThresholds", "hold 9 values", detectionThresholds.size());
    }
    for (int i = 0; i < 9; i++) {
      Validate.positive("occurrenceThresholds[" + i + "]", occurrenceThresholds[i]);
      Validate.positive("detectionThresholds[" + i + "]", detectionThresholds.get(i));
      if (i > 0 && !(occurrenceThresholds[i] > occurrenceThresholds[i - 1])) {
        throw new ConfigurationException("occurrenceThresholds[" + i + "]", "be greater than the one before ("
            + occurrenceThresholds[i - 1] + ")", occurrenceThresholds[i]);
      }
      if (i > 0 && detectionThresholds.get(i).compareTo(detectionThresholds.get(i - 1)) <= 0) {
        throw new ConfigurationException("detectionThresholds[" + i + "]", "be longer than the one before ("
            + detectionThresholds.get(i - 1) + ")", detectionThresholds.get(i));
      }
    }
    return new Fmea(occurrenceThresholds.clone(), detectionThresholds.toArray(new Duration[0]));
  }

  /**
   * The occurrence rating, 1 to 10, of a failure rate.
   *
   * @throws IllegalArgumentException if the rate is negative or not a number
   */
  public int occurrence(double failuresPerHour) {
    if (!(failuresPerHour >= 0)) {
      throw new IllegalArgumentException("failuresPerHour must be at least 0, but was " + failuresPerHour);
    }
    int rating = 1;
    for (double threshold : occurrence) {
      if (failuresPerHour >= threshold) {
        rating++;
      }
    }
    return rating;
  }

  /**
   * The detection rating, 1 to 10, of a mean time to detect; 10 when it is unknown.
   *
   * @throws IllegalArgumentException if the time to detect is negative
   */
  public int detection(Optional<Duration> mttd) {
    if (mttd.isEmpty()) {
      return 10;
    }
    if (mttd.get().isNegative()) {
      throw new IllegalArgumentException("mttd must be at least 0, but was " + mttd.get());
    }
    int rating = 1;
    for (Duration threshold : detection) {
      if (mttd.get().compareTo(threshold) >= 0) {
        rating++;
      }
    }
    return rating;
  }

  /** The row of one entry. */
  public Row row(Entry entry) {
    int o = occurrence(entry.failuresPerHour());
    int d = detection(entry.mttd());
    return new Row(entry.mode(), entry.severity(), o, d, entry.severity() * o * d, entry.failuresPerHour(),
        entry.mttd());
  }

  /** The table of {@code entries}, highest RPN first, then highest severity, then by failure mode name. */
  public List<Row> table(List<Entry> entries) {
    Validate.notNull("entries", entries);
    List<Row> rows = new ArrayList<>();
    for (Entry entry : entries) {
      rows.add(row(Validate.notNull("entry", entry)));
    }
    rows.sort(Comparator.comparingInt(Row::rpn).reversed()
        .thenComparing(Comparator.comparingInt(Row::severity).reversed())
        .thenComparing(r -> r.mode().name()));
    return List.copyOf(rows);
  }

  /**
   * What is known of one failure mode.
   *
   * @param mode the failure mode
   * @param severity how bad its effect is, 1 (none) to 10 (hazardous)
   * @param failuresPerHour its observed rate
   * @param mttd its observed mean time to detect, empty when unknown
   */
  public record Entry(FailureMode mode, int severity, double failuresPerHour, Optional<Duration> mttd) {
    /** Checks the fields. */
    public Entry {
      Validate.notNull("mode", mode);
      Validate.between("severity of " + mode.name(), severity, 1, 10);
      if (!(failuresPerHour >= 0) || Double.isInfinite(failuresPerHour)) {
        throw new ConfigurationException("failuresPerHour of " + mode.name(), "be a finite number of at least 0",
            failuresPerHour);
      }
      Validate.notNull("mttd of " + mode.name(), mttd);
      if (mttd.isPresent() && mttd.get().isNegative()) {
        throw new ConfigurationException("mttd of " + mode.name(), "be at least 0", mttd.get());
      }
    }

    /** An entry whose rate and time to detect are those observed in {@code metrics}. */
    public static Entry of(FailureMode mode, int severity, ComponentMetrics metrics) {
      Objects.requireNonNull(metrics, "metrics");
      return new Entry(mode, severity, metrics.failuresPerHour(), metrics.mttd());
    }
  }

  /**
   * One row of the table.
   *
   * @param mode the failure mode
   * @param severity S, given
   * @param occurrence O, from the failure rate
   * @param detection D, from the mean time to detect
   * @param rpn {@code S × O × D}
   * @param failuresPerHour the rate O came from
   * @param mttd the time to detect D came from
   */
  public record Row(FailureMode mode, int severity, int occurrence, int detection, int rpn, double failuresPerHour,
      Optional<Duration> mttd) {}
}
