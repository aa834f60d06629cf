package dev.faultline.diagnosis.incident;

import dev.faultline.core.testing.FakeClock;
import java.util.List;
import java.util.Map;

/** Test incidents. */
final class Incidents {
  private Incidents() {}

  static Throwable failure(String type, String method, String message) {
    Throwable t = "npe".equals(type) ? new NullPointerException(message) : new IllegalStateException(message);
    t.setStackTrace(new StackTraceElement[] {
      new StackTraceElement("com.acme.Repo", method, "Repo.java", 12),
      new StackTraceElement("com.acme.Service", "run", "Service.java", 40)
    });
    return t;
  }

  static Incident incident(FakeClock clock, String method, String message) {
    return Incident.builder(failure("ise", method, message)).component("orders").clock(clock).build();
  }

  /** An incident with every attribute set, including text that needs escaping. */
  static Incident full(FakeClock clock) {
    Throwable root = failure("ise", "load", "row \"7\" is\tlocked\nby \\ tx ü \u2028 \u0001");
    return Incident.builder(new java.util.concurrent.ExecutionException(root))
        .component("orders")
        .severity(Severity.FATAL)
        .clock(clock)
        .trace("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7")
        .host("web-1")
        .pid(4242)
        .thread("worker-3", 77)
        .mdc(Map.of("user", "bob", "tenant", "t-1"))
        .logLines(List.of("12:00:01 INFO start", "12:00:02 WARN slow \"db\""))
        .build();
  }
}
