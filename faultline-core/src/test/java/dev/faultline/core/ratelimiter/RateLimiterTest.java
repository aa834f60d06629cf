package dev.faultline.core.ratelimiter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.AsyncChain;
import dev.faultline.core.Pipeline;
import dev.faultline.core.Policy;
import dev.faultline.core.PolicyKind;
import dev.faultline.core.event.PolicyEvent;
import dev.faultline.core.support.Harness;
import dev.faultline.core.support.Harness.Behavior;
import dev.faultline.core.support.Harness.Mode;
import dev.faultline.core.support.Harness.Outcome;
import dev.faultline.core.testing.EventRecorder;
import dev.faultline.core.testing.FakeClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RateLimiterTest {
  private static final long INTERVAL = Duration.ofMillis(100).toNanos(); // 10 per second

  private final FakeClock clock = new FakeClock();
  private final EventRecorder events = new EventRecorder();
  private final List<Long> starts = new ArrayList<>();

  private RateLimiter limiter(int burst, Duration maxWait) {
    return RateLimiter.builder("r").rate(10, Duration.ofSeconds(1)).burst(burst).maxWait(maxWait).clock(clock)
        .scheduler(clock).listener(events).build();
  }

  /** Runs one call that records when it started. */
  private Outcome<String> run(Mode mode, Policy policy) {
    return Harness.run(mode, clock, policy, this::recordStart);
  }

  private Outcome<String> run(Mode mode, Pipeline pipeline) {
    return Harness.run(mode, clock, pipeline, this::recordStart);
  }

  private Behavior<String> recordStart(int attempt) {
    starts.add(clock.nanoTime());
    return Behavior.ok("ok");
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void burstPassesAtOnceThenPermitsComeOneIntervalApart(Mode mode) {
    RateLimiter limiter = limiter(3, Duration.ofSeconds(1));

    for (int i = 0; i < 6; i++) {
      assertTrue(run(mode, limiter).succeeded());
    }

    assertEquals(List.of(0L, 0L, 0L, INTERVAL, 2 * INTERVAL, 3 * INTERVAL), starts);
    assertEquals(new RateLimiter.Metrics(0, 6, 3, 0), limiter.metrics());
    assertEquals(List.of(), events.events());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void callWhosePermitIsFurtherThanMaxWaitIsRejectedAndTakesNothing(Mode mode) {
    RateLimiter limiter = limiter(2, Duration.ZERO);
    run(mode, limiter);
    run(mode, limiter);

    Outcome<String> rejected = run(mode, limiter);

    RateLimitedException exception = assertInstanceOf(RateLimitedException.class, rejected.failure());
    assertEquals(0, rejected.attempts());
    assertEquals("r", exception.policy());
    assertEquals(PolicyKind.RATE_LIMITER, exception.kind());
    assertEquals("rate-limited", exception.code());
    assertEquals(Duration.ofMillis(100), exception.retryAfter());
    assertEquals(Duration.ZERO, exception.maxWait());
    assertEquals(List.of(new PolicyEvent.CallRejected("r", Instant.parse("2026-01-01T00:00:00Z"),
        PolicyKind.RATE_LIMITER, "next permit in PT0.1S, more than maxWait PT0S")), events.events());
    assertEquals(0, clock.nanoTime(), "a rejected call does not wait");

    clock.advance(Duration.ofMillis(100));
    assertTrue(run(mode, limiter).succeeded(), "the rejection took no permit");
    assertEquals(new RateLimiter.Metrics(0, 4, 0, 1), limiter.metrics());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void refillsOnePermitPerInterval(Mode mode) {
    RateLimiter limiter = limiter(2, Duration.ZERO);
    run(mode, limiter);
    run(mode, limiter);

    clock.advance(Duration.ofMillis(99));
    RateLimitedException early = assertInstanceOf(RateLimitedException.class, run(mode, limiter).failure());
    assertEquals(Duration.ofMillis(1), early.retryAfter());
    clock.advance(Duration.ofMillis(1));
    assertTrue(run(mode, limiter).succeeded());
    assertInstanceOf(RateLimitedException.class, run(mode, limiter).failure());
    clock.advance(Duration.ofMillis(250));
    assertTrue(run(mode, limiter).succeeded());
    assertTrue(run(mode, limiter).succeeded());
    assertInstanceOf(RateLimitedException.class, run(mode, limiter).failure());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void storedPermitsNeverExceedTheBurst(Mode mode) {
    RateLimiter limiter = limiter(3, Duration.ZERO);
    clock.advance(Duration.ofHours(1));

    assertEquals(3, limiter.metrics().availablePermits());
    for (int i = 0; i < 3; i++) {
      assertTrue(run(mode, limiter).succeeded());
    }
    assertInstanceOf(RateLimitedException.class, run(mode, limiter).failure());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void callThatWaitsExactlyMaxWaitIsAdmitted(Mode mode) {
    RateLimiter limiter = limiter(1, Duration.ofMillis(100));
    run(mode, limiter);

    assertTrue(run(mode, limiter).succeeded());

    assertEquals(List.of(0L, INTERVAL), starts);
    assertEquals(1, limiter.metrics().waits());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void worksAsAPipelineLink(Mode mode) {
    RateLimiter limiter = limiter(1, Duration.ofMillis(100));
    Pipeline pipeline = Pipeline.builder().clock(clock).add(limiter).build();

    assertTrue(run(mode, pipeline).succeeded());
    assertTrue(run(mode, pipeline).succeeded());

    assertEquals(List.of(0L, INTERVAL), starts);
    assertEquals(new RateLimiter.Metrics(0, 2, 1, 0), limiter.metrics());
  }

  /** Four async calls at once, each noting when it starts. */
  private List<CompletableFuture<String>> startFour(RateLimiter limiter) {
    List<CompletableFuture<String>> results = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      results.add(limiter.callAsync(() -> {
        starts.add(clock.nanoTime());
        return CompletableFuture.completedFuture("ok");
      }).toCompletableFuture());
    }
    return results;
  }

  @Test
  void asyncCallsReservePermitsAheadUpToMaxWait() {
    RateLimiter limiter = limiter(1, Duration.ofMillis(250));
    List<CompletableFuture<String>> results = startFour(limiter);

    assertEquals(List.of(0L), starts);
    RateLimitedException exception = assertInstanceOf(RateLimitedException.class,
        assertThrows(CompletionException.class, results.get(3)::join).getCause());
    assertEquals(Duration.ofMillis(300), exception.retryAfter());
    assertEquals(-2, limiter.metrics().availablePermits(), "two permits reserved ahead");

    clock.advance(Duration.ofMillis(200));

    assertEquals(List.of(0L, INTERVAL, 2 * INTERVAL), starts);
    assertEquals("ok", results.get(2).join());
    assertEquals(new RateLimiter.Metrics(0, 4, 2, 1), limiter.metrics());
  }

  @Test
  void permitsReservedAheadNeverWrapTheClockWithALongIntervalAndAnEndlessMaxWait() {
    long interval = Duration.ofDays(36_500).toNanos(); // one permit a century: three centuries pass Long.MAX_VALUE ns
    RateLimiter limiter = RateLimiter.builder("r").rate(1, Duration.ofDays(36_500)).maxWait(Duration.ofDays(365_000))
        .clock(clock).scheduler(clock).build();
    List<CompletableFuture<String>> results = startFour(limiter);

    assertEquals(List.of(0L), starts, "the fourth permit is 3 centuries away, past maxWait: it must not start now");
    RateLimitedException exception = assertInstanceOf(RateLimitedException.class,
        assertThrows(CompletionException.class, results.get(3)::join).getCause());
    assertEquals(Duration.ofNanos(Long.MAX_VALUE), exception.retryAfter(), "saturated, not wrapped");
    assertEquals(new RateLimiter.Metrics(-2, 4, 2, 1), limiter.metrics());

    clock.advance(2 * interval);
    assertEquals(List.of(0L, interval, 2 * interval), starts);
  }

  @Test
  void cancellingAWaitingAsyncCallMeansItNeverStartsButItsPermitIsSpent() {
    RateLimiter limiter = limiter(1, Duration.ofSeconds(1));
    limiter.callAsync(() -> CompletableFuture.completedFuture("first"));
    AtomicBoolean started = new AtomicBoolean();

    CompletableFuture<String> waiting = limiter.callAsync(() -> {
      started.set(true);
      return CompletableFuture.completedFuture("never");
    }).toCompletableFuture();
    waiting.cancel(true);

    assertEquals(0, clock.pendingTasks());
    clock.advance(Duration.ofMillis(100));
    assertFalse(started.get());
    assertTrue(run(Mode.ASYNC, limiter).succeeded());
    assertEquals(List.of(2 * INTERVAL), starts, "the cancelled call's permit was not given back");
  }

  @Test
  void cancellingAStartedAsyncCallCancelsItsStage() {
    RateLimiter limiter = limiter(1, Duration.ofSeconds(1));
    limiter.callAsync(() -> CompletableFuture.completedFuture("first"));
    CompletableFuture<String> inner = new CompletableFuture<>();

    CompletableFuture<String> result = limiter.callAsync(() -> inner).toCompletableFuture();
    clock.advance(Duration.ofMillis(100));
    result.cancel(true);

    assertTrue(inner.isCancelled());
  }

  @Test
  void syncWaitIsInterruptible() {
    RateLimiter limiter = limiter(1, Duration.ofSeconds(1));
    run(Mode.SYNC, limiter);
    AtomicBoolean ran = new AtomicBoolean();

    Thread.currentThread().interrupt();
    assertThrows(InterruptedException.class, () -> limiter.call(() -> ran.getAndSet(true)));

    assertFalse(ran.get());
    assertFalse(Thread.currentThread().isInterrupted());
  }

  @Test
  void describesItself() {
    RateLimiter limiter = RateLimiter.builder("r").rate(3, Duration.ofSeconds(1)).clock(clock).scheduler(clock).build();
    RateLimiterConfig config = limiter.config();

    assertEquals("r", limiter.name());
    assertEquals(PolicyKind.RATE_LIMITER, limiter.kind());
    assertEquals(3, config.permits());
    assertEquals(Duration.ofSeconds(1), config.period());
    assertEquals(3, config.burst(), "the burst defaults to one period's permits");
    assertEquals(Duration.ZERO, config.maxWait());
    assertEquals(Duration.ofNanos(333_333_334), config.interval(), "rounded up: never faster than the rate");
    assertEquals(new RateLimiter.Metrics(3, 0, 0, 0), limiter.metrics());
  }

  @Test
  void anAsyncChainThatThrowsInsteadOfReturningAStageStillCompletesItsResult() {
    // Async only: a sync call that throws is an ordinary failed call in the caller's thread.
    RateLimiter limiter = limiter(1, Duration.ofSeconds(1));
    IllegalStateException broken = new IllegalStateException("a chain that breaks its contract by throwing");
    AsyncChain<String> throwing = Harness.throwingChain(clock, broken);

    CompletableFuture<String> now = limiter.executeAsync(throwing).toCompletableFuture();
    CompletableFuture<String> later = limiter.executeAsync(throwing).toCompletableFuture();
    assertFalse(later.isDone(), "waits for the next permit");
    clock.advance(Duration.ofNanos(INTERVAL));

    assertSame(broken, assertThrows(CompletionException.class, now::join).getCause());
    assertSame(broken, assertThrows(CompletionException.class, later::join).getCause(),
        "a call started after its wait must complete its result, not leave it pending for ever");
  }
}
