package dev.faultline.diagnosis.metrics;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The reliability of one component or service over a window of time, as derived by {@link ReliabilityMetrics};
 * immutable and thread-safe. How events map to down and up intervals is described on {@link ReliabilityMetrics}.
 *
 * @param name the component or service
 * @param from the start of the window (inclusive)
 * @param to the end of the window (exclusive: an event at {@code to} belongs to the next window; the clock's time when
 *     the snapshot was taken)
 * @param observed the time within the window in which the component was observed (started and not stopped)
 * @param downtime the time within the window in which the component was down
 * @param failures the down intervals that began within the window
 * @param recoveries the down intervals that ended with a recovery within the window
 * @param failuresPerHour {@code failures} per hour of observed time (zero when nothing was observed)
 * @param mtbf mean time between failures: uptime within the window divided by {@code failures}; empty without failures
 * @param mttr mean time to recover: the mean length of the down intervals that ended with a recovery within the
 *     window (their whole length, also the part before the window); empty without recoveries
 * @param mttd mean time to detect: the mean time from a failure's first symptom to its detection, over the failures
 *     of the window whose first symptom is known; empty when none is
 * @param availability uptime divided by observed time; empty when nothing was observed
 * @param recordsLost records lost within the window (data lost, discarded by recovery or by a rollback)
 * @param rpo the largest span of time whose data was lost within the window, an upper bound; empty when no loss could
 *     be placed in time
 * @param down whether the component is down at the end of the window
 */
public record ComponentMetrics(
    String name,
    Instant from,
    Instant to,
    Duration observed,
    Duration downtime,
    int failures,
    int recoveries,
    double failuresPerHour,
    Optional<Duration> mtbf,
    Optional<Duration> mttr,
    Optional<Duration> mttd,
    OptionalDouble availability,
    long recordsLost,
    Optional<Duration> rpo,
    boolean down) {

  /** Checks that no field is null. */
  public ComponentMetrics {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(observed, "observed");
    Objects.requireNonNull(downtime, "downtime");
    Objects.requireNonNull(mtbf, "mtbf");
    Objects.requireNonNull(mttr, "mttr");
    Objects.requireNonNull(mttd, "mttd");
    Objects.requireNonNull(availability, "availability");
    Objects.requireNonNull(rpo, "rpo");
  }

  /** The observed time within the window in which the component was up. */
  public Duration uptime() {
    return observed.minus(downtime);
  }
}
