package dev.faultline.core.fallback;

import static dev.faultline.core.support.Harness.Behavior.fail;
import static dev.faultline.core.support.Harness.Behavior.ok;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.ConfigurationException;
import dev.faultline.core.Pipeline;
import dev.faultline.core.PolicyKind;
import dev.faultline.core.event.PolicyEvent.FallbackApplied;
import dev.faultline.core.ratelimiter.RateLimiter;
import dev.faultline.core.retry.Backoff;
import dev.faultline.core.retry.Retry;
import dev.faultline.core.support.Harness;
import dev.faultline.core.support.Harness.Mode;
import dev.faultline.core.support.Harness.Outcome;
import dev.faultline.core.testing.EventRecorder;
import dev.faultline.core.testing.FakeClock;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every fallback scenario, run synchronously and asynchronously through the {@link Harness}. */
class FallbackTest {
  private final FakeClock clock = new FakeClock();
  private final EventRecorder events = new EventRecorder();

  private Fallback.Builder<String> fallback() {
    return Fallback.<String>builder("fallback").clock(clock).listener(events);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aSuccessPassesUntouched(Mode mode) {
    Fallback<String> fallback = fallback().value("spare").build();

    Outcome<String> outcome = Harness.run(mode, clock, fallback, attempt -> ok("real"));

    assertEquals("real", outcome.value());
    assertEquals(List.of(), events.events());
    assertEquals(new Fallback.Metrics(1, 0, 0), fallback.metrics());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aValueReplacesAFailure(Mode mode) {
    Fallback<String> fallback = fallback().value("spare").build();
    IOException down = new IOException("down");

    Outcome<String> outcome = Harness.run(mode, clock, fallback, attempt -> fail(down));

    assertEquals("spare", outcome.value());
    assertEquals(1, outcome.attempts());
    FallbackApplied applied = events.events(FallbackApplied.class).get(0);
    assertSame(down, applied.failure());
    assertEquals("fallback", applied.source());
    assertEquals(PolicyKind.FALLBACK, applied.kind());
    assertEquals(new Fallback.Metrics(1, 1, 0), fallback.metrics());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aFunctionReceivesTheFailure(Mode mode) {
    Fallback<String> fallback = fallback().apply(failure -> "because " + failure.getMessage()).build();

    Outcome<String> outcome = Harness.run(mode, clock, fallback, attempt -> fail(new IOException("disk full")));

    assertEquals("because disk full", outcome.value());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void anAlternativeCallRunsOnFailure(Mode mode) {
    int[] alternativeCalls = {0};
    Fallback<String> fallback = fallback().call(() -> {
      alternativeCalls[0]++;
      return "from replica";
    }).build();

    assertEquals("from replica", Harness.run(mode, clock, fallback, attempt -> fail(new IOException())).value());
    assertEquals("real", Harness.run(mode, clock, fallback, attempt -> ok("real")).value());
    assertEquals(1, alternativeCalls[0], "the alternative runs only on failure");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void anAlternativeAsyncCallRunsOnFailure(Mode mode) {
    Fallback<String> fallback = fallback()
        .callAsync(failure -> CompletableFuture.completedFuture("async after " + failure.getMessage())).build();

    assertEquals("async after down", Harness.run(mode, clock, fallback, attempt -> fail(new IOException("down")))
        .value());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void onlyTheHandledExceptionsAreReplaced(Mode mode) {
    Fallback<String> byType = fallback().value("spare").handle(IOException.class).build();
    IllegalStateException bug = new IllegalStateException("bug");

    assertSame(bug, Harness.run(mode, clock, byType, attempt -> fail(bug)).failure());
    assertEquals("spare", Harness.run(mode, clock, byType, attempt -> fail(new IOException())).value());
    assertEquals(new Fallback.Metrics(2, 1, 0), byType.metrics());

    Fallback<String> byPredicate = fallback().value("spare").handleIf(t -> t instanceof TimeoutException).build();
    assertEquals("spare", Harness.run(mode, clock, byPredicate, attempt -> fail(new TimeoutException())).value());
    assertSame(bug, Harness.run(mode, clock, byPredicate, attempt -> fail(bug)).failure());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aResultPredicateReplacesResults(Mode mode) {
    List<Throwable> seen = new ArrayList<>();
    Fallback<String> fallback = fallback().apply(failure -> {
      seen.add(failure);
      return "replaced";
    }).handleResult(r -> r == null || ((String) r).isEmpty()).build();

    assertEquals("replaced", Harness.run(mode, clock, fallback, attempt -> ok("")).value());
    assertEquals("kept", Harness.run(mode, clock, fallback, attempt -> ok("kept")).value());
    assertEquals(1, seen.size());
    assertNull(seen.get(0), "a result has no failure");
    assertNull(events.events(FallbackApplied.class).get(0).failure());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void fatalErrorsAreNeverReplaced(Mode mode) {
    Fallback<String> fallback = fallback().value("spare").build();
    StackOverflowError fatal = new StackOverflowError("test");

    Outcome<String> outcome = Harness.run(mode, clock, fallback, attempt -> fail(fatal));

    assertSame(fatal, outcome.failure());
    assertEquals(List.of(), events.events());
    assertEquals(new Fallback.Metrics(1, 0, 0), fallback.metrics());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aFailingFallbackIsTheOutcomeAndCarriesTheOriginalFailure(Mode mode) {
    IllegalStateException broken = new IllegalStateException("fallback broken");
    Fallback<String> fallback = fallback().apply(failure -> {
      throw broken;
    }).build();
    IOException down = new IOException("down");

    Outcome<String> outcome = Harness.run(mode, clock, fallback, attempt -> fail(down));

    assertSame(broken, outcome.failure());
    assertArrayEquals(new Throwable[] {down}, broken.getSuppressed());
    assertEquals(new Fallback.Metrics(1, 1, 1), fallback.metrics());

    IOException alsoDown = new IOException("replica down");
    Fallback<String> failingAsync = fallback().callAsync(failure -> CompletableFuture.failedFuture(alsoDown)).build();
    Outcome<String> asyncOutcome = Harness.run(mode, clock, failingAsync, attempt -> fail(down));
    assertSame(alsoDown, asyncOutcome.failure());
    assertArrayEquals(new Throwable[] {down}, alsoDown.getSuppressed());
    assertEquals(new Fallback.Metrics(1, 1, 1), failingAsync.metrics());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void inAPipelineTheFallbackSeesTheOutcomeAfterRetriesGaveUp(Mode mode) {
    Retry retry = Retry.builder("retry").clock(clock).scheduler(clock).listener(events).maxAttempts(3)
        .backoff(Backoff.fixed(Duration.ofMillis(10))).build();
    Fallback<String> fallback = fallback().apply(failure -> "spare after " + failure.getMessage()).build();
    Pipeline pipeline = Pipeline.builder().clock(clock).add(fallback, retry).build();

    Outcome<String> outcome = Harness.run(mode, clock, pipeline, attempt -> fail(new IOException("try " + attempt)));

    assertEquals("spare after try 3", outcome.value());
    assertEquals(3, outcome.attempts());
    List<String> names = events.names();
    assertEquals("RetriesExhausted", names.get(names.size() - 2));
    assertEquals("FallbackApplied", names.get(names.size() - 1));
  }

  @Test
  void anAsyncAlternativeCompletesLaterOnTheClock() {
    Fallback<String> fallback = fallback().callAsync(failure -> {
      CompletableFuture<String> later = new CompletableFuture<>();
      clock.schedule(() -> later.complete("late spare"), Duration.ofMillis(50).toNanos());
      return later;
    }).build();

    Outcome<String> outcome = Harness.run(Mode.ASYNC, clock, fallback, attempt -> fail(new IOException()));

    assertEquals("late spare", outcome.value());
    assertEquals(Duration.ofMillis(50).toNanos(), clock.nanoTime());
  }

  @Test
  void cancellingTheResultCancelsTheCallOrTheAlternativeInFlight() {
    Fallback<String> fallback = fallback().value("spare").build();
    CompletableFuture<String> call = new CompletableFuture<>();
    CompletableFuture<String> result = fallback.<String>callAsync(() -> call).toCompletableFuture();

    assertTrue(result.cancel(false));
    assertTrue(call.isCancelled());
    assertEquals(List.of(), events.events(), "the call's cancellation is not a failure to replace");

    CompletableFuture<String> alternative = new CompletableFuture<>();
    Fallback<String> slow = fallback().callAsync(failure -> alternative).build();
    CompletableFuture<String> second = slow.<String>callAsync(() -> CompletableFuture.failedFuture(new IOException()))
        .toCompletableFuture();
    assertFalse(second.isDone());
    second.cancel(false);
    assertTrue(alternative.isCancelled());
  }

  @Test
  void aSyncRunOfAnAsyncAlternativeWaitsForIt() throws Exception {
    Fallback<String> fallback = fallback().callAsync(failure -> CompletableFuture.supplyAsync(() -> "waited")).build();

    assertEquals("waited", fallback.call(() -> {
      throw new IOException("down");
    }));
  }

  @Test
  void aSyncRunInterruptedWhileWaitingForAnAsyncAlternativeCancelsIt() {
    // The async counterpart is cancellingTheResultCancelsTheCallOrTheAlternativeInFlight: cancelling the result.
    CompletableFuture<String> alternative = new CompletableFuture<>();
    Fallback<String> fallback = fallback().callAsync(failure -> {
      Thread.currentThread().interrupt(); // the caller is interrupted while the alternative is in flight
      return alternative;
    }).build();
    try {
      InterruptedException thrown = assertThrows(InterruptedException.class, () -> fallback.call(() -> {
        throw new IOException("down");
      }));

      assertTrue(alternative.isCancelled(), "nobody waits for the alternative any more: it must not run on");
      assertEquals(IOException.class, thrown.getSuppressed()[0].getClass(), "the original failure is attached");
      assertEquals(new Fallback.Metrics(1, 1, 1), fallback.metrics());
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  void theValueIsCastToTheCallersTypeUnchecked() {
    Fallback<Integer> number = Fallback.<Integer>builder("number").value(42).build();

    Outcome<String> outcome = Harness.run(Mode.SYNC, clock, number, attempt -> fail(new IOException()));

    assertEquals(42, ((Outcome<?>) outcome).value(), "the value arrives as it is");
    assertThrows(ClassCastException.class, () -> {
      String value = outcome.value();
      assertNull(value, "unreachable: the assignment fails");
    });
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aThrowingHandleIfPredicateSurfacesWithTheFailureItWasJudgingAttached(Mode mode) {
    IllegalStateException broken = new IllegalStateException("predicate bug");
    Fallback<String> fallback = fallback().value("spare").handleIf(failure -> {
      throw broken;
    }).build();
    IOException down = new IOException("down");

    Outcome<String> outcome = Harness.run(mode, clock, fallback, attempt -> fail(down));

    assertSame(broken, outcome.failure(), "the predicate's exception is the outcome");
    assertArrayEquals(new Throwable[] {down}, broken.getSuppressed(), "the failure it was judging must not be lost");
    assertEquals(List.of(), events.events());
  }

  @Test
  void replacingAnInterruptedExceptionKeepsTheThreadInterrupted() throws Exception {
    // Sync only: an async stage that fails with InterruptedException has no thread whose flag could be lost.
    Fallback<String> fallback = fallback().value("spare").build();
    try {
      String value = fallback.call(() -> {
        throw new InterruptedException("blocking call interrupted (flag cleared, as it is when this is thrown)");
      });

      assertEquals("spare", value);
      assertTrue(Thread.currentThread().isInterrupted(), "the caller must still see that it was interrupted");
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  void aPipelineInterruptedWhileWaitingForAPermitFallsBackAndStaysInterrupted() throws Exception {
    RateLimiter limiter = RateLimiter.builder("limiter").rate(1, Duration.ofSeconds(1)).maxWait(Duration.ofSeconds(5))
        .clock(clock).scheduler(clock).build();
    Pipeline pipeline = Pipeline.builder().clock(clock)
        .add(fallback().value("spare").build(), limiter).build();
    assertEquals("real", pipeline.call(() -> "real"), "the bucket's one permit");
    List<String> ran = new ArrayList<>();
    try {
      Thread.currentThread().interrupt();
      String value = pipeline.call(() -> {
        ran.add("call");
        return "real";
      });

      assertEquals("spare", value, "the wait for the next permit was interrupted");
      assertEquals(List.of(), ran);
      assertTrue(Thread.currentThread().isInterrupted(), "the fallback must not swallow the interrupt");
    } finally {
      Thread.interrupted();
    }
  }

  private static void rejects(String field, String rule, Object value, Executable build) {
    ConfigurationException e = assertThrows(ConfigurationException.class, build);
    assertEquals(field, e.field());
    assertEquals(rule, e.rule());
    assertEquals(String.valueOf(value), String.valueOf(e.value()));
  }

  @Test
  void configurationRules() {
    rejects("fallback", "be set exactly once, by value, apply, call or callAsync", "not set",
        () -> Fallback.<String>builder("f").build());
    rejects("fallback", "be set exactly once, by value, apply, call or callAsync", "VALUE and CALL",
        () -> Fallback.<String>builder("f").value("a").call(() -> "b").build());
    rejects("name", "not be blank", "null", () -> Fallback.<String>builder(null).value("a").build());
    rejects("apply", "not be null", "null", () -> Fallback.<String>builder("f").apply(null).build());
    rejects("call", "not be null", "null", () -> Fallback.<String>builder("f").call(null).build());
    rejects("callAsync", "not be null", "null", () -> Fallback.<String>builder("f").callAsync(null).build());
    rejects("handle", "not list a fatal error type (fatal errors are never replaced)", "java.lang.OutOfMemoryError",
        () -> Fallback.<String>builder("f").value("a").handle(OutOfMemoryError.class).build());
    rejects("clock", "not be null", "null", () -> Fallback.<String>builder("f").value("a").clock(null).build());

    Fallback.Builder<String> builder = Fallback.<String>builder("f").value("a").handle(IOException.class);
    Fallback<String> fallback = builder.build();
    builder.handle(IllegalStateException.class);
    FallbackConfig<String> config = fallback.config();
    assertEquals(FallbackConfig.Source.VALUE, config.source());
    assertEquals("a", config.value().orElseThrow());
    assertEquals(List.of(IOException.class), config.handle(), "later builder changes do not reach the config");
    assertEquals(PolicyKind.FALLBACK, fallback.kind());
    assertEquals("f", fallback.name());
  }
}
