package dev.faultline.core.bulkhead;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.Pipeline;
import dev.faultline.core.PolicyKind;
import dev.faultline.core.TimeoutExceededException;
import dev.faultline.core.event.PolicyEvent;
import dev.faultline.core.support.Harness;
import dev.faultline.core.support.Harness.Behavior;
import dev.faultline.core.support.Harness.Mode;
import dev.faultline.core.support.Harness.Outcome;
import dev.faultline.core.testing.EventRecorder;
import dev.faultline.core.testing.FakeClock;
import dev.faultline.core.timeout.Timeout;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Bulkhead scenarios on a fake clock, in both modes; waiting in the calling thread is in {@link BulkheadWaitTest}. */
class BulkheadTest {
  private final FakeClock clock = new FakeClock();
  private final EventRecorder events = new EventRecorder();

  private Bulkhead bulkhead(int max, Duration maxWait) {
    return Bulkhead.builder("b").maxConcurrentCalls(max).maxWait(maxWait).clock(clock).scheduler(clock)
        .listener(events).build();
  }

  /** The two implementations of a bulkhead that never waits: its own slot per permit, or the shared counter. */
  enum Impl {
    SLOTS, COUNTER;

    Bulkhead of(BulkheadConfig config) {
      return this == SLOTS ? new SlotBulkhead(config) : new DefaultBulkhead(config);
    }
  }

  private Bulkhead noWait(int max, Impl impl) {
    return impl.of(bulkhead(max, Duration.ZERO).config());
  }

  static List<Arguments> modesAndImpls() {
    List<Arguments> arguments = new ArrayList<>();
    for (Mode mode : Mode.values()) {
      for (Impl impl : Impl.values()) {
        arguments.add(Arguments.of(mode, impl));
      }
    }
    return arguments;
  }

  @Test
  void buildsSlotsForSmallBulkheadsThatNeverWaitAndACounterOtherwise() {
    assertInstanceOf(SlotBulkhead.class, bulkhead(SlotBulkhead.MAX_PERMITS, Duration.ZERO));
    assertInstanceOf(DefaultBulkhead.class, bulkhead(SlotBulkhead.MAX_PERMITS + 1, Duration.ZERO));
    assertInstanceOf(DefaultBulkhead.class, bulkhead(1, Duration.ofMillis(1)));
  }

  @ParameterizedTest
  @EnumSource(Impl.class)
  void aLargeNoWaitBulkheadFillsEveryPermitThenRejects(Impl impl) throws Exception {
    int max = SlotBulkhead.MAX_PERMITS;
    Bulkhead bulkhead = noWait(max, impl);
    List<CompletableFuture<String>> holders = new ArrayList<>();
    for (int i = 0; i < max; i++) {
      CompletableFuture<String> holder = new CompletableFuture<>();
      holders.add(holder);
      bulkhead.callAsync(() -> holder);
    }
    assertEquals(0, bulkhead.metrics().availablePermits());
    assertThrows(BulkheadFullException.class, () -> bulkhead.call(() -> "x"));
    holders.get(max / 2).complete("freed");
    assertEquals(1, bulkhead.metrics().availablePermits());
    CompletableFuture<String> last = new CompletableFuture<>();
    assertFalse(bulkhead.callAsync(() -> last).toCompletableFuture().isDone(),
        "the one permit given back is found wherever it is");
    assertEquals(0, bulkhead.metrics().availablePermits());
    assertThrows(BulkheadFullException.class, () -> bulkhead.call(() -> "z"));
    holders.forEach(h -> h.complete("done"));
    last.complete("done");
    assertEquals(new Bulkhead.Metrics(max, max, max + 3, 2), bulkhead.metrics());
  }

  @ParameterizedTest
  @MethodSource("modesAndImpls")
  void rejectsWhenFullAndAdmitsAgainOnceTheHolderSucceeds(Mode mode, Impl impl) {
    Bulkhead bulkhead = noWait(1, impl);
    CompletableFuture<String> holder = new CompletableFuture<>();
    CompletableFuture<String> held = bulkhead.callAsync(() -> holder).toCompletableFuture();

    Outcome<String> rejected = Harness.run(mode, clock, bulkhead, attempt -> Behavior.ok("x"));

    BulkheadFullException exception = assertInstanceOf(BulkheadFullException.class, rejected.failure());
    assertEquals(0, rejected.attempts(), "a rejected call never runs");
    assertEquals("b", exception.policy());
    assertEquals(PolicyKind.BULKHEAD, exception.kind());
    assertEquals("bulkhead-full", exception.code());
    assertEquals(1, exception.maxConcurrentCalls());
    assertEquals(List.of(new PolicyEvent.CallRejected("b", Instant.parse("2026-01-01T00:00:00Z"), PolicyKind.BULKHEAD,
        "all 1 permits in use")), events.events());

    holder.complete("done");
    assertEquals("done", held.join());
    assertEquals(1, bulkhead.metrics().availablePermits());

    Outcome<String> admitted = Harness.run(mode, clock, bulkhead, attempt -> Behavior.ok("y"));
    assertEquals("y", admitted.value());
    assertEquals(new Bulkhead.Metrics(1, 1, 3, 1), bulkhead.metrics());
  }

  @ParameterizedTest
  @MethodSource("modesAndImpls")
  void rejectsWhenFullAndAdmitsAgainOnceTheHolderFails(Mode mode, Impl impl) {
    Bulkhead bulkhead = noWait(1, impl);
    CompletableFuture<String> holder = new CompletableFuture<>();
    CompletableFuture<String> held = bulkhead.callAsync(() -> holder).toCompletableFuture();
    assertInstanceOf(BulkheadFullException.class, Harness.run(mode, clock, bulkhead, a -> Behavior.ok("x")).failure());

    IOException failure = new IOException("holder failed");
    holder.completeExceptionally(failure);

    assertSame(failure, assertThrows(CompletionException.class, held::join).getCause());
    assertEquals(1, bulkhead.metrics().availablePermits());
    assertEquals("y", Harness.run(mode, clock, bulkhead, a -> Behavior.ok("y")).value());
  }

  @ParameterizedTest
  @MethodSource("modesAndImpls")
  void everyCallGivesItsPermitBackHoweverItEnds(Mode mode, Impl impl) {
    Bulkhead bulkhead = noWait(2, impl);
    IOException failure = new IOException("boom");

    assertSame(failure, Harness.run(mode, clock, bulkhead, a -> Behavior.fail(failure)).failure());
    assertSame(failure, Harness.run(mode, clock, bulkhead, a -> Behavior.failAfter(Duration.ofSeconds(1), failure))
        .failure());
    assertEquals("slow", Harness.run(mode, clock, bulkhead, a -> Behavior.okAfter(Duration.ofSeconds(1), "slow"))
        .value());

    assertEquals(new Bulkhead.Metrics(2, 2, 3, 0), bulkhead.metrics());
  }

  @ParameterizedTest
  @MethodSource("modesAndImpls")
  void admitsExactlyMaxConcurrentCalls(Mode mode, Impl impl) {
    Bulkhead bulkhead = noWait(3, impl);
    List<CompletableFuture<String>> holders = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      CompletableFuture<String> holder = new CompletableFuture<>();
      holders.add(holder);
      bulkhead.callAsync(() -> holder);
    }

    assertEquals(0, bulkhead.metrics().availablePermits());
    assertInstanceOf(BulkheadFullException.class, Harness.run(mode, clock, bulkhead, a -> Behavior.ok("x")).failure());

    holders.get(1).complete("one done");
    assertEquals("x", Harness.run(mode, clock, bulkhead, a -> Behavior.ok("x")).value());
    assertEquals(1, bulkhead.metrics().availablePermits());
  }

  @ParameterizedTest
  @MethodSource("modesAndImpls")
  void aRunningSyncCallHoldsItsPermitUntilItReturns(Mode mode, Impl impl) throws Exception {
    Bulkhead bulkhead = noWait(1, impl);

    Outcome<String> inside = bulkhead.call(() -> Harness.run(mode, clock, bulkhead, a -> Behavior.ok("inner")));

    assertInstanceOf(BulkheadFullException.class, inside.failure());
    assertEquals("after", Harness.run(mode, clock, bulkhead, a -> Behavior.ok("after")).value());
  }

  @ParameterizedTest
  @MethodSource("modesAndImpls")
  void worksAsAPipelineLink(Mode mode, Impl impl) {
    Bulkhead bulkhead = noWait(1, impl);
    Pipeline pipeline = Pipeline.builder().clock(clock).add(bulkhead).build();
    CompletableFuture<String> holder = new CompletableFuture<>();
    pipeline.callAsync(context -> holder);

    assertInstanceOf(BulkheadFullException.class, Harness.run(mode, clock, pipeline, a -> Behavior.ok("x")).failure());
    holder.complete("done");
    assertEquals("x", Harness.run(mode, clock, pipeline, a -> Behavior.ok("x")).value());
    assertEquals(new Bulkhead.Metrics(1, 1, 3, 1), bulkhead.metrics());
  }

  @Test
  void queuedAsyncCallStartsWhenAPermitFrees() {
    Bulkhead bulkhead = bulkhead(1, Duration.ofSeconds(1));
    CompletableFuture<String> holder = new CompletableFuture<>();
    bulkhead.callAsync(() -> holder);
    AtomicBoolean started = new AtomicBoolean();

    CompletableFuture<String> queued = bulkhead.callAsync(() -> {
      started.set(true);
      return CompletableFuture.completedFuture("queued");
    }).toCompletableFuture();
    clock.advance(Duration.ofMillis(999));
    assertFalse(started.get(), "no permit yet");
    assertEquals(1, ((DefaultBulkhead) bulkhead).queuedCalls());

    holder.complete("done");

    assertEquals("queued", queued.join());
    assertEquals(0, clock.pendingTasks(), "the wait's timer is cancelled");
    assertEquals(new Bulkhead.Metrics(1, 1, 2, 0), bulkhead.metrics());
  }

  @Test
  void queuedAsyncCallIsRejectedWhenItsWaitEnds() {
    Bulkhead bulkhead = bulkhead(1, Duration.ofSeconds(1));
    CompletableFuture<String> holder = new CompletableFuture<>();
    bulkhead.callAsync(() -> holder);
    AtomicBoolean started = new AtomicBoolean();

    CompletableFuture<String> queued = bulkhead.callAsync(() -> {
      started.set(true);
      return CompletableFuture.completedFuture("queued");
    }).toCompletableFuture();
    clock.advance(Duration.ofSeconds(1));

    BulkheadFullException exception =
        assertInstanceOf(BulkheadFullException.class, assertThrows(CompletionException.class, queued::join).getCause());
    assertEquals(Duration.ofSeconds(1), exception.maxWait());
    assertFalse(started.get());
    assertEquals(0, ((DefaultBulkhead) bulkhead).queuedCalls());
    assertEquals(List.of(new PolicyEvent.CallRejected("b", Instant.parse("2026-01-01T00:00:01Z"), PolicyKind.BULKHEAD,
        "all 1 permits in use")), events.events());

    holder.complete("done");
    assertFalse(started.get(), "a rejected call never starts");
    assertEquals(new Bulkhead.Metrics(1, 1, 2, 1), bulkhead.metrics());
  }

  @Test
  void queuedAsyncCallsStartInArrivalOrder() {
    Bulkhead bulkhead = bulkhead(1, Duration.ofSeconds(10));
    CompletableFuture<String> holder = new CompletableFuture<>();
    bulkhead.callAsync(() -> holder);
    List<String> started = new ArrayList<>();
    List<CompletableFuture<String>> calls = new ArrayList<>();
    for (String name : List.of("first", "second", "third")) {
      CompletableFuture<String> call = new CompletableFuture<>();
      calls.add(call);
      bulkhead.callAsync(() -> {
        started.add(name);
        return call;
      });
    }

    holder.complete("done");
    assertEquals(List.of("first"), started);
    calls.get(0).complete("first done");
    assertEquals(List.of("first", "second"), started);
    calls.get(1).completeExceptionally(new IOException("second failed"));
    assertEquals(List.of("first", "second", "third"), started);
    calls.get(2).complete("third done");

    assertEquals(0, clock.pendingTasks());
    assertEquals(new Bulkhead.Metrics(1, 1, 4, 0), bulkhead.metrics());
  }

  @Test
  void aLongQueueOfCallsThatCompleteAtOnceDrainsWithoutGrowingTheStack() {
    // Regression: each such call gives its permit back while starting, which starts the next waiter; done by
    // recursion this overflowed the stack inside a completion callback, where the error was lost with the permit.
    Bulkhead bulkhead = Bulkhead.builder("b").maxConcurrentCalls(1).maxWait(Duration.ofSeconds(10)).clock(clock)
        .scheduler((task, delayNanos) -> () -> false).build();
    CompletableFuture<String> holder = new CompletableFuture<>();
    bulkhead.callAsync(() -> holder);
    List<CompletableFuture<String>> queued = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      queued.add(bulkhead.callAsync(() -> CompletableFuture.completedFuture("ok")).toCompletableFuture());
    }

    holder.complete("done");

    assertTrue(queued.stream().allMatch(call -> "ok".equals(call.getNow(null))), "every queued call ran");
    assertEquals(new Bulkhead.Metrics(1, 1, 20_001, 0), bulkhead.metrics());
  }

  @Test
  void cancellingAQueuedCallTakesItOutOfTheQueue() {
    Bulkhead bulkhead = bulkhead(1, Duration.ofSeconds(10));
    CompletableFuture<String> holder = new CompletableFuture<>();
    bulkhead.callAsync(() -> holder);
    AtomicBoolean cancelledStarted = new AtomicBoolean();
    CompletableFuture<String> cancelled = bulkhead.callAsync(() -> {
      cancelledStarted.set(true);
      return CompletableFuture.completedFuture("never");
    }).toCompletableFuture();
    CompletableFuture<String> next = bulkhead.callAsync(() -> CompletableFuture.completedFuture("next"))
        .toCompletableFuture();

    cancelled.cancel(true);
    assertEquals(1, ((DefaultBulkhead) bulkhead).queuedCalls());
    holder.complete("done");

    assertEquals("next", next.join());
    assertFalse(cancelledStarted.get());
    assertEquals(0, clock.pendingTasks());
    assertEquals(1, bulkhead.metrics().availablePermits());
  }

  @Test
  void queuedCallLeavesTheQueueWhenAnOuterTimeoutCancelsIt() {
    Bulkhead bulkhead = bulkhead(1, Duration.ofSeconds(10));
    Timeout timeout = Timeout.builder("t").timeout(Duration.ofSeconds(1)).clock(clock).scheduler(clock).build();
    Pipeline pipeline = Pipeline.builder().clock(clock).add(timeout, bulkhead).build();
    CompletableFuture<String> holder = new CompletableFuture<>();
    bulkhead.callAsync(() -> holder);
    AtomicBoolean started = new AtomicBoolean();

    Outcome<String> outcome = Harness.run(Mode.ASYNC, clock, pipeline, attempt -> {
      started.set(true);
      return Behavior.ok("never");
    });

    assertInstanceOf(TimeoutExceededException.class, outcome.failure());
    assertEquals(0, ((DefaultBulkhead) bulkhead).queuedCalls(), "the timed-out call left the queue");
    holder.complete("done");
    assertFalse(started.get());
    assertEquals(new Bulkhead.Metrics(1, 1, 2, 0), bulkhead.metrics());
    assertEquals(0, clock.pendingTasks(), "the queued call's wait timer is cancelled");
  }

  @ParameterizedTest
  @EnumSource(Impl.class)
  void cancellingARunningAsyncCallCancelsItsStageAndFreesThePermit(Impl impl) {
    Bulkhead bulkhead = noWait(1, impl);
    CompletableFuture<String> inner = new CompletableFuture<>();

    CompletableFuture<String> result = bulkhead.callAsync(() -> inner).toCompletableFuture();
    assertEquals(0, bulkhead.metrics().availablePermits());
    result.cancel(true);

    assertTrue(inner.isCancelled());
    assertEquals(1, bulkhead.metrics().availablePermits());
  }

  @ParameterizedTest
  @EnumSource(Impl.class)
  void fatalErrorsPassThroughAndGiveThePermitBack(Impl impl) {
    Bulkhead bulkhead = noWait(1, impl);
    OutOfMemoryError error = new OutOfMemoryError("test");

    assertSame(error, assertThrows(OutOfMemoryError.class, () -> bulkhead.call(() -> {
      throw error;
    })));
    assertEquals(1, bulkhead.metrics().availablePermits());
  }

  @Test
  void countsCallsPastTheWrapOfItsPackedCompletedCounter() throws Exception {
    Bulkhead bulkhead = Impl.COUNTER.of(bulkhead(2, Duration.ZERO).config());
    // Pretend 2^32 - 2 calls have completed: the next release but one wraps the 32-bit count around.
    MethodHandles.privateLookupIn(DefaultBulkhead.class, MethodHandles.lookup())
        .findVarHandle(DefaultBulkhead.class, "state", long.class).setVolatile(bulkhead, 0xFFFF_FFFEL << 32);

    for (int i = 0; i < 3; i++) {
      assertEquals("ok", bulkhead.call(() -> "ok"));
    }

    assertEquals(new Bulkhead.Metrics(2, 2, 0xFFFF_FFFEL + 3, 0), bulkhead.metrics());
  }

  @Test
  void describesItself() {
    Bulkhead bulkhead = bulkhead(7, Duration.ofMillis(5));
    assertEquals("b", bulkhead.name());
    assertEquals(PolicyKind.BULKHEAD, bulkhead.kind());
    assertEquals(7, bulkhead.config().maxConcurrentCalls());
    assertEquals(Duration.ofMillis(5), bulkhead.config().maxWait());
    assertEquals(new Bulkhead.Metrics(7, 7, 0, 0), bulkhead.metrics());
    assertEquals(25, Bulkhead.builder("default").build().config().maxConcurrentCalls());
    assertEquals(Duration.ZERO, Bulkhead.builder("default").build().config().maxWait());
  }
}
