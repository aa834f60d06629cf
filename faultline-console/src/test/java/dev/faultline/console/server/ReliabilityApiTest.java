package dev.faultline.console.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.faultline.core.circuitbreaker.CircuitState;
import dev.faultline.core.event.ComponentEvent;
import dev.faultline.core.event.FaultEvent;
import dev.faultline.core.event.PolicyEvent;
import dev.faultline.core.event.StateEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FaultEvents sent by {@link ConsoleReporter} become the reliability metrics of their service — failures, MTTR,
 * availability, data loss, what is down now — over a window and per time bucket, computed by the library's
 * ReliabilityMetrics; heartbeats make the services' health; samples and the timeline are queryable.
 */
class ReliabilityApiTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @TempDir
  Path dir;

  private ServerFixture f;
  private String admin;
  private String key;

  @BeforeEach
  void start() {
    f = fixture(dir, b -> b);
    admin = f.setUpAndLogInAdmin();
    key = f.serviceKey(admin, "payments");
  }

  /** The server under test; {@code Postgres...Test} runs every test again on the shared database. */
  ServerFixture fixture(Path dir, java.util.function.UnaryOperator<ConsoleServer.Builder> configure) {
    return new ServerFixture(dir, configure);
  }

  @AfterEach
  void stop() {
    f.close();
  }

  private static Instant at(long seconds) {
    return T0.plusSeconds(seconds);
  }

  /** Sends events through a reporter and waits until they are stored. */
  private void report(List<FaultEvent> events) {
    ConsoleReporter reporter = ConsoleReporter.builder(f.server.baseUri(), key).clock(f.clock).build();
    events.forEach(reporter::onEvent);
    reporter.close();
    assertEquals(events.size(), reporter.sent(), "failed " + reporter.failed() + ", dropped " + reporter.dropped());
  }

  private List<FaultEvent> history() {
    return List.of(
        new ComponentEvent.ComponentStarted("payments-worker", at(0)),
        new ComponentEvent.ComponentFailed("payments-worker", at(10), "crashed", new IllegalStateException("boom")),
        new ComponentEvent.ComponentRecovered("payments-worker", at(12), Duration.ofSeconds(2)),
        new PolicyEvent.CircuitStateChanged("payments-breaker", at(20), CircuitState.CLOSED, CircuitState.OPEN,
            "failure rate"),
        new PolicyEvent.CircuitStateChanged("payments-breaker", at(25), CircuitState.OPEN, CircuitState.CLOSED,
            "probe ok"),
        new StateEvent.CheckpointWritten("ledger", at(30), "cp-1", 10),
        new StateEvent.DataLost("ledger", at(40), 5, "torn tail"),
        new PolicyEvent.RetryScheduled("payments-retry", at(41), 2, Duration.ofMillis(100), null));
  }

  @Test
  void metricsNowAreComputedFromTheStoredEvents() {
    report(history());
    f.clock.advance(Duration.ofSeconds(60));
    JsonNode reply = f.get("/api/v1/reliability?window=PT1M", admin).json();
    assertEquals(T0.toString(), reply.get("window").get("from").asText());
    JsonNode service = reply.get("services").get(0);
    assertEquals("payments", service.get("service").asText());
    JsonNode m = service.get("metrics");
    assertEquals(2, m.get("failures").asInt(), m.toString());
    assertEquals(2, m.get("recoveries").asInt());
    assertEquals(3500, m.get("mttrMillis").asLong(), "(2 s + 5 s) / 2");
    assertEquals(60_000, m.get("observedMillis").asLong());
    assertEquals(7_000, m.get("downtimeMillis").asLong());
    assertEquals(53.0 / 60, m.get("availability").asDouble(), 1e-9);
    assertEquals(5, m.get("recordsLost").asLong());
    assertEquals(10_000, m.get("rpoMillis").asLong(), "from the checkpoint at 30 s to the loss at 40 s");
    assertEquals(false, m.get("down").asBoolean());
    JsonNode worker = component(service, "payments-worker");
    assertEquals(2000, worker.get("mttrMillis").asLong());
    assertTrue(m.get("mttdMillis").isNull(), "no symptom was reported before the failures");
  }

  private static JsonNode component(JsonNode service, String name) {
    for (JsonNode c : service.get("components")) {
      if (c.get("component").asText().equals(name)) {
        return c.get("metrics");
      }
    }
    throw new AssertionError("no component " + name + " in " + service);
  }

  @Test
  void aSeriesGivesTheMetricsOfEachBucket() {
    report(history());
    f.clock.advance(Duration.ofSeconds(60));
    JsonNode reply = f.get("/api/v1/reliability/series?service=payments&from=" + T0 + "&to=" + at(60)
        + "&step=PT20S", admin).json();
    JsonNode points = reply.get("points");
    assertEquals(3, points.size(), reply.toString());
    assertEquals(1, points.get(0).get("failures").asInt(), "the worker at 10 s");
    assertEquals(2000, points.get(0).get("mttrMillis").asLong());
    assertEquals(1, points.get(1).get("failures").asInt(), "the breaker at 20 s");
    assertEquals(5000, points.get(1).get("mttrMillis").asLong());
    assertEquals(0, points.get(1).get("recordsLost").asLong(), "the loss at 40 s is on the edge: the third bucket's");
    assertEquals(5, points.get(2).get("recordsLost").asLong());
    assertEquals(0, points.get(2).get("failures").asInt());
    assertTrue(points.get(2).get("mttrMillis").isNull());
    assertEquals(1.0, points.get(2).get("availability").asDouble());
    JsonNode worker = f.get("/api/v1/reliability/series?service=payments&component=payments-worker&from=" + T0
        + "&to=" + at(60) + "&step=20000", admin).json().get("points");
    assertEquals(1, worker.get(0).get("failures").asInt());
    assertEquals(0, worker.get(1).get("failures").asInt(), "the breaker is not the worker");
    for (String bad : new String[] {"", "service=payments&step=PT0.001S", "service=payments&from=" + at(60) + "&to="
        + T0, "service=payments&step=1000&from=" + T0 + "&to=" + at(3600)}) {
      assertEquals(400, f.get("/api/v1/reliability/series?" + bad, admin).status(), bad);
    }
  }

  /**
   * Every bucket is half-open, [from, to): a failure, a recovery and a loss exactly on the edge between two buckets
   * count once, in the later bucket (recoveries and losses counted in both).
   */
  @Test
  void anEventExactlyOnABucketEdgeCountsInTheLaterBucketOnly() {
    report(List.of(
        new ComponentEvent.ComponentStarted("payments-worker", at(0)),
        new ComponentEvent.ComponentFailed("payments-worker", at(20), "crashed", null),
        new ComponentEvent.ComponentRecovered("payments-worker", at(40), Duration.ofSeconds(20)),
        new StateEvent.DataLost("payments-worker", at(40), 5, "torn tail")));
    f.clock.advance(Duration.ofSeconds(60));
    JsonNode points = f.get("/api/v1/reliability/series?service=payments&from=" + T0 + "&to=" + at(60)
        + "&step=PT20S", admin).json().get("points");
    assertEquals(3, points.size(), points.toString());
    int failures = 0;
    int recoveries = 0;
    long lost = 0;
    for (JsonNode point : points) {
      failures += point.get("failures").asInt();
      recoveries += point.get("recoveries").asInt();
      lost += point.get("recordsLost").asLong();
    }
    assertEquals(List.of(1, 1, 5L), List.of(failures, recoveries, lost), "each counted once: " + points);
    assertEquals(0, points.get(0).get("failures").asInt(), "the failure at 20 s is the second bucket's");
    assertEquals(1, points.get(1).get("failures").asInt());
    assertEquals(0, points.get(1).get("recoveries").asInt(), "the recovery at 40 s is the third bucket's");
    assertTrue(points.get(1).get("mttrMillis").isNull());
    assertEquals(1, points.get(2).get("recoveries").asInt());
    assertEquals(20_000, points.get(2).get("mttrMillis").asLong());
    assertEquals(5, points.get(2).get("recordsLost").asLong());
    assertEquals(20_000, points.get(1).get("downtimeMillis").asLong());
    assertEquals(0, points.get(2).get("downtimeMillis").asLong());
  }

  /**
   * maxReliabilityEvents bounds the events the metrics are computed from, the newest kept, in both stores alike (the
   * PostgreSQL store used a fixed 200,000 whatever the builder said).
   */
  @Test
  void theMetricsUseAtMostMaxReliabilityEventsPerServiceTheNewest() {
    f.close();
    f = fixture(dir.resolve("capped"), b -> b.maxReliabilityEvents(4));
    admin = f.setUpAndLogInAdmin();
    key = f.serviceKey(admin, "payments");
    report(history());
    f.clock.advance(Duration.ofSeconds(60));
    JsonNode m = f.get("/api/v1/reliability?window=PT1M", admin).json().get("services").get(0).get("metrics");
    // The newest four: the breaker opening (20 s) and closing (25 s), the checkpoint (30 s), the loss (40 s).
    assertEquals(1, m.get("failures").asInt(), m.toString());
    assertEquals(5000, m.get("mttrMillis").asLong());
    assertEquals(5, m.get("recordsLost").asLong());
  }

  @Test
  void aComponentThatFailedAndDidNotRecoverIsDownNow() {
    report(List.of(new ComponentEvent.ComponentStarted("payments-worker", at(0)),
        new ComponentEvent.ComponentFailed("payments-worker", at(5), "crashed", null)));
    f.clock.advance(Duration.ofSeconds(30));
    JsonNode service = f.get("/api/v1/services/payments", admin).json();
    assertEquals(List.of("payments-worker"), List.of(service.get("downComponents").get(0).asText()));
    assertTrue(f.get("/api/v1/reliability?service=payments", admin).json().get("services").get(0).get("metrics")
        .get("down").asBoolean());
    assertEquals(404, f.get("/api/v1/services/nobody", admin).status());
  }

  @Test
  void heartbeatsMakeTheHealthOfAService() {
    String orders = f.serviceKey(admin, "orders");
    assertEquals(202, f.post("/api/v1/events", orders, "[{\"type\":\"X\",\"source\":\"o\",\"time\":0}]").status());
    assertEquals(202, f.post("/api/v1/heartbeats", key,
        "[{\"instance\":\"p1\",\"status\":\"UP\",\"intervalMillis\":1000},"
            + "{\"instance\":\"p2\",\"status\":\"UP\",\"intervalMillis\":1000}]").status());
    assertEquals("UP", health("payments").get("health").asText());
    assertEquals("UNKNOWN", health("orders").get("health").asText(), "no heartbeat ever");

    assertEquals(202, f.post("/api/v1/heartbeats", key,
        "{\"instance\":\"p2\",\"status\":\"DEGRADED\",\"intervalMillis\":1000,\"detail\":\"pool 9/10\"}").status());
    JsonNode degraded = health("payments");
    assertEquals("DEGRADED", degraded.get("health").asText());
    assertTrue(degraded.get("healthReason").asText().contains("p2: reports DEGRADED (pool 9/10)"), degraded.toString());

    f.clock.advance(Duration.ofSeconds(4));
    JsonNode down = health("payments");
    assertEquals("DOWN", down.get("health").asText(), down.toString());
    assertTrue(down.get("healthReason").asText().contains("p1: no heartbeat for 4 s (expected every 1.0 s)"),
        down.toString());
    assertEquals("UP", down.get("instances").get(0).get("status").asText(), "what it last said");
    assertEquals("DOWN", down.get("instances").get(0).get("health").asText(), "what the console concludes");

    ConsoleReporter beating = ConsoleReporter.builder(f.server.baseUri(), key).clock(f.clock)
        .heartbeat("p1", Duration.ofSeconds(1)).build();
    beating.status("p2", "UP", null);
    beating.close();
    assertTrue(beating.heartbeats() >= 1);
    assertEquals("UP", health("payments").get("health").asText(), health("payments").toString());

    for (String bad : new String[] {"{\"status\":\"FINE\"}", "{\"status\":\"UP\",\"intervalMillis\":5}",
        "{\"status\":\"UP\",\"instance\":\"bad name\"}", "{\"status\":\"UP\",\"extra\":1}", "[]",
        "{\"status\":\"UP\",\"time\":\"soon\"}"}) {
      ServerFixture.Reply reply = f.post("/api/v1/heartbeats", key, bad);
      assertEquals(400, reply.status(), bad + " -> " + reply);
    }
  }

  private JsonNode health(String service) {
    for (JsonNode s : f.get("/api/v1/services", admin).json().get("services")) {
      if (s.get("service").asText().equals(service)) {
        return s;
      }
    }
    throw new AssertionError("no service " + service);
  }

  @Test
  void samplesAreStoredAndQueriedPerMetric() {
    ConsoleReporter reporter = ConsoleReporter.builder(f.server.baseUri(), key).clock(f.clock).build();
    reporter.metric("queue.depth", 3, Map.of("queue", "orders"));
    f.clock.advance(Duration.ofSeconds(1));
    reporter.metric("queue.depth", 5, Map.of("queue", "orders"));
    reporter.metric("latency", 12.5, Map.of());
    reporter.close();
    assertEquals(3, reporter.sent());
    JsonNode samples = f.get("/api/v1/metrics?service=payments&name=queue.depth", admin).json().get("samples");
    assertEquals(2, samples.size());
    assertEquals(5.0, samples.get(0).get("value").asDouble(), "newest first");
    assertEquals("orders", samples.get(0).get("tags").get("queue").asText());
    assertEquals(1, f.get("/api/v1/metrics?service=payments&name=queue.depth&to=" + at(1), admin).json()
        .get("samples").size());
    assertEquals(400, f.get("/api/v1/metrics?service=payments", admin).status());
    for (String bad : new String[] {"[{\"name\":\"q\",\"time\":0,\"value\":\"x\"}]", "[{\"name\":\"q\",\"time\":0}]",
        "[{\"name\":\"1q\",\"time\":0,\"value\":1}]", "[{\"name\":\"q\",\"value\":1}]",
        "[{\"name\":\"q\",\"time\":0,\"value\":1,\"tags\":{\"a\":1}}]", "[{\"name\":\"q\",\"time\":0,\"value\":1e999}]"}) {
      ServerFixture.Reply reply = f.post("/api/v1/metrics", key, bad);
      assertEquals(400, reply.status(), bad + " -> " + reply);
    }
    assertEquals(1, f.get("/api/v1/metrics?service=payments&name=latency", admin).json().get("samples").size());
  }

  @Test
  void theTimelineMergesEventsAndIncidentsNewestFirstAndPages() {
    report(history().subList(0, 3));
    assertEquals(202, f.post("/api/v1/incidents", key, Incidents.json("payments-worker", "fp", at(11)
        .toEpochMilli())).status());
    report(history().subList(3, 5));
    JsonNode all = f.get("/api/v1/timeline", admin).json();
    List<String> kinds = new java.util.ArrayList<>();
    all.get("entries").forEach(e -> kinds.add(e.get("kind").asText() + ":" + e.get("type").asText()));
    assertEquals(List.of("event:CircuitStateChanged", "event:CircuitStateChanged", "incident:incident",
        "event:ComponentRecovered", "event:ComponentFailed", "event:ComponentStarted"), kinds);
    assertEquals("payments-worker recovered after 2000 ms", all.get("entries").get(3).get("summary").asText());
    assertTrue(all.get("next").isNull());

    JsonNode first = f.get("/api/v1/timeline?limit=4", admin).json();
    assertEquals(4, first.get("entries").size());
    JsonNode second = f.get("/api/v1/timeline?limit=4&cursor=" + first.get("next").asText(), admin).json();
    assertEquals(2, second.get("entries").size());
    assertEquals("ComponentFailed", second.get("entries").get(0).get("type").asText());
    assertTrue(second.get("next").isNull());

    JsonNode onlyFailures = f.get("/api/v1/timeline?types=ComponentFailed,incident", admin).json();
    assertEquals(2, onlyFailures.get("entries").size(), onlyFailures.toString());
  }
}
