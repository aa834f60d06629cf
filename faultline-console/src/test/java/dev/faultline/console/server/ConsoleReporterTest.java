package dev.faultline.console.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.faultline.core.ConfigurationException;
import dev.faultline.core.event.ComponentEvent;
import dev.faultline.core.event.PolicyEvent;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reporter's settings are checked, events the console would refuse are dropped alone, and every loss counts. */
class ConsoleReporterTest {
  private static final URI BASE = URI.create("http://127.0.0.1:7070");

  @TempDir
  Path dir;

  @Test
  void badSettingsAreRefusedNamingThem() {
    assertEquals("base", assertThrows(ConfigurationException.class,
        () -> ConsoleReporter.builder(URI.create("ftp://x"), "k").build()).field());
    assertEquals("apiKey", assertThrows(ConfigurationException.class,
        () -> ConsoleReporter.builder(BASE, " ").build()).field());
    assertEquals("batchSize", assertThrows(ConfigurationException.class,
        () -> ConsoleReporter.builder(BASE, "k").batchSize(1001).build()).field());
    assertEquals("heartbeat interval", assertThrows(ConfigurationException.class,
        () -> ConsoleReporter.builder(BASE, "k").heartbeat("p1", Duration.ofMillis(10))).field());
    assertEquals("heartbeat instance", assertThrows(ConfigurationException.class,
        () -> ConsoleReporter.builder(BASE, "k").heartbeat("bad name", Duration.ofSeconds(1))).field());
  }

  @Test
  void anEventWithoutTimeIsDroppedAloneAndAClosedReporterDropsWhatItIsGiven() {
    try (ServerFixture f = new ServerFixture(dir)) {
      String admin = f.setUpAndLogInAdmin();
      String key = f.serviceKey(admin, "payments");
      ConsoleReporter reporter = ConsoleReporter.builder(f.server.baseUri(), key).clock(f.clock).build();
      reporter.onEvent(new ComponentEvent.ComponentStarted("worker", null));
      reporter.onEvent(new ComponentEvent.ComponentStarted("worker", Instant.parse("2026-01-01T00:00:00Z")));
      reporter.onEvent(new PolicyEvent.TimeoutExceeded("payments-timeout", Instant.parse("2026-01-01T00:00:01Z"),
          Duration.ofMillis(250)));
      reporter.close();
      assertEquals(2, reporter.sent());
      assertEquals(1, reporter.dropped());
      reporter.onEvent(new ComponentEvent.ComponentStarted("worker", Instant.parse("2026-01-01T00:00:02Z")));
      reporter.metric("late", 1, Map.of());
      assertEquals(3, reporter.dropped(), "after close, everything given is dropped and counted");
      assertThrows(IllegalArgumentException.class, () -> reporter.status("p1", "FINE", null));
      assertEquals("250", f.get("/api/v1/events?type=TimeoutExceeded", admin).json().get("events").get(0)
          .get("fields").get("timeout").asText(), "durations travel as milliseconds");
    }
  }

  @Test
  void aReporterWhoseKeyIsRefusedCountsItsEventsAsFailed() {
    try (ServerFixture f = new ServerFixture(dir)) {
      ConsoleReporter reporter = ConsoleReporter.builder(f.server.baseUri(), "fkey_wrong").clock(f.clock).build();
      reporter.onEvent(new ComponentEvent.ComponentStarted("worker", Instant.parse("2026-01-01T00:00:00Z")));
      reporter.close();
      assertEquals(0, reporter.sent());
      assertEquals(1, reporter.failed());
    }
  }
}
