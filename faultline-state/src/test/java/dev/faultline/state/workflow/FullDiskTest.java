package dev.faultline.state.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.testing.FakeClock;
import dev.faultline.state.io.StorageIo;
import dev.faultline.state.journal.Durability;
import dev.faultline.state.testing.FaultInjectingStorage;
import dev.faultline.state.testing.SimulatedStorage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** The embedded store's disk fills up or fails under running workflows. */
class FullDiskTest {
  private static final Path DIR = Path.of("/sim/workflows");
  private final FakeClock clock = new FakeClock();
  private final SimulatedStorage disk = new SimulatedStorage();
  private final FaultInjectingStorage faulty = new FaultInjectingStorage(disk)
      .affecting(file -> file.toString().endsWith(".journal"));
  private final List<String> log = Collections.synchronizedList(new ArrayList<>());

  private WorkflowExecutor open(StorageIo storage, int threads) {
    EmbeddedWorkflowStore store = EmbeddedWorkflowStore.open(DIR, clock, clock, "disk", 10_000, Durability.SYNC,
        Duration.ofMillis(50), List.of(), storage);
    return WorkflowExecutor.builder(store).clock(clock).scheduler(clock).storeTasks(Runnable::run).threads(threads)
        .queue("slow", 1, 1)
        .register("idle", (WorkflowContext ctx, String in) -> in)
        .register("w", (WorkflowContext ctx, String in) -> {
          String a = ctx.step("a", () -> "a");
          return a + ctx.step("b", () -> {
            log.add("b " + ctx.idempotencyKey());
            if (log.size() == 1) {
              faulty.failWritesAfter(0, FaultInjectingStorage.noSpace()); // b's record finds the disk full
            }
            return "b";
          });
        })
        .open();
  }

  private static void closeBroken(WorkflowExecutor executor) {
    try {
      executor.close();
    } catch (RuntimeException expected) {
      // the journal that failed reports it
    }
  }

  /**
   * The result promises a WorkflowException, {@code store-failed} when the store could not record: a full disk
   * completed it with the journal's own exception, and {@code call} reported that as {@code workflow-failed}, though
   * nothing failed the workflow (it stays unfinished, and resumes on the next open).
   */
  @Test
  void aFullDiskLeavesTheWorkflowUnfinishedAndSaysTheStoreFailed() {
    WorkflowExecutor executor = open(faulty, 2);
    WorkflowException e = assertThrows(WorkflowException.class, () -> executor.call("w", "x", null));
    assertEquals("store-failed", e.code(), e.getMessage());
    assertTrue(String.valueOf(e.getCause()).contains("No space left"), String.valueOf(e.getCause()));
    assertEquals(WorkflowStatus.PENDING, executor.handle("x").status());
    faulty.heal();
    closeBroken(executor);

    try (WorkflowExecutor reopened = open(disk, 2)) {
      assertEquals("ab", reopened.handle("x").result().join());
    }
    assertEquals(List.of("b x/1", "b x/1"), log);
  }

  /** close() failed on the broken journal before it completed the results: a waiting handle waited for ever. */
  @Test
  void closeCompletesEveryResultEvenWhenTheStoreFailsToClose() throws Exception {
    WorkflowExecutor executor = open(faulty, 2);
    assertEquals("first", executor.call("slow", "idle", "i1", "first"));
    WorkflowHandle<String> waiting = executor.start("slow", "idle", "i2", "second"); // the rate holds it back
    // A success is forced later (with the next force, at the latest by close): close's force then fails.
    assertEquals("third", executor.call("idle", "i3", "third"));
    faulty.failForces(FaultInjectingStorage.ioError());
    closeBroken(executor);
    assertTrue(waiting.result().isDone(), "the waiting workflow's result was left incomplete");
    CompletionException e = assertThrows(CompletionException.class, () -> waiting.result().join());
    assertEquals("executor-closed", ((WorkflowException) e.getCause()).code());
  }
}
