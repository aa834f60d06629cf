package dev.faultline.console.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.ConfigurationException;
import dev.faultline.core.event.ComponentEvent;
import dev.faultline.core.testing.FakeClock;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What close() counts when its timeout ends a request in flight: every item once, as sent or as dropped. */
class ConsoleReporterCloseTest {

  /** Answers 202 to events at once (the first one once released) and never answers metric requests. */
  static final class ScriptedClient extends SendOnlyHttpClient {
    final CountDownLatch firstEventsRequest = new CountDownLatch(1);
    final CountDownLatch releaseFirst = new CountDownLatch(1);
    final CountDownLatch metricsRequest = new CountDownLatch(1);
    private boolean first = true;
    volatile Thread worker;
    volatile RuntimeException throwOnce;
    /** Counted down when the request that throws {@link #throwOnce} is made (its batch is taken by then). */
    final CountDownLatch thrown = new CountDownLatch(1);

    @Override
    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
        throws IOException, InterruptedException {
      worker = Thread.currentThread();
      RuntimeException e = throwOnce;
      if (e != null) {
        throwOnce = null;
        thrown.countDown();
        throw e;
      }
      String path = request.uri().getPath();
      if (path.endsWith("/events")) {
        if (first) {
          first = false;
          firstEventsRequest.countDown();
          releaseFirst.await();
        }
        return response(request, 202);
      }
      if (path.endsWith("/metrics")) {
        metricsRequest.countDown();
        new CountDownLatch(1).await(); // a console that never answers, until close() interrupts
      }
      return response(request, 202);
    }

  }

  private static ComponentEvent.ComponentStarted event(int second) {
    return new ComponentEvent.ComponentStarted("worker", Instant.parse("2026-01-01T00:00:00Z").plusSeconds(second));
  }

  @Test
  void aSamplesRequestCutByTheCloseTimeoutDropsOnlyItsSamples() throws Exception {
    ScriptedClient client = new ScriptedClient();
    ConsoleReporter reporter = ConsoleReporter.builder(URI.create("http://127.0.0.1:7070"), "fkey_test")
        .httpClient(client).clock(new FakeClock()).closeTimeout(Duration.ofMillis(200)).build();
    reporter.onEvent(event(0));
    assertTrue(client.firstEventsRequest.await(10, TimeUnit.SECONDS));
    // While the worker sends the first event, one bad event, one good event and one sample wait: the next batch.
    reporter.onEvent(new ComponentEvent.ComponentStarted("worker", null));
    reporter.onEvent(event(1));
    reporter.metric("queue.depth", 3, Map.of());
    client.releaseFirst.countDown();
    assertTrue(client.metricsRequest.await(10, TimeUnit.SECONDS));
    assertEquals(2, reporter.sent(), "both good events were answered 202 before the sample was sent");

    reporter.close();
    long droppedWhenCloseReturned = reporter.dropped();
    client.worker.join(10_000);

    assertEquals(2, reporter.sent());
    assertEquals(0, reporter.failed());
    assertEquals(2, reporter.dropped(), "the event without a time and the sample cut by close; nothing twice");
    assertEquals(2, droppedWhenCloseReturned, "the counts are final when close() returns");
  }

  @Test
  void statusChangesWhileTheConsoleIsSlowDoNotTakeTheEventsPlaces() throws Exception {
    ScriptedClient client = new ScriptedClient();
    ConsoleReporter reporter = ConsoleReporter.builder(URI.create("http://127.0.0.1:7070"), "fkey_test")
        .httpClient(client).clock(new FakeClock()).queueCapacity(2).build();
    reporter.onEvent(event(0));
    assertTrue(client.firstEventsRequest.await(10, TimeUnit.SECONDS));
    for (int i = 0; i < 5; i++) {
      reporter.status("p1", i % 2 == 0 ? "DEGRADED" : "UP", null); // a flapping health check
    }
    reporter.onEvent(event(1));
    assertEquals(0, reporter.dropped(), "the queue holds no event, so there is room for one");
    client.releaseFirst.countDown();
    reporter.close();
    assertEquals(2, reporter.sent());
    assertEquals(0, reporter.dropped());
  }

  @Test
  void anApiKeyThatCannotBeAHeaderIsRefusedAtBuild() {
    // As read from a file with its line end: before, the worker died on its first request, losing that batch uncounted.
    ConfigurationException e = assertThrows(ConfigurationException.class,
        () -> ConsoleReporter.builder(URI.create("http://127.0.0.1:7070"), "fkey_test\n").build());
    assertEquals("apiKey", e.field());
  }

  @Test
  void aRequestTheClientRefusesCountsAsFailedAndTheWorkerGoesOn() throws Exception {
    ScriptedClient client = new ScriptedClient();
    client.releaseFirst.countDown();
    client.throwOnce = new IllegalArgumentException("invalid header value");
    ConsoleReporter reporter = ConsoleReporter.builder(URI.create("http://127.0.0.1:7070"), "fkey_test")
        .httpClient(client).clock(new FakeClock()).build();
    reporter.onEvent(event(0));
    // The refused request was made: event 0's batch is taken, so event 1 goes in a request of its own.
    assertTrue(client.thrown.await(10, TimeUnit.SECONDS), "the request was not made");
    reporter.onEvent(event(1));
    reporter.close();
    assertEquals(1, reporter.failed(), "the refused request");
    assertEquals(1, reporter.sent(), "the worker survived it");
    assertEquals(0, reporter.dropped());
  }

  /**
   * An item offered by a caller that passed the closing check just before close() ran to its end (final drain
   * included) stayed in the queue, counted nowhere. The interleaving is set up directly: the worker is stopped, and
   * the reporter's queue is replaced by one that runs close() when the item arrives, before taking it.
   */
  @Test
  void anItemOfferedAsCloseFinishesIsCountedAsDropped() throws Exception {
    ConsoleReporter reporter = ConsoleReporter.builder(URI.create("http://127.0.0.1:7070"), "fkey_test")
        .httpClient(new ScriptedClient()).clock(new FakeClock()).closeTimeout(Duration.ofSeconds(10)).build();
    java.lang.reflect.Field queueField = ConsoleReporter.class.getDeclaredField("queue");
    queueField.setAccessible(true);
    java.lang.reflect.Field closeField = ConsoleReporter.class.getDeclaredField("CLOSE");
    closeField.setAccessible(true);
    java.lang.reflect.Field workerField = ConsoleReporter.class.getDeclaredField("worker");
    workerField.setAccessible(true);
    // Stop the worker the way close() does, without closing the reporter.
    @SuppressWarnings("unchecked")
    var original = (java.util.concurrent.BlockingQueue<Object>) queueField.get(reporter);
    original.offer(closeField.get(null));
    Thread worker = (Thread) workerField.get(reporter);
    worker.join(10_000);
    assertTrue(!worker.isAlive());

    ComponentEvent.ComponentStarted late = event(0);
    queueField.set(reporter, new java.util.concurrent.ArrayBlockingQueue<Object>(10) {
      @Override
      public boolean offer(Object item) {
        if (item == late) {
          reporter.close(); // the caller already passed the closing check
        }
        return super.offer(item);
      }
    });
    reporter.onEvent(late);

    assertEquals(0, reporter.sent());
    assertEquals(0, reporter.failed());
    assertEquals(1, reporter.dropped(), "the late item must be counted once");
  }
}
