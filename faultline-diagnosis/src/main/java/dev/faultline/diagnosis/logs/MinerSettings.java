package dev.faultline.diagnosis.logs;

import dev.faultline.core.ConfigurationException;
import java.util.List;

/**
 * The settings of a {@link TemplateMiner}; immutable and thread-safe.
 *
 * @param mode how templates are mined
 * @param maskingRegexes regular expressions replaced by {@code <*>} before tokenising ({@code drain} mode only)
 * @param similarityThreshold the least share of equal tokens for a message to join a template, in [0, 1]
 * @param depth the depth of the prefix tree's leaves, at least 3
 * @param maxChildren the most children of a tree node, at least 1
 */
public record MinerSettings(Mode mode, List<String> maskingRegexes, double similarityThreshold, int depth,
    int maxChildren) {

  /** How a {@link TemplateMiner} mines templates. */
  public enum Mode {
    /** Exactly the reference Drain, given its per-log settings. */
    DRAIN,
    /** Faultline's own rules, which need only the log's header format. */
    DEFAULT
  }

  /** Validates the settings and copies the list. */
  public MinerSettings {
    if (mode == null) {
      throw new ConfigurationException("mode", "not be null", "null");
    }
    if (maskingRegexes == null) {
      throw new ConfigurationException("maskingRegexes", "not be null", "null");
    }
    maskingRegexes = List.copyOf(maskingRegexes);
    if (!(similarityThreshold >= 0 && similarityThreshold <= 1)) {
      throw new ConfigurationException("similarityThreshold", "be between 0 and 1", similarityThreshold);
    }
    if (depth < 3) {
      throw new ConfigurationException("depth", "be at least 3", depth);
    }
    if (maxChildren < 1) {
      throw new ConfigurationException("maxChildren", "be at least 1", maxChildren);
    }
  }
}
