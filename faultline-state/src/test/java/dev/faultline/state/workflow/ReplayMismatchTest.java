package dev.faultline.state.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.testing.FakeClock;
import dev.faultline.state.journal.Durability;
import dev.faultline.state.workflow.spi.WorkflowChange;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replay must go through every recorded step: code that ends (returns or throws) before it reached them all no
 * longer matches the journal, as surely as code that calls another step at a recorded position. Before, such a replay
 * finished the workflow as if the steps it skipped had never run, and their compensations never ran.
 */
class ReplayMismatchTest {
  @TempDir
  Path dir;
  private final FakeClock clock = new FakeClock();
  private final List<String> log = Collections.synchronizedList(new ArrayList<>());

  private HookedStore store() {
    return HookedStore.of(EmbeddedWorkflowStore.open(dir, clock, clock, "replay", 10_000, Durability.SYNC,
        Duration.ofMillis(50), List.of()));
  }

  private WorkflowExecutor.Builder builder(HookedStore store) {
    return WorkflowExecutor.builder(store).clock(clock).scheduler(clock).storeTasks(Runnable::run);
  }

  private static WorkflowException failure(WorkflowHandle<?> handle) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> handle.result().get(10, TimeUnit.SECONDS));
    assertTrue(e.getCause() instanceof WorkflowException, String.valueOf(e.getCause()));
    return (WorkflowException) e.getCause();
  }

  /** Fails the first record of step {@code step} as a store would, leaving the steps before it recorded. */
  private static HookedStore failingOnce(HookedStore store, String step) {
    AtomicBoolean failed = new AtomicBoolean();
    store.onRecord = (w, change) -> {
      if (change instanceof WorkflowChange.StepDone && ((WorkflowChange.StepDone) change).step().equals(step)
          && failed.compareAndSet(false, true)) {
        throw new WorkflowException("store-failed", "the disk is gone (test)");
      }
    };
    return store;
  }

  @Test
  void codeThatReturnsBeforeItsRecordedStepsIsNondeterministicAndRecordsNothing() throws Exception {
    try (WorkflowExecutor first = builder(failingOnce(store(), "c")).register("w", (WorkflowContext ctx, String in) -> {
      ctx.step("a", () -> log.add("a"));
      ctx.step("b", () -> log.add("b"));
      return ctx.step("c", () -> "c");
    }).open()) {
      assertEquals("store-failed", assertThrows(WorkflowException.class, () -> first.call("w", "x", null)).code());
    }
    // The next deployment dropped step b: a and b are recorded, the code returns after a.
    try (WorkflowExecutor second = builder(store()).register("w", (WorkflowContext ctx, String in) -> {
      ctx.step("a", () -> log.add("a again"));
      return "done without b";
    }).open()) {
      WorkflowHandle<String> handle = second.handle("x");
      WorkflowException e = failure(handle);
      assertEquals("workflow-nondeterministic", e.code(), e.getMessage());
      assertTrue(e.getMessage().contains("step 'b' at position 1"), e.getMessage());
      assertEquals(WorkflowStatus.PENDING, handle.status(), "nothing recorded: fixed code can resume it");
    }
    assertEquals(List.of("a", "b"), log);
  }

  @Test
  void aCompensationReplayThatEndsBeforeItsRecordedStepsCompensatesNothing() throws Exception {
    AtomicBoolean undoBFails = new AtomicBoolean(true);
    try (WorkflowExecutor first = builder(store()).register("w", (WorkflowContext ctx, String in) -> {
      ctx.step("a", null, () -> "a", r -> log.add("undo a"));
      ctx.step("b", null, () -> "b", r -> {
        log.add("undo b");
        if (undoBFails.getAndSet(false)) {
          throw new IllegalStateException("undo b failed");
        }
      });
      throw new IllegalArgumentException("boom");
    }).open()) {
      WorkflowHandle<String> handle = first.start("w", "s", null);
      assertEquals("compensation-failed", failure(handle).code());
      assertEquals(WorkflowStatus.COMPENSATING, handle.status());
    }
    log.clear();
    // The next deployment fails right after step a: replayed, it would register a's compensation only.
    try (WorkflowExecutor second = builder(store()).register("w", (WorkflowContext ctx, String in) -> {
      ctx.step("a", null, () -> "a", r -> log.add("undo a"));
      throw new IllegalArgumentException("boom");
    }).open()) {
      WorkflowHandle<String> handle = second.handle("s");
      WorkflowException e = failure(handle);
      assertEquals("workflow-nondeterministic", e.code(), e.getMessage());
      assertEquals(WorkflowStatus.COMPENSATING, handle.status(), "nothing recorded: fixed code can resume it");
    }
    assertEquals(List.of(), log, "b's compensation was skipped, and a's ran out of order");
  }

  /**
   * A cancelled workflow replays its recorded steps before it stops; a timer that ended before the steps recorded
   * after it used to check the cancellation first, so the replay stopped there and the steps after the timer were
   * never compensated.
   */
  @Test
  void aCancelledReplayPassesARecordedTimerAndCompensatesTheStepsAfterIt() throws Exception {
    try (WorkflowExecutor executor = builder(failingOnce(store(), "c")).register("w",
        (WorkflowContext ctx, String in) -> {
          ctx.step("a", null, () -> "a", r -> log.add("undo a"));
          ctx.sleep(Duration.ofMinutes(1));
          ctx.step("b", null, () -> "b", r -> log.add("undo b"));
          return ctx.step("c", () -> "c");
        }).open()) {
      assertEquals("store-failed", assertThrows(WorkflowException.class, () -> executor.call("w", "t", null)).code());
      WorkflowHandle<String> handle = executor.handle("t");
      assertTrue(handle.cancel());
      assertEquals("workflow-cancelled", failure(handle).code());
      assertEquals(WorkflowStatus.CANCELLED, handle.status());
    }
    assertEquals(List.of("undo b", "undo a"), log);
  }
}
