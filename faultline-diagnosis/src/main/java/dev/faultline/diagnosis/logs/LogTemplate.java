package dev.faultline.diagnosis.logs;

import java.util.List;
import java.util.Optional;

/**
 * A mined template with the number of messages it holds; immutable and thread-safe.
 */
public final class LogTemplate {
  private final int id;
  private final String[] tokens;
  private final long count;

  LogTemplate(int id, String[] tokens, long count) {
    this.id = id;
    this.tokens = tokens;
    this.count = count;
  }

  /** The template's id. */
  public int id() {
    return id;
  }

  /** The template's tokens, {@code <*>} standing for variable parts. */
  public List<String> tokens() {
    return List.of(tokens);
  }

  /** The template as text: its tokens joined by single spaces. */
  public String template() {
    return String.join(" ", tokens);
  }

  /**
   * The values of this template's {@code <*>} slots in a raw message, in order; empty if the message does not fit the
   * template's text. See {@link TemplateMiner#parameters(String)}.
   */
  public Optional<List<String>> parameters(String content) {
    return TemplateText.parameters(template(), content);
  }

  /** How many messages joined this template. */
  public long count() {
    return count;
  }

  @Override
  public String toString() {
    return id + " (" + count + "): " + template();
  }
}
