package dev.faultline.state.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.Clock;
import dev.faultline.core.testing.FakeClock;
import dev.faultline.state.journal.Durability;
import dev.faultline.state.workflow.contract.HeldTasks;
import dev.faultline.state.workflow.spi.WorkflowChange;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interleavings of the executor forced deterministically: each test makes the racing call from inside the window
 * (from the clock or the store the executor calls there), so that it fails the same way every time without the fix.
 */
class ExecutorRaceTest {
  @TempDir
  Path dir;
  private final FakeClock clock = new FakeClock();
  private final List<String> log = Collections.synchronizedList(new ArrayList<>());

  private static WorkflowException failure(WorkflowHandle<?> handle) {
    return failure(handle.result());
  }

  private static WorkflowException failure(CompletableFuture<?> result) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> result.get(10, TimeUnit.SECONDS));
    assertTrue(e.getCause() instanceof WorkflowException, String.valueOf(e.getCause()));
    return (WorkflowException) e.getCause();
  }

  /** A clock whose sleep only an interrupt ends, and whose wallMillis runs a hook first. */
  private final class HookedClock implements Clock {
    volatile Runnable onWallMillis = () -> {};
    final CountDownLatch sleeping = new CountDownLatch(1);
    final CountDownLatch interrupted = new CountDownLatch(1);

    @Override
    public long nanoTime() {
      return clock.nanoTime();
    }

    @Override
    public long wallMillis() {
      onWallMillis.run();
      return clock.wallMillis();
    }

    @Override
    public void sleep(long nanos) throws InterruptedException {
      sleeping.countDown();
      try {
        new CountDownLatch(1).await();
      } catch (InterruptedException e) {
        interrupted.countDown();
        throw e;
      }
    }
  }

  /**
   * cancel() records the request, then interrupts the thread only if it is already sleeping; the timer's loop checks
   * the request, then marks itself sleeping. A cancellation between the two used to be lost: the timer slept its
   * whole duration (here: for ever) before the workflow stopped.
   */
  @Test
  void aCancellationJustBeforeATimerSleepsStillStopsIt() throws Exception {
    HookedClock hooked = new HookedClock();
    AtomicReference<WorkflowExecutor> executor = new AtomicReference<>();
    AtomicInteger wallReads = new AtomicInteger(-1); // counting from the workflow's ctx.sleep
    hooked.onWallMillis = () -> {
      // The 1st read computes the wake-up time; the 2nd is the loop's, after its cancellation check.
      if (wallReads.get() >= 0 && wallReads.incrementAndGet() == 2) {
        assertTrue(executor.get().handle("sleepy").cancel());
      }
    };
    try (WorkflowExecutor ex = WorkflowExecutor.builder(dir).clock(hooked).scheduler(clock)
        .storeTasks(Runnable::run).register("w", (WorkflowContext ctx, String in) -> {
          ctx.step("book", null, () -> "booked", r -> log.add("unbook"));
          wallReads.set(0);
          ctx.sleep(Duration.ofDays(1));
          return ctx.step("after", () -> "after");
        }).open()) {
      executor.set(ex);
      WorkflowHandle<String> handle = ex.start("w", "sleepy", null);
      assertEquals("workflow-cancelled", failure(handle).code(), "the timer slept through the cancellation");
      assertEquals(WorkflowStatus.CANCELLED, handle.status());
      assertEquals(List.of("unbook"), log);
    }
  }

  /**
   * cancel() interrupts a run it finds sleeping. When the timer ended just as the cancellation came (its sleep
   * returned normally, the run still marked sleeping), that interrupt stayed on the thread: the cancellation was seen
   * at the loop's next check, and the compensations then ran interrupted (one doing I/O would fail, leaving the
   * workflow COMPENSATING).
   */
  @Test
  void aCancellationThatInterruptsATimerAsItEndsDoesNotInterruptTheCompensations() throws Exception {
    AtomicReference<WorkflowExecutor> executor = new AtomicReference<>();
    Clock cancelling = new Clock() {
      @Override
      public long nanoTime() {
        return clock.nanoTime();
      }

      @Override
      public long wallMillis() {
        return clock.wallMillis();
      }

      @Override
      public void sleep(long nanos) {
        assertTrue(executor.get().handle("ending").cancel()); // the run is marked sleeping: this interrupts it
        clock.advance(nanos); // and the timer ends without noticing
      }
    };
    try (WorkflowExecutor ex = WorkflowExecutor.builder(dir).clock(cancelling).scheduler(clock)
        .storeTasks(Runnable::run).register("w", (WorkflowContext ctx, String in) -> {
          ctx.step("book", null, () -> "booked",
              r -> log.add(Thread.currentThread().isInterrupted() ? "unbook, interrupted" : "unbook"));
          ctx.sleep(Duration.ofMinutes(1));
          return ctx.step("after", () -> "after");
        }).open()) {
      executor.set(ex);
      WorkflowHandle<String> handle = ex.start("w", "ending", null);
      assertEquals("workflow-cancelled", failure(handle).code());
      assertEquals(List.of("unbook"), log);
    }
  }

  /**
   * The pass handing a backlog over marks a run not queued while the store releases it; a cancellation (which
   * resumes a run not queued) queued it again meanwhile, and when the store refused the release the pass queued it a
   * second time. Both copies were dispatched, each taking a place of the queue; the second found the run taken and
   * never gave its place back: the queue ran with one place less for good (with concurrency 1, it would stall).
   */
  @Test
  void aCancellationWhileTheBacklogIsHandedOverDoesNotQueueTheWorkflowTwiceNorLeakAPlace() throws Exception {
    HookedStore store = HookedStore.shared(EmbeddedWorkflowStore.open(dir, clock, clock, "shared", 10_000,
        Durability.SYNC, Duration.ofMillis(50), List.of()));
    HeldTasks workers = new HeldTasks();
    AtomicReference<WorkflowExecutor> executor = new AtomicReference<>();
    store.onRelease = w -> assertTrue(executor.get().handle(w.id()).cancel());
    try (WorkflowExecutor ex = WorkflowExecutor.builder(store).clock(clock).scheduler(clock).storeTasks(Runnable::run)
        .executor(workers).queue("q", 2, 0).register("w", (WorkflowContext ctx, String in) -> ctx.step("s", () -> in))
        .open()) {
      executor.set(ex);
      List<WorkflowHandle<String>> handles = new ArrayList<>();
      for (int i = 1; i <= 5; i++) {
        handles.add(ex.start("q", "w", "w" + i, "w" + i));
      }
      assertEquals(2, workers.tasks.size(), "w1 and w2 were dispatched; w3, w4, w5 wait");
      clock.advance(Duration.ofSeconds(1)); // the pass tries to hand w5 over; it is cancelled meanwhile, then refused
      workers.runAll();
      for (int i = 0; i < 4; i++) {
        assertEquals("w" + (i + 1), handles.get(i).result().get(10, TimeUnit.SECONDS));
      }
      assertEquals("workflow-cancelled", failure(handles.get(4)).code());
      // The queue has both its places again: two more starts are both dispatched.
      ex.start("q", "w", "w6", "w6");
      ex.start("q", "w", "w7", "w7");
      assertEquals(2, workers.tasks.size(), "a place of the queue leaked");
      workers.runAll();
    }
  }

  /**
   * A workflow resumed COMPENSATING is replayed to register its compensations; replay caught Exceptions only, so code
   * that had failed with a (non-fatal) Error the first time threw it again out of the worker: the compensation never
   * ran, the workflow stayed COMPENSATING and its result never completed.
   */
  @Test
  void aWorkflowThatFailedWithAnErrorCompensatesWhenResumed() throws Exception {
    AtomicInteger undoAttempts = new AtomicInteger();
    Workflow<String, String> w = (ctx, in) -> {
      ctx.step("book", null, () -> "booked", r -> {
        if (undoAttempts.incrementAndGet() == 1) {
          throw new IllegalStateException("unbooking is down");
        }
        log.add("unbook");
      });
      throw new AssertionError("broken");
    };
    try (WorkflowExecutor first = WorkflowExecutor.builder(dir).clock(clock).scheduler(clock)
        .storeTasks(Runnable::run).register("w", w).open()) {
      WorkflowHandle<String> handle = first.start("w", "e", null);
      assertEquals("compensation-failed", failure(handle).code());
      assertEquals(WorkflowStatus.COMPENSATING, handle.status());
    }
    try (WorkflowExecutor second = WorkflowExecutor.builder(dir).clock(clock).scheduler(clock)
        .storeTasks(Runnable::run).register("w", w).open()) {
      WorkflowHandle<String> handle = second.handle("e");
      assertEquals("workflow-failed", failure(handle).code());
      assertEquals(WorkflowStatus.FAILED, handle.status());
      assertEquals(List.of("unbook"), log);
    }
  }

  /**
   * close() interrupted the workflows running on its own workers (shutdownNow) and in calling threads, but not those
   * running on an executor service given to the builder: a workflow waiting on a durable timer kept that thread
   * until the timer elapsed, after the executor and its store had closed.
   */
  @Test
  void closeInterruptsWorkflowsRunningOnAGivenExecutorService() throws Exception {
    HookedClock hooked = new HookedClock();
    ExecutorService given = Executors.newFixedThreadPool(2);
    try {
      WorkflowExecutor ex = WorkflowExecutor.builder(dir).clock(hooked).scheduler(clock).storeTasks(Runnable::run)
          .executor(given).register("w", (WorkflowContext ctx, String in) -> {
            ctx.sleep(Duration.ofDays(1));
            return "woke";
          }).open();
      WorkflowHandle<String> handle = ex.start("w", "t", null);
      assertTrue(hooked.sleeping.await(10, TimeUnit.SECONDS));
      ex.close();
      assertEquals("executor-closed", failure(handle).code());
      assertTrue(hooked.interrupted.await(10, TimeUnit.SECONDS), "the workflow still sleeps on the given executor");
      assertFalse(given.isShutdown(), "the given executor is not shut down");
    } finally {
      given.shutdownNow();
    }
  }

  /**
   * On a shared store, a workflow another node took over can come back to this executor (that node died) while the
   * run this executor lost is still executing here: the claim found the run executing and did nothing, the lost run
   * was then fenced at its next record, and nobody ran the workflow again (this executor owns it and keeps
   * heart-beating, so no other node takes it) until a restart or a resume.
   */
  @Test
  void aWorkflowClaimedBackWhileItsLostRunStillExecutesHereRunsAgainAfterIt() throws Exception {
    HookedStore store = HookedStore.shared(EmbeddedWorkflowStore.open(dir, clock, clock, "shared", 10_000,
        Durability.SYNC, Duration.ofMillis(50), List.of()));
    CountDownLatch inStep = new CountDownLatch(1);
    CountDownLatch goOn = new CountDownLatch(1);
    AtomicInteger runs = new AtomicInteger();
    AtomicBoolean fenced = new AtomicBoolean();
    store.onRecord = (w, change) -> {
      if (change instanceof WorkflowChange.StepDone && fenced.compareAndSet(false, true)) {
        throw new WorkflowException("workflow-fenced", "workflow " + w.id() + " was taken over (test)");
      }
    };
    try (WorkflowExecutor ex = WorkflowExecutor.builder(store).clock(clock).scheduler(clock).storeTasks(Runnable::run)
        .register("w", (WorkflowContext ctx, String in) -> ctx.step("s", () -> {
          if (runs.incrementAndGet() == 1) {
            inStep.countDown();
            goOn.await();
          }
          return "done";
        })).open()) {
      WorkflowHandle<String> handle = ex.start("w", "x", null);
      CompletableFuture<String> lost = handle.result();
      assertTrue(inStep.await(10, TimeUnit.SECONDS));
      store.listener.claimed(store.find("x"), "node-b"); // taken over by node-b, which died: claimed back
      goOn.countDown(); // the lost run's record is refused
      ExecutionException e = assertThrows(ExecutionException.class, () -> lost.get(10, TimeUnit.SECONDS));
      assertEquals("workflow-fenced", ((WorkflowException) e.getCause()).code());
      assertEquals("done", handle.result().get(10, TimeUnit.SECONDS), "nobody ran the workflow claimed back");
      assertEquals(2, runs.get());
      assertEquals(WorkflowStatus.SUCCEEDED, handle.status());
    }
  }

  /**
   * The backlog pass hands a waiting workflow to the shared store; a resume() (or a cancel(), which resumes) while
   * the store released it claimed it back here: it then ran here as well as wherever the store handed it (on
   * PostgreSQL the run here was fenced at its first record and its handle failed, while another node ran it).
   */
  @Test
  void aResumeWhileTheBacklogIsHandedOverDoesNotAlsoRunTheWorkflowHere() throws Exception {
    HookedStore store = HookedStore.shared(EmbeddedWorkflowStore.open(dir, clock, clock, "shared", 10_000,
        Durability.SYNC, Duration.ofMillis(50), List.of()));
    store.releases = true; // handed over: another node is to run it
    HeldTasks workers = new HeldTasks();
    AtomicReference<WorkflowExecutor> executor = new AtomicReference<>();
    List<Boolean> resumed = Collections.synchronizedList(new ArrayList<>());
    store.onRelease = w -> resumed.add(executor.get().handle(w.id()).resume());
    try (WorkflowExecutor ex = WorkflowExecutor.builder(store).clock(clock).scheduler(clock).storeTasks(Runnable::run)
        .executor(workers).queue("q", 2, 0).register("w", (WorkflowContext ctx, String in) -> ctx.step("s", () -> {
          log.add(in);
          return in;
        })).open()) {
      executor.set(ex);
      for (int i = 1; i <= 5; i++) {
        ex.start("q", "w", "w" + i, "w" + i);
      }
      clock.advance(Duration.ofSeconds(1)); // the pass hands w5 over; resumed meanwhile
      assertEquals(List.of(false), resumed, "resume() claimed back a workflow being handed over");
      workers.runAll();
      assertEquals(List.of("w1", "w2", "w3", "w4"), log, "the handed-over workflow ran here too");
      assertEquals(WorkflowStatus.PENDING, ex.handle("w5").status());
    }
  }

  /**
   * A run that ends with the workflow unfinished (here: a compensation that failed) lets go of it, then completes its
   * result. A resume() in between found the run not executing but its result not completed yet, so it kept that
   * result for the new run: the old run then failed it with compensation-failed, the new run's outcome (FAILED,
   * compensated) was lost, and the handle's result never said so. The hook parks the run in that moment.
   */
  @Test
  void aResumeAsARunEndsUnfinishedGivesTheNewRunANewResult() throws Exception {
    HeldTasks workers = new HeldTasks();
    AtomicInteger undoAttempts = new AtomicInteger();
    try (WorkflowExecutor ex = WorkflowExecutor.builder(dir).clock(clock).scheduler(clock).storeTasks(Runnable::run)
        .executor(workers).register("w", (WorkflowContext ctx, String in) -> {
          ctx.step("book", null, () -> "booked", r -> {
            if (undoAttempts.incrementAndGet() == 1) {
              throw new IllegalStateException("unbooking is down");
            }
            log.add("unbook");
          });
          throw new IllegalStateException("payment refused");
        }).open()) {
      WorkflowHandle<String> handle = ex.start("w", "r", null);
      CompletableFuture<String> first = handle.result();
      List<Boolean> resumed = Collections.synchronizedList(new ArrayList<>());
      ex.afterLetGo = () -> {
        if (resumed.isEmpty()) {
          assertEquals(WorkflowStatus.COMPENSATING, handle.status());
          resumed.add(handle.resume());
        }
      };
      workers.runAll(); // the first run, resumed as it ends, then the second
      assertEquals(List.of(true), resumed);
      assertEquals("compensation-failed", failure(first).code(), "the first run's result keeps its outcome");
      assertTrue(handle.result() != first, "the resumed run has a result of its own");
      assertEquals("workflow-failed", failure(handle).code(), "the resumed run's outcome was lost");
      assertEquals(WorkflowStatus.FAILED, handle.status());
      assertEquals(List.of("unbook"), log);
    }
  }

  /**
   * As above with a cancel(), which records the request and resumes: the run that ended unfinished (a store failure)
   * failed the result the cancelled run was given with store-failed, though the workflow ended CANCELLED.
   */
  @Test
  void aCancelAsARunEndsUnfinishedStopsTheNextRunAndItsResultSaysSo() throws Exception {
    HookedStore store = HookedStore.of(EmbeddedWorkflowStore.open(dir, clock, clock, "race", 10_000,
        Durability.SYNC, Duration.ofMillis(50), List.of()));
    AtomicBoolean failed = new AtomicBoolean();
    store.onRecord = (w, change) -> {
      if (change instanceof WorkflowChange.StepDone && ((WorkflowChange.StepDone) change).index() == 1
          && failed.compareAndSet(false, true)) {
        throw new WorkflowException("store-failed", "the disk is gone for a moment (test)");
      }
    };
    HeldTasks workers = new HeldTasks();
    try (WorkflowExecutor ex = WorkflowExecutor.builder(store).clock(clock).scheduler(clock).storeTasks(Runnable::run)
        .executor(workers).register("w", (WorkflowContext ctx, String in) -> {
          ctx.step("book", null, () -> "booked", r -> log.add("unbook"));
          return ctx.step("pay", () -> "paid");
        }).open()) {
      WorkflowHandle<String> handle = ex.start("w", "c", null);
      CompletableFuture<String> first = handle.result();
      List<Boolean> cancelled = Collections.synchronizedList(new ArrayList<>());
      ex.afterLetGo = () -> {
        if (cancelled.isEmpty()) {
          cancelled.add(handle.cancel());
        }
      };
      workers.runAll();
      assertEquals(List.of(true), cancelled);
      assertEquals("store-failed", failure(first).code());
      assertEquals("workflow-cancelled", failure(handle).code(), "the cancelled run's outcome was lost");
      assertEquals(WorkflowStatus.CANCELLED, handle.status());
      assertEquals(List.of("unbook"), log);
    }
  }

  /**
   * The contract of cancel() for a workflow whose run has recorded its end but not yet completed its result: it had
   * finished, so cancel() says false, records nothing, and the result completes with the output.
   */
  @Test
  void aCancelAsARunEndsSucceededSaysTheWorkflowHadFinished() throws Exception {
    HeldTasks workers = new HeldTasks();
    try (WorkflowExecutor ex = WorkflowExecutor.builder(dir).clock(clock).scheduler(clock).storeTasks(Runnable::run)
        .executor(workers).register("w", (WorkflowContext ctx, String in) -> ctx.step("s", () -> "done")).open()) {
      WorkflowHandle<String> handle = ex.start("w", "s", null);
      List<Boolean> cancelled = Collections.synchronizedList(new ArrayList<>());
      ex.afterLetGo = () -> {
        assertTrue(!handle.result().isDone(), "parked before the result completes");
        cancelled.add(handle.cancel());
        cancelled.add(handle.resume());
      };
      workers.runAll();
      assertEquals(List.of(false, false), cancelled);
      assertEquals("done", handle.result().get(10, TimeUnit.SECONDS));
      assertEquals(WorkflowStatus.SUCCEEDED, handle.status());
      assertTrue(workers.tasks.isEmpty(), "nothing was queued");
    }
  }

  /**
   * On a shared store, a workflow whose run here was fenced (its result failed with workflow-fenced) and that this
   * executor later claims back runs again here; that run was given the fenced run's result, already completed, so
   * its own outcome was lost: the handle said workflow-fenced for a workflow that SUCCEEDED here.
   */
  @Test
  void aWorkflowClaimedBackAfterItsLostRunEndedGetsANewResult() throws Exception {
    HookedStore store = HookedStore.shared(EmbeddedWorkflowStore.open(dir, clock, clock, "shared", 10_000,
        Durability.SYNC, Duration.ofMillis(50), List.of()));
    AtomicBoolean fenced = new AtomicBoolean();
    store.onRecord = (w, change) -> {
      if (change instanceof WorkflowChange.StepDone && fenced.compareAndSet(false, true)) {
        throw new WorkflowException("workflow-fenced", "workflow " + w.id() + " was taken over (test)");
      }
    };
    HeldTasks workers = new HeldTasks();
    try (WorkflowExecutor ex = WorkflowExecutor.builder(store).clock(clock).scheduler(clock).storeTasks(Runnable::run)
        .executor(workers).register("w", (WorkflowContext ctx, String in) -> ctx.step("s", () -> "done")).open()) {
      WorkflowHandle<String> handle = ex.start("w", "x", null);
      CompletableFuture<String> lost = handle.result();
      workers.runAll();
      assertEquals("workflow-fenced", failure(lost).code());
      store.listener.claimed(store.find("x"), "node-b"); // taken over by node-b, which died: claimed back
      workers.runAll();
      assertEquals(WorkflowStatus.SUCCEEDED, handle.status());
      assertEquals("done", handle.result().get(10, TimeUnit.SECONDS), "the run claimed back lost its outcome");
    }
  }
}
