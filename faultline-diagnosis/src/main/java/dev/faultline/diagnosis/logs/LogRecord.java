package dev.faultline.diagnosis.logs;

import java.util.Arrays;
import java.util.List;

/**
 * One log line split into the fields of its {@link LogFormat}; immutable and thread-safe.
 */
public final class LogRecord {
  private final LogFormat format;
  private final String[] values;

  LogRecord(LogFormat format, String[] values) {
    this.format = format;
    this.values = values;
  }

  /** The format this record was parsed with. */
  public LogFormat format() {
    return format;
  }

  /** The message: the value of the {@code Content} field. */
  public String content() {
    return values[format.contentIndex()];
  }

  /**
   * The value of a field; empty when an optional part of the format holding it did not match.
   *
   * @throws IllegalArgumentException if the format has no such field
   */
  public String field(String name) {
    int i = format.indexOf(name);
    if (i < 0) {
      throw new IllegalArgumentException("no field <" + name + "> in log format \"" + format.format() + "\"");
    }
    return values[i];
  }

  /** The field values in the order of {@link LogFormat#fields()}. */
  public List<String> values() {
    return List.of(values);
  }

  @Override
  public String toString() {
    return "LogRecord" + Arrays.toString(values);
  }
}
