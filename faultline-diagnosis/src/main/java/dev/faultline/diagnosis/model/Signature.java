package dev.faultline.diagnosis.model;

import dev.faultline.core.internal.Validate;
import dev.faultline.diagnosis.internal.PyText;
import java.util.List;
import java.util.function.DoublePredicate;

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
   * it matches a log line with the same words, white space runs being equal (white space as the template miners see
   * it, no-break and typographic spaces included), or the template itself. Matching takes time linear in the line's
   * length times the template's, whatever the line: each word is matched by placing the literal pieces between its
   * wildcards as early as they fit, which finds a match whenever there is one.
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
      if (line.strip().equals(template.strip())) {
        return true;
      }
      List<String> patternWords = words(template);
      List<String> lineWords = words(line);
      if (patternWords.size() != lineWords.size()) {
        return false;
      }
      for (int w = 0; w < patternWords.size(); w++) {
        if (!wordMatches(patternWords.get(w), lineWords.get(w))) {
          return false;
        }
      }
      return true;
    }

    private static final String WILDCARD = "<*>";

    /**
     * The words of {@code text}, cut at every run of white space as the template miners cut them (Python's
     * {@code str.split()}: no-break and typographic spaces included, so that a template matches the lines it was
     * mined from); one empty word if it holds nothing else.
     */
    private static List<String> words(String text) {
      String[] words = PyText.split(text);
      return words.length == 0 ? List.of("") : List.of(words);
    }

    /**
     * Whether one word of the line fits one word of the template: the literal pieces between wildcards appear in
     * order, the first at the start and the last at the end, and each wildcard takes at least one character.
     * Placing each middle piece at its earliest fit leaves the most room for the rest, so no other placement is tried.
     */
    private static boolean wordMatches(String pattern, String word) {
      int first = pattern.indexOf(WILDCARD);
      if (first < 0) {
        return pattern.equals(word);
      }
      if (!word.startsWith(pattern.substring(0, first))) {
        return false;
      }
      int pos = first;
      int from = first + WILDCARD.length();
      int next;
      while ((next = pattern.indexOf(WILDCARD, from)) >= 0) {
        String piece = pattern.substring(from, next);
        int at = word.indexOf(piece, pos + 1);
        if (at < pos + 1) {
          return false;
        }
        pos = at + piece.length();
        from = next + WILDCARD.length();
      }
      String last = pattern.substring(from);
      return word.length() - last.length() >= pos + 1 && word.endsWith(last);
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
