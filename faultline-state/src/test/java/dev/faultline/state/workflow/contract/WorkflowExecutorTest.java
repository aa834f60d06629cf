package dev.faultline.state.workflow.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.Clock;
import dev.faultline.core.ConfigurationException;
import dev.faultline.core.event.WorkflowEvent;
import dev.faultline.core.retry.Backoff;
import dev.faultline.core.retry.Retry;
import dev.faultline.core.testing.EventRecorder;
import dev.faultline.core.testing.FakeClock;
import dev.faultline.state.workflow.Workflow;
import dev.faultline.state.workflow.WorkflowCodec;
import dev.faultline.state.workflow.WorkflowContext;
import dev.faultline.state.workflow.WorkflowException;
import dev.faultline.state.workflow.WorkflowExecutor;
import dev.faultline.state.workflow.WorkflowHandle;
import dev.faultline.state.workflow.WorkflowInfo;
import dev.faultline.state.workflow.WorkflowStatus;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The workflow contract, on the embedded store. Other backends extend this class and override {@link #store(Path)}
 * (faultline-state-postgres runs it on PostgreSQL), so every scenario here runs on each of them; it lives in a
 * package of its own so that their tests can extend it from the test jar.
 */
public class WorkflowExecutorTest {
  @TempDir
  Path dir;

  /** A builder of an executor on the store identified by {@code location}; each call opens it anew. */
  protected WorkflowExecutor.Builder store(Path location) {
    return WorkflowExecutor.builder(location);
  }

  protected final FakeClock clock = new FakeClock();
  private final EventRecorder recorder = new EventRecorder();
  /** Step executions by idempotency key. */
  private final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
  private final List<String> log = Collections.synchronizedList(new ArrayList<>());

  protected WorkflowExecutor.Builder builder() {
    // Passes run where the fake clock fires them, so that what a test advances has happened when advance returns.
    return store(dir).clock(clock).scheduler(clock).storeTasks(Runnable::run).threads(4).listener(recorder);
  }

  private String count(WorkflowContext ctx, String value) {
    runs.computeIfAbsent(ctx.idempotencyKey(), k -> new AtomicInteger()).incrementAndGet();
    log.add(value);
    return value;
  }

  protected static <T> T await(WorkflowHandle<T> handle) throws Exception {
    return handle.result().get(30, TimeUnit.SECONDS);
  }

  private static WorkflowException failure(WorkflowHandle<?> handle) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> handle.result().get(30, TimeUnit.SECONDS));
    assertTrue(e.getCause() instanceof WorkflowException, String.valueOf(e.getCause()));
    return (WorkflowException) e.getCause();
  }

  /** The one transition of kind {@code kind} workflow {@code id} published. */
  private WorkflowEvent.Transition transition(String id, WorkflowEvent.Kind kind) {
    List<WorkflowEvent.Transition> found = new ArrayList<>();
    for (WorkflowEvent.Transition t : recorder.events(WorkflowEvent.Transition.class)) {
      if (t.workflowId().equals(id) && t.kind() == kind) {
        found.add(t);
      }
    }
    assertEquals(1, found.size(), String.valueOf(found));
    return found.get(0);
  }

  private List<WorkflowEvent.Kind> kinds(String id) {
    List<WorkflowEvent.Kind> kinds = new ArrayList<>();
    for (WorkflowEvent.Transition t : recorder.events(WorkflowEvent.Transition.class)) {
      if (t.workflowId().equals(id)) {
        kinds.add(t.kind());
      }
    }
    return kinds;
  }

  @Test
  void completedStepsAreNotRunAgainAfterARestartAndTheUnfinishedStepKeepsItsKey() throws Exception {
    CountDownLatch inSecond = new CountDownLatch(1);
    CountDownLatch never = new CountDownLatch(1);
    Workflow<String, String> blocking = (ctx, in) -> {
      String a = ctx.step("a", () -> count(ctx, in + "-a"));
      String b = ctx.step("b", () -> {
        count(ctx, "b");
        inSecond.countDown();
        never.await();
        return "b";
      });
      return a + b;
    };
    WorkflowExecutor first = builder().register("w", blocking).open();
    WorkflowHandle<String> handle = first.start("w", "wf-1", "x");
    assertTrue(inSecond.await(30, TimeUnit.SECONDS));
    assertEquals(WorkflowStatus.RUNNING, handle.status());
    first.close();
    assertEquals("executor-closed", failure(handle).code());

    Workflow<String, String> finishing = (ctx, in) -> {
      String a = ctx.step("a", () -> count(ctx, in + "-a"));
      String b = ctx.step("b", () -> count(ctx, "b"));
      return a + b;
    };
    try (WorkflowExecutor second = builder().register("w", finishing).open()) {
      WorkflowHandle<String> again = second.handle("wf-1");
      assertEquals("x-ab", await(again));
      assertEquals(WorkflowStatus.SUCCEEDED, again.status());
      assertEquals(1, runs.get("wf-1/0").get(), "completed step a ran again");
      assertEquals(2, runs.get("wf-1/1").get(), "step b ran again under the same key after the restart");
      assertTrue(kinds("wf-1").contains(WorkflowEvent.Kind.RESUMED));
    }
    try (WorkflowExecutor third = builder().register("w", finishing).open()) {
      assertEquals("x-ab", await(third.handle("wf-1")));
      assertEquals(List.of(), third.list(WorkflowStatus.PENDING));
      assertEquals(1, third.list(WorkflowStatus.SUCCEEDED).size());
    }
    assertEquals(List.of("x-a", "b", "b"), log);
  }

  @Test
  void startIsIdempotentAndANameConflictIsRefused() throws Exception {
    try (WorkflowExecutor executor = builder().register("w", (ctx, in) -> ctx.step("s", () -> count(ctx, "s")))
        .register("other", (ctx, in) -> "o").open()) {
      WorkflowHandle<String> one = executor.start("w", "id", null);
      WorkflowHandle<String> two = executor.start("w", "id", null);
      assertSame(one, two);
      assertEquals("s", await(one));
      assertEquals(1, runs.get("id/0").get());
      WorkflowException conflict = assertThrows(WorkflowException.class, () -> executor.start("other", "id", null));
      assertEquals("workflow-conflict", conflict.code());
      assertEquals("workflow-unknown", assertThrows(WorkflowException.class,
          () -> executor.start("missing", "id2", null)).code());
      assertEquals("queue-unknown", assertThrows(WorkflowException.class,
          () -> executor.start("nope", "w", "id3", null)).code());
      assertEquals(List.of(WorkflowEvent.Kind.STARTED, WorkflowEvent.Kind.STEP_COMPLETED,
          WorkflowEvent.Kind.COMPLETED), kinds("id"));
    }
  }

  @Test
  void callRunsTheWorkflowInTheCallingThreadAndRecordsItAsStartDoes() throws Exception {
    List<Thread> ranOn = Collections.synchronizedList(new ArrayList<>());
    Workflow<String, String> w = (ctx, in) -> {
      String a = ctx.step("a", () -> {
        ranOn.add(Thread.currentThread());
        return count(ctx, in + "-a");
      });
      return a + ctx.step("b", () -> count(ctx, "b"));
    };
    try (WorkflowExecutor executor = builder().register("w", w).open()) {
      assertEquals("x-ab", executor.<String>call("w", "c-1", "x"));
      assertEquals(List.of(Thread.currentThread()), ranOn, "the steps ran in the calling thread");
      WorkflowHandle<String> handle = executor.handle("c-1");
      assertEquals(WorkflowStatus.SUCCEEDED, handle.status());
      assertEquals("x-ab", await(handle));
      assertEquals(2, handle.info().steps().size());
      assertEquals(List.of(WorkflowEvent.Kind.STARTED, WorkflowEvent.Kind.STEP_COMPLETED,
          WorkflowEvent.Kind.STEP_COMPLETED, WorkflowEvent.Kind.COMPLETED), kinds("c-1"));
      // Idempotent: the same id returns the recorded output without running anything.
      assertEquals("x-ab", executor.<String>call("w", "c-1", "other input"));
      assertEquals(1, runs.get("c-1/0").get());
      assertEquals("workflow-unknown", assertThrows(WorkflowException.class,
          () -> executor.call("missing", "c-2", null)).code());
      assertEquals("queue-unknown", assertThrows(WorkflowException.class,
          () -> executor.call("nope", "w", "c-3", null)).code());
    }
    try (WorkflowExecutor executor = builder().register("w", w).open()) {
      assertEquals("x-ab", executor.<String>call("w", "c-1", "x"), "recorded, so the same after a restart");
    }
    assertEquals(List.of("x-a", "b"), log);
  }

  @Test
  void aFailedCalledWorkflowCompensatesAndItsCallThrowsTheFailure() throws Exception {
    Workflow<String, String> saga = (ctx, in) -> {
      ctx.step("reserve", null, () -> count(ctx, "reserve"), r -> log.add("undo " + r));
      ctx.step("ship", null, () -> {
        throw new IOException("no truck");
      }, r -> log.add("undo ship"));
      return "done";
    };
    try (WorkflowExecutor executor = builder().register("saga", saga).open()) {
      WorkflowException e = assertThrows(WorkflowException.class, () -> executor.call("saga", "order-c", null));
      assertEquals("workflow-failed", e.code());
      assertTrue(e.getCause() instanceof WorkflowException, String.valueOf(e.getCause()));
      assertTrue(e.getMessage().contains("no truck"), e.getMessage());
      assertEquals(List.of("reserve", "undo reserve"), log);
      assertEquals(WorkflowStatus.FAILED, executor.handle("order-c").status());
      assertEquals("workflow-failed", assertThrows(WorkflowException.class,
          () -> executor.call("saga", "order-c", null)).code(), "the recorded outcome, again");
    }
    assertEquals(2, log.size());
  }

  @Test
  void aCallWaitsForItsQueueAndThenRunsOnAWorker() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch firstIn = new CountDownLatch(1);
    List<String> threads = Collections.synchronizedList(new ArrayList<>());
    Workflow<String, String> w = (ctx, in) -> ctx.step("s", () -> {
      threads.add(in + "@" + Thread.currentThread().getName());
      firstIn.countDown();
      release.await();
      return in;
    });
    try (WorkflowExecutor executor = builder().queue("one", 1, 0).register("w", w).open()) {
      WorkflowHandle<String> a = executor.start("one", "w", "a", "a");
      assertTrue(firstIn.await(30, TimeUnit.SECONDS));
      java.util.concurrent.CompletableFuture<String> b = java.util.concurrent.CompletableFuture.supplyAsync(
          () -> executor.call("one", "w", "b", "b"));
      while (kinds("b").isEmpty()) {
        Thread.onSpinWait(); // until b is started (recorded), then it must wait for a
      }
      assertEquals(WorkflowStatus.PENDING, executor.handle("b").status(), "the queue runs one at a time");
      assertFalse(b.isDone());
      release.countDown();
      assertEquals("a", await(a));
      assertEquals("b", b.get(30, TimeUnit.SECONDS));
      assertEquals(2, threads.size());
      assertTrue(threads.get(1).startsWith("b@") && threads.get(1).contains("-worker-"),
          "a call that waited its turn runs on a worker: " + threads);
    }
  }

  @Test
  void closeStopsACallRunningInTheCallingThreadAndItResumesAfterARestart() throws Exception {
    CountDownLatch inStep = new CountDownLatch(1);
    CountDownLatch never = new CountDownLatch(1);
    Workflow<String, String> blocking = (ctx, in) -> {
      String a = ctx.step("a", () -> count(ctx, "a"));
      return a + ctx.step("b", () -> {
        count(ctx, "b");
        inStep.countDown();
        never.await();
        return "b";
      });
    };
    WorkflowExecutor first = builder().register("w", blocking).open();
    java.util.concurrent.CompletableFuture<Boolean> interruptedAfter = new java.util.concurrent.CompletableFuture<>();
    java.util.concurrent.CompletableFuture<WorkflowException> thrown = new java.util.concurrent.CompletableFuture<>();
    Thread caller = new Thread(() -> {
      try {
        first.call("w", "c-close", null);
        thrown.complete(null);
      } catch (WorkflowException e) {
        thrown.complete(e);
      }
      interruptedAfter.complete(Thread.currentThread().isInterrupted());
    });
    caller.start();
    assertTrue(inStep.await(30, TimeUnit.SECONDS));
    assertEquals(WorkflowStatus.RUNNING, first.handle("c-close").status());
    first.close();
    assertEquals("executor-closed", thrown.get(30, TimeUnit.SECONDS).code());
    assertFalse(interruptedAfter.get(30, TimeUnit.SECONDS), "close's interrupt was meant for the run only");

    Workflow<String, String> finishing = (ctx, in) -> ctx.step("a", () -> count(ctx, "a"))
        + ctx.step("b", () -> count(ctx, "b"));
    try (WorkflowExecutor second = builder().register("w", finishing).open()) {
      assertEquals("ab", await(second.handle("c-close")));
    }
    assertEquals(1, runs.get("c-close/0").get(), "completed step a ran again");
    assertEquals(2, runs.get("c-close/1").get());
  }

  @Test
  void aCallKeepsTheInterruptStatusItsThreadHad() throws Exception {
    try (WorkflowExecutor executor = builder().register("w", (ctx, in) -> ctx.step("s", () -> {
      assertFalse(Thread.currentThread().isInterrupted(), "the workflow runs without the caller's interrupt");
      return count(ctx, "s");
    })).open()) {
      Thread.currentThread().interrupt();
      try {
        assertEquals("s", executor.<String>call("w", "c-int", null));
        assertTrue(Thread.currentThread().isInterrupted());
      } finally {
        Thread.interrupted();
      }
    }
  }

  @Test
  void waitingForAResultNoWorkerTookYetRunsTheWorkflowInTheWaitingThread() throws Exception {
    HeldTasks workers = new HeldTasks();
    List<Thread> ranOn = Collections.synchronizedList(new ArrayList<>());
    Workflow<String, String> w = (ctx, in) -> ctx.step("s", () -> {
      ranOn.add(Thread.currentThread());
      return count(ctx, in);
    });
    // Were the waiting thread not to run it, the held tasks run after 30 s: the thread check then fails, not hangs.
    java.util.Timer guard = new java.util.Timer("release-held-tasks", true);
    guard.schedule(new java.util.TimerTask() {
      @Override
      public void run() {
        workers.runAll();
      }
    }, 30_000);
    try (WorkflowExecutor executor = builder().executor(workers).register("w", w).open()) {
      WorkflowHandle<String> joined = executor.start("w", "j", "j");
      assertEquals(1, workers.tasks.size(), "dispatched to a worker, which has not run it");
      assertEquals("j", joined.result().join());
      assertEquals("g", executor.<String>start("w", "g", "g").result().get());
      assertEquals(List.of(Thread.currentThread(), Thread.currentThread()), ranOn);
      workers.runAll(); // the workers' tasks find their runs taken and do nothing
      assertEquals(1, runs.get("j/0").get());
      assertEquals(1, runs.get("g/0").get());

      // A timed get never runs it (its time limit must hold); the worker does.
      WorkflowHandle<String> timed = executor.start("w", "t", "t");
      assertThrows(java.util.concurrent.TimeoutException.class, () -> timed.result().get(10, TimeUnit.MILLISECONDS));
      assertEquals(WorkflowStatus.PENDING, timed.status());
      Thread worker = new Thread(workers::runAll, "held-worker");
      worker.start();
      worker.join(30_000);
      assertEquals("t", await(timed));
      assertEquals(worker, ranOn.get(2));
      assertEquals(List.of(WorkflowEvent.Kind.STARTED, WorkflowEvent.Kind.STEP_COMPLETED,
          WorkflowEvent.Kind.COMPLETED), kinds("j"));
    } finally {
      guard.cancel();
    }
  }

  @Test
  void aFinishedWorkflowAnswersByIdLongAfterItFinished() throws Exception {
    try (WorkflowExecutor executor = builder().register("w", (ctx, in) -> ctx.step("s", () -> count(ctx, "s")))
        .open()) {
      assertEquals("s", await(executor.start("w", "old", null)));
      clock.advance(Duration.ofHours(2));
      WorkflowHandle<String> again = executor.handle("old");
      assertEquals(WorkflowStatus.SUCCEEDED, again.status());
      assertEquals("s", await(again));
      assertEquals("s", await(executor.<String>start("w", "old", null)));
      assertEquals("s", executor.<String>call("w", "old", null));
      assertEquals(1, runs.get("old/0").get(), "nothing ran again");
      assertEquals(List.of("old"), executor.list(WorkflowStatus.SUCCEEDED).stream().map(WorkflowInfo::workflowId)
          .toList());
    }
  }

  @Test
  void concurrentStartsOfTheSameIdsShareOneWorkflowEach() throws Exception {
    int threads = 6;
    int ids = 40;
    try (WorkflowExecutor executor = builder().register("w", (ctx, in) -> ctx.step("s", () -> count(ctx, "s")))
        .open()) {
      java.util.concurrent.CyclicBarrier barrier = new java.util.concurrent.CyclicBarrier(threads);
      List<List<WorkflowHandle<String>>> seen = Collections.synchronizedList(new ArrayList<>());
      List<Thread> starters = new ArrayList<>();
      List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
      for (int t = 0; t < threads; t++) {
        Thread thread = new Thread(() -> {
          try {
            barrier.await();
            List<WorkflowHandle<String>> mine = new ArrayList<>();
            for (int i = 0; i < ids; i++) {
              mine.add(executor.start("w", "id-" + i, null));
            }
            seen.add(mine);
          } catch (Throwable e) {
            errors.add(e);
          }
        });
        starters.add(thread);
        thread.start();
      }
      for (Thread thread : starters) {
        thread.join();
      }
      assertEquals(List.of(), errors);
      for (int i = 0; i < ids; i++) {
        WorkflowHandle<String> first = seen.get(0).get(i);
        for (List<WorkflowHandle<String>> handles : seen) {
          assertSame(first, handles.get(i));
        }
        assertEquals("s", await(first));
        assertEquals(1, runs.get("id-" + i + "/0").get(), "id-" + i + " ran more than once");
      }
      assertEquals(ids, executor.list(WorkflowStatus.SUCCEEDED).size());
    }
  }

  @Test
  void aFailedWorkflowCompensatesItsCompletedStepsInReverseOrder() throws Exception {
    Workflow<String, String> saga = (ctx, in) -> {
      ctx.step("reserve", null, () -> count(ctx, "reserve"), r -> log.add("undo " + r));
      ctx.step("audit", () -> count(ctx, "audit"));
      ctx.step("charge", null, () -> count(ctx, "charge"), r -> log.add("undo " + r));
      ctx.step("ship", null, () -> {
        throw new IOException("no truck");
      }, r -> log.add("undo ship"));
      return "done";
    };
    try (WorkflowExecutor executor = builder().register("saga", saga).open()) {
      WorkflowHandle<String> handle = executor.start("saga", "order-1", null);
      WorkflowException e = failure(handle);
      assertEquals("workflow-failed", e.code());
      assertTrue(e.getMessage().contains("no truck"), e.getMessage());
      assertEquals(List.of("reserve", "audit", "charge", "undo charge", "undo reserve"), log);
      assertEquals(WorkflowStatus.FAILED, handle.status());
      WorkflowInfo info = handle.info();
      assertEquals(2, info.compensated());
      assertTrue(info.steps().get(3).outcome().startsWith("failed: java.io.IOException"), info.toString());
      // The step that failed for good is published (it was not: nothing said which step failed, before the saga
      // compensated), named, with its recorded failure.
      assertEquals(List.of(WorkflowEvent.Kind.STARTED, WorkflowEvent.Kind.STEP_COMPLETED,
          WorkflowEvent.Kind.STEP_COMPLETED, WorkflowEvent.Kind.STEP_COMPLETED, WorkflowEvent.Kind.STEP_FAILED,
          WorkflowEvent.Kind.COMPENSATED, WorkflowEvent.Kind.COMPENSATED, WorkflowEvent.Kind.FAILED),
          kinds("order-1"));
      WorkflowEvent.Transition failed = transition("order-1", WorkflowEvent.Kind.STEP_FAILED);
      assertEquals("ship", failed.step());
      assertEquals("java.io.IOException: no truck", failed.detail());
    }
    // Reopened, the outcome is recorded: nothing runs again.
    try (WorkflowExecutor executor = builder().register("saga", saga).open()) {
      assertEquals("workflow-failed", failure(executor.handle("order-1")).code());
    }
    assertEquals(5, log.size());
  }

  @Test
  void aCompensationInterruptedByACrashResumesWithoutRedoingCompletedOnes() throws Exception {
    AtomicInteger failUndo = new AtomicInteger(1);
    Workflow<String, String> saga = (ctx, in) -> {
      ctx.step("one", null, () -> count(ctx, "one"), r -> log.add("undo one " + ctx.idempotencyKey()));
      ctx.step("two", null, () -> count(ctx, "two"), r -> {
        log.add("undo two");
        if (failUndo.getAndDecrement() > 0) {
          throw new IllegalStateException("undo two failed");
        }
      });
      ctx.step("three", null, () -> count(ctx, "three"), r -> log.add("undo three"));
      throw new IllegalArgumentException("boom");
    };
    try (WorkflowExecutor executor = builder().register("saga", saga).open()) {
      WorkflowHandle<String> handle = executor.start("saga", "s", null);
      assertEquals("compensation-failed", failure(handle).code());
      assertEquals(WorkflowStatus.COMPENSATING, handle.status());
    }
    assertEquals(List.of("one", "two", "three", "undo three", "undo two"), log);
    log.clear();
    try (WorkflowExecutor executor = builder().register("saga", saga).open()) {
      WorkflowHandle<String> handle = executor.handle("s");
      WorkflowException e = failure(handle);
      assertEquals("workflow-failed", e.code());
      assertTrue(e.getMessage().contains("boom"), e.getMessage());
      assertEquals(WorkflowStatus.FAILED, handle.status());
    }
    // Steps were replayed from the journal, not run; "undo three" was recorded and is not repeated.
    assertEquals(List.of("undo two", "undo one s/0/compensate"), log);
    assertEquals(1, runs.get("s/0").get());
    assertEquals(1, runs.get("s/2").get());
  }

  @Test
  void cancellationStopsAtTheNextStepAndCompensates() throws Exception {
    CountDownLatch inStep = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Workflow<String, String> w = (ctx, in) -> {
      ctx.step("first", null, () -> {
        inStep.countDown();
        release.await();
        return count(ctx, "first");
      }, r -> log.add("undo first"));
      ctx.step("second", () -> count(ctx, "second"));
      return "done";
    };
    try (WorkflowExecutor executor = builder().register("w", w).open()) {
      WorkflowHandle<String> handle = executor.start("w", "c", null);
      assertTrue(inStep.await(30, TimeUnit.SECONDS));
      assertTrue(handle.cancel());
      release.countDown();
      assertEquals("workflow-cancelled", failure(handle).code());
      assertEquals(WorkflowStatus.CANCELLED, handle.status());
      assertEquals(List.of("first", "undo first"), log);
      assertFalse(handle.cancel(), "a finished workflow cannot be cancelled");
      assertEquals(WorkflowEvent.Kind.CANCELLED, kinds("c").get(kinds("c").size() - 1));
    }
  }

  @Test
  void cancellationInterruptsAWaitingTimer() throws Exception {
    CountDownLatch sleeping = new CountDownLatch(1);
    Clock blocking = new Clock() {
      @Override
      public long nanoTime() {
        return clock.nanoTime();
      }

      @Override
      public long wallMillis() {
        return clock.wallMillis();
      }

      @Override
      public void sleep(long nanos) throws InterruptedException {
        sleeping.countDown();
        new CountDownLatch(1).await();
      }
    };
    try (WorkflowExecutor executor = store(dir).clock(blocking).scheduler(clock).listener(recorder)
        .register("w", (ctx, in) -> {
          ctx.step("book", null, () -> count(ctx, "book"), r -> log.add("unbook"));
          ctx.sleep(Duration.ofDays(1));
          return ctx.step("after", () -> count(ctx, "after"));
        }).open()) {
      WorkflowHandle<String> handle = executor.start("w", "sleepy", null);
      assertTrue(sleeping.await(30, TimeUnit.SECONDS));
      assertTrue(handle.cancel());
      assertEquals("workflow-cancelled", failure(handle).code());
      assertEquals(List.of("book", "unbook"), log);
      assertEquals(WorkflowStatus.CANCELLED, handle.status());
    }
  }

  @Test
  void aDurableTimerWaitsOnlyTheRemainingTimeAfterARestart() throws Exception {
    CountDownLatch sleeping = new CountDownLatch(1);
    List<Long> requested = Collections.synchronizedList(new ArrayList<>());
    Clock blocking = new Clock() {
      @Override
      public long nanoTime() {
        return clock.nanoTime();
      }

      @Override
      public long wallMillis() {
        return clock.wallMillis();
      }

      @Override
      public void sleep(long nanos) throws InterruptedException {
        sleeping.countDown();
        new CountDownLatch(1).await();
      }
    };
    Workflow<String, String> w = (ctx, in) -> {
      ctx.sleep(Duration.ofMinutes(10));
      return ctx.step("after", () -> count(ctx, "after"));
    };
    WorkflowExecutor first = store(dir).clock(blocking).scheduler(clock).register("w", w).open();
    long wakeMillis = clock.wallMillis() + Duration.ofMinutes(10).toMillis();
    first.start("w", "t", null);
    assertTrue(sleeping.await(30, TimeUnit.SECONDS));
    first.close();
    clock.advance(Duration.ofMinutes(3));
    Clock recording = new Clock() {
      @Override
      public long nanoTime() {
        return clock.nanoTime();
      }

      @Override
      public long wallMillis() {
        return clock.wallMillis();
      }

      @Override
      public void sleep(long nanos) throws InterruptedException {
        requested.add(nanos);
        clock.sleep(nanos);
      }
    };
    try (WorkflowExecutor second = store(dir).clock(recording).scheduler(clock)
        .register("w", w).open()) {
      assertEquals("after", await(second.handle("t")));
      // Every store describes the timer by its wake-up instant in UTC.
      assertEquals("wake at " + Instant.ofEpochMilli(wakeMillis), second.handle("t").info().steps().get(0).outcome());
    }
    assertEquals(List.of(Duration.ofMinutes(7).toNanos()), requested);
  }

  @Test
  void aStepRetriesUnderItsRetryAndIsRecordedOnce() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    Retry retry = Retry.builder("step").maxAttempts(3).backoff(Backoff.fixed(Duration.ofSeconds(1))).clock(clock)
        .scheduler(clock).build();
    Workflow<String, Integer> w = (ctx, in) -> ctx.step("flaky", retry, () -> {
      if (attempts.incrementAndGet() < 3) {
        throw new IOException("flaky " + attempts.get());
      }
      return attempts.get();
    });
    try (WorkflowExecutor executor = builder().register("w", w).open()) {
      assertEquals(3, await(executor.<Integer>start("w", "r", null)));
      assertEquals(List.of(WorkflowEvent.Kind.STARTED, WorkflowEvent.Kind.STEP_RETRIED,
          WorkflowEvent.Kind.STEP_RETRIED, WorkflowEvent.Kind.STEP_COMPLETED, WorkflowEvent.Kind.COMPLETED),
          kinds("r"));
      assertEquals(1, executor.handle("r").info().steps().size());
    }
  }

  /** A step whose retry gives up is published as failed once, after its retries, before the workflow fails. */
  @Test
  void aStepWhoseRetryGivesUpIsPublishedAsFailed() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    Retry retry = Retry.builder("step").maxAttempts(2).backoff(Backoff.fixed(Duration.ofSeconds(1))).clock(clock)
        .scheduler(clock).build();
    Workflow<String, Integer> w = (ctx, in) -> ctx.step("flaky", retry, () -> {
      throw new IOException("down " + attempts.incrementAndGet());
    });
    try (WorkflowExecutor executor = builder().register("w", w).open()) {
      assertEquals("workflow-failed", failure(executor.start("w", "g", null)).code());
      assertEquals(List.of(WorkflowEvent.Kind.STARTED, WorkflowEvent.Kind.STEP_RETRIED,
          WorkflowEvent.Kind.STEP_FAILED, WorkflowEvent.Kind.FAILED), kinds("g"));
      WorkflowEvent.Transition failed = transition("g", WorkflowEvent.Kind.STEP_FAILED);
      assertEquals("flaky", failed.step());
      assertEquals("java.io.IOException: down 2", failed.detail());
    }
  }

  @Test
  void aRecordedStepFailureIsReplayedAndANondeterministicReplayRecordsNothing() throws Exception {
    CountDownLatch block = new CountDownLatch(1);
    CountDownLatch blocked = new CountDownLatch(1);
    Workflow<String, String> w = (ctx, in) -> {
      String got;
      try {
        got = ctx.step("may-fail", () -> {
          throw new IllegalStateException("recorded failure");
        });
      } catch (WorkflowException e) {
        got = e.code();
      }
      String fixed = got;
      return ctx.step("next", () -> {
        blocked.countDown();
        block.await();
        return fixed;
      });
    };
    WorkflowExecutor first = builder().register("w", w).open();
    first.start("w", "f", null);
    assertTrue(blocked.await(30, TimeUnit.SECONDS));
    first.close();
    block.countDown();
    try (WorkflowExecutor second = builder().register("w", w).open()) {
      assertEquals("step-failed", await(second.handle("f")));
    }
    Path other = dir.resolveSibling(dir.getFileName() + "-other");
    CountDownLatch hold = new CountDownLatch(1);
    CountDownLatch held = new CountDownLatch(1);
    WorkflowExecutor a = store(other).clock(clock).register("w", (ctx, in) -> {
      ctx.step("one", () -> "1");
      return ctx.step("two", () -> {
        held.countDown();
        hold.await();
        return "2";
      });
    }).open();
    a.start("w", "n", null);
    assertTrue(held.await(30, TimeUnit.SECONDS));
    a.close();
    try (WorkflowExecutor b = store(other).clock(clock)
        .register("w", (ctx, in) -> ctx.step("uno", () -> "1")).open()) {
      WorkflowException e = failure(b.handle("n"));
      assertEquals("workflow-nondeterministic", e.code());
      assertTrue(e.getMessage().contains("called step 'uno' at position 0 where the journal records step 'one'"),
          e.getMessage());
      assertEquals(WorkflowStatus.PENDING, b.handle("n").status(), "nothing recorded: fixed code can resume it");
    }
  }

  @Test
  void aQueueHonoursItsConcurrencyLimitAndRate() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch firstIn = new CountDownLatch(1);
    Workflow<String, String> w = (ctx, in) -> ctx.step("s", () -> {
      firstIn.countDown();
      release.await();
      return in;
    });
    try (WorkflowExecutor executor = builder().queue("one", 1, 0).queue("slow", 5, 1).register("w", w)
        .register("quick", (ctx, in) -> in).open()) {
      WorkflowHandle<String> a = executor.start("one", "w", "a", "a");
      WorkflowHandle<String> b = executor.start("one", "w", "b", "b");
      assertTrue(firstIn.await(30, TimeUnit.SECONDS));
      assertEquals(WorkflowStatus.RUNNING, a.status());
      assertEquals(WorkflowStatus.PENDING, b.status(), "the queue runs one at a time");
      assertEquals(List.of("b"), executor.list(WorkflowStatus.PENDING).stream().map(WorkflowInfo::workflowId)
          .toList());
      release.countDown();
      assertEquals("a", await(a));
      assertEquals("b", await(b));

      WorkflowHandle<String> q1 = executor.start("slow", "quick", "q1", "1");
      WorkflowHandle<String> q2 = executor.start("slow", "quick", "q2", "2");
      assertEquals("1", await(q1));
      assertEquals(WorkflowStatus.PENDING, q2.status(), "one start per second");
      clock.advance(Duration.ofSeconds(1));
      assertEquals("2", await(q2));
    }
  }

  @Test
  void limitsAcrossExecutorsHoldOnAQueueOfOneExecutorToo() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch firstIn = new CountDownLatch(1);
    Workflow<String, String> w = (ctx, in) -> ctx.step("s", () -> {
      firstIn.countDown();
      release.await();
      return in;
    });
    AtomicInteger handed = new AtomicInteger();
    ExecutorService threads = Executors.newFixedThreadPool(4);
    try (WorkflowExecutor executor = builder().executor(counting(threads, handed))
        .queue("one", 3, 0).globalQueueLimits("one", 1, 0).queue("slow", 5, 0).globalQueueLimits("slow", 5, 1)
        .register("w", w).register("quick", (ctx, in) -> in).open()) {
      WorkflowHandle<String> a = executor.start("one", "w", "a", "a");
      assertTrue(firstIn.await(30, TimeUnit.SECONDS));
      WorkflowHandle<String> b = executor.start("one", "w", "b", "b");
      assertEquals(1, handed.get(), "one at a time across executors, though the queue's own limit is 3");
      assertEquals(WorkflowStatus.PENDING, b.status());
      release.countDown();
      assertEquals("a", await(a));
      assertEquals("b", await(b));

      handed.set(0);
      assertEquals("1", await(executor.start("slow", "quick", "q1", "1")));
      WorkflowHandle<String> q2 = executor.start("slow", "quick", "q2", "2");
      assertEquals(1, handed.get(), "one start per second across executors, though the queue's own rate is none");
      assertEquals("2", awaitAdvancing(q2));
    } finally {
      threads.shutdownNow();
    }
  }

  /**
   * Awaits {@code handle} while advancing the clock by 100 ms every 20 ms: for what waits for the executor's timers
   * and, on a shared store, for the store's clock too (a rate across executors is measured by the database's).
   */
  protected <T> T awaitAdvancing(WorkflowHandle<T> handle) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        return handle.result().get(20, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        assertTrue(System.nanoTime() - deadline < 0, "workflow " + handle.workflowId() + " did not finish");
        clock.advance(Duration.ofMillis(100));
      }
    }
  }

  /** An executor service handing tasks to {@code threads} that counts them in {@code handed}. */
  protected static ExecutorService counting(ExecutorService threads, AtomicInteger handed) {
    return new java.util.concurrent.AbstractExecutorService() {
      @Override
      public void execute(Runnable task) {
        handed.incrementAndGet();
        threads.execute(task);
      }

      @Override
      public void shutdown() {
        threads.shutdown();
      }

      @Override
      public List<Runnable> shutdownNow() {
        return threads.shutdownNow();
      }

      @Override
      public boolean isShutdown() {
        return threads.isShutdown();
      }

      @Override
      public boolean isTerminated() {
        return threads.isTerminated();
      }

      @Override
      public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return threads.awaitTermination(timeout, unit);
      }
    };
  }

  @Test
  void resumeOnStartCanBeTurnedOffAndTheTableSurvivesCheckpoints() throws Exception {
    CountDownLatch hold = new CountDownLatch(1);
    CountDownLatch held = new CountDownLatch(1);
    WorkflowExecutor first = builder().checkpointEvery(3).register("w", (ctx, in) -> {
      for (int i = 0; i < 5; i++) {
        int n = i;
        ctx.step("s" + i, () -> count(ctx, "s" + n));
      }
      return ctx.step("last", () -> {
        held.countDown();
        hold.await();
        return "never";
      });
    }).open();
    first.start("w", "k", null);
    assertTrue(held.await(30, TimeUnit.SECONDS));
    first.checkpoint();
    first.close();
    Workflow<String, String> w = (ctx, in) -> {
      for (int i = 0; i < 5; i++) {
        int n = i;
        ctx.step("s" + i, () -> count(ctx, "s" + n));
      }
      return ctx.step("last", () -> "done");
    };
    try (WorkflowExecutor second = builder().resumeOnStart(false).register("w", w).open()) {
      WorkflowHandle<String> handle = second.handle("k");
      assertEquals(WorkflowStatus.PENDING, handle.status());
      assertEquals(5, handle.info().steps().size());
      assertTrue(handle.resume());
      assertEquals("done", await(handle));
      assertFalse(handle.resume());
    }
    for (int i = 0; i < 5; i++) {
      assertEquals(1, runs.get("k/" + i).get());
    }
  }

  /**
   * Recovery queued the unfinished workflows by id, so a queue running one at a time resumed them in id order, not
   * in the order they started (on the embedded store, those in a checkpoint also lost that order: it wrote them in
   * no particular order). Half of them are started before a checkpoint, half after it, with ids out of order.
   */
  @Test
  void recoveredWorkflowsResumeInTheOrderTheyStarted() throws Exception {
    List<String> started = List.of("w-f", "w-c", "w-h", "w-a", "w-e", "w-b", "w-g", "w-d");
    WorkflowExecutor first = builder().executor(new HeldTasks()).queue("q", 1, 0)
        .register("w", (ctx, in) -> "never run").open(); // its worker never runs: every workflow stays PENDING
    for (int i = 0; i < started.size(); i++) {
      if (i == started.size() / 2) {
        first.checkpoint();
      }
      first.start("q", "w", started.get(i), started.get(i));
    }
    first.close();
    try (WorkflowExecutor second = builder().queue("q", 1, 0)
        .register("w", (ctx, in) -> ctx.step("s", () -> count(ctx, (String) in))).open()) {
      for (String id : started) {
        assertEquals(id, await(second.handle(id)));
      }
    }
    assertEquals(started, log, "the queue resumed its workflows out of the order they started");
  }

  @Test
  void aWorkflowWhoseCodeIsNotRegisteredIsLeftAsItIs() throws Exception {
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch never = new CountDownLatch(1);
    WorkflowExecutor first = builder().register("old", (ctx, in) -> ctx.step("s", () -> {
      held.countDown();
      never.await();
      return "x";
    })).open();
    first.start("old", "o", null);
    assertTrue(held.await(30, TimeUnit.SECONDS));
    first.close();
    try (WorkflowExecutor second = builder().register("new", (ctx, in) -> "n").open()) {
      assertEquals("workflow-unknown", failure(second.handle("o")).code());
      assertEquals(WorkflowStatus.PENDING, second.handle("o").status());
    }
    try (WorkflowExecutor third = builder().register("old", (ctx, in) -> ctx.step("s", () -> "resumed")).open()) {
      assertEquals("resumed", await(third.<String>handle("o")));
    }
  }

  @Test
  void badConfigurationAndMisuseAreNamed() {
    assertThrows(ConfigurationException.class, () -> builder().open());
    assertThrows(ConfigurationException.class, () -> builder().register("w", (ctx, in) -> in)
        .register("w", (ctx, in) -> in));
    assertThrows(ConfigurationException.class, () -> builder().queue("q", 0, 0));
    assertThrows(ConfigurationException.class, () -> builder().globalQueueLimits("q", 0, 0));
    assertThrows(ConfigurationException.class, () -> builder().globalQueueLimits("q", 1, -1));
    assertThrows(ConfigurationException.class, () -> builder().globalQueueLimits(" ", 1, 0));
    try (WorkflowExecutor executor = builder().register("w", (ctx, in) -> ctx.idempotencyKey()).open()) {
      WorkflowException e = failure(executor.start("w", "k", null));
      assertTrue(e.getCause() instanceof IllegalStateException, String.valueOf(e.getCause()));
      assertEquals("workflow-unknown", assertThrows(WorkflowException.class, () -> executor.handle("none")).code());
    }
  }

  record Order(String id, int quantity, boolean express) implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
  }

  @Test
  void theStandardCodecRoundTripsItsTypesAndNamesWhatItCannotEncode() {
    WorkflowCodec codec = WorkflowCodec.standard();
    for (Object value : new Object[] {null, "héllo", 42, 7L, true, 2.5, new Order("o", 3, true)}) {
      assertEquals(value, codec.decode(codec.encode(value)));
    }
    assertEquals("[1, 2]", java.util.Arrays.toString((byte[]) codec.decode(codec.encode(new byte[] {1, 2}))));
    WorkflowException e = assertThrows(WorkflowException.class, () -> codec.encode(new Object()));
    assertEquals("codec-failed", e.code());
    assertTrue(e.getMessage().contains("java.lang.Object"));
    assertEquals("codec-failed", assertThrows(WorkflowException.class, () -> codec.decode(new byte[] {99})).code());
  }
}
