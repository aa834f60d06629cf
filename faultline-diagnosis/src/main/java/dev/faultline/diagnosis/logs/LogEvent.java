package dev.faultline.diagnosis.logs;

import java.nio.file.Path;
import java.time.LocalDateTime;

/**
 * One log record placed on a timeline, with its mined template; immutable and thread-safe.
 *
 * @param file the file it was read from
 * @param line its 1-based line number in that file
 * @param time its timestamp (from the line, or from the record before it when the line has none)
 * @param level its level in upper case ({@code ERROR}, {@code WARN}...), or empty if it has none
 * @param traceId the trace id it names, or empty
 * @param content its message
 * @param templateId the id of its template in the miner of the traceback
 * @param template its template text
 * @param continuationLines how many following lines without a timestamp (a stack trace, say) belong to it
 */
public record LogEvent(Path file, long line, LocalDateTime time, String level, String traceId, String content,
    int templateId, String template, int continuationLines) {

  /** Whether its level is an error or worse. */
  public boolean isError() {
    switch (level) {
      case "ERROR":
      case "ERR":
      case "FATAL":
      case "SEVERE":
      case "CRITICAL":
      case "CRIT":
      case "ALERT":
      case "EMERG":
      case "E":
      case "F":
        return true;
      default:
        return false;
    }
  }

  /** Whether its level is a warning. */
  public boolean isWarning() {
    return level.equals("WARN") || level.equals("WARNING") || level.equals("W");
  }

  /** Where it was read, as {@code file:line}. */
  public String location() {
    return file.getFileName() + ":" + line;
  }
}
