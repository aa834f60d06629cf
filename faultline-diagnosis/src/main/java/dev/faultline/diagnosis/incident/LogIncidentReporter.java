package dev.faultline.diagnosis.incident;

import dev.faultline.core.internal.Validate;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/**
 * Reports incidents to a {@link System.Logger}: one line per incident, with its severity mapped to a level
 * ({@code INFO}→INFO, {@code WARNING}→WARNING, {@code ERROR} and {@code FATAL}→ERROR) and the stack trace after it;
 * thread-safe if the logger is (the platform loggers are).
 */
public final class LogIncidentReporter implements IncidentReporter {
  private final Logger logger;

  /** A reporter writing to {@code logger}. */
  public LogIncidentReporter(Logger logger) {
    this.logger = Validate.notNull("logger", logger);
  }

  /** A reporter writing to the logger named {@code dev.faultline.incident}. */
  public static LogIncidentReporter standard() {
    return new LogIncidentReporter(System.getLogger("dev.faultline.incident"));
  }

  /** The level an incident of this severity is logged at. */
  static Level level(Severity severity) {
    switch (severity) {
      case INFO:
        return Level.INFO;
      case WARNING:
        return Level.WARNING;
      default:
        return Level.ERROR;
    }
  }

  /** The line logged for an incident, without its stack trace. */
  static String line(Incident incident) {
    StringBuilder s = new StringBuilder();
    s.append("incident ").append(incident.fingerprint()).append(" in ").append(incident.component())
        .append(": ").append(incident.exceptionType());
    if (incident.exceptionMessage() != null) {
      s.append(": ").append(incident.exceptionMessage());
    }
    if (!incident.errorType().equals(incident.exceptionType())) {
      s.append(" (root cause ").append(incident.errorType()).append(')');
    }
    if (incident.traceId() != null) {
      s.append(" trace_id=").append(incident.traceId());
    }
    if (incident.spanId() != null) {
      s.append(" span_id=").append(incident.spanId());
    }
    s.append(" thread=").append(incident.threadName());
    return s.toString();
  }

  @Override
  public void report(Incident incident) {
    Validate.notNull("incident", incident);
    Level level = level(incident.severity());
    if (logger.isLoggable(level)) {
      logger.log(level, line(incident) + System.lineSeparator() + incident.stacktrace());
    }
  }
}
