package dev.faultline.diagnosis.incident;

import java.time.Instant;
import java.util.Objects;

/**
 * One captured log record, kept as the fields the logging framework already computed and rendered to text only when an
 * incident asks for it; immutable and thread-safe.
 *
 * @param epochMillis when it was logged, milliseconds since the epoch (the framework's timestamp)
 * @param level the level's name, such as {@code WARN}
 * @param logger the logger's name
 * @param threadName the name of the thread that logged it
 * @param message the formatted message, possibly with a one-line summary of a throwable
 */
public record LogLine(long epochMillis, String level, String logger, String threadName, String message) {

  /** Checks that no field is null. */
  public LogLine {
    Objects.requireNonNull(level, "level");
    Objects.requireNonNull(logger, "logger");
    Objects.requireNonNull(threadName, "threadName");
    Objects.requireNonNull(message, "message");
  }

  /** The line as text: {@code <ISO-8601 instant> <level> [<thread>] <logger> - <message>}. */
  public String render() {
    return Instant.ofEpochMilli(epochMillis) + " " + level + " [" + threadName + "] " + logger + " - " + message;
  }
}
