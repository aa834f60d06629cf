package dev.faultline.diagnosis.incident;

import java.util.List;

/**
 * Where an {@link Incident.Builder} finds the recent log lines of the failing trace or thread: the SPI that log capture
 * (the Logback appender, the {@code java.util.logging} handler, or {@link RecentLogs} fed directly) implements.
 * Implementations must be thread-safe and must not block for long: they are asked while an incident is built.
 */
public interface LogContextSource {

  /**
   * Recent log lines, oldest first, each one rendered as text: those of the trace when {@code traceId} is not null and
   * lines of it are held, otherwise those of the thread {@code threadId}; empty when none are held.
   *
   * @param traceId the failing call's trace id, or null when unknown
   * @param threadId the id of the failing thread
   */
  List<String> recentLines(String traceId, long threadId);
}
