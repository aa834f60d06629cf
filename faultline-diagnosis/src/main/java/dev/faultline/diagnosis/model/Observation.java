package dev.faultline.diagnosis.model;

import dev.faultline.core.internal.Validate;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * A failure observed at one component, with what is known of its signature; immutable and thread-safe.
 *
 * @param component the component that failed
 * @param onset when the failure began there
 * @param fingerprint the incident fingerprint, or null
 * @param logLine a log line (or its mined template) of the failure, or null
 * @param metrics metric readings at the failure, by metric name; may be empty
 */
public record Observation(String component, Instant onset, String fingerprint, String logLine,
    Map<String, Double> metrics) {

  /** Checks the component and onset and copies the metrics. */
  public Observation {
    Validate.notBlank("component", component);
    Validate.notNull("onset", onset);
    metrics = Map.copyOf(Validate.notNull("metrics", metrics));
  }

  /** A failure of {@code component} at {@code onset} with no signature. */
  public static Observation of(String component, Instant onset) {
    return new Observation(component, onset, null, null, Map.of());
  }

  /** This observation with an incident fingerprint. */
  public Observation withFingerprint(String value) {
    return new Observation(component, onset, value, logLine, metrics);
  }

  /** This observation with a log line. */
  public Observation withLogLine(String value) {
    return new Observation(component, onset, fingerprint, value, metrics);
  }

  /** This observation with one more metric reading. */
  public Observation withMetric(String name, double value) {
    Map<String, Double> more = new HashMap<>(metrics);
    more.put(Validate.notBlank("metric", name), value);
    return new Observation(component, onset, fingerprint, logLine, more);
  }
}
