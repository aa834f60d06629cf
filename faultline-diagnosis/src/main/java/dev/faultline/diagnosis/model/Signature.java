package dev.faultline.diagnosis.model;

import dev.faultline.core.internal.Validate;
import java.util.function.DoublePredicate;
import java.util.regex.Pattern;

/**
 * How a known failure mode shows itself in an {@link Observation}: an incident fingerprint, a log template or a
 * condition on a metric; immutable and thread-safe.
 */
public sealed interface Signature {

  /** Whether the observation shows this signature. */
  boolean matches(Observation observation);

  /** The signature in words, for reasons. */
  String describe();

  /** An incident fingerprint, matched exactly. */
  record Fingerprint(String value) implements Signature {
    /** Checks the value. */
    public Fingerprint {
      Validate.notBlank("fingerprint", value);
    }

    @Override
    public boolean matches(Observation observation) {
      return value.equals(observation.fingerprint());
    }

    @Override
    public String describe() {
      return "fingerprint " + value;
    }
  }

  /**
   * A log template in the mined form, where {@code <*>} stands for one or more characters that are not white space;
   * it matches a log line with the same words, white space runs being equal, or the template itself.
   */
  record LogTemplate(String template) implements Signature {
    /** Checks the template. */
    public LogTemplate {
      Validate.notBlank("template", template);
    }

    @Override
    public boolean matches(Observation observation) {
      String line = observation.logLine();
      if (line == null) {
        return false;
      }
      return line.strip().equals(template.strip()) || pattern(template).matcher(line.strip()).matches();
    }

    private static Pattern pattern(String template) {
      StringBuilder regex = new StringBuilder();
      String[] words = template.strip().split("\\s+");
      for (int w = 0; w < words.length; w++) {
        if (w > 0) {
          regex.append("\\s+");
        }
        String[] parts = words[w].split("<\\*>", -1);
        for (int p = 0; p < parts.length; p++) {
          if (p > 0) {
            regex.append("\\S+?");
          }
          if (!parts[p].isEmpty()) {
            regex.append(Pattern.quote(parts[p]));
          }
        }
      }
      return Pattern.compile(regex.toString());
    }

    @Override
    public String describe() {
      return "log template \"" + template + "\"";
    }
  }

  /** A condition on one metric's reading, described in words (for example {@code "pool.active >= 50"}). */
  record MetricCondition(String metric, String description, DoublePredicate condition) implements Signature {
    /** Checks the fields. */
    public MetricCondition {
      Validate.notBlank("metric", metric);
      Validate.notBlank("description", description);
      Validate.notNull("condition", condition);
    }

    /** The metric is at least {@code threshold}. */
    public static MetricCondition atLeast(String metric, double threshold) {
      return new MetricCondition(metric, metric + " >= " + threshold, v -> v >= threshold);
    }

    /** The metric is at most {@code threshold}. */
    public static MetricCondition atMost(String metric, double threshold) {
      return new MetricCondition(metric, metric + " <= " + threshold, v -> v <= threshold);
    }

    @Override
    public boolean matches(Observation observation) {
      Double value = observation.metrics().get(metric);
      return value != null && condition.test(value);
    }

    @Override
    public String describe() {
      return "metric " + description;
    }
  }
}
