package dev.faultline.diagnosis.logs;

import dev.faultline.core.ConfigurationException;
import java.util.List;

/**
 * The per-log settings of the reference Drain, used by {@code drain} mode; immutable and thread-safe.
 *
 * @param maskingRegexes regular expressions whose matches are replaced by {@code <*>} before tokenising, in order
 * @param similarityThreshold the least share of equal tokens for a message to join a template, in [0, 1]
 * @param depth the depth of the prefix tree's leaves, counting the root and the token-count level; at least 3
 * @param maxChildren the most children of a tree node before new tokens share its {@code <*>} child; at least 1
 */
public record DrainSettings(List<String> maskingRegexes, double similarityThreshold, int depth, int maxChildren) {

  /**
   * Validates the settings and copies the list.
   *
   * @throws ConfigurationException naming the setting that is missing or out of range
   */
  public DrainSettings {
    if (maskingRegexes == null) {
      throw new ConfigurationException("maskingRegexes", "not be null", "null");
    }
    for (int i = 0; i < maskingRegexes.size(); i++) {
      if (maskingRegexes.get(i) == null || maskingRegexes.get(i).isEmpty()) {
        throw new ConfigurationException("maskingRegexes[" + i + "]", "not be empty",
            maskingRegexes.get(i) == null ? "null" : "\"\"");
      }
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
