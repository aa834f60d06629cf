package dev.faultline.console.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.faultline.core.ConfigurationException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two console instances on one PostgreSQL database ({@code --db}) are one console: setup, logins, keys, sessions,
 * reported data, issue status, fault trees and the audit log are shared; a revoked key or ended session stops working
 * on the other instance within the cache time; concurrent incidents of one fingerprint are all counted.
 */
class SharedDatabaseTest {
  private static final long T0 = 1_767_225_600_000L;

  @TempDir
  Path dir;

  private static ServerFixture instance(Path dir, String url) {
    return new ServerFixture(dir, b -> b.database(url, "postgres", null));
  }

  @Test
  void twoInstancesShareAccountsDataAndAudit() throws IOException {
    String url = TestDatabase.freshUrl();
    try (ServerFixture a = instance(dir.resolve("a"), url); ServerFixture b = instance(dir.resolve("b"), url)) {
      // B started after A: its setup token is the valid one (each start before setup makes a new one).
      assertEquals(1, a.setupTokens.size());
      assertEquals(1, b.setupTokens.size());
      String adminOnB = b.setUpAndLogInAdmin();
      String adminOnA = a.logIn("admin", ServerFixture.ADMIN_PASSWORD);
      assertEquals(200, a.get("/api/v1/session", adminOnB).status(), "a session opened on B works on A");

      String key = a.serviceKey(adminOnA, "payments");
      assertEquals(202, b.post("/api/v1/events", key, "[{\"type\":\"ComponentFailed\",\"source\":\"worker\","
          + "\"time\":" + T0 + "}]").status(), "a key made on A works on B");
      assertEquals(202, b.post("/api/v1/incidents", key, Incidents.json("worker", "fp", T0)).status());
      assertEquals(202, a.post("/api/v1/heartbeats", key, "{\"instance\":\"p1\",\"status\":\"UP\"}").status());
      JsonNode service = a.get("/api/v1/services/payments", adminOnA).json();
      assertEquals(1, service.get("events").asLong(), service.toString());
      assertEquals(1, service.get("incidents").asLong());
      assertEquals("UP", service.get("health").asText());
      assertEquals("[\"worker\"]", service.get("downComponents").toString());

      assertEquals(200, a.post("/api/v1/issues/fp/resolve", adminOnA, "{}").status());
      assertEquals("RESOLVED", b.get("/api/v1/issues/fp", adminOnB).json().get("issue").get("status").asText());
      assertEquals("REGRESSED", b.post("/api/v1/incidents", key, Incidents.json("worker", "fp", T0 + 1000)).json()
          .get("incidents").get(0).get("issueStatus").asText());
      assertEquals(2, a.get("/api/v1/incidents?fingerprint=fp", adminOnA).json().get("incidents").size());

      a.server.putFaultTree("plant", "<opsa-mef><define-fault-tree name=\"t\"><define-gate name=\"top\"><or>"
          + "<basic-event name=\"worker\"/><basic-event name=\"db\"/></or></define-gate></define-fault-tree>"
          + "<model-data><define-basic-event name=\"worker\"><float value=\"0.1\"/></define-basic-event>"
          + "<define-basic-event name=\"db\"><float value=\"0.2\"/></define-basic-event></model-data></opsa-mef>",
          "test");
      JsonNode live = b.get("/api/v1/fault-trees/plant/live", adminOnB).json();
      assertTrue(live.get("topFailed").asBoolean(), "the worker is down, seen from B: " + live);

      String audit = a.get("/api/v1/audit?limit=1000", adminOnA).json().get("records").toString();
      assertTrue(audit.contains("POST /api/v1/issues/fp/resolve"), audit);
      assertTrue(audit.contains("admin password set"), "setup on B is in A's audit: " + audit);

      // A key revoked on A stops working on B once B's copy of the credentials is older than the refresh time.
      String id = a.get("/api/v1/keys", adminOnA).json().get("keys").get(0).get("id").asText();
      assertEquals(200, a.delete("/api/v1/keys/" + id, adminOnA).status());
      b.clock.advance(CredentialStore.REFRESH.plusMillis(1));
      assertEquals(401, b.post("/api/v1/events", key, "[{\"type\":\"X\",\"source\":\"s\",\"time\":0}]").status());

      // A session ended on B stops working on A once A's cached copy is older than the cache time.
      assertEquals(200, b.post("/api/v1/logout", adminOnB, "{}").status());
      a.clock.advance(SharedAccounts.SESSION_CACHE.plusMillis(1));
      assertEquals(401, a.get("/api/v1/services", adminOnB).status());
    }
    try (ServerFixture again = instance(dir.resolve("c"), url)) {
      assertTrue(again.setupTokens.isEmpty(), "setup is done for every later instance");
      String admin = again.logIn("admin", ServerFixture.ADMIN_PASSWORD);
      assertEquals(3, again.get("/api/v1/timeline", admin).json().get("entries").size());
    }
  }

  @Test
  void concurrentIncidentsOnTwoInstancesAreAllCountedInOneIssue() throws Exception {
    String url = TestDatabase.freshUrl();
    try (ServerFixture a = instance(dir.resolve("a"), url); ServerFixture b = instance(dir.resolve("b"), url)) {
      String admin = b.setUpAndLogInAdmin();
      String key = b.serviceKey(admin, "payments");
      int perThread = 10;
      CyclicBarrier start = new CyclicBarrier(4);
      CountDownLatch done = new CountDownLatch(4);
      List<Integer> statuses = java.util.Collections.synchronizedList(new ArrayList<>());
      for (int t = 0; t < 4; t++) {
        ServerFixture target = t % 2 == 0 ? a : b;
        int thread = t;
        new Thread(() -> {
          try {
            start.await(30, TimeUnit.SECONDS);
            for (int i = 0; i < perThread; i++) {
              statuses.add(target.post("/api/v1/incidents", key, Incidents.json("worker", "same",
                  T0 + thread * 1000L + i)).status());
            }
          } catch (Exception e) {
            statuses.add(-1);
          } finally {
            done.countDown();
          }
        }).start();
      }
      assertTrue(done.await(60, TimeUnit.SECONDS));
      assertEquals(4 * perThread, statuses.stream().filter(s -> s == 202).count(), statuses.toString());
      JsonNode issue = a.get("/api/v1/issues/same", admin).json().get("issue");
      assertEquals(4 * perThread, issue.get("count").asLong(), issue.toString());
      assertEquals("ONGOING", issue.get("status").asText());
      assertEquals(4 * perThread, b.get("/api/v1/services/payments", admin).json().get("incidents").asLong());
    }
  }

  /**
   * An Idempotency-Key is one per database, not per instance: a retry that reaches the other instance, after the
   * first request or racing it, stores nothing and is answered as the first request was.
   */
  @Test
  void oneIdempotencyKeyStoresOneBatchAcrossInstances() throws Exception {
    String url = TestDatabase.freshUrl();
    try (ServerFixture a = instance(dir.resolve("a"), url); ServerFixture b = instance(dir.resolve("b"), url)) {
      String admin = b.setUpAndLogInAdmin(); // B started last: its setup token is the valid one
      String key = b.serviceKey(admin, "payments");
      ServerFixture.Reply first = postWithKey(a, key, "after-0");
      ServerFixture.Reply retry = postWithKey(b, key, "after-0");
      assertEquals(202, first.status(), first.body());
      assertEquals(202, retry.status(), retry.body());
      assertEquals("true", retry.headers().firstValue("Idempotent-Replayed").orElse(null), "B answers as A did");
      assertEquals(first.json(), retry.json());
      assertEquals(1, b.get("/api/v1/services/payments", admin).json().get("events").asLong());

      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
      try {
        for (int round = 0; round < 10; round++) {
          String idempotencyKey = "racing-" + round;
          CyclicBarrier together = new CyclicBarrier(2);
          List<java.util.concurrent.Future<ServerFixture.Reply>> replies = new ArrayList<>();
          for (ServerFixture target : List.of(a, b)) {
            replies.add(pool.submit(() -> {
              together.await(10, TimeUnit.SECONDS);
              return postWithKey(target, key, idempotencyKey);
            }));
          }
          int replays = 0;
          for (java.util.concurrent.Future<ServerFixture.Reply> reply : replies) {
            ServerFixture.Reply r = reply.get(30, TimeUnit.SECONDS);
            assertEquals(202, r.status(), "round " + round + ": " + r.body());
            replays += r.headers().firstValue("Idempotent-Replayed").isPresent() ? 1 : 0;
          }
          assertEquals(1, replays, "round " + round + ": one instance stored, the other answered as it");
          assertEquals(round + 2L, a.get("/api/v1/services/payments", admin).json().get("events").asLong(),
              "round " + round + ": each batch stored once");
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  private static ServerFixture.Reply postWithKey(ServerFixture f, String token, String idempotencyKey) {
    return f.send(f.request("/api/v1/events", token).header("Content-Type", "application/json")
        .header("Idempotency-Key", idempotencyKey)
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("[{\"type\":\"ComponentFailed\","
            + "\"source\":\"worker\",\"time\":" + T0 + "}]")));
  }

  @Test
  void aBadDatabaseIsRefusedClearly() {
    ConfigurationException notPostgres = assertThrows(ConfigurationException.class,
        () -> ConsoleServer.builder(dir).database("jdbc:mysql://x/y", null, null).start());
    assertEquals("database", notPostgres.field());
    IOException unreachable = assertThrows(IOException.class, () -> ConsoleServer.builder(dir)
        .database("jdbc:postgresql://127.0.0.1:1/none?connectTimeout=2", "postgres", "secret".toCharArray())
        .start());
    assertTrue(unreachable.getMessage().contains("cannot connect to the database jdbc:postgresql://127.0.0.1:1/none"),
        unreachable.getMessage());
    assertTrue(!unreachable.getMessage().contains("secret"), "never the password: " + unreachable.getMessage());
    assertEquals(Duration.ofSeconds(1), CredentialStore.REFRESH);
  }
}
