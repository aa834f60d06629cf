package dev.faultline.console.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The {@code Idempotency-Key} of ingest requests: a retry with the same key stores nothing and is answered as the
 * first request was; the same key with another body is refused; a bad key is refused; keys are scoped per service and
 * endpoint, survive a restart, expire after the window, and concurrent requests with one key store one batch.
 * {@code PostgresIdempotencyTest} runs every test again on PostgreSQL.
 */
class IdempotencyTest extends ServiceConsoleTest {
  static final String EVENTS = "[{\"type\":\"ComponentFailed\",\"source\":\"worker\",\"time\":1000},"
      + "{\"type\":\"ComponentRecovered\",\"source\":\"worker\",\"time\":2000}]";
  static final String OTHER_EVENTS = "[{\"type\":\"ComponentFailed\",\"source\":\"worker\",\"time\":3000}]";

  ServerFixture.Reply post(String path, String token, String idempotencyKey, String body) {
    HttpRequest.Builder request = f.request(path, token).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (idempotencyKey != null) {
      request.header("Idempotency-Key", idempotencyKey);
    }
    return f.send(request);
  }

  long events(String service) {
    for (JsonNode s : f.get("/api/v1/services", admin).json().get("services")) {
      if (s.get("service").asText().equals(service)) {
        return s.get("events").asLong();
      }
    }
    return 0;
  }

  static boolean replayed(ServerFixture.Reply reply) {
    return reply.headers().firstValue("Idempotent-Replayed").map("true"::equals).orElse(false);
  }

  @Test
  void aRetryWithTheSameKeyStoresNothingAndIsAnsweredAsTheFirstRequestWas() {
    ServerFixture.Reply first = post("/api/v1/events", key, "batch-1", EVENTS);
    assertEquals(202, first.status(), first.body());
    assertFalse(replayed(first));
    ServerFixture.Reply retry = post("/api/v1/events", key, "batch-1", EVENTS);
    assertEquals(202, retry.status(), retry.body());
    assertTrue(replayed(retry), "a replayed answer says so");
    assertEquals(first.json(), retry.json());
    assertEquals(2, events("payments"), "the batch is stored once");
    assertEquals(2, f.get("/api/v1/events", admin).json().get("events").size());
  }

  @Test
  void everyIngestEndpointReplaysItsAnswer() {
    String incident = Incidents.json("worker", "fp-1", 1000);
    ServerFixture.Reply first = post("/api/v1/incidents", key, "inc-1", incident);
    assertEquals(202, first.status(), first.body());
    ServerFixture.Reply retry = post("/api/v1/incidents", key, "inc-1", incident);
    assertEquals(202, retry.status(), retry.body());
    assertTrue(replayed(retry));
    assertEquals(first.json().get("incidents").get(0).get("id"), retry.json().get("incidents").get(0).get("id"),
        "the same incident id");
    assertEquals(1, f.get("/api/v1/incidents", admin).json().get("incidents").size());
    assertEquals(1, f.get("/api/v1/issues/fp-1", admin).json().get("issue").get("count").asLong(),
        "the issue counts the incident once");

    String samples = "[{\"name\":\"queue\",\"time\":5,\"value\":7.5}]";
    assertEquals(202, post("/api/v1/metrics", key, "m-1", samples).status());
    assertTrue(replayed(post("/api/v1/metrics", key, "m-1", samples)));
    assertEquals(1, f.get("/api/v1/metrics?service=payments&name=queue", admin).json().get("samples").size());

    String beat = "{\"instance\":\"p1\",\"status\":\"DEGRADED\"}";
    assertEquals(202, post("/api/v1/heartbeats", key, "h-1", beat).status());
    ServerFixture.Reply beatAgain = post("/api/v1/heartbeats", key, "h-1", beat);
    assertEquals(202, beatAgain.status(), beatAgain.body());
    assertTrue(replayed(beatAgain));
  }

  @Test
  void theSameKeyWithAnotherBodyIsRefusedWith422AndStoresNothing() {
    assertEquals(202, post("/api/v1/events", key, "batch-1", EVENTS).status());
    ServerFixture.Reply reused = post("/api/v1/events", key, "batch-1", OTHER_EVENTS);
    assertEquals(422, reused.status(), reused.body());
    assertEquals("idempotency-key-reused", reused.error());
    assertTrue(reused.json().get("message").asText().contains("Idempotency-Key 'batch-1'"), reused.body());
    assertTrue(reused.json().get("message").asText().contains("different request body"), reused.body());
    assertEquals(2, events("payments"), "nothing more stored");
  }

  @Test
  void aBadKeyIsRefusedWith400NamingTheHeaderAndStoresNothing() {
    String[][] cases = {
        {"", "empty"},
        {"x".repeat(256), "256 characters long"},
        {"has space", "'has space'"},
        {"key/with/slashes", "'key/with/slashes'"},
    };
    for (String[] c : cases) {
      ServerFixture.Reply reply = post("/api/v1/events", key, c[0], EVENTS);
      assertEquals(400, reply.status(), c[0] + " -> " + reply);
      assertEquals("bad-request", reply.error());
      String message = reply.json().get("message").asText();
      assertTrue(message.contains("Idempotency-Key") && message.contains(c[1]), c[0] + " -> " + reply);
    }
    ServerFixture.Reply twice = f.send(f.request("/api/v1/events", key).header("Content-Type", "application/json")
        .header("Idempotency-Key", "a").header("Idempotency-Key", "b")
        .POST(HttpRequest.BodyPublishers.ofString(EVENTS)));
    assertEquals(400, twice.status(), twice.body());
    assertTrue(twice.json().get("message").asText().contains("more than once"), twice.body());
    assertEquals(0, events("payments"));
    assertEquals(0, f.get("/api/v1/events", admin).json().get("events").size());
    assertEquals(202, post("/api/v1/events", key, "x".repeat(255), EVENTS).status(), "255 characters are fine");
    assertEquals(202, post("/api/v1/events", key, "0b0e4a9c-7c55-4a41-9d5e-2a1f0d3c9e11", EVENTS).status());
  }

  @Test
  void keysAreScopedPerServiceAndPerEndpoint() {
    String otherKey = f.serviceKey(admin, "orders");
    assertEquals(202, post("/api/v1/events", key, "k", EVENTS).status());
    ServerFixture.Reply otherService = post("/api/v1/events", otherKey, "k", EVENTS);
    assertEquals(202, otherService.status());
    assertFalse(replayed(otherService), "another service's key is another key");
    ServerFixture.Reply otherEndpoint = post("/api/v1/metrics", key, "k",
        "[{\"name\":\"queue\",\"time\":5,\"value\":7.5}]");
    assertEquals(202, otherEndpoint.status(), otherEndpoint.body());
    assertFalse(replayed(otherEndpoint), "another endpoint's key is another key");
    assertEquals(2, events("payments"));
    assertEquals(2, events("orders"));
  }

  @Test
  void aKeySurvivesARestart() {
    assertEquals(202, post("/api/v1/events", key, "batch-1", EVENTS).status());
    f.close();
    f = fixture(UnaryOperator.identity());
    admin = f.logIn("admin", ServerFixture.ADMIN_PASSWORD);
    ServerFixture.Reply retry = post("/api/v1/events", key, "batch-1", EVENTS);
    assertEquals(202, retry.status(), retry.body());
    assertTrue(replayed(retry), "the key was kept across the restart");
    assertEquals(422, post("/api/v1/events", key, "batch-1", OTHER_EVENTS).status(), "with its digest");
    assertEquals(2, events("payments"));
  }

  @Test
  void keysExpireAfterTheWindow() {
    f.close();
    f = fixture(b -> b.idempotencyWindow(Duration.ofHours(1)));
    admin = f.logIn("admin", ServerFixture.ADMIN_PASSWORD);
    assertEquals(202, post("/api/v1/events", key, "batch-1", EVENTS).status());
    assertEquals(1, f.server.store().idempotencyKeys());
    f.clock.advance(Duration.ofHours(1).minusMillis(1));
    assertTrue(replayed(post("/api/v1/events", key, "batch-1", EVENTS)), "still within the window");
    assertEquals(2, events("payments"));
    f.clock.advance(Duration.ofMillis(1));
    ServerFixture.Reply late = post("/api/v1/events", key, "batch-1", EVENTS);
    assertEquals(202, late.status(), late.body());
    assertFalse(replayed(late), "after the window the key is new again");
    assertEquals(4, events("payments"));
    f.clock.advance(Duration.ofHours(2));
    assertEquals(202, post("/api/v1/events", key, "batch-2", EVENTS).status());
    assertEquals(1, f.server.store().idempotencyKeys(), "expired keys are swept: only batch-2 is held");
  }

  @Test
  void concurrentRequestsWithTheSameKeyStoreOneBatch() throws Exception {
    int rounds = 20;
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < rounds; round++) {
        String idempotencyKey = "concurrent-" + round;
        CyclicBarrier together = new CyclicBarrier(2);
        List<Future<ServerFixture.Reply>> replies = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
          replies.add(pool.submit(() -> {
            together.await(10, TimeUnit.SECONDS);
            return post("/api/v1/events", key, idempotencyKey, EVENTS);
          }));
        }
        int replays = 0;
        for (Future<ServerFixture.Reply> reply : replies) {
          ServerFixture.Reply r = reply.get(30, TimeUnit.SECONDS);
          assertEquals(202, r.status(), r.body());
          replays += replayed(r) ? 1 : 0;
        }
        assertEquals(1, replays, "round " + round + ": one request stored, the other was answered as it");
        assertEquals(2L * (round + 1), events("payments"), "round " + round + ": the batch is stored once");
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void badWindowSettingsAreRefusedNamingThem() {
    for (Duration window : new Duration[] {null, Duration.ofSeconds(59), Duration.ofDays(31)}) {
      assertEquals("idempotencyWindow", org.junit.jupiter.api.Assertions.assertThrows(
          dev.faultline.core.ConfigurationException.class,
          () -> ConsoleServer.builder(dir).idempotencyWindow(window).start()).field());
    }
    assertEquals("maxIdempotencyKeys", org.junit.jupiter.api.Assertions.assertThrows(
        dev.faultline.core.ConfigurationException.class,
        () -> ConsoleServer.builder(dir).maxIdempotencyKeys(0).start()).field());
  }
}
