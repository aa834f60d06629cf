package dev.faultline.console.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What services reported survives a restart (events, incidents and issue resolutions, heartbeats, samples); a torn
 * last record is cut off; corruption in the middle stops the start, naming the segment.
 */
class JournalStoreRecoveryTest {

  @TempDir
  Path dir;

  private static final String BATCH = "[{\"type\":\"CallFailed\",\"source\":\"s\",\"time\":0},"
      + "{\"type\":\"RetryScheduled\",\"source\":\"s\",\"time\":1}]";

  private void ingestOnce() {
    try (ServerFixture f = new ServerFixture(dir)) {
      String admin = f.setUpAndLogInAdmin();
      String key = f.serviceKey(admin, "payments");
      assertEquals(202, f.post("/api/v1/events", key, BATCH).status());
      assertEquals(202, f.post("/api/v1/incidents", key, Incidents.json("payments", "fp-1", 1000)).status());
      assertEquals(202, f.post("/api/v1/incidents", key, Incidents.json("payments", "fp-1", 2000)).status());
      assertEquals(200, f.post("/api/v1/issues/fp-1/resolve", admin, "{}").status());
      assertEquals(202, f.post("/api/v1/heartbeats", key, "{\"instance\":\"p1\",\"status\":\"DEGRADED\"}").status());
      assertEquals(202, f.post("/api/v1/metrics", key, "[{\"name\":\"queue\",\"time\":5,\"value\":7.5}]").status());
    }
  }

  @Test
  void everythingReportedSurvivesARestart() {
    ingestOnce();
    try (ServerFixture f = new ServerFixture(dir)) {
      String admin = f.logIn("admin", ServerFixture.ADMIN_PASSWORD);
      JsonNode service = f.get("/api/v1/services", admin).json().get("services").get(0);
      assertEquals(2, service.get("events").asLong(), service.toString());
      assertEquals(2, service.get("incidents").asLong(), service.toString());
      assertEquals("DEGRADED", service.get("instances").get(0).get("status").asText(), service.toString());
      assertEquals("RetryScheduled", f.get("/api/v1/events", admin).json().get("events").get(0).get("type").asText());
      JsonNode issue = f.get("/api/v1/issues/fp-1", admin).json().get("issue");
      assertEquals("RESOLVED", issue.get("status").asText(), "the resolution is replayed after the incidents");
      assertEquals(2, issue.get("count").asLong());
      assertEquals(7.5, f.get("/api/v1/metrics?service=payments&name=queue", admin).json().get("samples").get(0)
          .get("value").asDouble());
    }
  }

  private Path segment() throws IOException {
    try (Stream<Path> files = Files.list(dir.resolve(JournalStore.JOURNAL_DIR))) {
      List<Path> segments = files.filter(p -> p.toString().endsWith(".journal")).sorted().toList();
      assertEquals(1, segments.size(), segments.toString());
      return segments.get(0);
    }
  }

  @Test
  void aTornLastRecordIsCutOffOnStart() throws IOException {
    ingestOnce();
    Path segment = segment();
    long clean = Files.size(segment);
    // The first bytes of a frame that a crash interrupted: a length and half a checksum.
    Files.write(segment, new byte[] {0, 0, 0, 40, 1, 2}, StandardOpenOption.APPEND);
    try (ServerFixture f = new ServerFixture(dir)) {
      String admin = f.logIn("admin", ServerFixture.ADMIN_PASSWORD);
      assertEquals(2, f.get("/api/v1/events", admin).json().get("events").size());
      assertTrue(((JournalStore) f.server.store()).openReport().truncatedTail().isPresent());
    }
    assertEquals(clean, Files.size(segment), "the torn tail is cut off, the acknowledged records kept");
  }

  @Test
  void corruptionInTheMiddleStopsTheStartNamingTheSegment() throws IOException {
    ingestOnce();
    Path segment = segment();
    byte[] bytes = Files.readAllBytes(segment);
    // The journal header is 32 bytes and a frame header 16: byte 60 lies in the first record's payload.
    bytes[60] ^= 0x5a;
    Files.write(segment, bytes);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> new ServerFixture(dir).close());
    String message = e.getCause().getMessage();
    assertTrue(message.contains(segment.getFileName().toString()), message);
    assertFalse(message.contains("\tat "), message);
    assertEquals(bytes.length, Files.size(segment), "a corrupt journal is left as it was");
  }

  @Test
  void anEventNestedAsDeepAsIngestAllowsSurvivesARestart() {
    // The body's array, the event and its fields are 3 levels; 29 more objects reach the API's limit of 32.
    String fields = "{\"a\":".repeat(29) + "1" + "}".repeat(29);
    String batch = "[{\"type\":\"Deep\",\"source\":\"s\",\"time\":0,\"fields\":{\"n\":" + fields + "}}]";
    try (ServerFixture f = new ServerFixture(dir)) {
      String admin = f.setUpAndLogInAdmin();
      String key = f.serviceKey(admin, "payments");
      assertEquals(202, f.post("/api/v1/events", key, batch).status(), "accepted: within the API's nesting limit");
      // One level deeper is refused with a 400, so the limit above is the API's own.
      ServerFixture.Reply deeper = f.post("/api/v1/events", key, batch.replace("\"n\":", "\"n\":{\"b\":")
          .replace("}}]", "}}}]"));
      assertEquals(400, deeper.status(), deeper.body());
    }
    try (ServerFixture f = new ServerFixture(dir)) {
      String admin = f.logIn("admin", ServerFixture.ADMIN_PASSWORD);
      assertEquals("Deep", f.get("/api/v1/events", admin).json().get("events").get(0).get("type").asText());
    }
  }

  /** Appends raw console records to the store's journal, as an older console wrote them. */
  private void appendRaw(String... records) {
    try (dev.faultline.state.journal.Journal journal = dev.faultline.state.journal.Journal.builder(
        dir.resolve(JournalStore.JOURNAL_DIR)).clock(new dev.faultline.core.testing.FakeClock()).name("console-store")
        .maxRecordSize(64 << 20).open()) {
      for (String record : records) {
        journal.append(record.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
    }
  }

  @Test
  void recordsOfFormatVersion1WithoutAKeyStillLoad() {
    try (ServerFixture f = new ServerFixture(dir)) {
      f.setUpAndLogInAdmin();
    }
    appendRaw("{\"k\":\"events\",\"service\":\"payments\",\"receivedAt\":1767225600000,\"items\":["
        + "{\"type\":\"ComponentFailed\",\"source\":\"worker\",\"time\":1000,\"fields\":{}}]}",
        "{\"k\":\"heartbeats\",\"service\":\"payments\",\"receivedAt\":1767225600000,\"items\":["
        + "{\"instance\":\"p1\",\"status\":\"DOWN\",\"interval\":10000,\"time\":1767225600000,\"detail\":null}]}");
    try (ServerFixture f = new ServerFixture(dir)) {
      String admin = f.logIn("admin", ServerFixture.ADMIN_PASSWORD);
      JsonNode service = f.get("/api/v1/services", admin).json().get("services").get(0);
      assertEquals(1, service.get("events").asLong(), service.toString());
      assertEquals("DOWN", service.get("instances").get(0).get("status").asText(), service.toString());
      assertEquals(0, f.server.store().idempotencyKeys());
      String key = f.serviceKey(admin, "payments");
      ServerFixture.Reply keyed = f.send(f.request("/api/v1/events", key).header("Content-Type", "application/json")
          .header("Idempotency-Key", "k1").POST(java.net.http.HttpRequest.BodyPublishers.ofString(BATCH)));
      assertEquals(202, keyed.status(), keyed.body());
    }
    try (ServerFixture f = new ServerFixture(dir)) {
      assertEquals(1, f.server.store().idempotencyKeys(), "old and new records in one journal");
    }
  }

  @Test
  void aRecordOfANewerFormatVersionRefusesTheStartSayingSo() {
    try (ServerFixture f = new ServerFixture(dir)) {
      f.setUpAndLogInAdmin();
    }
    appendRaw("{\"v\":3,\"k\":\"events\",\"service\":\"payments\",\"receivedAt\":1,\"items\":[]}");
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> new ServerFixture(dir).close());
    String message = e.getCause().getMessage();
    assertTrue(message.contains("record format version 3") && message.contains("newer console"), message);
  }

  @Test
  void heldKeysAreBoundedByTheCountCapAcrossARestart() {
    String key;
    try (ServerFixture f = new ServerFixture(dir, b -> b.maxIdempotencyKeys(2))) {
      String admin = f.setUpAndLogInAdmin();
      key = f.serviceKey(admin, "payments");
      for (String k : new String[] {"k1", "k2", "k3"}) {
        assertEquals(202, f.send(f.request("/api/v1/events", key).header("Content-Type", "application/json")
            .header("Idempotency-Key", k).POST(java.net.http.HttpRequest.BodyPublishers.ofString(BATCH))).status());
      }
      assertEquals(2, f.server.store().idempotencyKeys());
      assertEquals(1, ((JournalStore) f.server.store()).keysForgottenEarly(), "the oldest, forgotten early");
    }
    try (ServerFixture f = new ServerFixture(dir, b -> b.maxIdempotencyKeys(2))) {
      assertEquals(2, f.server.store().idempotencyKeys(), "the cap holds while the journal is replayed");
      ServerFixture.Reply k3 = f.send(f.request("/api/v1/events", key).header("Content-Type", "application/json")
          .header("Idempotency-Key", "k3").POST(java.net.http.HttpRequest.BodyPublishers.ofString(BATCH)));
      assertEquals("true", k3.headers().firstValue("Idempotent-Replayed").orElse(null), "the newest are held");
    }
  }
}
