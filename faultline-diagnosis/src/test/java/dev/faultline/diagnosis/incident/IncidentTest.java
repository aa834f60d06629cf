package dev.faultline.diagnosis.incident;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.ConfigurationException;
import dev.faultline.core.testing.FakeClock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Incidents carry the failure and its context under OpenTelemetry-aligned names. */
class IncidentTest {

  @Test
  void attributesUseOpenTelemetryNames() {
    FakeClock clock = new FakeClock();
    clock.advance(Duration.ofSeconds(5));
    Incident i = Incidents.full(clock);
    Map<String, Object> a = i.attributes();
    assertEquals("java.util.concurrent.ExecutionException", a.get("exception.type"));
    assertEquals("java.lang.IllegalStateException", a.get("error.type"));
    assertTrue(((String) a.get("exception.message")).startsWith("java.lang.IllegalStateException: row"));
    String trace = (String) a.get("exception.stacktrace");
    assertTrue(trace.startsWith("java.util.concurrent.ExecutionException"), trace);
    assertTrue(trace.contains("Caused by: java.lang.IllegalStateException"), trace);
    assertTrue(trace.contains("at com.acme.Repo.load(Repo.java:12)"), trace);
    assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", a.get("trace_id"));
    assertEquals("00f067aa0ba902b7", a.get("span_id"));
    assertEquals("web-1", a.get("host.name"));
    assertEquals(4242L, a.get("process.pid"));
    assertEquals("worker-3", a.get("thread.name"));
    assertEquals(77L, a.get("thread.id"));
    assertEquals("orders", a.get("faultline.component"));
    assertEquals("FATAL", a.get("faultline.severity"));
    assertEquals("2026-01-01T00:00:05Z", a.get("faultline.time"));
    assertEquals(Instant.parse("2026-01-01T00:00:05Z"), i.time());
    assertEquals(Map.of("tenant", "t-1", "user", "bob"), a.get("faultline.mdc"));
    assertEquals(List.of("12:00:01 INFO start", "12:00:02 WARN slow \"db\""), a.get("faultline.log_lines"));
    assertEquals(Fingerprinter.defaults().fingerprint(
        Incidents.failure("ise", "load", "another message")), a.get("faultline.fingerprint"));
  }

  @Test
  void absentContextIsLeftOutAndDefaultsApply() {
    Thread current = Thread.currentThread();
    Incident i = Incident.builder(new IllegalStateException()).component("c").clock(new FakeClock()).build();
    Map<String, Object> a = i.attributes();
    assertFalse(a.containsKey("exception.message"));
    assertFalse(a.containsKey("trace_id"));
    assertFalse(a.containsKey("span_id"));
    assertFalse(a.containsKey("host.name"));
    assertEquals(Severity.ERROR, i.severity());
    assertEquals(ProcessHandle.current().pid(), i.pid());
    assertEquals(current.getName(), i.threadName());
    assertEquals(current.getId(), i.threadId());
    assertEquals(Map.of(), i.mdc());
    assertEquals(List.of(), i.logLines());
  }

  @Test
  void contextIsCopied() {
    Map<String, String> mdc = new HashMap<>(Map.of("k", "v"));
    Incident i = Incident.builder(new IllegalStateException()).component("c").mdc(mdc).clock(new FakeClock())
        .build();
    mdc.put("k2", "v2");
    assertEquals(Map.of("k", "v"), i.mdc());
    assertThrows(UnsupportedOperationException.class, () -> i.attributes().put("x", "y"));
  }

  @Test
  void badInputIsRejectedNamingTheField() {
    assertEquals("failure", assertThrows(ConfigurationException.class, () -> Incident.builder(null)).field());
    assertEquals("component", assertThrows(ConfigurationException.class,
        () -> Incident.builder(new IllegalStateException()).build()).field());
    Map<String, String> nullValue = new HashMap<>();
    nullValue.put("k", null);
    assertEquals("mdc[k]", assertThrows(ConfigurationException.class,
        () -> Incident.builder(new IllegalStateException()).mdc(nullValue)).field());
  }
}
