package dev.faultline.console.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import dev.faultline.state.io.StorageIo;
import dev.faultline.state.journal.Journal;
import dev.faultline.state.testing.FaultInjectingStorage;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ingest of events with a service key, the queries over them, and refusal of bad input with nothing stored. */
class IngestTest {
  private static final int MAX_BODY = 4096;

  @TempDir
  Path dir;

  private final FaultInjectingStorage storage = new FaultInjectingStorage(StorageIo.system());
  private ServerFixture f;
  private String admin;
  private String key;

  @BeforeEach
  void start() {
    f = new ServerFixture(dir, b -> b.maxBodyBytes(MAX_BODY).maxBatch(10).maxEvents(3).storage(storage));
    admin = f.setUpAndLogInAdmin();
    key = f.serviceKey(admin, "payments");
  }

  @AfterEach
  void stop() {
    f.close();
  }

  @Test
  void acceptedEventsAreQueryableAndWrittenToDisk() throws Exception {
    ServerFixture.Reply reply = f.post("/api/v1/events", key, "["
        + "{\"type\":\"CallFailed\",\"source\":\"payments-retry\",\"time\":\"2026-01-01T00:00:01Z\","
        + "\"fields\":{\"attempt\":2,\"error\":\"timeout\"}},"
        + "{\"type\":\"RetryScheduled\",\"source\":\"payments-retry\",\"time\":1767225602000}]");
    assertEquals(202, reply.status(), reply.body());
    assertEquals(2, reply.json().get("accepted").asInt());

    JsonNode services = f.get("/api/v1/services", admin).json().get("services");
    assertEquals(1, services.size());
    assertEquals("payments", services.get(0).get("service").asText());
    assertEquals(2, services.get(0).get("events").asLong());
    assertEquals(f.clock.instant().toString(), services.get(0).get("lastSeen").asText());

    JsonNode failed = f.get("/api/v1/events?service=payments&type=CallFailed", admin).json().get("events");
    assertEquals(1, failed.size());
    assertEquals("timeout", failed.get(0).get("fields").get("error").asText());
    assertEquals("2026-01-01T00:00:01Z", failed.get(0).get("time").asText());
    assertEquals(0, f.get("/api/v1/events?service=orders", admin).json().get("events").size());
    assertEquals(1, f.get("/api/v1/events?limit=1", admin).json().get("events").size());

    assertEquals(1, journalRecords(), "one batch is one journal record");
  }

  @Test
  void memoryIsBoundedAndTheFileKeepsEverything() throws Exception {
    for (int i = 0; i < 5; i++) {
      assertEquals(202, f.post("/api/v1/events", key,
          "[{\"type\":\"E" + i + "\",\"source\":\"s\",\"time\":" + i + "}]").status());
    }
    JsonNode recent = f.get("/api/v1/events", admin).json().get("events");
    assertEquals(3, recent.size(), "at most maxEvents in memory");
    assertEquals("E4", recent.get(0).get("type").asText(), "newest first");
    assertEquals(5, f.get("/api/v1/services", admin).json().get("services").get(0).get("events").asLong());
    assertEquals(5, journalRecords());
  }

  @Test
  void malformedJsonIsRefusedWithAClearMessageAndNothingIsStored() {
    String[][] cases = {
        {"[{\"type\":\"CallFailed\",", "malformed JSON"},
        {"[{\"type\":\"A\",\"source\":\"s\",\"time\":0}] trailing", "malformed JSON"},
        {"[{\"type\":\"A\",\"type\":\"B\",\"source\":\"s\",\"time\":0}]", "Duplicate field 'type'"},
        {"{\"type\":\"A\",\"source\":\"s\",\"time\":0}", "must be a JSON array"},
        {"[]", "1 to 10 events"},
        {"[{\"type\":\"A\",\"source\":\"s\",\"time\":0},{\"type\":\"B\",\"source\":\"s\",\"time\":\"yesterday\"}]",
            "events[1].time must be an ISO-8601 instant"},
        {"[{\"type\":\"A\",\"source\":\"s\",\"time\":-5}]", "events[0].time must be epoch milliseconds"},
        {"[{\"type\":\"A\",\"source\":\"s\"}]", "events[0].time is missing"},
        {"[{\"type\":\"1bad\",\"source\":\"s\",\"time\":0}]", "events[0].type must be a name"},
        {"[{\"type\":\"A\",\"source\":\"\",\"time\":0}]", "events[0].source must be 1 to 200"},
        {"[{\"type\":\"A\",\"source\":\"s\",\"time\":0,\"extra\":1}]", "unknown field 'extra'"},
        {"[{\"type\":\"A\",\"source\":\"s\",\"time\":0,\"fields\":[1]}]", "events[0].fields must be a JSON object"},
        {"[" + "[".repeat(40) + "]".repeat(40) + "]", "malformed JSON"},
        {"", "empty"},
    };
    for (String[] c : cases) {
      ServerFixture.Reply reply = f.post("/api/v1/events", key, c[0]);
      assertEquals(400, reply.status(), c[0] + " -> " + reply);
      assertEquals("bad-request", reply.error());
      assertTrue(reply.json().get("message").asText().contains(c[1]), c[0] + " -> " + reply);
      assertNoStackTrace(reply);
    }
    assertNothingStored();
  }

  @Test
  void oversizedBodiesAreRefusedWith413AndNothingIsStored() {
    String big = "[{\"type\":\"A\",\"source\":\"s\",\"time\":0,\"fields\":{\"x\":\"" + "x".repeat(MAX_BODY) + "\"}}]";
    ServerFixture.Reply declared = f.post("/api/v1/events", key, big);
    assertEquals(413, declared.status(), declared.body());
    assertEquals("payload-too-large", declared.error());

    // Without Content-Length (chunked), the limit is enforced while reading.
    HttpRequest.Builder chunked = f.request("/api/v1/events", key).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofInputStream(
            () -> new ByteArrayInputStream(big.getBytes(StandardCharsets.UTF_8))));
    ServerFixture.Reply streamed = f.send(chunked);
    assertEquals(413, streamed.status(), streamed.body());
    assertNothingStored();
  }

  @Test
  void aFailedWriteAnswers500WithAnErrorIdNoStackTraceAndStoresNothing() throws Exception {
    storage.affecting(file -> file.toString().endsWith(".journal")).failWritesAfter(0, FaultInjectingStorage.noSpace());
    ServerFixture.Reply reply = f.post("/api/v1/events", key, "[{\"type\":\"A\",\"source\":\"s\",\"time\":0}]");
    assertEquals(500, reply.status(), reply.body());
    assertEquals("internal", reply.error());
    assertTrue(reply.json().get("message").asText().contains("error id"), reply.body());
    assertFalse(reply.body().contains(dir.toString()), "no internal detail leaks: " + reply.body());
    assertNoStackTrace(reply);
    assertEquals(0, f.get("/api/v1/events", admin).json().get("events").size());
    assertEquals(0, f.get("/api/v1/services", admin).json().get("services").size());
  }

  @Test
  void anUnpairedSurrogateIsRefusedWithA400NamingWhereAndNothingIsStored() {
    // A string cut in the middle of an emoji: JSON escapes it fine, but it is not Unicode text.
    String[][] cases = {
        {"[{\"type\":\"A\",\"source\":\"s\",\"time\":0,\"fields\":{\"m\":\"cut \\ud83d\"}}]", "events[0].fields.m"},
        {"[{\"type\":\"A\",\"source\":\"s\",\"time\":0,\"fields\":{\"\\ude00\":1}}]", "events[0].fields"},
        {"[{\"type\":\"A\",\"source\":\"s\\ud83d\",\"time\":0}]", "events[0].source"},
        {"/api/v1/metrics", "[{\"name\":\"m\",\"time\":0,\"value\":1,\"tags\":{\"t\":\"\\ud83d\"}}]",
            "samples[0].tags.t"},
        {"/api/v1/heartbeats", "{\"status\":\"UP\",\"detail\":\"x\\ud83d\"}", "the heartbeat.detail"},
        {"/api/v1/incidents", Incidents.json("worker", "fp", 0).replace("timed out", "timed\\ud83dout"),
            "the incident.exception.message"},
        {"/api/v1/incidents", Incidents.json("worker", "fp", 0).replace("timed out", "timed\\u0000out"),
            "the incident.exception.message holds the character U+0000"},
    };
    for (String[] c : cases) {
      String path = c.length == 3 ? c[0] : "/api/v1/events";
      c = c.length == 3 ? new String[] {c[1], c[2]} : c;
      ServerFixture.Reply reply = f.post(path, key, c[0]);
      assertEquals(400, reply.status(), c[0] + " -> " + reply);
      assertTrue(reply.json().get("message").asText().contains(c[1]), c[0] + " -> " + reply);
    }
    assertNothingStored();
    assertEquals(0, f.get("/api/v1/incidents", admin).json().get("incidents").size());
  }

  @Test
  void onlyJsonIsAccepted() {
    ServerFixture.Reply reply = f.send(f.request("/api/v1/events", key).header("Content-Type", "text/plain")
        .POST(HttpRequest.BodyPublishers.ofString("[{\"type\":\"A\",\"source\":\"s\",\"time\":0}]")));
    assertEquals(415, reply.status(), reply.body());
    assertNothingStored();
  }

  @Test
  void badQueryParametersAreRefused() {
    for (String limit : new String[] {"0", "-1", "1001", "ten"}) {
      ServerFixture.Reply reply = f.get("/api/v1/events?limit=" + limit, admin);
      assertEquals(400, reply.status(), limit + " -> " + reply);
      assertTrue(reply.json().get("message").asText().contains("limit"), reply.body());
    }
  }

  private void assertNothingStored() {
    assertEquals(0, f.get("/api/v1/events", admin).json().get("events").size());
    assertEquals(0, f.get("/api/v1/services", admin).json().get("services").size());
    assertEquals(0, journalRecords(), "no journal record may be written");
  }

  private long journalRecords() {
    return Journal.verify(dir.resolve(JournalStore.JOURNAL_DIR)).records();
  }

  private static void assertNoStackTrace(ServerFixture.Reply reply) {
    assertFalse(reply.body().contains("\tat ") || reply.body().contains("Exception"), reply.body());
  }
}
