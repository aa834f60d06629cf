package dev.faultline.diagnosis.logs;

import java.util.List;

/**
 * The template a message joined, as it was right after the message; immutable and thread-safe.
 */
public final class TemplateMatch {
  private final int templateId;
  private final String[] tokens;

  TemplateMatch(int templateId, String[] tokens) {
    this.templateId = templateId;
    this.tokens = tokens;
  }

  /** The id of the template; stable for the life of the miner and kept by snapshots. */
  public int templateId() {
    return templateId;
  }

  /** The template's tokens, {@code <*>} standing for variable parts. */
  public List<String> tokens() {
    return List.of(tokens);
  }

  /** The template as text: its tokens joined by single spaces. */
  public String template() {
    return String.join(" ", tokens);
  }

  @Override
  public String toString() {
    return templateId + ": " + template();
  }
}
