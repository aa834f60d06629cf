package dev.faultline.console.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.console.server.FlakyHttpClient.Step;
import dev.faultline.core.Clock;
import dev.faultline.core.ConfigurationException;
import dev.faultline.core.event.ComponentEvent;
import dev.faultline.core.testing.FakeClock;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Which failures {@link ConsoleReporter} retries, how long it waits (on its clock, so these tests never sleep), when
 * it gives up, and that every item is counted once, a retry wait cut by close() included.
 */
class ConsoleReporterRetryTest {
  private static final URI BASE = URI.create("http://127.0.0.1:7070");

  private static ComponentEvent.ComponentStarted event(int second) {
    return new ComponentEvent.ComponentStarted("worker", Instant.parse("2026-01-01T00:00:00Z").plusSeconds(second));
  }

  private static Step[] repeat(Step step, int n) {
    Step[] steps = new Step[n];
    java.util.Arrays.fill(steps, step);
    return steps;
  }

  @Test
  void permanentFailuresAreNotRetried() {
    for (int status : new int[] {400, 401, 403, 413, 422, 500}) {
      FlakyHttpClient client = new FlakyHttpClient(null, Step.status(status));
      ConsoleReporter reporter = ConsoleReporter.builder(BASE, "fkey_test").httpClient(client)
          .clock(new FakeClock()).build();
      reporter.onEvent(event(0));
      reporter.close();
      assertEquals(1, client.calls().size(), status + ": " + client.calls());
      assertEquals(1, reporter.failed(), "status " + status);
      assertEquals(0, reporter.retries(), "status " + status);
    }
  }

  @Test
  void transientFailuresAreRetriedWithDoublingJitteredWaitsUpToMaxAttempts() {
    for (Step failure : new Step[] {Step.status(429), Step.status(502), Step.status(503), Step.status(504),
        Step.ioFailure()}) {
      FakeClock clock = new FakeClock();
      FlakyHttpClient client = new FlakyHttpClient(null, repeat(failure, 10));
      ConsoleReporter reporter = ConsoleReporter.builder(BASE, "fkey_test").httpClient(client).clock(clock)
          .maxAttempts(4).retryBackoff(Duration.ofMillis(100), Duration.ofSeconds(1)).build();
      reporter.onEvent(event(0));
      reporter.close();
      assertEquals(4, client.calls().size(), failure + ": " + client.calls());
      assertEquals(3, reporter.retries());
      assertEquals(1, reporter.failed(), failure + ": attempts used up");
      assertEquals(0, reporter.sent() + reporter.dropped());
      // Waits of 100, 200 and 400 ms, each drawn from its half to its whole.
      long waited = TimeUnit.NANOSECONDS.toMillis(clock.nanoTime());
      assertTrue(waited >= 350 && waited <= 700, failure + ": waited " + waited + " ms");
    }
  }

  @Test
  void retriesEndWithinMaxRetryTime() {
    FakeClock clock = new FakeClock();
    FlakyHttpClient client = new FlakyHttpClient(null, repeat(Step.status(503), 100));
    ConsoleReporter reporter = ConsoleReporter.builder(BASE, "fkey_test").httpClient(client).clock(clock)
        .maxAttempts(100).retryBackoff(Duration.ofSeconds(1), Duration.ofSeconds(1))
        .maxRetryTime(Duration.ofSeconds(5)).build();
    reporter.onEvent(event(0));
    reporter.close();
    assertEquals(1, reporter.failed());
    assertTrue(clock.nanoTime() <= Duration.ofSeconds(5).toNanos(), "waited " + clock.nanoTime() + " ns");
    assertTrue(client.calls().size() >= 6 && client.calls().size() <= 11, client.calls().toString());
  }

  /**
   * Many attempts with a long initial backoff: the doubling (initialBackoff << attempt - 1, shifted up to 30 times)
   * overflowed a long at the 31st attempt with 10 s (10 s * 2^30 > 2^63 ns), and the negative wait made the worker
   * thread die on ThreadLocalRandom.nextLong's IllegalArgumentException: the batch was counted nowhere and nothing
   * queued after it was ever sent. The waits stay at maxBackoff however many attempts there are.
   */
  @Test
  void theDoublingBackoffStaysAtMaxBackoffWhateverTheNumberOfAttempts() {
    FakeClock clock = new FakeClock();
    FlakyHttpClient client = new FlakyHttpClient(null, repeat(Step.status(503), 40));
    ConsoleReporter reporter = ConsoleReporter.builder(BASE, "fkey_test").httpClient(client).clock(clock)
        .maxAttempts(41).retryBackoff(Duration.ofSeconds(10), Duration.ofMinutes(1))
        .maxRetryTime(Duration.ofHours(1)).build();
    reporter.onEvent(event(0));
    reporter.close();
    assertEquals(41, client.calls().size(), "attempts");
    assertEquals(40, reporter.retries());
    assertEquals(1, reporter.sent(), "sent at the 41st attempt");
    assertEquals(0, reporter.failed() + reporter.dropped());
    // 40 waits: 5 to 10 s, 10 to 20, 20 to 40, then 30 to 60 s each.
    long waited = TimeUnit.NANOSECONDS.toSeconds(clock.nanoTime());
    assertTrue(waited >= 5 + 10 + 20 + 37 * 30 && waited <= 10 + 20 + 40 + 37 * 60, "waited " + waited + " s");
  }

  /** A clock whose sleep waits until the sleeping thread is interrupted. */
  private static final class StuckClock implements Clock {
    final FakeClock time = new FakeClock();
    final CountDownLatch sleeping = new CountDownLatch(1);

    @Override
    public long nanoTime() {
      return time.nanoTime();
    }

    @Override
    public long wallMillis() {
      return time.wallMillis();
    }

    @Override
    public void sleep(long nanos) throws InterruptedException {
      sleeping.countDown();
      new CountDownLatch(1).await();
    }
  }

  @Test
  void closeCutsAWaitBeforeARetryAndCountsItsItemsDropped() throws Exception {
    StuckClock clock = new StuckClock();
    FlakyHttpClient client = new FlakyHttpClient(null, Step.status(503));
    ConsoleReporter reporter = ConsoleReporter.builder(BASE, "fkey_test").httpClient(client).clock(clock)
        .closeTimeout(Duration.ofMillis(100)).build();
    reporter.onEvent(event(0));
    reporter.onEvent(event(1));
    assertTrue(clock.sleeping.await(10, TimeUnit.SECONDS), "the reporter did not wait to retry");
    reporter.close();
    assertEquals(0, reporter.sent());
    assertEquals(0, reporter.failed());
    assertEquals(2, reporter.dropped(), "the batch whose retry close() cut, counted once when close returns");
  }

  @Test
  void badRetrySettingsAreRefusedNamingThem() {
    assertEquals("maxAttempts", assertThrows(ConfigurationException.class,
        () -> ConsoleReporter.builder(BASE, "k").maxAttempts(0).build()).field());
    assertEquals("maxAttempts", assertThrows(ConfigurationException.class,
        () -> ConsoleReporter.builder(BASE, "k").maxAttempts(101).build()).field());
    assertEquals("initialBackoff", assertThrows(ConfigurationException.class,
        () -> ConsoleReporter.builder(BASE, "k").retryBackoff(Duration.ZERO, Duration.ofSeconds(1)).build()).field());
    assertEquals("maxBackoff", assertThrows(ConfigurationException.class,
        () -> ConsoleReporter.builder(BASE, "k").retryBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)).build())
        .field());
    assertEquals("maxRetryTime", assertThrows(ConfigurationException.class,
        () -> ConsoleReporter.builder(BASE, "k").maxRetryTime(Duration.ofSeconds(-1)).build()).field());
  }

  /**
   * How long the reporter waited before its second attempt, when the first was answered {@code failure} and the second
   * 202: the fake clock moves only by the reporter's sleeps, so its reading after close is that one wait.
   */
  private static Duration waitAfter(Step failure, Duration initialBackoff, Duration maxBackoff) {
    FakeClock clock = new FakeClock();
    FlakyHttpClient client = new FlakyHttpClient(null, failure, Step.status(202));
    ConsoleReporter reporter = ConsoleReporter.builder(BASE, "fkey_test").httpClient(client).clock(clock)
        .maxAttempts(2).retryBackoff(initialBackoff, maxBackoff).build();
    reporter.onEvent(event(0));
    reporter.close();
    assertEquals(2, client.calls().size(), failure + ": " + client.calls());
    assertEquals(1, reporter.sent(), failure + ": sent on the retry");
    assertEquals(1, reporter.retries());
    return Duration.ofNanos(clock.nanoTime());
  }

  @Test
  void retryAfterSecondsOf429Or503LengthensTheWait() {
    for (int status : new int[] {429, 503}) {
      // The backoff alone would wait 50 to 100 ms; the console asks for 7 s, and gets them, not less.
      assertEquals(Duration.ofSeconds(7), waitAfter(Step.status(status, "7"), Duration.ofMillis(100),
          Duration.ofSeconds(10)), "status " + status);
      assertEquals(Duration.ofSeconds(7), waitAfter(Step.status(status, " 7 "), Duration.ofMillis(100),
          Duration.ofSeconds(10)), "status " + status + ", spaces around");
    }
  }

  @Test
  void retryAfterShorterThanTheBackoffDoesNotShortenIt() {
    Duration waited = waitAfter(Step.status(503, "1"), Duration.ofSeconds(4), Duration.ofSeconds(10));
    assertTrue(waited.compareTo(Duration.ofSeconds(2)) >= 0 && waited.compareTo(Duration.ofSeconds(4)) <= 0,
        "waited " + waited);
  }

  @Test
  void retryAfterAboveMaxBackoffIsCappedAtIt() {
    for (String seconds : new String[] {"120", "86400", "9223372036854775807", "99999999999999999999999"}) {
      assertEquals(Duration.ofSeconds(10), waitAfter(Step.status(429, seconds), Duration.ofMillis(100),
          Duration.ofSeconds(10)), "Retry-After: " + seconds);
    }
  }

  @Test
  void retryAfterAsAnHttpDateOrGarbageFallsBackToTheBackoff() {
    for (String value : new String[] {"Wed, 21 Oct 2026 07:28:00 GMT", "soon", "", "7.5", "-7", "0x10", "7s"}) {
      Duration waited = waitAfter(Step.status(503, value), Duration.ofMillis(100), Duration.ofSeconds(10));
      assertTrue(waited.compareTo(Duration.ofMillis(50)) >= 0 && waited.compareTo(Duration.ofMillis(100)) <= 0,
          "Retry-After: '" + value + "': waited " + waited);
    }
  }

  @Test
  void retryAfterOfOtherStatusesIsIgnored() {
    for (int status : new int[] {502, 504}) {
      Duration waited = waitAfter(Step.status(status, "7"), Duration.ofMillis(100), Duration.ofSeconds(10));
      assertTrue(waited.compareTo(Duration.ofMillis(50)) >= 0 && waited.compareTo(Duration.ofMillis(100)) <= 0,
          "status " + status + ": waited " + waited);
    }
  }

  @Test
  void anUncheckedFailureOfTheClientCountsItsItemsFailedAndTheReporterGoesOn() {
    FlakyHttpClient client = new FlakyHttpClient(null, Step.unchecked());
    ConsoleReporter reporter = ConsoleReporter.builder(BASE, "fkey_test").httpClient(client)
        .clock(new FakeClock()).build();
    reporter.onEvent(event(0)); // the events' request throws (in one batch with the sample, or alone)
    reporter.metric("queue.depth", 3, java.util.Map.of());
    reporter.close();
    assertEquals(1, reporter.failed(), "the event, counted: " + client.calls());
    assertEquals(1, reporter.sent(), "the sample, sent after it: " + client.calls());
    assertEquals(0, reporter.dropped());
  }

  @Test
  void aSampleTheConsoleWouldRefuseIsDroppedAloneAndCounted() {
    FlakyHttpClient client = new FlakyHttpClient(null);
    ConsoleReporter reporter = ConsoleReporter.builder(BASE, "fkey_test").httpClient(client)
        .clock(new FakeClock()).build();
    java.util.Map<String, String> seventeen = new java.util.HashMap<>();
    for (int i = 0; i < 17; i++) {
      seventeen.put("t" + i, "v");
    }
    reporter.metric("latency", Double.NaN, java.util.Map.of());
    reporter.metric("latency", Double.POSITIVE_INFINITY, java.util.Map.of());
    reporter.metric("9lives", 1, java.util.Map.of());
    reporter.metric("tagged", 1, seventeen);
    reporter.metric("tagged", 1, java.util.Map.of("k", "v".repeat(201)));
    reporter.metric("latency", 12.5, java.util.Map.of("route", "/pay"));
    reporter.close();
    assertEquals(5, reporter.dropped());
    assertEquals(1, reporter.sent(), "the good sample is not refused with the bad ones: " + client.calls());
    assertEquals(0, reporter.failed());
  }
}
