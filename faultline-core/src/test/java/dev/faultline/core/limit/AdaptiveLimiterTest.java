package dev.faultline.core.limit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.AsyncChain;
import dev.faultline.core.Pipeline;
import dev.faultline.core.PolicyKind;
import dev.faultline.core.event.PolicyEvent;
import dev.faultline.core.event.PolicyEvent.LimitChanged;
import dev.faultline.core.support.Harness;
import dev.faultline.core.support.Harness.Behavior;
import dev.faultline.core.support.Harness.Mode;
import dev.faultline.core.support.Harness.Outcome;
import dev.faultline.core.testing.EventRecorder;
import dev.faultline.core.testing.FakeClock;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Adaptive limiter scenarios on a fake clock, in both modes. Load comes in rounds: as many calls as the current limit
 * start together and all end after the same round-trip time, so that the algorithm sees a busy downstream whose
 * latency the test sets (in SYNC mode the calls are nested in one thread; in ASYNC mode their stages complete on the
 * fake clock).
 */
class AdaptiveLimiterTest {
  private static final Duration FAST = Duration.ofMillis(10);
  private static final IOException FAILURE = new IOException("dropped");

  private final FakeClock clock = new FakeClock();
  private final EventRecorder events = new EventRecorder();

  private AdaptiveLimiter.Builder builder(LimitAlgorithm algorithm) {
    return AdaptiveLimiter.builder("l").algorithm(algorithm).clock(clock).listener(events);
  }

  /** Runs one round of {@code limit} concurrent calls that all take {@code rtt} (and fail, if {@code fail}). */
  private void round(Mode mode, AdaptiveLimiter limiter, Duration rtt, boolean fail) throws Exception {
    int concurrency = limiter.metrics().limit();
    Harness.Script<String> script = attempt -> fail ? Behavior.failAfter(rtt, FAILURE) : Behavior.okAfter(rtt, "ok");
    Outcome<String> innermost;
    if (mode == Mode.SYNC) {
      innermost = nest(limiter, concurrency, script);
    } else {
      for (int i = 1; i < concurrency; i++) {
        CompletableFuture<String> call = new CompletableFuture<>();
        CompletableFuture<String> result = limiter.callAsync(() -> call).toCompletableFuture();
        assertFalse(result.isDone(), "admitted");
        clock.schedule(() -> {
          if (fail) {
            call.completeExceptionally(FAILURE);
          } else {
            call.complete("ok");
          }
        }, rtt.toNanos());
      }
      innermost = Harness.run(mode, clock, limiter, script);
    }
    assertEquals(fail, !innermost.succeeded(), () -> "unexpected outcome " + innermost.failure());
    assertEquals(0, limiter.metrics().inflight());
  }

  /** {@code depth} nested calls in this thread; the innermost runs through the harness, the others rethrow its failure. */
  private Outcome<String> nest(AdaptiveLimiter limiter, int depth, Harness.Script<String> script) throws Exception {
    if (depth == 1) {
      return Harness.run(Mode.SYNC, clock, limiter, script);
    }
    List<Outcome<String>> inner = new ArrayList<>();
    try {
      limiter.call(() -> {
        Outcome<String> outcome = nest(limiter, depth - 1, script);
        inner.add(outcome);
        if (!outcome.succeeded()) {
          throw (Exception) outcome.failure();
        }
        return outcome.value();
      });
    } catch (IOException expected) {
      // the outer calls fail as the innermost did
    }
    return inner.get(0);
  }

  private void rounds(Mode mode, AdaptiveLimiter limiter, int count, Duration rtt, boolean fail) throws Exception {
    for (int i = 0; i < count; i++) {
      round(mode, limiter, rtt, fail);
    }
  }

  private List<LimitChanged> changes() {
    return events.events(LimitChanged.class);
  }

  private void assertAllChangesWithin(int min, int max) {
    for (LimitChanged change : changes()) {
      assertTrue(change.from() >= min && change.from() <= max && change.to() >= min && change.to() <= max,
          () -> "out of [" + min + ", " + max + "]: " + change);
      assertTrue(change.from() != change.to(), () -> "not a change: " + change);
    }
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void rejectsAtTheLimitAndAdmitsAgainWhenACallEnds(Mode mode) {
    AdaptiveLimiter limiter = builder(LimitAlgorithm.GRADIENT2).initialLimit(2).minLimit(2).maxLimit(2).build();
    CompletableFuture<String> first = new CompletableFuture<>();
    CompletableFuture<String> second = new CompletableFuture<>();
    limiter.callAsync(() -> first);
    limiter.callAsync(() -> second);

    Outcome<String> rejected = Harness.run(mode, clock, limiter, attempt -> Behavior.ok("x"));

    LimitExceededException exception = assertInstanceOf(LimitExceededException.class, rejected.failure());
    assertEquals(0, rejected.attempts());
    assertEquals(2, exception.limit());
    assertEquals("l", exception.policy());
    assertEquals(PolicyKind.ADAPTIVE_LIMITER, exception.kind());
    assertEquals("limit-exceeded", exception.code());
    assertEquals(List.of(new PolicyEvent.CallRejected("l", Instant.parse("2026-01-01T00:00:00Z"),
        PolicyKind.ADAPTIVE_LIMITER, "2 calls in flight, the current limit")), events.events());

    first.completeExceptionally(FAILURE);
    assertEquals("y", Harness.run(mode, clock, limiter, attempt -> Behavior.ok("y")).value());
    assertEquals(new AdaptiveLimiter.Metrics(2, 1, 4, 1), limiter.metrics());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void gradient2GrowsWhileLatencyHolds(Mode mode) throws Exception {
    AdaptiveLimiter limiter = builder(LimitAlgorithm.GRADIENT2).initialLimit(10).maxLimit(100).build();

    rounds(mode, limiter, 10, FAST, false);

    assertTrue(limiter.metrics().limit() >= 20, "grew to " + limiter.metrics().limit());
    assertFalse(changes().isEmpty());
    changes().forEach(change -> assertTrue(change.to() > change.from(), "only growth: " + change));
    assertAllChangesWithin(1, 100);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void gradient2ShrinksWhenLatencyRises(Mode mode) throws Exception {
    AdaptiveLimiter limiter = builder(LimitAlgorithm.GRADIENT2).initialLimit(40).minLimit(5).maxLimit(100).build();
    rounds(mode, limiter, 3, FAST, false);
    int before = limiter.metrics().limit();
    events.clear();

    rounds(mode, limiter, 4, FAST.multipliedBy(4), false);

    int after = limiter.metrics().limit();
    assertTrue(after < before / 2, "shrank from " + before + " to " + after);
    LimitChanged first = changes().get(0);
    assertTrue(first.to() < first.from(), "the first reaction is to shrink: " + first);
    // As the long-term average catches up with the new latency, it becomes the new baseline: the limit settles at a
    // new equilibrium (and may creep up again) instead of falling to the minimum.
    assertTrue(after > 5, "settles above the minimum: " + after);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void gradient2ToleratesLatencyWithinItsTolerance(Mode mode) throws Exception {
    AdaptiveLimiter limiter = builder(LimitAlgorithm.GRADIENT2).initialLimit(20).maxLimit(100).build();
    rounds(mode, limiter, 3, FAST, false);
    int before = limiter.metrics().limit();

    // 1.4 times the baseline is within the default tolerance of 1.5: the limit keeps growing.
    rounds(mode, limiter, 3, Duration.ofMillis(14), false);

    assertTrue(limiter.metrics().limit() > before, before + " -> " + limiter.metrics().limit());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void vegasGrowsFastWithoutQueueing(Mode mode) throws Exception {
    AdaptiveLimiter limiter = builder(LimitAlgorithm.VEGAS).initialLimit(10).maxLimit(200).build();

    rounds(mode, limiter, 4, FAST, false);

    assertTrue(limiter.metrics().limit() >= 40, "grew to " + limiter.metrics().limit());
    changes().forEach(change -> assertTrue(change.to() > change.from(), "only growth: " + change));
    assertAllChangesWithin(1, 200);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void vegasWithTheLargestBetaStillGrowsWithoutQueueing(Mode mode) throws Exception {
    // beta * log10(limit) must not overflow an int: beta = Integer.MAX_VALUE ("never shrink for queueing") is valid.
    AdaptiveLimiter limiter = builder(LimitAlgorithm.VEGAS).initialLimit(100).maxLimit(1000).beta(Integer.MAX_VALUE)
        .build();

    rounds(mode, limiter, 3, FAST, false);

    assertEquals(1000, limiter.metrics().limit());
    changes().forEach(change -> assertTrue(change.to() > change.from(), "only growth: " + change));
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void vegasShrinksWhenLatencyRises(Mode mode) throws Exception {
    AdaptiveLimiter limiter = builder(LimitAlgorithm.VEGAS).initialLimit(20).maxLimit(60).build();
    rounds(mode, limiter, 2, FAST, false);
    int before = limiter.metrics().limit();
    events.clear();

    rounds(mode, limiter, 3, FAST.multipliedBy(3), false);

    int after = limiter.metrics().limit();
    assertTrue(after < before, "shrank from " + before + " to " + after);
    changes().forEach(change -> assertTrue(change.to() < change.from(), "only shrinking: " + change));
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void vegasShrinksOnFailuresEvenAtSteadyLatency(Mode mode) throws Exception {
    AdaptiveLimiter limiter = builder(LimitAlgorithm.VEGAS).initialLimit(30).maxLimit(60).build();
    rounds(mode, limiter, 1, FAST, false);
    int before = limiter.metrics().limit();
    events.clear();

    rounds(mode, limiter, 2, FAST, true);

    int after = limiter.metrics().limit();
    assertTrue(after < before, "shrank from " + before + " to " + after);
    changes().forEach(change -> assertTrue(change.to() < change.from(), "only shrinking: " + change));
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void limitStaysWithinItsBounds(Mode mode) throws Exception {
    for (LimitAlgorithm algorithm : LimitAlgorithm.values()) {
      events.clear();
      AdaptiveLimiter.Builder builder = builder(algorithm).initialLimit(5).minLimit(3).maxLimit(12);
      if (algorithm == LimitAlgorithm.GRADIENT2) {
        builder.queueSize(1);
      }
      AdaptiveLimiter limiter = builder.build();

      rounds(mode, limiter, 30, FAST, false);
      assertEquals(12, limiter.metrics().limit(), algorithm + " reaches its max and stops there");

      Duration rtt = FAST;
      for (int i = 0; i < 30; i++) {
        rtt = rtt.multipliedBy(2);
        round(mode, limiter, rtt, i % 2 == 0);
      }
      assertEquals(3, limiter.metrics().limit(), algorithm + " reaches its min and stops there");
      assertAllChangesWithin(3, 12);
    }
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aLimitNotReachedIsNotGrown(Mode mode) {
    for (LimitAlgorithm algorithm : LimitAlgorithm.values()) {
      AdaptiveLimiter limiter = builder(algorithm).initialLimit(20).build();

      for (int i = 0; i < 100; i++) {
        assertTrue(Harness.run(mode, clock, limiter, attempt -> Behavior.okAfter(FAST, "ok")).succeeded());
      }

      assertEquals(20, limiter.metrics().limit(), algorithm + ": one call at a time says nothing about the limit");
    }
    assertEquals(List.of(), changes());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void worksAsAPipelineLink(Mode mode) {
    AdaptiveLimiter limiter = builder(LimitAlgorithm.VEGAS).initialLimit(1).minLimit(1).maxLimit(1).build();
    Pipeline pipeline = Pipeline.builder().clock(clock).add(limiter).build();
    CompletableFuture<String> holder = new CompletableFuture<>();
    pipeline.callAsync(context -> holder);

    assertInstanceOf(LimitExceededException.class, Harness.run(mode, clock, pipeline, a -> Behavior.ok("x")).failure());
    holder.complete("done");
    assertEquals("x", Harness.run(mode, clock, pipeline, a -> Behavior.ok("x")).value());
    assertEquals(new AdaptiveLimiter.Metrics(1, 0, 3, 1), limiter.metrics());
  }

  @Test
  void cancelledAsyncCallsEndAndCountAsDrops() throws Exception {
    AdaptiveLimiter limiter = builder(LimitAlgorithm.VEGAS).initialLimit(10).maxLimit(50).build();
    rounds(Mode.ASYNC, limiter, 1, FAST, false);
    int before = limiter.metrics().limit();
    List<CompletableFuture<String>> results = new ArrayList<>();
    for (int i = 0; i < before; i++) {
      results.add(limiter.callAsync(CompletableFuture<String>::new).toCompletableFuture());
    }
    assertEquals(before, limiter.metrics().inflight());

    clock.advance(FAST);
    results.forEach(result -> result.cancel(true));

    assertEquals(0, limiter.metrics().inflight());
    assertTrue(limiter.metrics().limit() < before, before + " -> " + limiter.metrics().limit());
  }

  @Test
  void fatalErrorsPassThroughAndEndTheCall() {
    AdaptiveLimiter limiter = builder(LimitAlgorithm.GRADIENT2).build();
    OutOfMemoryError error = new OutOfMemoryError("test");

    assertSame(error, assertThrows(OutOfMemoryError.class, () -> limiter.call(() -> {
      throw error;
    })));

    assertEquals(new AdaptiveLimiter.Metrics(20, 0, 1, 0), limiter.metrics());
  }

  @Test
  void describesItself() {
    AdaptiveLimiter limiter = AdaptiveLimiter.builder("l").clock(clock).build();
    AdaptiveLimiterConfig config = limiter.config();

    assertEquals("l", limiter.name());
    assertEquals(PolicyKind.ADAPTIVE_LIMITER, limiter.kind());
    assertEquals(LimitAlgorithm.GRADIENT2, config.algorithm());
    assertEquals(20, config.initialLimit());
    assertEquals(1, config.minLimit());
    assertEquals(200, config.maxLimit());
    assertEquals(0.2, config.smoothing());
    assertEquals(1.5, config.rttTolerance());
    assertEquals(1, config.shortWindow());
    assertEquals(600, config.longWindow());
    assertEquals(4, config.queueSize(20));
    assertEquals(new AdaptiveLimiter.Metrics(20, 0, 0, 0), limiter.metrics());

    AdaptiveLimiterConfig vegas = AdaptiveLimiter.builder("v").algorithm(LimitAlgorithm.VEGAS).build().config();
    assertEquals(1.0, vegas.smoothing());
    assertEquals(3, vegas.alpha());
    assertEquals(6, vegas.beta());
    assertEquals(30, vegas.probeMultiplier());

    AdaptiveLimiterConfig sqrt = AdaptiveLimiter.builder("s").queueSize(l -> (int) Math.sqrt(l)).build().config();
    assertEquals(10, sqrt.queueSize(100));
    assertEquals(1, sqrt.queueSize(1));
    assertThrows(IllegalArgumentException.class, () -> sqrt.queueSize(201));
  }

  @Test
  void anAsyncChainThatThrowsInsteadOfReturningAStageGivesItsSlotBack() {
    // Async only: a sync chain that throws is an ordinary failed call (and already gives its slot back).
    AdaptiveLimiter limiter = builder(LimitAlgorithm.VEGAS).initialLimit(1).minLimit(1).maxLimit(1).build();
    IllegalStateException broken = new IllegalStateException("a chain that breaks its contract by throwing");
    AsyncChain<String> throwing = Harness.throwingChain(clock, broken);

    CompletableFuture<String> first = limiter.executeAsync(throwing).toCompletableFuture();

    assertSame(broken, assertThrows(CompletionException.class, first::join).getCause());
    assertEquals(0, limiter.metrics().inflight(), "the slot must come back, or a limit of 1 rejects every call after");
    assertEquals("ok", limiter.callAsync(() -> CompletableFuture.completedFuture("ok")).toCompletableFuture().join());
  }
}
