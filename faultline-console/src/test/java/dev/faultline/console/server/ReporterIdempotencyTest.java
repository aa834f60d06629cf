package dev.faultline.console.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.console.server.FlakyHttpClient.Call;
import dev.faultline.console.server.FlakyHttpClient.Step;
import dev.faultline.core.event.ComponentEvent;
import dev.faultline.core.testing.FakeClock;
import java.net.http.HttpClient;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link ConsoleReporter} retries transient failures with the batch's idempotency key, and the console stores each
 * batch once: after a 503, and after an answer lost once the batch was stored. {@code PostgresReporterIdempotencyTest}
 * runs every test again on PostgreSQL.
 */
class ReporterIdempotencyTest extends ServiceConsoleTest {
  private ConsoleReporter reporter(FlakyHttpClient client) {
    return ConsoleReporter.builder(f.server.baseUri(), key).httpClient(client).clock(new FakeClock()).build();
  }

  private static ComponentEvent.ComponentStarted event(int second) {
    return new ComponentEvent.ComponentStarted("worker", Instant.parse("2026-01-01T00:00:00Z").plusSeconds(second));
  }

  private long storedEvents() {
    return f.get("/api/v1/events", admin).json().get("events").size();
  }

  private static List<Call> to(FlakyHttpClient client, String path) {
    return client.calls().stream().filter(c -> c.path().equals(path)).toList();
  }

  @Test
  void aBatchAnswered503IsRetriedWithTheSameKeyAndStoredOnce() {
    FlakyHttpClient client = new FlakyHttpClient(HttpClient.newHttpClient(), Step.status(503), Step.forward());
    ConsoleReporter reporter = reporter(client);
    reporter.onEvent(event(0)); // one event, so one batch: the worker may take items before the next arrives
    reporter.close();

    assertEquals(1, reporter.sent(), "failed " + reporter.failed() + ", dropped " + reporter.dropped());
    assertEquals(0, reporter.failed());
    assertEquals(0, reporter.dropped());
    assertEquals(1, reporter.retries());
    List<Call> calls = to(client, "/api/v1/events");
    assertEquals(2, calls.size(), calls.toString());
    assertEquals(503, calls.get(0).answered());
    assertEquals(202, calls.get(1).answered());
    assertNotNull(calls.get(0).idempotencyKey());
    assertEquals(calls.get(0).idempotencyKey(), calls.get(1).idempotencyKey(), "one key across retries");
    assertEquals(1, storedEvents());
  }

  @Test
  void aBatchWhoseAnswerWasLostIsRetriedAndStoredOnce() {
    FlakyHttpClient client = new FlakyHttpClient(HttpClient.newHttpClient(), Step.forwardThenLoseTheAnswer(),
        Step.forward());
    ConsoleReporter reporter = reporter(client);
    reporter.onEvent(event(0));
    reporter.close();

    assertEquals(1, reporter.sent(), "failed " + reporter.failed() + ", dropped " + reporter.dropped());
    assertEquals(0, reporter.failed());
    List<Call> calls = to(client, "/api/v1/events");
    assertEquals(2, calls.size(), calls.toString());
    assertFalse(calls.get(0).replayed(), "the first request was stored");
    assertTrue(calls.get(1).replayed(), "the retry was answered as the first request: " + calls);
    assertEquals(calls.get(0).idempotencyKey(), calls.get(1).idempotencyKey());
    assertEquals(1, storedEvents(), "stored once");
  }

  @Test
  void aConsoleThatIsDownForAMomentLosesNothing() {
    FlakyHttpClient client = new FlakyHttpClient(HttpClient.newHttpClient(), Step.ioFailure(), Step.ioFailure(),
        Step.status(502), Step.forward());
    ConsoleReporter reporter = reporter(client);
    reporter.onEvent(event(0));
    reporter.close();
    assertEquals(1, reporter.sent(), "failed " + reporter.failed() + ", dropped " + reporter.dropped());
    assertEquals(3, reporter.retries());
    assertEquals(1, storedEvents());
  }
}
