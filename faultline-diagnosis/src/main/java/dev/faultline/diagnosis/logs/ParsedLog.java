package dev.faultline.diagnosis.logs;

import java.util.List;

/**
 * The result of parsing a log file: each kept line's final template, and the lines that did not match the format;
 * immutable and thread-safe.
 */
public final class ParsedLog {
  private final List<String> templates;
  private final List<Long> skippedLines;
  private final long skippedCount;

  ParsedLog(List<String> templates, List<Long> skippedLines, long skippedCount) {
    this.templates = List.copyOf(templates);
    this.skippedLines = List.copyOf(skippedLines);
    this.skippedCount = skippedCount;
  }

  /** How many lines matched the format and were mined. */
  public int size() {
    return templates.size();
  }

  /** The template of the {@code i}-th kept line (from 0), as it stood once the whole file was mined. */
  public String template(int i) {
    return templates.get(i);
  }

  /** Every kept line's template, in order. */
  public List<String> templates() {
    return templates;
  }

  /** The event id of the {@code i}-th kept line: see {@link LogFileParser#eventId(String)}. */
  public String eventId(int i) {
    return LogFileParser.eventId(templates.get(i));
  }

  /** How many lines did not match the format. */
  public long skippedCount() {
    return skippedCount;
  }

  /** The 1-based numbers in the file of the first (at most 100) lines that did not match the format. */
  public List<Long> skippedLines() {
    return skippedLines;
  }
}
