package dev.faultline.core.hedge;

import static dev.faultline.core.support.Harness.Behavior.fail;
import static dev.faultline.core.support.Harness.Behavior.failAfter;
import static dev.faultline.core.support.Harness.Behavior.ok;
import static dev.faultline.core.support.Harness.Behavior.okAfter;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.Pipeline;
import dev.faultline.core.PolicyKind;
import dev.faultline.core.event.PolicyEvent.AttemptFailed;
import dev.faultline.core.event.PolicyEvent.HedgeStarted;
import dev.faultline.core.event.PolicyEvent.HedgeWon;
import dev.faultline.core.support.Harness.Mode;
import dev.faultline.core.support.Harness.Outcome;
import dev.faultline.core.testing.EventRecorder;
import dev.faultline.core.testing.FakeClock;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Hedge behaviour, each scenario in SYNC and ASYNC mode on a {@link FakeClock}. */
class HedgeTest {

  private final FakeClock clock = new FakeClock();
  private final EventRecorder events = new EventRecorder();
  private final HedgeDriver driver = new HedgeDriver(clock);

  @AfterEach
  void stopThreads() throws InterruptedException {
    driver.close();
  }

  private static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }

  private Hedge.Builder hedge() {
    return Hedge.builder("search").delay(ms(50)).clock(clock).executor(driver.executor).listener(events);
  }

  private static Hedge.Metrics metrics(long calls, long primaryWins, long hedgeWins, long failures, long started,
      Duration delay) {
    return new Hedge.Metrics(calls, primaryWins, hedgeWins, failures, started, delay);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aFastPrimaryStartsNoHedge(Mode mode) {
    Hedge hedge = hedge().maxHedges(3).build();
    AtomicInteger attempts = new AtomicInteger();

    Outcome<String> outcome = driver.run(mode, hedge, attempt -> {
      attempts.incrementAndGet();
      return okAfter(ms(49), "primary");
    });

    assertEquals("primary", outcome.value());
    assertEquals(1, outcome.attempts());
    assertEquals(metrics(1, 1, 0, 0, 0, ms(50)), hedge.metrics());
    assertEquals(List.of(), events.events(), "a primary that wins before any hedge publishes nothing");
    clock.advance(Duration.ofSeconds(10));
    assertEquals(1, attempts.get(), "the hedge timer was cancelled");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aSlowPrimaryIsHedgedAfterTheDelayAndTheHedgeWins(Mode mode) throws InterruptedException {
    Hedge hedge = hedge().build();

    Outcome<String> outcome = driver.run(mode, hedge,
        attempt -> attempt == 1 ? okAfter(ms(100), "primary") : okAfter(ms(20), "hedge"));

    assertEquals("hedge", outcome.value());
    assertEquals(2, outcome.attempts());
    assertEquals(ms(70), Duration.ofNanos(clock.nanoTime()));
    assertEquals(List.of(new HedgeStarted("search", clock.instant().minusMillis(20), 1, ms(50)),
        new HedgeWon("search", clock.instant(), 1, ms(70))), events.events());
    assertEquals(metrics(1, 0, 1, 0, 1, ms(50)), hedge.metrics());
    if (mode == Mode.SYNC) {
      assertTrue(driver.awaitInterrupted(1), "the losing primary was interrupted");
    }
  }

  @Test
  void aLosingAsyncAttemptIsCancelled() {
    Hedge hedge = hedge().build();
    CompletableFuture<String> primary = new CompletableFuture<>();

    CompletableFuture<String> result = hedge.<String>callAsync(
        () -> Hedge.currentAttempt() == 0 ? primary : CompletableFuture.completedFuture("hedge")).toCompletableFuture();
    assertFalse(result.isDone());
    clock.advance(ms(50));

    assertEquals("hedge", result.getNow(null));
    assertTrue(primary.isCancelled(), "the losing primary's future was cancelled");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void noMoreThanMaxHedgesStart(Mode mode) throws InterruptedException {
    Hedge hedge = hedge().maxHedges(2).build();

    Outcome<String> outcome = driver.run(mode, hedge, attempt -> okAfter(Duration.ofSeconds(1), "attempt " + attempt));

    assertEquals("attempt 1", outcome.value(), "hedges start at 50 and 100 ms and end after the primary");
    assertEquals(3, outcome.attempts());
    assertEquals(List.of(1, 2), events.events(HedgeStarted.class).stream().map(HedgeStarted::hedge).toList());
    assertEquals(List.of(ms(50), ms(100)),
        events.events(HedgeStarted.class).stream().map(HedgeStarted::after).toList());
    assertEquals(List.of(new HedgeWon("search", clock.instant(), 0, Duration.ofSeconds(1))),
        events.events(HedgeWon.class));
    assertEquals(metrics(1, 1, 0, 0, 2, ms(50)), hedge.metrics());
    if (mode == Mode.SYNC) {
      assertTrue(driver.awaitInterrupted(2));
      assertTrue(driver.awaitInterrupted(3));
    }
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aFailureStartsTheNextHedgeAtOnce(Mode mode) {
    Hedge hedge = hedge().maxHedges(2).build();
    IOException down = new IOException("primary down");
    AtomicInteger attempts = new AtomicInteger();

    Outcome<String> outcome = driver.run(mode, hedge, attempt -> {
      attempts.incrementAndGet();
      return attempt == 1 ? failAfter(ms(10), down) : okAfter(ms(20), "hedge 1");
    });

    assertEquals("hedge 1", outcome.value());
    assertEquals(ms(30), Duration.ofNanos(clock.nanoTime()));
    assertEquals(List.of(
        new AttemptFailed("search", clock.instant().minusMillis(20), PolicyKind.HEDGE, 0, down, ms(10)),
        new HedgeStarted("search", clock.instant().minusMillis(20), 1, ms(10)),
        new HedgeWon("search", clock.instant(), 1, ms(30))), events.events());
    assertEquals(metrics(1, 0, 1, 0, 1, ms(50)), hedge.metrics());
    clock.advance(Duration.ofSeconds(10));
    assertEquals(2, attempts.get(), "the timer of hedge 2 was cancelled when the hedge won");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void whenEveryAttemptFailsTheLastFailureIsThrownWithTheOthersSuppressed(Mode mode) {
    Hedge hedge = hedge().maxHedges(2).build();
    IOException primary = new IOException("primary");
    IOException first = new IOException("hedge 1");
    IOException second = new IOException("hedge 2");

    Outcome<String> outcome = driver.run(mode, hedge, attempt -> switch (attempt) {
      case 1 -> failAfter(ms(200), primary);
      case 2 -> failAfter(ms(10), first);
      default -> failAfter(ms(10), second);
    });

    assertSame(primary, outcome.failure(), "the execution waits for the primary, which fails last");
    assertArrayEquals(new Throwable[] {first, second}, primary.getSuppressed());
    assertEquals(3, outcome.attempts());
    assertEquals(ms(200), Duration.ofNanos(clock.nanoTime()));
    assertEquals(List.of("HedgeStarted", "AttemptFailed", "HedgeStarted", "AttemptFailed", "AttemptFailed"),
        events.names());
    assertEquals(List.of(ms(50), ms(60)), events.events(HedgeStarted.class).stream().map(HedgeStarted::after).toList());
    assertEquals(List.of(1, 2, 0), events.events(AttemptFailed.class).stream().map(AttemptFailed::attempt).toList());
    assertEquals(metrics(1, 0, 0, 1, 2, ms(50)), hedge.metrics());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void thePercentileOfRecentLatenciesReplacesTheFixedDelayOnceEnoughAreRecorded(Mode mode) {
    Hedge hedge = hedge().delay(ms(100)).delayPercentile(50).minSamples(3).sampleWindow(8).build();

    assertEquals("fast", driver.run(mode, hedge, attempt -> okAfter(ms(10), "fast")).value());
    assertEquals("fast", driver.run(mode, hedge, attempt -> okAfter(ms(20), "fast")).value());
    assertEquals(ms(100), hedge.metrics().delay(), "two samples are not enough");

    Outcome<String> third = driver.run(mode, hedge, attempt -> attempt == 1 ? okAfter(ms(300), "slow") : ok("hedge"));
    assertEquals("hedge", third.value());
    assertEquals(ms(20), hedge.metrics().delay(), "p50 of 10, 20 and 100 ms");

    Outcome<String> fourth = driver.run(mode, hedge, attempt -> attempt == 1 ? okAfter(ms(300), "slow") : ok("hedge"));
    assertEquals("hedge", fourth.value());
    assertEquals(List.of(ms(100), ms(20)),
        events.events(HedgeStarted.class).stream().map(HedgeStarted::after).toList());
    assertEquals(metrics(4, 2, 2, 0, 2, ms(20)), hedge.metrics());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void replicasRotateOverTheAttempts(Mode mode) {
    Hedge.Replicated<String> hedge = hedge().maxHedges(3).build(List.of("a", "b"));
    List<String> seen = Collections.synchronizedList(new ArrayList<>());

    Outcome<String> outcome = driver.run(mode, hedge, attempt -> {
      seen.add(Hedge.currentAttempt() + ":" + hedge.currentReplica());
      return okAfter(Duration.ofSeconds(1), hedge.currentReplica());
    });

    assertEquals("a", outcome.value());
    assertEquals(List.of("0:a", "1:b", "2:a", "3:b"), seen);
    assertEquals(-1, Hedge.currentAttempt(), "outside an attempt");
    assertThrows(IllegalStateException.class, hedge::currentReplica);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void callWithPassesEachAttemptItsReplicaAndCancelsTheLosers(Mode mode) throws Exception {
    Hedge.Replicated<String> hedge = hedge().delay(Duration.ZERO).maxHedges(2).build(List.of("x", "y", "z"));
    Map<String, CompletableFuture<String>> calls = new ConcurrentHashMap<>();
    CountDownLatch allStarted = new CountDownLatch(3);
    CountDownLatch losersInterrupted = new CountDownLatch(2);

    String value;
    if (mode == Mode.SYNC) {
      value = hedge.callWith(replica -> {
        allStarted.countDown();
        if (replica.equals("y")) {
          assertTrue(allStarted.await(10, TimeUnit.SECONDS));
          return "via y";
        }
        try {
          new CountDownLatch(1).await(10, TimeUnit.SECONDS);
          return "too late";
        } catch (InterruptedException e) {
          losersInterrupted.countDown();
          throw e;
        }
      });
      assertTrue(losersInterrupted.await(10, TimeUnit.SECONDS), "x and z were interrupted");
    } else {
      CompletableFuture<String> result = hedge.<String>callWithAsync(replica -> {
        allStarted.countDown();
        return calls.computeIfAbsent(replica, r -> new CompletableFuture<>());
      }).toCompletableFuture();
      assertEquals(0, allStarted.getCount(), "a zero delay starts every hedge at once");
      calls.get("y").complete("via y");
      value = result.getNow(null);
      assertTrue(calls.get("x").isCancelled());
      assertTrue(calls.get("z").isCancelled());
    }

    assertEquals("via y", value);
    assertEquals(List.of(1, 2), events.events(HedgeStarted.class).stream().map(HedgeStarted::hedge).toList());
    assertEquals(1, events.events(HedgeWon.class).get(0).winner());
    assertEquals(metrics(1, 0, 1, 0, 2, Duration.ZERO), hedge.metrics());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aResultThatHedgeOnResultAcceptsCountsAsAFailedAttempt(Mode mode) {
    Hedge hedge = hedge().hedgeOnResult("busy"::equals).build();

    Outcome<String> outcome = driver.run(mode, hedge, attempt -> attempt == 1 ? ok("busy") : ok("done"));

    assertEquals("done", outcome.value());
    assertEquals(List.of(new AttemptFailed("search", clock.instant(), PolicyKind.HEDGE, 0, null, Duration.ZERO),
        new HedgeStarted("search", clock.instant(), 1, Duration.ZERO),
        new HedgeWon("search", clock.instant(), 1, Duration.ZERO)), events.events());
    assertEquals(metrics(1, 0, 1, 0, 1, ms(50)), hedge.metrics());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void whenEveryAttemptReturnsAnAcceptedResultTheLastResultIsReturned(Mode mode) {
    Hedge hedge = hedge().maxHedges(2).hedgeOnResult(value -> ((String) value).startsWith("busy")).build();

    Outcome<String> outcome = driver.run(mode, hedge, attempt -> ok("busy " + attempt));

    assertEquals("busy 3", outcome.value());
    assertEquals(metrics(1, 0, 0, 1, 2, ms(50)), hedge.metrics());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aFailureThatHedgeOnFailureRefusesEndsTheExecutionAtOnce(Mode mode) {
    Hedge hedge = hedge().hedgeOnFailure(failure -> !(failure instanceof IllegalArgumentException)).build();
    IllegalArgumentException badRequest = new IllegalArgumentException("bad request");
    AtomicInteger attempts = new AtomicInteger();

    Outcome<String> outcome = driver.run(mode, hedge, attempt -> {
      attempts.incrementAndGet();
      return failAfter(ms(5), badRequest);
    });

    assertSame(badRequest, outcome.failure());
    assertEquals(List.of("AttemptFailed"), events.names());
    assertEquals(metrics(1, 0, 0, 1, 0, ms(50)), hedge.metrics());
    clock.advance(Duration.ofSeconds(10));
    assertEquals(1, attempts.get(), "no hedge starts later");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aFatalErrorEndsTheExecutionAtOnceAndIsNotCounted(Mode mode) {
    Hedge hedge = hedge().build();
    OutOfMemoryError fatal = new OutOfMemoryError("test: not really out of memory");

    Outcome<String> outcome = driver.run(mode, hedge, attempt -> fail(fatal));

    assertSame(fatal, outcome.failure());
    assertEquals(1, outcome.attempts());
    assertEquals(List.of(), events.events());
    assertEquals(metrics(1, 0, 0, 0, 0, ms(50)), hedge.metrics());
    assertEquals(0, clock.pendingTasks(), "the hedge timer was cancelled");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void inAPipelineEveryAttemptKnowsItsHedgeNumber(Mode mode) {
    Hedge hedge = hedge().maxHedges(2).build();
    Pipeline pipeline = Pipeline.builder().clock(clock).add(hedge).build();
    List<Integer> numbers = Collections.synchronizedList(new ArrayList<>());

    Outcome<String> outcome = driver.run(mode, hedge, pipeline, attempt -> {
      numbers.add(Hedge.currentAttempt());
      return attempt == 3 ? okAfter(ms(10), "hedge 2") : okAfter(ms(500), "slow");
    });

    assertEquals("hedge 2", outcome.value());
    assertEquals(List.of(0, 1, 2), numbers);
    assertEquals(metrics(1, 0, 1, 0, 2, ms(50)), hedge.metrics());
  }

  @Test
  void anAsyncAttemptThatReturnsNullOrThrowsIsAFailedAttempt() {
    Hedge hedge = hedge().maxHedges(2).build();
    IllegalStateException thrown = new IllegalStateException("thrown");

    CompletableFuture<String> result = hedge.<String>callAsync(() -> {
      switch (Hedge.currentAttempt()) {
        case 0:
          return null;
        case 1:
          throw thrown;
        default:
          return CompletableFuture.completedFuture("third time");
      }
    }).toCompletableFuture();

    assertEquals("third time", result.getNow(null));
    List<AttemptFailed> failures = events.events(AttemptFailed.class);
    assertEquals("async call returned a null stage", failures.get(0).failure().getMessage());
    assertSame(thrown, failures.get(1).failure());
  }

  @Test
  void cancellingTheAsyncResultCancelsEveryAttemptAndTheTimer() {
    Hedge hedge = hedge().maxHedges(2).build();
    List<CompletableFuture<String>> attempts = Collections.synchronizedList(new ArrayList<>());
    CompletableFuture<String> result = hedge.<String>callAsync(() -> {
      CompletableFuture<String> attempt = new CompletableFuture<>();
      attempts.add(attempt);
      return attempt;
    }).toCompletableFuture();
    clock.advance(ms(50));

    assertTrue(result.cancel(true));

    assertEquals(2, attempts.size());
    assertTrue(attempts.stream().allMatch(CompletableFuture::isCancelled));
    assertEquals(0, clock.pendingTasks(), "the timer of hedge 2 was cancelled");
    assertEquals(metrics(1, 0, 0, 0, 1, ms(50)), hedge.metrics());
  }

  @Test
  void interruptingASyncCallerCancelsEveryAttemptAndTheTimer() throws Exception {
    Hedge hedge = hedge().build();
    CountDownLatch primaryStarted = new CountDownLatch(1);
    CountDownLatch primaryInterrupted = new CountDownLatch(1);
    AtomicReference<Throwable> callerSaw = new AtomicReference<>();
    Thread caller = new Thread(() -> {
      try {
        hedge.call(() -> {
          primaryStarted.countDown();
          try {
            return new CountDownLatch(1).await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            primaryInterrupted.countDown();
            throw e;
          }
        });
      } catch (Throwable t) {
        callerSaw.set(t);
      }
    }, "interrupted-caller");
    caller.start();
    assertTrue(primaryStarted.await(10, TimeUnit.SECONDS));

    caller.interrupt();
    caller.join(10_000);

    assertFalse(caller.isAlive());
    assertTrue(callerSaw.get() instanceof InterruptedException, String.valueOf(callerSaw.get()));
    assertTrue(primaryInterrupted.await(10, TimeUnit.SECONDS), "the primary was interrupted");
    assertEquals(0, clock.pendingTasks(), "the hedge timer was cancelled");
    assertEquals(metrics(1, 0, 0, 0, 0, ms(50)), hedge.metrics());
  }

  @Test
  void aSynchronousCallWithoutAnExecutorFailsNamingTheExecutor() {
    Hedge hedge = Hedge.builder("no-pool").delay(ms(10)).clock(clock).build();

    IllegalStateException e = assertThrows(IllegalStateException.class, () -> hedge.call(() -> "never"));

    assertTrue(e.getMessage().contains("no-pool") && e.getMessage().contains("executor"), e.getMessage());
    assertEquals(0, hedge.metrics().calls());
    assertEquals("fine", hedge.callAsync(() -> CompletableFuture.completedFuture("fine")).toCompletableFuture()
        .getNow(null), "asynchronous calls need no executor");
  }

  @Test
  void aRejectedTaskIsAFailedAttempt() {
    Hedge hedge = Hedge.builder("full").delay(ms(10)).clock(clock).maxHedges(1).executor(task -> {
      throw new RejectedExecutionException("pool full");
    }).build();

    RejectedExecutionException e = assertThrows(RejectedExecutionException.class, () -> hedge.call(() -> "never"));

    assertEquals("pool full", e.getMessage());
    assertEquals(1, e.getSuppressed().length, "the primary's rejection is attached to the hedge's");
    assertEquals(metrics(1, 0, 0, 1, 1, ms(10)), hedge.metrics());
    assertEquals(0, clock.pendingTasks(), "no timer is left behind");
  }
}
