package dev.faultline.core.timeout;

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
import dev.faultline.core.Scheduler;
import dev.faultline.core.TimeoutExceededException;
import dev.faultline.core.event.PolicyEvent;
import dev.faultline.core.internal.SystemScheduler;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TimeoutTest {
  private static final Duration ONE_SECOND = Duration.ofSeconds(1);

  private final FakeClock clock = new FakeClock();
  private final EventRecorder events = new EventRecorder();

  @AfterEach
  void noInterruptLeaks() {
    assertFalse(Thread.interrupted(), "the test thread was left interrupted");
  }

  private Timeout timeout(boolean interrupt) {
    return Timeout.builder("t").timeout(ONE_SECOND).interruptOnTimeout(interrupt).clock(clock).scheduler(clock)
        .listener(events).build();
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void callThatEndsInTimeKeepsItsValueAndCancelsTheDeadline(Mode mode) {
    Timeout timeout = timeout(true);

    Outcome<String> outcome = Harness.run(mode, clock, timeout, attempt -> Behavior.okAfter(Duration.ofMillis(999), "ok"));

    assertTrue(outcome.succeeded(), () -> "failed: " + outcome.failure());
    assertEquals("ok", outcome.value());
    assertEquals(0, clock.pendingTasks(), "the deadline task is cancelled");
    assertEquals(new Timeout.Metrics(1, 1, 0, 0), timeout.metrics());
    assertEquals(List.of(), events.events());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void callThatFailsInTimeKeepsItsFailure(Mode mode) {
    Timeout timeout = timeout(false);
    IOException failure = new IOException("boom");

    Outcome<String> outcome = Harness.run(mode, clock, timeout, attempt -> Behavior.failAfter(Duration.ofMillis(500), failure));

    assertSame(failure, outcome.failure());
    assertEquals(0, clock.pendingTasks());
    assertEquals(new Timeout.Metrics(1, 0, 1, 0), timeout.metrics());
    assertEquals(List.of(), events.events());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void slowCallFailsWithTimeoutAndPublishesAtTheDeadline(Mode mode) {
    Timeout timeout = timeout(false);

    Outcome<String> outcome = Harness.run(mode, clock, timeout, attempt -> Behavior.okAfter(Duration.ofSeconds(3), "late"));

    TimeoutExceededException exception = assertInstanceOf(TimeoutExceededException.class, outcome.failure());
    assertEquals("t", exception.policy());
    assertEquals(ONE_SECOND, exception.timeout());
    assertEquals("timeout", exception.code());
    assertEquals(new Timeout.Metrics(1, 0, 0, 1), timeout.metrics());
    assertEquals(List.of(new PolicyEvent.TimeoutExceeded("t", Instant.parse("2026-01-01T00:00:01Z"), ONE_SECOND)),
        events.events());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void slowFailingCallAlsoReportsTheTimeout(Mode mode) {
    Timeout timeout = timeout(false);

    Outcome<String> outcome = Harness.run(mode, clock, timeout,
        attempt -> Behavior.failAfter(Duration.ofSeconds(2), new IOException("late failure")));

    assertInstanceOf(TimeoutExceededException.class, outcome.failure());
    assertEquals(new Timeout.Metrics(1, 0, 0, 1), timeout.metrics());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void interruptingTimeoutFailsTheSlowCallAndLeavesNoInterruptBehind(Mode mode) {
    Timeout timeout = timeout(true);

    Outcome<String> outcome = Harness.run(mode, clock, timeout, attempt -> Behavior.okAfter(Duration.ofSeconds(3), "late"));

    assertInstanceOf(TimeoutExceededException.class, outcome.failure());
    assertFalse(Thread.currentThread().isInterrupted());
    assertEquals(new Timeout.Metrics(1, 0, 0, 1), timeout.metrics());
    assertEquals(List.of("TimeoutExceeded"), events.names());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void worksAsAPipelineLink(Mode mode) {
    Timeout timeout = timeout(true);
    Pipeline pipeline = Pipeline.builder().clock(clock).add(timeout).build();

    Outcome<String> fast = Harness.run(mode, clock, pipeline, attempt -> Behavior.okAfter(Duration.ofMillis(10), "ok"));
    Outcome<String> slow = Harness.run(mode, clock, pipeline, attempt -> Behavior.okAfter(Duration.ofSeconds(2), "ok"));

    assertEquals("ok", fast.value());
    assertInstanceOf(TimeoutExceededException.class, slow.failure());
    assertEquals(new Timeout.Metrics(2, 1, 0, 1), timeout.metrics());
  }

  @Test
  void syncCallIsInterruptedAtTheDeadlineWhenAsked() throws Exception {
    Timeout timeout = timeout(true);
    AtomicBoolean sawInterrupt = new AtomicBoolean();

    assertThrows(TimeoutExceededException.class, () -> timeout.call(() -> {
      try {
        clock.sleep(Duration.ofSeconds(5).toNanos());
        return "finished";
      } catch (InterruptedException e) {
        sawInterrupt.set(true);
        throw e;
      }
    }));

    assertTrue(sawInterrupt.get(), "the call's sleep was interrupted");
    assertFalse(Thread.currentThread().isInterrupted());
  }

  @Test
  void syncCallRunsToItsEndWithoutInterruptAndOnlyThenTimesOut() {
    Timeout timeout = timeout(false);
    AtomicBoolean finished = new AtomicBoolean();

    assertThrows(TimeoutExceededException.class, () -> timeout.call(() -> {
      clock.sleep(Duration.ofSeconds(5).toNanos());
      finished.set(true);
      return "finished";
    }));

    assertTrue(finished.get(), "the call ran to its end");
    assertEquals(Duration.ofSeconds(5).toNanos(), clock.nanoTime());
    assertEquals(1, events.events(PolicyEvent.TimeoutExceeded.class).size());
  }

  @Test
  void interruptedCallThatSwallowsTheInterruptStillTimesOutAndTheFlagIsCleared() {
    Timeout timeout = timeout(true);

    assertThrows(TimeoutExceededException.class, () -> timeout.call(() -> {
      clock.advance(Duration.ofSeconds(2));
      // The deadline ran inside advance and interrupted this thread; the call ignores the flag and returns.
      assertTrue(Thread.currentThread().isInterrupted());
      return "ignored the interrupt";
    }));

    assertFalse(Thread.currentThread().isInterrupted(), "the interrupt caused by the timeout is cleared");
  }

  @Test
  void deadlineThatRunsAfterTheCallReturnedNeitherInterruptsNorCounts() throws Exception {
    // A scheduler that cannot cancel: the deadline task runs even though the call already returned.
    List<Runnable> tasks = new ArrayList<>();
    Scheduler uncancellable = (task, delayNanos) -> {
      tasks.add(task);
      return () -> false;
    };
    Timeout timeout = Timeout.builder("t").timeout(ONE_SECOND).interruptOnTimeout(true).clock(clock)
        .scheduler(uncancellable).listener(events).build();

    assertEquals("ok", timeout.call(() -> "ok"));
    tasks.get(0).run();

    assertFalse(Thread.currentThread().isInterrupted(), "no interrupt after the call returned");
    assertEquals(new Timeout.Metrics(1, 1, 0, 0), timeout.metrics());
    assertEquals(List.of(), events.events());
  }

  @Test
  void deadlineInterruptsACallBlockedInAnotherThread() throws Exception {
    List<Runnable> tasks = new ArrayList<>();
    Scheduler manual = (task, delayNanos) -> {
      synchronized (tasks) {
        tasks.add(task);
      }
      return () -> false;
    };
    Timeout timeout = Timeout.builder("t").timeout(ONE_SECOND).interruptOnTimeout(true).clock(clock)
        .scheduler(manual).build();
    CountDownLatch started = new CountDownLatch(1);
    LinkedBlockingQueue<String> never = new LinkedBlockingQueue<>();
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicBoolean interruptedAfter = new AtomicBoolean(true);

    Thread worker = new Thread(() -> {
      try {
        timeout.call(() -> {
          started.countDown();
          return never.take();
        });
      } catch (Throwable t) {
        thrown.set(t);
      }
      interruptedAfter.set(Thread.currentThread().isInterrupted());
    });
    worker.start();
    assertTrue(started.await(30, TimeUnit.SECONDS));
    synchronized (tasks) {
      tasks.get(0).run();
    }
    worker.join(TimeUnit.SECONDS.toMillis(30));

    assertFalse(worker.isAlive(), "the blocked call was interrupted");
    assertInstanceOf(TimeoutExceededException.class, thrown.get());
    assertFalse(interruptedAfter.get(), "the worker's interrupt flag was cleared");
    assertEquals(new Timeout.Metrics(1, 0, 0, 1), timeout.metrics());
  }

  @Test
  void asyncTimeoutCancelsTheCallsFutureAndIgnoresItsLateCompletion() {
    Timeout timeout = timeout(false);
    CompletableFuture<String> inner = new CompletableFuture<>();

    CompletableFuture<String> result = timeout.callAsync(() -> inner).toCompletableFuture();
    clock.advance(Duration.ofMillis(999));
    assertFalse(result.isDone());
    clock.advance(Duration.ofMillis(1));

    assertTrue(inner.isCancelled(), "the call's future is cancelled at the deadline");
    CompletionException failure = assertThrows(CompletionException.class, result::join);
    assertInstanceOf(TimeoutExceededException.class, failure.getCause());
    assertFalse(inner.complete("late"));
    assertEquals(new Timeout.Metrics(1, 0, 0, 1), timeout.metrics());
  }

  @Test
  void asyncTimeoutIgnoresAStageThatCompletesAfterTheDeadline() {
    Timeout timeout = timeout(false);
    CompletableFuture<String> inner = new CompletableFuture<>();
    // A stage that is not a Future cannot be cancelled: its late completion must still be ignored.
    CompletableFuture<String> result = timeout.callAsync(inner::minimalCompletionStage).toCompletableFuture();

    clock.advance(ONE_SECOND);
    inner.complete("late");

    assertInstanceOf(TimeoutExceededException.class, assertThrows(CompletionException.class, result::join).getCause());
    assertEquals(new Timeout.Metrics(1, 0, 0, 1), timeout.metrics());
  }

  @Test
  void asyncTimeoutOfCenturiesOnTheFakeClockDoesNotExpireOnceTimeHasMoved() {
    Timeout timeout = Timeout.builder("t").timeout(Duration.ofDays(365L * 1000)).clock(clock).scheduler(clock).build();
    clock.advance(1);
    CompletableFuture<String> inner = new CompletableFuture<>();

    CompletableFuture<String> result = timeout.callAsync(() -> inner).toCompletableFuture();
    clock.advance(ONE_SECOND);

    assertFalse(result.isDone(), "a timeout of a thousand years expired after a second");
    assertEquals(0, timeout.metrics().timeouts());
  }

  @Test
  void asyncTimeoutOfCenturiesOnARealSchedulerDoesNotExpireAtOnce() throws Exception {
    // Due tasks run on the scheduler's timer thread, in order: the deadline is taken in before the marker, so a
    // deadline that wrapped around to the past would have fired before the marker runs.
    SystemScheduler scheduler = new SystemScheduler(Runnable::run, TimeUnit.MILLISECONDS.toNanos(1));
    Timeout timeout = Timeout.builder("t").timeout(Duration.ofDays(365L * 1000)).scheduler(scheduler).build();
    CompletableFuture<String> inner = new CompletableFuture<>();

    CompletableFuture<String> result = timeout.callAsync(() -> inner).toCompletableFuture();
    CountDownLatch marker = new CountDownLatch(1);
    scheduler.schedule(marker::countDown, TimeUnit.MILLISECONDS.toNanos(1));
    assertTrue(marker.await(30, TimeUnit.SECONDS));

    assertFalse(result.isDone(), "a timeout of a thousand years expired at once");
    inner.complete("ok");
    assertEquals("ok", result.join());
    assertEquals(new Timeout.Metrics(1, 1, 0, 0), timeout.metrics());
  }

  @Test
  void cancellingTheAsyncResultCancelsTheCallAndTheDeadline() {
    Timeout timeout = timeout(false);
    CompletableFuture<String> inner = new CompletableFuture<>();

    CompletableFuture<String> result = timeout.callAsync(() -> inner).toCompletableFuture();
    result.cancel(true);

    assertTrue(inner.isCancelled());
    assertEquals(0, clock.pendingTasks());
    clock.advance(Duration.ofSeconds(5));
    assertEquals(0, timeout.metrics().timeouts());
    assertEquals(List.of(), events.events());
  }

  @Test
  void asyncCallThatCompletesWhileStartingCancelsTheDeadline() {
    Timeout timeout = timeout(false);

    CompletableFuture<String> result = timeout.callAsync(() -> CompletableFuture.completedFuture("now"))
        .toCompletableFuture();

    assertEquals("now", result.join());
    assertEquals(0, clock.pendingTasks());
  }

  @Test
  void fatalErrorsPassThroughUncounted() {
    Timeout timeout = timeout(false);
    OutOfMemoryError error = new OutOfMemoryError("test");

    OutOfMemoryError thrown = assertThrows(OutOfMemoryError.class, () -> timeout.call(() -> {
      throw error;
    }));

    assertSame(error, thrown);
    assertEquals(new Timeout.Metrics(1, 0, 0, 0), timeout.metrics());
  }

  @Test
  void noEventIsBuiltWithoutListeners() {
    Timeout timeout = Timeout.builder("quiet").timeout(ONE_SECOND).clock(clock).scheduler(clock).build();

    Outcome<String> outcome = Harness.run(Mode.SYNC, clock, timeout, attempt -> Behavior.okAfter(Duration.ofSeconds(2), "x"));

    assertInstanceOf(TimeoutExceededException.class, outcome.failure());
    assertEquals(1, timeout.metrics().timeouts());
  }

  @Test
  void describesItself() {
    Policy timeout = timeout(false);
    assertEquals("t", timeout.name());
    assertEquals(PolicyKind.TIMEOUT, timeout.kind());
    TimeoutConfig config = ((Timeout) timeout).config();
    assertEquals(ONE_SECOND, config.timeout());
    assertFalse(config.interruptOnTimeout());
    assertSame(clock, config.clock());
    assertSame(clock, config.scheduler());
    assertEquals(List.of(events), config.listeners());
  }

  @Test
  void anAsyncChainThatThrowsInsteadOfReturningAStageLeavesNoDeadlineBehind() {
    // Async only: a sync call that throws is an ordinary failed call, and its deadline is cancelled.
    Timeout timeout = timeout(false);
    IllegalStateException broken = new IllegalStateException("a chain that breaks its contract by throwing");
    AsyncChain<String> throwing = Harness.throwingChain(clock, broken);

    CompletableFuture<String> result = timeout.executeAsync(throwing).toCompletableFuture();
    clock.advance(ONE_SECOND.multipliedBy(2));

    assertSame(broken, assertThrows(CompletionException.class, result::join).getCause());
    assertEquals(0, clock.pendingTasks(), "the deadline of a call that never started is cancelled");
    assertEquals(List.of(), events.events(), "no TimeoutExceeded for a call that had already failed");
    assertEquals(new Timeout.Metrics(1, 0, 1, 0), timeout.metrics());
  }
}
