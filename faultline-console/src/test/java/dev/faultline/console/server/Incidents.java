package dev.faultline.console.server;

import dev.faultline.core.testing.FakeClock;
import dev.faultline.diagnosis.incident.Incident;
import dev.faultline.diagnosis.incident.IncidentJson;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Incidents for tests: the JSON the library's {@code HttpIncidentReporter} sends, built with the library. */
final class Incidents {
  private Incidents() {}

  /** An incident of {@code component} with {@code fingerprint} at {@code millis}, in IncidentJson. */
  static String json(String component, String fingerprint, long millis) {
    return json(component, fingerprint, millis, List.of());
  }

  /** As {@link #json(String, String, long)}, with log lines. */
  static String json(String component, String fingerprint, long millis, List<String> logLines) {
    Map<String, Object> a = new LinkedHashMap<>();
    a.put(IncidentJson.FINGERPRINT, fingerprint);
    a.put(IncidentJson.TIME, Instant.ofEpochMilli(millis).toString());
    a.put(IncidentJson.COMPONENT, component);
    a.put(IncidentJson.SEVERITY, "ERROR");
    a.put(IncidentJson.ERROR_TYPE, "java.net.SocketTimeoutException");
    a.put(IncidentJson.EXCEPTION_TYPE, "java.io.UncheckedIOException");
    a.put(IncidentJson.EXCEPTION_MESSAGE, "timed out");
    a.put(IncidentJson.EXCEPTION_STACKTRACE, "java.io.UncheckedIOException: timed out\n\tat a.B.c(B.java:1)\n");
    a.put(IncidentJson.PID, 42L);
    a.put(IncidentJson.THREAD_NAME, "worker-1");
    a.put(IncidentJson.THREAD_ID, 7L);
    a.put(IncidentJson.MDC, Map.of("order", "A-17"));
    a.put(IncidentJson.LOG_LINES, logLines);
    try {
      return ServerFixture.JSON.writeValueAsString(a);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  /** A real incident of a thrown exception, written as the library writes it. */
  static String of(Throwable failure, String component) {
    Incident incident = Incident.builder(failure).component(component).clock(new FakeClock()).build();
    return IncidentJson.write(incident);
  }
}
