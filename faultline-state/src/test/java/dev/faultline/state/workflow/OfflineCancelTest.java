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
 * {@link WorkflowExecutor#cancelOffline} promises that the next executor opening the store resumes the workflow, which
 * then stops and compensates. An executor that does not resume on start left it PENDING, its result never completing.
 */
class OfflineCancelTest {
  @TempDir
  Path dir;
  private final FakeClock clock = new FakeClock();
  private final List<String> log = Collections.synchronizedList(new ArrayList<>());
  private final Workflow<String, String> saga = (ctx, in) -> {
    ctx.step("a", null, () -> "a", r -> log.add("undo a"));
    return ctx.step("b", () -> "b");
  };

  @Test
  void anOfflineCancellationIsCarriedOutByAnExecutorThatDoesNotResumeOnStart() throws Exception {
    HookedStore store = HookedStore.of(EmbeddedWorkflowStore.open(dir, clock, clock, "offline", 10_000,
        Durability.SYNC, Duration.ofMillis(50), List.of()));
    AtomicBoolean failed = new AtomicBoolean();
    store.onRecord = (w, change) -> {
      if (change instanceof WorkflowChange.StepDone && ((WorkflowChange.StepDone) change).step().equals("b")
          && failed.compareAndSet(false, true)) {
        throw new WorkflowException("store-failed", "the disk is gone (test)");
      }
    };
    try (WorkflowExecutor executor = WorkflowExecutor.builder(store).clock(clock).scheduler(clock)
        .storeTasks(Runnable::run).register("saga", saga).open()) {
      assertEquals("store-failed", assertThrows(WorkflowException.class, () -> executor.call("saga", "x", null))
          .code());
    }
    assertTrue(WorkflowExecutor.cancelOffline(dir, "x"));

    try (WorkflowExecutor executor = WorkflowExecutor.builder(dir).clock(clock).scheduler(clock)
        .storeTasks(Runnable::run).resumeOnStart(false).register("saga", saga).open()) {
      WorkflowHandle<String> handle = executor.handle("x");
      ExecutionException e = assertThrows(ExecutionException.class, () -> handle.result().get(10, TimeUnit.SECONDS),
          "the cancelled workflow was not resumed");
      assertEquals("workflow-cancelled", ((WorkflowException) e.getCause()).code());
      assertEquals(WorkflowStatus.CANCELLED, handle.status());
    }
    assertEquals(List.of("undo a"), log);
  }
}
