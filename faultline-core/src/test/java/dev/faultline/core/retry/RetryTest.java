package dev.faultline.core.retry;

import static dev.faultline.core.support.Harness.Behavior.fail;
import static dev.faultline.core.support.Harness.Behavior.failAfter;
import static dev.faultline.core.support.Harness.Behavior.ok;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.CallContext;
import dev.faultline.core.Pipeline;
import dev.faultline.core.PolicyKind;
import dev.faultline.core.event.PolicyEvent.AttemptFailed;
import dev.faultline.core.event.PolicyEvent.RetriesExhausted;
import dev.faultline.core.event.PolicyEvent.RetryAborted;
import dev.faultline.core.event.PolicyEvent.RetryScheduled;
import dev.faultline.core.support.Harness;
import dev.faultline.core.support.Harness.Mode;
import dev.faultline.core.support.Harness.Outcome;
import dev.faultline.core.testing.EventRecorder;
import dev.faultline.core.testing.FakeClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every retry scenario, run synchronously and asynchronously through the {@link Harness} on a {@link FakeClock}. */
class RetryTest {
  private final FakeClock clock = new FakeClock();
  private final EventRecorder events = new EventRecorder();

  private Retry.Builder retry() {
    return Retry.builder("retry").clock(clock).scheduler(clock).listener(events);
  }

  private static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }

  private List<Duration> scheduledDelays() {
    return events.events(RetryScheduled.class).stream().map(RetryScheduled::delay).collect(Collectors.toList());
  }

  private static IOException failure(int attempt) {
    return new IOException("attempt " + attempt);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void successOnTheFirstAttemptPublishesNothingAndWaitsNothing(Mode mode) {
    Retry retry = retry().backoff(Backoff.fixed(ms(100))).build();

    Outcome<String> outcome = Harness.run(mode, clock, retry, attempt -> ok("done"));

    assertEquals("done", outcome.value());
    assertEquals(1, outcome.attempts());
    assertEquals(0, clock.nanoTime());
    assertEquals(List.of(), events.events());
    assertEquals(new Retry.Metrics(1, 1, 0, 0, 0, 0, 0), retry.metrics());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void succeedsAfterFailuresWaitingTheFixedDelayEachTime(Mode mode) {
    Retry retry = retry().maxAttempts(4).backoff(Backoff.fixed(ms(100))).build();

    Outcome<String> outcome = Harness.run(mode, clock, retry, attempt -> attempt < 3 ? fail(failure(attempt)) : ok("ok"));

    assertEquals("ok", outcome.value());
    assertEquals(3, outcome.attempts());
    assertEquals(ms(200).toNanos(), clock.nanoTime());
    assertEquals(List.of("AttemptFailed", "RetryScheduled", "AttemptFailed", "RetryScheduled"), events.names());
    assertEquals(List.of(ms(100), ms(100)), scheduledDelays());
    assertEquals(List.of(2, 3),
        events.events(RetryScheduled.class).stream().map(RetryScheduled::nextAttempt).collect(Collectors.toList()));
    List<AttemptFailed> failed = events.events(AttemptFailed.class);
    assertEquals(List.of(1, 2), failed.stream().map(AttemptFailed::attempt).collect(Collectors.toList()));
    assertEquals(PolicyKind.RETRY, failed.get(0).kind());
    assertEquals(Duration.ZERO, failed.get(0).elapsed());
    assertEquals(ms(100), failed.get(1).elapsed());
    assertEquals(new Retry.Metrics(1, 0, 1, 0, 0, 2, 0), retry.metrics());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void exponentialBackoffGrowsUpToItsCapThenGivesUpWithTheHistory(Mode mode) {
    Retry retry = retry().maxAttempts(5).backoff(Backoff.exponential(ms(100), 2.0, ms(300))).build();
    List<IOException> thrown = new ArrayList<>();

    Outcome<String> outcome = Harness.run(mode, clock, retry, attempt -> {
      IOException e = failure(attempt);
      thrown.add(e);
      return fail(e);
    });

    assertEquals(5, outcome.attempts());
    assertEquals(List.of(ms(100), ms(200), ms(300), ms(300)), scheduledDelays());
    assertEquals(ms(900).toNanos(), clock.nanoTime());
    assertSame(thrown.get(4), outcome.failure(), "the last failure is rethrown");
    assertArrayEquals(thrown.subList(0, 4).toArray(), outcome.failure().getSuppressed(), "earlier ones, in order");
    RetriesExhausted exhausted = events.events(RetriesExhausted.class).get(0);
    assertEquals(5, exhausted.attempts());
    assertEquals("attempts", exhausted.reason());
    assertSame(thrown.get(4), exhausted.lastFailure());
    assertEquals("RetriesExhausted", events.names().get(events.names().size() - 1));
    assertEquals(new Retry.Metrics(1, 0, 0, 0, 1, 4, 0), retry.metrics());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void historyIsCappedAndNeverHoldsTheThrownInstanceOrDuplicates(Mode mode) {
    Retry retry = retry().maxAttempts(15).backoff(Backoff.none()).build();
    List<IOException> thrown = new ArrayList<>();

    Outcome<String> many = Harness.run(mode, clock, retry, attempt -> {
      IOException e = failure(attempt);
      thrown.add(e);
      return fail(e);
    });
    assertSame(thrown.get(14), many.failure());
    assertArrayEquals(thrown.subList(0, Retry.MAX_SUPPRESSED).toArray(), many.failure().getSuppressed());

    IOException same = new IOException("always the same");
    Outcome<String> repeated = Harness.run(mode, clock, retry, attempt -> fail(same));
    assertSame(same, repeated.failure());
    assertEquals(0, same.getSuppressed().length, "never suppressed into itself");

    IOException a = new IOException("a");
    IOException b = new IOException("b");
    for (int run = 0; run < 3; run++) {
      Harness.run(mode, clock, retry, attempt -> fail(attempt % 2 == 1 ? a : b));
    }
    assertArrayEquals(new Throwable[] {b}, a.getSuppressed(), "each instance once, also across executions");
    assertEquals(0, b.getSuppressed().length);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void fullJitterDrawsBelowTheExponentialDelayAndIsReproducibleWithASeed(Mode mode) {
    Backoff backoff = Backoff.exponential(ms(100), 2.0, ms(1000)).withFullJitter();
    Retry first = retry().maxAttempts(8).backoff(backoff).random(new SplittableRandom(42)).build();

    Outcome<String> outcome = Harness.run(mode, clock, first, attempt -> fail(failure(attempt)));

    List<Duration> delays = scheduledDelays();
    assertEquals(7, delays.size());
    long total = 0;
    for (int i = 0; i < delays.size(); i++) {
      long cap = Math.min(ms(1000).toNanos(), ms(100).toNanos() << i);
      long delay = delays.get(i).toNanos();
      assertTrue(delay >= 0 && delay < cap, "retry " + (i + 1) + ": " + delay + " not in [0, " + cap + ")");
      total += delay;
    }
    assertEquals(total, clock.nanoTime(), "the execution waited exactly the drawn delays");
    assertEquals(8, outcome.attempts());
    assertTrue(delays.stream().distinct().count() > 1, "draws vary: " + delays);

    events.clear();
    Retry second = retry().maxAttempts(8).backoff(backoff).random(new SplittableRandom(42)).build();
    Harness.run(mode, clock, second, attempt -> fail(failure(attempt)));
    assertEquals(delays, scheduledDelays(), "same seed, same delays");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void fullJitterOnAFixedDelayStaysBelowIt(Mode mode) {
    Retry retry = retry().maxAttempts(6).backoff(Backoff.fixed(ms(50)).withFullJitter())
        .random(new SplittableRandom(7)).build();

    Harness.run(mode, clock, retry, attempt -> fail(failure(attempt)));

    assertEquals(5, scheduledDelays().size());
    for (Duration delay : scheduledDelays()) {
      assertTrue(!delay.isNegative() && delay.compareTo(ms(50)) < 0, delay.toString());
    }
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void decorrelatedJitterDrawsBetweenTheBaseAndThreeTimesThePreviousDelay(Mode mode) {
    Retry retry = retry().maxAttempts(10).backoff(Backoff.decorrelatedJitter(ms(100), ms(2000)))
        .random(new SplittableRandom(3)).build();

    Harness.run(mode, clock, retry, attempt -> fail(failure(attempt)));

    List<Duration> delays = scheduledDelays();
    assertEquals(9, delays.size());
    long previous = ms(100).toNanos();
    long total = 0;
    for (Duration each : delays) {
      long delay = each.toNanos();
      long upper = Math.min(ms(2000).toNanos(), 3 * previous);
      assertTrue(delay >= ms(100).toNanos() && delay <= upper, delay + " not in [100 ms, " + upper + "]");
      previous = delay;
      total += delay;
    }
    assertEquals(total, clock.nanoTime());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void maxDurationGivesUpInsteadOfWaitingPastTheDeadline(Mode mode) {
    Retry retry = retry().maxAttempts(10).backoff(Backoff.fixed(ms(400))).maxDuration(ms(1000)).build();

    Outcome<String> outcome = Harness.run(mode, clock, retry, attempt -> fail(failure(attempt)));

    assertEquals(3, outcome.attempts(), "attempts at 0, 400 and 800 ms; the next would start at 1200 ms");
    assertEquals(ms(800).toNanos(), clock.nanoTime(), "no wait for a delay that cannot be used");
    RetriesExhausted exhausted = events.events(RetriesExhausted.class).get(0);
    assertEquals("duration", exhausted.reason());
    assertEquals(3, exhausted.attempts());
    assertEquals(2, outcome.failure().getSuppressed().length);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void maxDurationCountsTheTimeAttemptsTake(Mode mode) {
    Retry retry = retry().maxAttempts(10).backoff(Backoff.fixed(ms(400))).maxDuration(ms(1000)).build();

    Outcome<String> outcome = Harness.run(mode, clock, retry, attempt -> failAfter(ms(300), failure(attempt)));

    assertEquals(2, outcome.attempts(), "ends at 300 and 1000 ms; a third would start at 1400 ms");
    assertEquals(ms(1000).toNanos(), clock.nanoTime());
    assertEquals("duration", events.events(RetriesExhausted.class).get(0).reason());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void nonRetryableExceptionsPassThroughAtOnce(Mode mode) {
    Retry onlyIo = retry().backoff(Backoff.fixed(ms(10))).retryOn(IOException.class).build();
    IllegalStateException bug = new IllegalStateException("bug");

    Outcome<String> outcome = Harness.run(mode, clock, onlyIo, attempt -> fail(bug));

    assertSame(bug, outcome.failure());
    assertEquals(1, outcome.attempts());
    assertEquals(List.of("AttemptFailed"), events.names());
    assertEquals(new Retry.Metrics(1, 0, 0, 1, 0, 0, 0), onlyIo.metrics());

    Retry ignoring = retry().backoff(Backoff.none()).ignore(UncheckedIOException.class).build();
    UncheckedIOException ignored = new UncheckedIOException(new IOException("x"));
    assertSame(ignored, Harness.run(mode, clock, ignoring, attempt -> fail(ignored)).failure());
    assertEquals(1, ignoring.metrics().failuresWithoutRetry());

    Retry byPredicate = retry().backoff(Backoff.none()).retryIf(t -> t.getMessage().startsWith("transient")).build();
    Outcome<String> retried = Harness.run(mode, clock, byPredicate,
        attempt -> attempt == 1 ? fail(new IllegalStateException("transient")) : fail(bug));
    assertEquals(2, retried.attempts(), "the predicate retried the first failure, not the second");
    assertSame(bug, retried.failure());
    assertEquals(1, bug.getSuppressed().length, "the retried failure is attached to the one that stopped it");
    assertEquals(new Retry.Metrics(1, 0, 0, 0, 1, 1, 0), byPredicate.metrics());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void anAbortConditionStopsAtOnce(Mode mode) {
    Retry retry = retry().maxAttempts(5).backoff(Backoff.fixed(ms(10))).abortOn(IllegalArgumentException.class)
        .build();
    IOException first = failure(1);
    IllegalArgumentException fatalInput = new IllegalArgumentException("bad input");

    Outcome<String> outcome = Harness.run(mode, clock, retry, attempt -> fail(attempt == 1 ? first : fatalInput));

    assertEquals(2, outcome.attempts());
    assertSame(fatalInput, outcome.failure());
    assertArrayEquals(new Throwable[] {first}, fatalInput.getSuppressed());
    assertEquals(List.of("AttemptFailed", "RetryScheduled", "AttemptFailed", "RetryAborted"), events.names());
    RetryAborted aborted = events.events(RetryAborted.class).get(0);
    assertEquals(2, aborted.attempts());
    assertSame(fatalInput, aborted.failure());
    assertEquals(new Retry.Metrics(1, 0, 0, 0, 1, 1, 0), retry.metrics());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void anAbortPredicateWinsOverRetryOn(Mode mode) {
    Retry retry = retry().backoff(Backoff.none()).retryOn(IOException.class)
        .abortIf(t -> t.getMessage().contains("permanent")).build();

    Outcome<String> outcome = Harness.run(mode, clock, retry, attempt -> fail(new IOException("permanent")));

    assertEquals(1, outcome.attempts());
    assertEquals(List.of("AttemptFailed", "RetryAborted"), events.names());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aResultThatMatchesRetryOnResultIsRetried(Mode mode) {
    Retry retry = retry().maxAttempts(5).backoff(Backoff.fixed(ms(20))).retryOnResult("busy"::equals).build();

    Outcome<String> outcome = Harness.run(mode, clock, retry, attempt -> ok(attempt < 3 ? "busy" : "done"));

    assertEquals("done", outcome.value());
    assertEquals(3, outcome.attempts());
    assertEquals(List.of(ms(20), ms(20)), scheduledDelays());
    assertNull(events.events(AttemptFailed.class).get(0).failure(), "a failed result has no exception");
    assertEquals(new Retry.Metrics(1, 0, 1, 0, 0, 2, 0), retry.metrics());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void givingUpOnAResultReturnsTheLastResult(Mode mode) {
    Retry retry = retry().maxAttempts(3).backoff(Backoff.none()).retryOnResult(r -> ((String) r).startsWith("busy"))
        .build();

    Outcome<String> outcome = Harness.run(mode, clock, retry, attempt -> ok("busy-" + attempt));

    assertTrue(outcome.succeeded());
    assertEquals("busy-3", outcome.value());
    RetriesExhausted exhausted = events.events(RetriesExhausted.class).get(0);
    assertEquals("attempts", exhausted.reason());
    assertNull(exhausted.lastFailure());
    assertEquals(new Retry.Metrics(1, 0, 0, 0, 1, 2, 0), retry.metrics());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aResultThatMatchesAbortOnResultIsReturnedAtOnce(Mode mode) {
    Retry retry = retry().backoff(Backoff.none()).retryOnResult("busy"::equals).abortOnResult("gone"::equals).build();

    Outcome<String> outcome = Harness.run(mode, clock, retry, attempt -> ok(attempt == 1 ? "busy" : "gone"));

    assertEquals("gone", outcome.value());
    assertEquals(2, outcome.attempts());
    assertEquals(List.of("AttemptFailed", "RetryScheduled", "AttemptFailed", "RetryAborted"), events.names());
    assertNull(events.events(RetryAborted.class).get(0).failure());
    assertEquals(1, retry.metrics().failuresWithRetry());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void fatalErrorsAreNeverRetriedCountedOrPublished(Mode mode) {
    Retry retry = retry().backoff(Backoff.none()).build();
    OutOfMemoryError oom = new OutOfMemoryError("test");

    Outcome<String> outcome = Harness.run(mode, clock, retry, attempt -> fail(oom));

    assertSame(oom, outcome.failure());
    assertEquals(1, outcome.attempts());
    assertEquals(List.of(), events.events());
    assertEquals(0, oom.getSuppressed().length);
    assertEquals(new Retry.Metrics(0, 0, 0, 0, 0, 0, 0), retry.metrics());

    Outcome<String> later = Harness.run(mode, clock, retry, attempt -> attempt == 1 ? fail(failure(1)) : fail(oom));
    assertEquals(2, later.attempts());
    assertSame(oom, later.failure(), "a fatal error after a retry stops it too");
    assertEquals(0, oom.getSuppressed().length, "and gets no history attached");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void theCallContextCountsAttemptsAndKeepsTheLastFailure(Mode mode) throws Exception {
    Retry retry = retry().maxAttempts(3).backoff(Backoff.fixed(ms(5))).build();
    Pipeline pipeline = Pipeline.builder().clock(clock).add(retry).build();
    List<Integer> attempts = new ArrayList<>();
    List<Optional<Throwable>> lastFailures = new ArrayList<>();
    IOException first = failure(1);

    Object value;
    if (mode == Mode.SYNC) {
      value = pipeline.call(ctx -> {
        record(ctx, attempts, lastFailures);
        if (ctx.attempt() == 1) {
          throw first;
        }
        return "second";
      });
    } else {
      CompletionStage<String> stage = pipeline.callAsync(ctx -> {
        record(ctx, attempts, lastFailures);
        return ctx.attempt() == 1 ? CompletableFuture.failedFuture(first) : CompletableFuture.completedFuture("second");
      });
      while (!stage.toCompletableFuture().isDone()) {
        assertTrue(clock.runNext(), "the retry is scheduled on the fake clock");
      }
      value = stage.toCompletableFuture().join();
    }

    assertEquals("second", value);
    assertEquals(List.of(1, 2), attempts);
    assertEquals(List.of(Optional.empty(), Optional.of(first)), lastFailures);
  }

  private static void record(CallContext ctx, List<Integer> attempts, List<Optional<Throwable>> lastFailures) {
    attempts.add(ctx.attempt());
    lastFailures.add(ctx.lastFailure());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void theRandomSourceIsNotDrawnWithoutJitter(Mode mode) {
    Retry retry = retry().maxAttempts(3).backoff(Backoff.fixed(ms(1))).random(new java.util.random.RandomGenerator() {
      @Override
      public long nextLong() {
        throw new AssertionError("no jitter configured, nothing to draw");
      }
    }).build();

    assertEquals(3, Harness.run(mode, clock, retry, attempt -> fail(failure(attempt))).attempts());
  }

  @Test
  void anInterruptDuringASyncBackoffStopsAndKeepsTheFlag() {
    Retry retry = Retry.builder("retry").clock(clock).scheduler(clock).maxAttempts(5).backoff(Backoff.fixed(ms(100)))
        .listener(events).listener(event -> {
          if (event instanceof RetryScheduled) {
            Thread.currentThread().interrupt();
          }
        }).build();
    IOException first = failure(1);

    Outcome<String> outcome = Harness.run(Mode.SYNC, clock, retry, attempt -> fail(first));

    assertTrue(Thread.interrupted(), "the interrupt flag is restored (and cleared here)");
    assertEquals(1, outcome.attempts(), "no attempt after the interrupt");
    assertSame(first, outcome.failure());
    assertEquals(1, first.getSuppressed().length);
    assertTrue(first.getSuppressed()[0] instanceof InterruptedException);
    assertEquals(List.of("AttemptFailed", "RetryScheduled", "RetriesExhausted"), events.names());
    assertEquals("interrupted", events.events(RetriesExhausted.class).get(0).reason());
    assertEquals(new Retry.Metrics(1, 0, 0, 1, 0, 0, 0), retry.metrics());
  }

  @Test
  void anInterruptedExceptionFromTheCallIsNotRetried() {
    Retry retry = retry().backoff(Backoff.none()).build();
    InterruptedException interrupted = new InterruptedException("stop");

    Outcome<String> outcome = Harness.run(Mode.SYNC, clock, retry, attempt -> fail(interrupted));

    assertSame(interrupted, outcome.failure());
    assertEquals(1, outcome.attempts());
  }

  @Test
  void cancellingTheAsyncResultCancelsThePendingRetry() {
    Retry retry = retry().maxAttempts(5).backoff(Backoff.fixed(ms(500))).build();
    int[] attempts = {0};

    CompletableFuture<String> result = retry.<String>callAsync(() -> {
      attempts[0]++;
      return CompletableFuture.failedFuture(failure(attempts[0]));
    }).toCompletableFuture();

    assertEquals(1, clock.pendingTasks(), "the retry waits on the scheduler");
    assertTrue(result.cancel(false));
    assertEquals(0, clock.pendingTasks(), "cancelling the result cancelled the scheduled retry");
    clock.advance(Duration.ofSeconds(10));
    assertEquals(1, attempts[0]);
    assertTrue(result.isCancelled());
  }

  @Test
  void cancellingTheAsyncResultCancelsTheAttemptInFlight() {
    Retry retry = retry().backoff(Backoff.none()).build();
    CompletableFuture<String> attempt = new CompletableFuture<>();

    CompletableFuture<String> result = retry.<String>callAsync(() -> attempt).toCompletableFuture();
    result.cancel(false);

    assertTrue(attempt.isCancelled());
    assertEquals(List.of(), events.events(), "the attempt's cancellation is not a failure to retry");
  }

  @Test
  void cancellingTheAsyncResultWhileARetryIsStartingCancelsThatRetry() {
    Retry retry = retry().maxAttempts(3).backoff(Backoff.fixed(ms(100))).build();
    AtomicReference<CompletableFuture<String>> result = new AtomicReference<>();
    CompletableFuture<String> second = new CompletableFuture<>();
    int[] attempts = {0};

    result.set(retry.<String>callAsync(() -> {
      attempts[0]++;
      if (attempts[0] == 1) {
        return CompletableFuture.failedFuture(failure(1));
      }
      // The caller cancels from another thread just as the scheduled retry starts this attempt.
      result.get().cancel(false);
      return second;
    }).toCompletableFuture());
    clock.advance(ms(100));

    assertEquals(2, attempts[0]);
    assertTrue(result.get().isCancelled());
    assertTrue(second.isCancelled(), "the attempt started as the caller cancelled is cancelled too");
  }

  @Test
  void anAsyncAttemptThatThrowsOrReturnsNullIsAFailedAttempt() {
    Retry retry = retry().maxAttempts(3).backoff(Backoff.none()).build();
    int[] attempts = {0};

    CompletableFuture<String> result = retry.<String>callAsync(() -> {
      attempts[0]++;
      if (attempts[0] == 1) {
        throw new IllegalStateException("thrown, not returned");
      }
      return attempts[0] == 2 ? null : CompletableFuture.completedFuture("third");
    }).toCompletableFuture();

    assertEquals("third", result.join());
    assertEquals(List.of(IllegalStateException.class, NullPointerException.class),
        events.events(AttemptFailed.class).stream().map(e -> e.failure().getClass()).collect(Collectors.toList()));
  }

  @Test
  void anAlreadyCompletedAsyncSuccessIsHandedBackAsItIs() {
    Retry retry = retry().build();
    CompletableFuture<String> done = CompletableFuture.completedFuture("done");

    assertSame(done, retry.callAsync(() -> done));
    assertEquals(1, retry.metrics().successesWithoutRetry());
    assertFalse(events.names().contains("AttemptFailed"));
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void durationsTooLongForNanosecondsAreAcceptedAndCountAsLongMaxValue(Mode mode) {
    // Duration.ofSeconds(Long.MAX_VALUE) is the usual way to say "no cap" or "no deadline": it passes validation, so
    // neither the backoff factory nor build() may then fail converting it to nanoseconds.
    Duration forever = Duration.ofSeconds(Long.MAX_VALUE);
    Backoff uncapped = Backoff.exponential(ms(100), 2.0, forever);
    assertEquals(Duration.ofNanos(Long.MAX_VALUE), uncapped.max());
    Retry retry = retry().maxAttempts(3).backoff(uncapped).maxDuration(forever).build();

    Outcome<String> outcome =
        Harness.run(mode, clock, retry, attempt -> attempt < 3 ? fail(failure(attempt)) : ok("ok"));

    assertEquals("ok", outcome.value());
    assertEquals(List.of(ms(100), ms(200)), scheduledDelays());
    assertEquals(Optional.of(forever), retry.config().maxDuration(), "the config keeps the duration as given");

    Retry slow = retry().maxAttempts(3).backoff(Backoff.fixed(Duration.ofDays(365_000))).maxDuration(ms(1000))
        .build();
    Outcome<String> gaveUp = Harness.run(mode, clock, slow, attempt -> fail(failure(attempt)));
    assertEquals(1, gaveUp.attempts(), "a wait of centuries passes any deadline: give up at once");
    assertEquals("duration", events.events(RetriesExhausted.class).get(0).reason());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aThrowingPredicateSurfacesWithTheFailureItWasJudgingAttached(Mode mode) {
    IllegalStateException broken = new IllegalStateException("predicate bug");
    Retry retry = retry().backoff(Backoff.none()).retryIf(t -> {
      if (t.getMessage().equals("attempt 2")) {
        throw broken;
      }
      return true;
    }).build();
    List<IOException> thrown = new ArrayList<>();

    Outcome<String> outcome = Harness.run(mode, clock, retry, attempt -> {
      IOException e = failure(attempt);
      thrown.add(e);
      return fail(e);
    });

    assertEquals(2, outcome.attempts());
    assertSame(broken, outcome.failure(), "the predicate's exception is the outcome");
    assertArrayEquals(new Throwable[] {thrown.get(1)}, broken.getSuppressed(),
        "the failure it was judging must not be lost");
    assertArrayEquals(new Throwable[] {thrown.get(0)}, thrown.get(1).getSuppressed(), "nor the earlier ones");
  }
}
