package dev.faultline.console.server;

import dev.faultline.diagnosis.incident.Incident;
import dev.faultline.diagnosis.metrics.ComponentMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** How stored records look in the API's answers ({@code docs/api.md}). Stateless and thread-safe. */
final class Views {
  private Views() {}

  static String time(long millis) {
    return Instant.ofEpochMilli(millis).toString();
  }

  static String eventId(long id) {
    return "e-" + Long.toString(id, 36);
  }

  static String incidentId(long id) {
    return "i-" + Long.toString(id, 36);
  }

  /** The stored id of an incident id such as {@code i-2s0}, or -1 when it is not one. */
  static long parseIncidentId(String text) {
    if (text == null || !text.startsWith("i-") || text.length() > 16) {
      return -1;
    }
    try {
      return Long.parseLong(text.substring(2), 36);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  static Map<String, Object> event(ConsoleStore.EventRecord event) {
    Map<String, Object> item = new LinkedHashMap<>();
    item.put("id", eventId(event.id()));
    item.put("service", event.service());
    item.put("type", event.type());
    item.put("source", event.source());
    item.put("time", time(event.timeMillis()));
    item.put("receivedAt", time(event.receivedAtMillis()));
    item.put("fields", event.fields());
    return item;
  }

  static Map<String, Object> incidentSummary(ConsoleStore.IncidentRecord record, ConsoleStore.IssueRecord issue) {
    Incident i = record.incident();
    Map<String, Object> item = new LinkedHashMap<>();
    item.put("id", incidentId(record.id()));
    item.put("service", record.service());
    item.put("component", i.component());
    item.put("time", i.time().toString());
    item.put("receivedAt", time(record.receivedAtMillis()));
    item.put("fingerprint", i.fingerprint());
    item.put("severity", i.severity().name());
    item.put("errorType", i.errorType());
    item.put("exceptionType", i.exceptionType());
    item.put("message", i.exceptionMessage());
    item.put("issueStatus", issue == null ? null : issue.status().name());
    return item;
  }

  static Map<String, Object> incidentDetail(ConsoleStore.IncidentRecord record, ConsoleStore.IssueRecord issue) {
    Incident i = record.incident();
    Map<String, Object> item = incidentSummary(record, issue);
    item.remove("issueStatus");
    item.put("stacktrace", i.stacktrace());
    item.put("traceId", i.traceId());
    item.put("spanId", i.spanId());
    item.put("host", i.host());
    item.put("pid", i.pid());
    item.put("threadName", i.threadName());
    item.put("threadId", i.threadId());
    item.put("mdc", i.mdc());
    item.put("logLines", i.logLines());
    return item;
  }

  static Map<String, Object> issue(ConsoleStore.IssueRecord issue) {
    Map<String, Object> item = new LinkedHashMap<>();
    item.put("fingerprint", issue.fingerprint());
    item.put("service", issue.service());
    item.put("component", issue.component());
    item.put("type", issue.type());
    item.put("message", issue.message());
    item.put("status", issue.status().name());
    item.put("count", issue.count());
    item.put("firstSeen", time(issue.firstSeenMillis()));
    item.put("lastSeen", time(issue.lastSeenMillis()));
    item.put("lastIncident", incidentId(issue.lastIncidentId()));
    return item;
  }

  static Map<String, Object> metrics(ComponentMetrics m) {
    Map<String, Object> item = new LinkedHashMap<>();
    item.put("failures", m.failures());
    item.put("recoveries", m.recoveries());
    item.put("failuresPerHour", m.failuresPerHour());
    item.put("mtbfMillis", millis(m.mtbf()));
    item.put("mttrMillis", millis(m.mttr()));
    item.put("mttdMillis", millis(m.mttd()));
    item.put("availability", m.availability().isPresent() ? m.availability().getAsDouble() : null);
    item.put("observedMillis", m.observed().toMillis());
    item.put("downtimeMillis", m.downtime().toMillis());
    item.put("recordsLost", m.recordsLost());
    item.put("rpoMillis", millis(m.rpo()));
    item.put("down", m.down());
    return item;
  }

  private static Long millis(Optional<Duration> duration) {
    return duration.map(Duration::toMillis).orElse(null);
  }
}
