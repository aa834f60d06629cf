package dev.faultline.core.circuitbreaker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.Pipeline;
import dev.faultline.core.PolicyKind;
import dev.faultline.core.circuitbreaker.CircuitBreaker.Metrics;
import dev.faultline.core.event.PolicyEvent.CallRejected;
import dev.faultline.core.event.PolicyEvent.CircuitStateChanged;
import dev.faultline.core.support.Harness;
import dev.faultline.core.support.Harness.Behavior;
import dev.faultline.core.support.Harness.Mode;
import dev.faultline.core.support.Harness.Outcome;
import dev.faultline.core.testing.EventRecorder;
import dev.faultline.core.testing.FakeClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every behaviour of the circuit breaker, each scenario run SYNC and ASYNC through the harness on a fake clock. */
class CircuitBreakerTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final FakeClock clock = new FakeClock();
  private final EventRecorder recorder = new EventRecorder();

  private CircuitBreaker.Builder builder() {
    return CircuitBreaker.builder("downstream").clock(clock).listener(recorder).waitInOpen(WAIT);
  }

  private Outcome<String> ok(Mode mode, CircuitBreaker breaker) {
    return Harness.run(mode, clock, breaker, attempt -> Behavior.ok("ok"));
  }

  private Outcome<String> fail(Mode mode, CircuitBreaker breaker) {
    return fail(mode, breaker, new IOException("boom"));
  }

  private Outcome<String> fail(Mode mode, CircuitBreaker breaker, Throwable failure) {
    return Harness.run(mode, clock, breaker, attempt -> Behavior.fail(failure));
  }

  private Outcome<String> okAfter(Mode mode, CircuitBreaker breaker, Duration after) {
    return Harness.run(mode, clock, breaker, attempt -> Behavior.okAfter(after, "ok"));
  }

  private static void assertRejected(Outcome<String> outcome, CircuitState state) {
    assertEquals(0, outcome.attempts(), "a rejected call never reaches the downstream");
    CallNotPermittedException rejection = assertInstanceOf(CallNotPermittedException.class, outcome.failure());
    assertEquals(state, rejection.state());
    assertEquals("circuit-open", rejection.code());
    assertEquals(PolicyKind.CIRCUIT_BREAKER, rejection.kind());
    assertEquals("downstream", rejection.policy());
    assertEquals(0, rejection.getStackTrace().length, "rejections carry no stack trace");
  }

  private List<String> transitions() {
    return recorder.events(CircuitStateChanged.class).stream().map(e -> e.from() + ">" + e.to())
        .collect(Collectors.toList());
  }

  /** Opens a breaker with a count window of 4, minimum 4 calls, by four failures. */
  private void open(Mode mode, CircuitBreaker breaker) {
    for (int i = 0; i < 4; i++) {
      fail(mode, breaker);
    }
    assertEquals(CircuitState.OPEN, breaker.state());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void opensAtFailureRateOnlyAfterMinimumNumberOfCalls(Mode mode) {
    CircuitBreaker breaker = builder().countBasedWindow(10).minimumNumberOfCalls(4).failureRateThreshold(0.5).build();
    for (int i = 0; i < 3; i++) {
      Outcome<String> outcome = fail(mode, breaker);
      assertInstanceOf(IOException.class, outcome.failure());
      assertEquals(CircuitState.CLOSED, breaker.state(), "3 failures of 3 calls, below the minimum of 4");
    }
    assertEquals("ok", ok(mode, breaker).value());
    assertEquals(CircuitState.OPEN, breaker.state(), "3 failures of 4 calls = 0.75 >= 0.5");
    Metrics metrics = breaker.metrics();
    assertEquals(4, metrics.bufferedCalls());
    assertEquals(3, metrics.bufferedFailures());
    assertEquals(0.75, metrics.failureRate());
    assertEquals(List.of("CLOSED>OPEN"), transitions());
    assertTrue(recorder.events(CircuitStateChanged.class).get(0).reason().contains("failure rate 0.75"));
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void staysClosedBelowTheThreshold(Mode mode) {
    CircuitBreaker breaker = builder().countBasedWindow(10).minimumNumberOfCalls(10).failureRateThreshold(0.5).build();
    for (int i = 0; i < 10; i++) {
      if (i < 6) {
        ok(mode, breaker);
      } else {
        fail(mode, breaker);
      }
    }
    assertEquals(CircuitState.CLOSED, breaker.state(), "4 of 10 = 0.4 < 0.5");
    assertEquals(0.4, breaker.metrics().failureRate());
    fail(mode, breaker);
    assertEquals(CircuitState.OPEN, breaker.state(), "the 11th call, a failure, replaces the oldest success: 5 of 10");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void slowCallRateOpens(Mode mode) {
    CircuitBreaker breaker = builder().countBasedWindow(4).slowCallDuration(Duration.ofSeconds(1))
        .slowCallRateThreshold(0.5).build();
    okAfter(mode, breaker, Duration.ofSeconds(1));
    assertEquals(0, breaker.metrics().slowCalls(), "a call of exactly slowCallDuration is not slow");
    okAfter(mode, breaker, Duration.ofSeconds(2));
    ok(mode, breaker);
    assertEquals(CircuitState.CLOSED, breaker.state());
    Outcome<String> outcome = okAfter(mode, breaker, Duration.ofSeconds(3));
    assertEquals("ok", outcome.value(), "a slow call still returns its result");
    assertEquals(CircuitState.OPEN, breaker.state(), "2 slow of 4 = 0.5");
    Metrics metrics = breaker.metrics();
    assertEquals(2, metrics.slowCalls());
    assertEquals(0, metrics.failures());
    assertEquals(0.5, metrics.slowCallRate());
    assertTrue(recorder.events(CircuitStateChanged.class).get(0).reason().startsWith("slow-call rate 0.5"));
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void slowFailuresCountAsBoth(Mode mode) {
    CircuitBreaker breaker = builder().countBasedWindow(2).failureRateThreshold(1.0)
        .slowCallDuration(Duration.ofMillis(100)).build();
    Harness.run(mode, clock, breaker, attempt -> Behavior.failAfter(Duration.ofSeconds(1), new IOException()));
    Metrics metrics = breaker.metrics();
    assertEquals(1, metrics.failures());
    assertEquals(1, metrics.slowCalls());
    assertEquals(1, metrics.bufferedSlowCalls());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void rejectsWhileOpenWithoutStackTrace(Mode mode) {
    CircuitBreaker breaker = builder().countBasedWindow(4).build();
    open(mode, breaker);
    recorder.clear();
    Outcome<String> first = ok(mode, breaker);
    assertRejected(first, CircuitState.OPEN);
    clock.advance(WAIT.minusNanos(1));
    assertRejected(ok(mode, breaker), CircuitState.OPEN);
    assertEquals(2, breaker.metrics().rejections());
    assertEquals(List.of("CallRejected", "CallRejected"), recorder.names());
    CallRejected rejected = recorder.events(CallRejected.class).get(0);
    assertEquals("downstream", rejected.source());
    assertEquals(PolicyKind.CIRCUIT_BREAKER, rejected.kind());
    Throwable suppressed = new IllegalStateException();
    first.failure().addSuppressed(suppressed);
    assertEquals(0, first.failure().getSuppressed().length, "the shared rejection cannot accumulate state");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void movesToHalfOpenAfterTheWait(Mode mode) {
    CircuitBreaker breaker = builder().countBasedWindow(4).permittedCallsInHalfOpen(2).build();
    open(mode, breaker);
    clock.advance(WAIT.minusNanos(1));
    assertRejected(ok(mode, breaker), CircuitState.OPEN);
    assertEquals(CircuitState.OPEN, breaker.state(), "without a scheduler the wait ends at the next call");
    clock.advance(1);
    Outcome<String> trial = ok(mode, breaker);
    assertEquals("ok", trial.value());
    assertEquals(1, trial.attempts());
    assertEquals(CircuitState.HALF_OPEN, breaker.state(), "1 of 2 trials done: no decision yet");
    assertEquals(1, breaker.metrics().bufferedCalls());
    assertEquals(List.of("CLOSED>OPEN", "OPEN>HALF_OPEN"), transitions());
    assertEquals("wait in open of PT10S elapsed", recorder.events(CircuitStateChanged.class).get(1).reason());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void closesAfterSuccessfulTrials(Mode mode) {
    CircuitBreaker breaker = builder().countBasedWindow(4).permittedCallsInHalfOpen(3).failureRateThreshold(0.5)
        .build();
    open(mode, breaker);
    clock.advance(WAIT);
    ok(mode, breaker);
    fail(mode, breaker);
    assertEquals(CircuitState.HALF_OPEN, breaker.state(), "the decision waits for all 3 trials");
    ok(mode, breaker);
    assertEquals(CircuitState.CLOSED, breaker.state(), "1 failure of 3 trials = 0.33 < 0.5");
    Metrics metrics = breaker.metrics();
    assertEquals(0, metrics.bufferedCalls(), "a closed breaker starts with an empty window");
    assertEquals(7, metrics.calls());
    assertEquals(5, metrics.failures());
    assertEquals(List.of("CLOSED>OPEN", "OPEN>HALF_OPEN", "HALF_OPEN>CLOSED"), transitions());
    for (int i = 0; i < 3; i++) {
      fail(mode, breaker);
    }
    assertEquals(CircuitState.CLOSED, breaker.state(), "old outcomes do not count after closing: 3 calls < 4");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void reopensAfterFailedTrialsWithExponentialWaitUpToTheMax(Mode mode) {
    CircuitBreaker breaker = builder().countBasedWindow(4).permittedCallsInHalfOpen(1)
        .waitInOpen(Duration.ofSeconds(1)).waitMultiplier(2).maxWaitInOpen(Duration.ofSeconds(5)).build();
    open(mode, breaker);
    for (long seconds : new long[] {1, 2, 4, 5, 5}) {
      Duration wait = Duration.ofSeconds(seconds);
      clock.advance(wait.minusNanos(1));
      assertRejected(ok(mode, breaker), CircuitState.OPEN);
      clock.advance(1);
      Outcome<String> trial = fail(mode, breaker);
      assertEquals(1, trial.attempts(), "the trial after " + wait + " is admitted");
      assertEquals(CircuitState.OPEN, breaker.state(), "a failed trial opens again");
    }
    clock.advance(Duration.ofSeconds(5));
    ok(mode, breaker);
    assertEquals(CircuitState.CLOSED, breaker.state());
    open(mode, breaker);
    clock.advance(Duration.ofSeconds(1));
    assertEquals(1, ok(mode, breaker).attempts(), "closing resets the wait to 1s");
    assertEquals(CircuitState.CLOSED, breaker.state());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void halfOpenRejectsOnceEveryTrialIsTaken(Mode mode) {
    CircuitBreaker breaker = builder().countBasedWindow(4).permittedCallsInHalfOpen(2).build();
    open(mode, breaker);
    clock.advance(WAIT);
    assertTrue(breaker.tryAcquirePermission());
    assertTrue(breaker.tryAcquirePermission());
    assertRejected(ok(mode, breaker), CircuitState.HALF_OPEN);
    breaker.onSuccess(0);
    assertEquals(CircuitState.HALF_OPEN, breaker.state());
    breaker.onSuccess(0);
    assertEquals(CircuitState.CLOSED, breaker.state());
    assertEquals("ok", ok(mode, breaker).value());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void ignoredExceptionsCountAsNeitherAndGiveTheTrialBack(Mode mode) {
    CircuitBreaker breaker = builder().countBasedWindow(4).permittedCallsInHalfOpen(1)
        .ignoreExceptions(IllegalArgumentException.class).build();
    fail(mode, breaker, new IllegalArgumentException("bad input"));
    Metrics metrics = breaker.metrics();
    assertEquals(1, metrics.ignored());
    assertEquals(0, metrics.calls());
    assertEquals(0, metrics.bufferedCalls());
    open(mode, breaker);
    clock.advance(WAIT);
    Outcome<String> ignoredTrial = fail(mode, breaker, new IllegalArgumentException("bad input"));
    assertInstanceOf(IllegalArgumentException.class, ignoredTrial.failure(), "the caller sees its exception");
    assertEquals(CircuitState.HALF_OPEN, breaker.state(), "an ignored trial decides nothing");
    assertEquals(1, ok(mode, breaker).attempts(), "and gives its permit back");
    assertEquals(CircuitState.CLOSED, breaker.state());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void recordExceptionsMakesOtherExceptionsSuccesses(Mode mode) {
    CircuitBreaker breaker = builder().countBasedWindow(2).failureRateThreshold(1.0)
        .recordExceptions(IOException.class).build();
    fail(mode, breaker, new IllegalStateException());
    fail(mode, breaker, new IllegalStateException());
    assertEquals(CircuitState.CLOSED, breaker.state());
    assertEquals(2, breaker.metrics().successes());
    fail(mode, breaker, new java.io.FileNotFoundException());
    assertEquals(1, breaker.metrics().bufferedFailures(), "subtypes of a recorded type are failures");
    fail(mode, breaker, new IOException());
    assertEquals(CircuitState.OPEN, breaker.state());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void recordAndIgnorePredicates(Mode mode) {
    CircuitBreaker breaker = builder().countBasedWindow(3).failureRateThreshold(1.0)
        .recordIf(t -> t.getMessage() != null && t.getMessage().startsWith("5"))
        .ignoreIf(t -> "503".equals(t.getMessage())).build();
    fail(mode, breaker, new IOException("404"));
    fail(mode, breaker, new IOException("503"));
    fail(mode, breaker, new IOException("500"));
    Metrics metrics = breaker.metrics();
    assertEquals(1, metrics.successes(), "404 is not recorded as a failure");
    assertEquals(1, metrics.ignored(), "503 is ignored, and ignoring wins over recording");
    assertEquals(1, metrics.failures(), "500 is a failure");
    assertEquals(2, metrics.bufferedCalls());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void asyncWrappersAreUnwrappedBeforeClassifying(Mode mode) {
    CircuitBreaker breaker = builder().countBasedWindow(2).ignoreExceptions(IOException.class).build();
    fail(mode, breaker, new java.util.concurrent.CompletionException(new IOException()));
    assertEquals(1, breaker.metrics().ignored());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void resultPredicateRecordsFailuresAndStillReturnsTheResult(Mode mode) {
    CircuitBreaker breaker = builder().countBasedWindow(2).recordResultIf(result -> "busy".equals(result)).build();
    Outcome<String> first = Harness.run(mode, clock, breaker, attempt -> Behavior.ok("busy"));
    assertEquals("busy", first.value());
    assertEquals(1, breaker.metrics().failures());
    Harness.run(mode, clock, breaker, attempt -> Behavior.ok("busy"));
    assertEquals(CircuitState.OPEN, breaker.state());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aThrowingPredicatePropagatesAndRecordsNothing(Mode mode) {
    CircuitBreaker breaker = builder().countBasedWindow(2).recordResultIf(result -> {
      throw new IllegalStateException("predicate bug");
    }).recordIf(t -> {
      throw new UnsupportedOperationException("predicate bug");
    }).build();
    Outcome<String> outcome = ok(mode, breaker);
    assertEquals("predicate bug", outcome.failure().getMessage());
    Outcome<String> failed = fail(mode, breaker);
    assertInstanceOf(UnsupportedOperationException.class, failed.failure());
    assertInstanceOf(IOException.class, failed.failure().getSuppressed()[0], "the call's failure is kept");
    assertEquals(0, breaker.metrics().calls());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aPredicateThatRethrowsTheFailureSurfacesIt(Mode mode) {
    IOException failure = new IOException("boom");
    CircuitBreaker breaker = builder().countBasedWindow(2).recordIf(t -> {
      throw (RuntimeException) new IllegalStateException("wrapped").initCause(t);
    }).ignoreIf(t -> {
      if (t instanceof IllegalArgumentException) {
        throw (IllegalArgumentException) t;
      }
      return false;
    }).build();
    IllegalArgumentException rethrown = new IllegalArgumentException("rethrown by the predicate");
    assertSame(rethrown, fail(mode, breaker, rethrown).failure());
    assertEquals(0, rethrown.getSuppressed().length);
    assertInstanceOf(IllegalStateException.class, fail(mode, breaker, failure).failure());
    assertEquals(0, breaker.metrics().calls());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void countWindowSlides(Mode mode) {
    CircuitBreaker breaker = builder().countBasedWindow(4).failureRateThreshold(0.75).build();
    fail(mode, breaker);
    fail(mode, breaker);
    ok(mode, breaker);
    ok(mode, breaker);
    assertEquals(2, breaker.metrics().bufferedFailures());
    ok(mode, breaker);
    assertEquals(1, breaker.metrics().bufferedFailures(), "the oldest failure left the window");
    ok(mode, breaker);
    Metrics metrics = breaker.metrics();
    assertEquals(0, metrics.bufferedFailures());
    assertEquals(4, metrics.bufferedCalls());
    assertEquals(2, metrics.failures(), "cumulative counts keep every outcome");
    fail(mode, breaker);
    fail(mode, breaker);
    assertEquals(CircuitState.CLOSED, breaker.state(), "2 of 4");
    fail(mode, breaker);
    assertEquals(CircuitState.OPEN, breaker.state(), "3 of 4 = 0.75");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void timeWindowSlidesAsBucketsExpire(Mode mode) {
    CircuitBreaker breaker = builder().timeBasedWindow(5).minimumNumberOfCalls(2).failureRateThreshold(0.5).build();
    for (int i = 0; i < 4; i++) {
      ok(mode, breaker);
    }
    clock.advance(Duration.ofSeconds(3));
    for (int i = 0; i < 3; i++) {
      fail(mode, breaker);
    }
    assertEquals(CircuitState.CLOSED, breaker.state(), "3 failures of 7 calls");
    assertEquals(7, breaker.metrics().bufferedCalls());
    clock.advance(Duration.ofMillis(2500));
    assertEquals(3, breaker.metrics().bufferedCalls(), "second 0 left the window of seconds 1 to 5");
    ok(mode, breaker);
    assertEquals(CircuitState.OPEN, breaker.state(),
        "a success that starts a new second re-judges the window: 3 failures of 4 calls");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void timeWindowForgetsEverythingAfterItsLength(Mode mode) {
    CircuitBreaker breaker = builder().timeBasedWindow(3).minimumNumberOfCalls(3).failureRateThreshold(0.5).build();
    fail(mode, breaker);
    fail(mode, breaker);
    clock.advance(Duration.ofSeconds(3));
    assertEquals(0, breaker.metrics().bufferedCalls());
    fail(mode, breaker);
    assertEquals(CircuitState.CLOSED, breaker.state(), "the two old failures expired: 1 call < minimum 3");
    clock.advance(Duration.ofSeconds(1));
    fail(mode, breaker);
    ok(mode, breaker);
    assertEquals(CircuitState.OPEN, breaker.state(), "2 failures of 3 calls in seconds 3 and 4");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void timeWindowReachesTheMinimumOnASuccess(Mode mode) {
    CircuitBreaker breaker = builder().timeBasedWindow(10).minimumNumberOfCalls(3).failureRateThreshold(0.5).build();
    fail(mode, breaker);
    fail(mode, breaker);
    assertEquals(CircuitState.CLOSED, breaker.state());
    ok(mode, breaker);
    assertEquals(CircuitState.OPEN, breaker.state(), "2 of 3 once the minimum is reached, within one second");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void forceOpenRejectsUntilReset(Mode mode) {
    CircuitBreaker breaker = builder().countBasedWindow(4).build();
    breaker.forceOpen();
    assertRejected(ok(mode, breaker), CircuitState.FORCED_OPEN);
    clock.advance(WAIT.multipliedBy(10));
    assertRejected(ok(mode, breaker), CircuitState.FORCED_OPEN);
    assertEquals(CircuitState.FORCED_OPEN, breaker.state());
    breaker.reset();
    assertEquals("ok", ok(mode, breaker).value());
    assertEquals(List.of("CLOSED>FORCED_OPEN", "FORCED_OPEN>CLOSED"), transitions());
    assertEquals("reset", recorder.events(CircuitStateChanged.class).get(1).reason());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void disabledLetsEverythingPassAndRecordsNothing(Mode mode) {
    CircuitBreaker breaker = builder().countBasedWindow(2).build();
    breaker.disable();
    for (int i = 0; i < 5; i++) {
      assertInstanceOf(IOException.class, fail(mode, breaker).failure());
    }
    assertEquals(CircuitState.DISABLED, breaker.state());
    assertEquals(0, breaker.metrics().calls());
    assertTrue(breaker.transitionTo(CircuitState.CLOSED));
    fail(mode, breaker);
    fail(mode, breaker);
    assertEquals(CircuitState.OPEN, breaker.state());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void resetClosesClearsTheWindowAndTheWaitGrowth(Mode mode) {
    CircuitBreaker breaker = builder().countBasedWindow(4).permittedCallsInHalfOpen(1).waitInOpen(Duration.ofSeconds(1))
        .waitMultiplier(3).maxWaitInOpen(Duration.ofSeconds(30)).build();
    open(mode, breaker);
    clock.advance(Duration.ofSeconds(1));
    fail(mode, breaker);
    breaker.reset();
    assertEquals(CircuitState.CLOSED, breaker.state());
    assertEquals(0, breaker.metrics().bufferedCalls());
    assertEquals(5, breaker.metrics().failures(), "cumulative counters survive a reset");
    fail(mode, breaker);
    fail(mode, breaker);
    fail(mode, breaker);
    assertEquals(CircuitState.CLOSED, breaker.state(), "the window restarted empty");
    fail(mode, breaker);
    clock.advance(Duration.ofSeconds(1));
    assertEquals(1, ok(mode, breaker).attempts(), "the wait is back to 1s");
    recorder.clear();
    breaker.reset();
    breaker.reset();
    assertEquals(List.of(), recorder.names(), "resetting a closed breaker publishes nothing");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void transitionsByHand(Mode mode) {
    CircuitBreaker breaker = builder().countBasedWindow(4).permittedCallsInHalfOpen(1).build();
    assertFalse(breaker.transitionTo(CircuitState.CLOSED), "already closed");
    assertTrue(breaker.transitionTo(CircuitState.OPEN));
    assertRejected(ok(mode, breaker), CircuitState.OPEN);
    assertTrue(breaker.transitionTo(CircuitState.HALF_OPEN));
    assertEquals(1, ok(mode, breaker).attempts());
    assertEquals(CircuitState.CLOSED, breaker.state());
    assertEquals(List.of("CLOSED>OPEN", "OPEN>HALF_OPEN", "HALF_OPEN>CLOSED"), transitions());
    assertEquals("transition to OPEN by hand", recorder.events(CircuitStateChanged.class).get(0).reason());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void fatalErrorsPropagateUnrecordedAndGiveTheTrialBack(Mode mode) {
    CircuitBreaker breaker = builder().countBasedWindow(4).permittedCallsInHalfOpen(1).build();
    OutOfMemoryError fatal = new OutOfMemoryError("fatal");
    if (mode == Mode.SYNC) {
      assertSame(fatal, assertThrows(OutOfMemoryError.class, () -> breaker.call(() -> {
        throw fatal;
      })));
    } else {
      assertSame(fatal, fail(mode, breaker, fatal).failure());
    }
    assertEquals(0, breaker.metrics().calls());
    open(mode, breaker);
    clock.advance(WAIT);
    if (mode == Mode.SYNC) {
      assertThrows(OutOfMemoryError.class, () -> breaker.call(() -> {
        throw fatal;
      }));
    } else {
      fail(mode, breaker, fatal);
    }
    assertEquals(CircuitState.HALF_OPEN, breaker.state());
    assertEquals(1, ok(mode, breaker).attempts(), "the fatal trial gave its permit back");
    assertEquals(CircuitState.CLOSED, breaker.state());
  }

  @Test
  void aSupplierThatThrowsAFatalErrorRethrowsIt() {
    CircuitBreaker breaker = builder().build();
    OutOfMemoryError fatal = new OutOfMemoryError("fatal");
    assertSame(fatal, assertThrows(OutOfMemoryError.class, () -> breaker.callAsync(() -> {
      throw fatal;
    })));
    assertEquals(0, breaker.metrics().calls());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void eventsComeOncePerTransitionInOrder(Mode mode) {
    CircuitBreaker breaker = builder().countBasedWindow(4).permittedCallsInHalfOpen(1).build();
    open(mode, breaker);
    ok(mode, breaker);
    clock.advance(WAIT);
    fail(mode, breaker);
    clock.advance(WAIT);
    ok(mode, breaker);
    breaker.forceOpen();
    breaker.disable();
    breaker.reset();
    assertEquals(List.of("CircuitStateChanged", "CallRejected", "CircuitStateChanged", "CircuitStateChanged",
        "CircuitStateChanged", "CircuitStateChanged", "CircuitStateChanged", "CircuitStateChanged",
        "CircuitStateChanged"), recorder.names());
    assertEquals(List.of("CLOSED>OPEN", "OPEN>HALF_OPEN", "HALF_OPEN>OPEN", "OPEN>HALF_OPEN", "HALF_OPEN>CLOSED",
        "CLOSED>FORCED_OPEN", "FORCED_OPEN>DISABLED", "DISABLED>CLOSED"), transitions());
    CircuitStateChanged first = recorder.events(CircuitStateChanged.class).get(0);
    assertEquals("downstream", first.source());
    assertEquals(clock.instant().minus(WAIT.multipliedBy(2)), first.time());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void withASchedulerTheWaitEndsOnTime(Mode mode) {
    CircuitBreaker breaker = builder().countBasedWindow(4).scheduler(clock).build();
    open(mode, breaker);
    assertEquals(1, clock.pendingTasks());
    clock.advance(WAIT);
    assertEquals(CircuitState.HALF_OPEN, breaker.state(), "no call was needed");
    assertEquals(List.of("CLOSED>OPEN", "OPEN>HALF_OPEN"), transitions());
    breaker.transitionTo(CircuitState.OPEN);
    assertEquals(1, clock.pendingTasks());
    breaker.reset();
    assertEquals(0, clock.pendingTasks(), "leaving open cancels the scheduled move");
    clock.advance(WAIT);
    assertEquals(CircuitState.CLOSED, breaker.state());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void worksAsAPipelineLink(Mode mode) {
    CircuitBreaker breaker = builder().countBasedWindow(2).build();
    Pipeline pipeline = Pipeline.builder().clock(clock).add(breaker).build();
    Harness.run(mode, clock, pipeline, attempt -> Behavior.fail(new IOException()));
    Harness.run(mode, clock, pipeline, attempt -> Behavior.fail(new IOException()));
    assertEquals(CircuitState.OPEN, breaker.state());
    Outcome<String> rejected = Harness.run(mode, clock, pipeline, attempt -> Behavior.ok("ok"));
    assertInstanceOf(CallNotPermittedException.class, rejected.failure());
    assertEquals(0, rejected.attempts());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void metricsSnapshot(Mode mode) {
    CircuitBreaker breaker = builder().countBasedWindow(4).failureRateThreshold(1.0)
        .slowCallDuration(Duration.ofSeconds(1)).ignoreExceptions(IllegalArgumentException.class).build();
    ok(mode, breaker);
    fail(mode, breaker);
    okAfter(mode, breaker, Duration.ofSeconds(2));
    fail(mode, breaker, new IllegalArgumentException());
    assertEquals(new Metrics(CircuitState.CLOSED, 3, 2, 1, 1, 1, 0, 3, 1, 1, 1.0 / 3, 1.0 / 3), breaker.metrics());
    breaker.forceOpen();
    ok(mode, breaker);
    assertEquals(new Metrics(CircuitState.FORCED_OPEN, 3, 2, 1, 1, 1, 1, 0, 0, 0, 0, 0), breaker.metrics());
  }

  @Test
  void lowLevelApi() {
    CircuitBreaker breaker = builder().countBasedWindow(4).slowCallDuration(Duration.ofSeconds(1))
        .ignoreExceptions(IllegalArgumentException.class).recordResultIf(r -> r == null).build();
    assertTrue(breaker.tryAcquirePermission());
    breaker.onSuccess(Duration.ofSeconds(2).toNanos());
    breaker.acquirePermission();
    breaker.onError(0, new IOException());
    breaker.acquirePermission();
    breaker.onError(0, new IllegalArgumentException());
    breaker.acquirePermission();
    breaker.onResult(0, null);
    breaker.acquirePermission();
    breaker.releasePermission();
    Metrics metrics = breaker.metrics();
    assertEquals(3, metrics.calls());
    assertEquals(2, metrics.failures());
    assertEquals(1, metrics.slowCalls());
    assertEquals(1, metrics.ignored());
    breaker.acquirePermission();
    breaker.onResult(0, null);
    assertEquals(CircuitState.OPEN, breaker.state(), "3 failures of 4");
    assertFalse(breaker.tryAcquirePermission());
    CallNotPermittedException rejection = assertThrows(CallNotPermittedException.class, breaker::acquirePermission);
    assertEquals(CircuitState.OPEN, rejection.state());
    assertEquals(2, breaker.metrics().rejections());
  }

  @Test
  void cancellingTheReturnedStageGivesTheTrialBackAndCancelsTheCall() {
    CircuitBreaker breaker = builder().countBasedWindow(2).permittedCallsInHalfOpen(1).build();
    breaker.transitionTo(CircuitState.HALF_OPEN);
    CompletableFuture<String> inner = new CompletableFuture<>();
    CompletionStage<String> stage = breaker.callAsync(() -> inner);
    assertFalse(breaker.tryAcquirePermission(), "the only trial is taken");
    assertTrue(stage.toCompletableFuture().cancel(true));
    assertTrue(inner.isCancelled(), "cancellation reaches the call");
    assertEquals(CircuitState.HALF_OPEN, breaker.state());
    assertEquals(0, breaker.metrics().calls());
    assertTrue(breaker.tryAcquirePermission(), "the cancelled trial gave its permit back");
  }

  @Test
  void anAsyncCallThatReturnsNullFails() {
    CircuitBreaker breaker = builder().countBasedWindow(2).build();
    CompletableFuture<Object> result = breaker.callAsync(() -> null).toCompletableFuture();
    assertTrue(result.isCompletedExceptionally());
    assertEquals(1, breaker.metrics().failures());
  }

  @Test
  void worksWithoutListenersThroughEveryEntryPoint() {
    CircuitBreaker breaker = CircuitBreaker.builder("quiet").clock(clock).countBasedWindow(2).build();
    assertThrows(IOException.class, () -> breaker.call(() -> {
      throw new IOException();
    }));
    assertThrows(UncheckedIOException.class, () -> breaker.run(() -> {
      throw new UncheckedIOException(new IOException());
    }));
    assertEquals(CircuitState.OPEN, breaker.state());
    assertThrows(CallNotPermittedException.class, () -> breaker.get(() -> "x"));
    assertEquals(1, breaker.metrics().rejections());
    assertNull(breaker.config().scheduler().orElse(null));
  }

  @Test
  void rejectionIsOneCachedInstancePerState() {
    CircuitBreaker breaker = builder().countBasedWindow(2).build();
    breaker.forceOpen();
    CallNotPermittedException first = assertThrows(CallNotPermittedException.class, () -> breaker.call(() -> "x"));
    CallNotPermittedException second = assertThrows(CallNotPermittedException.class, () -> breaker.call(() -> "x"));
    assertSame(first, second);
    assertEquals("circuit breaker downstream is FORCED_OPEN and does not permit calls", first.getMessage());
  }
}
