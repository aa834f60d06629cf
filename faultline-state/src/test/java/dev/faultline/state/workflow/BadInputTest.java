package dev.faultline.state.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.ConfigurationException;
import dev.faultline.core.testing.FakeClock;
import dev.faultline.state.Codec;
import dev.faultline.state.RecoverableState;
import dev.faultline.state.StateMachine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input to the executor and to a workflow's context: refused with an error that names it, changing nothing. */
class BadInputTest {
  @TempDir
  Path dir;
  private final FakeClock clock = new FakeClock();
  private final List<String> log = Collections.synchronizedList(new ArrayList<>());

  private WorkflowExecutor.Builder builder() {
    return WorkflowExecutor.builder(dir).clock(clock).scheduler(clock).storeTasks(Runnable::run);
  }

  @Test
  void nullNamesAndIdsAreNamed() {
    try (WorkflowExecutor executor = builder().register("w", (WorkflowContext ctx, String in) -> in).open()) {
      assertEquals("workflowName", assertThrows(ConfigurationException.class,
          () -> executor.start(null, "id", null)).field());
      assertEquals("queue", assertThrows(ConfigurationException.class,
          () -> executor.start(null, "w", "id", null)).field());
      assertEquals("workflowId", assertThrows(ConfigurationException.class,
          () -> executor.start("w", null, null)).field());
      assertEquals("workflow-unknown", assertThrows(WorkflowException.class, () -> executor.handle(null)).code());
      assertEquals(List.of(), executor.list(null));
    }
  }

  /**
   * A directory of another {@code RecoverableState} (it has a journal too) read as a workflow store: before, the
   * offline reads failed with "cannot decode the state in checkpoint ...: truncated workflow table checkpoint" (or
   * "cannot replay sequence 1"), which did not say that the directory holds something else.
   */
  @Test
  void anotherKindOfStateIsNamedAsNotAWorkflowStore() throws Exception {
    StateMachine<String, String> appending = new StateMachine<>() {
      @Override
      public String initial() {
        return "";
      }

      @Override
      public String apply(String state, String event) {
        return state + event;
      }
    };
    for (boolean checkpointed : new boolean[] {false, true}) {
      Path other = dir.resolve("other-" + checkpointed);
      try (RecoverableState<String, String> state = RecoverableState.builder(other, appending, Codec.utf8(),
          Codec.utf8()).checkpointEvery(0).open()) {
        state.apply("not a workflow");
        if (checkpointed) {
          state.checkpoint("label");
        }
      }
      WorkflowException listed = assertThrows(WorkflowException.class, () -> WorkflowExecutor.inspect(other));
      assertEquals("store-unreadable", listed.code());
      assertTrue(listed.getMessage().startsWith(other + " does not hold a workflow store's state: it is the state of"
          + " something else, or a damaged workflow store"), listed.getMessage());
      assertEquals("store-unreadable", assertThrows(WorkflowException.class,
          () -> WorkflowExecutor.cancelOffline(other, "x")).code());
    }
  }

  /** A cancel through a handle the closed executor gave out failed as if the store had (store-failed). */
  @Test
  void aCancelAfterTheExecutorClosedSaysSo() {
    WorkflowHandle<String> handle;
    try (WorkflowExecutor executor = builder().register("w", (WorkflowContext ctx, String in) -> {
      ctx.sleep(Duration.ofHours(1));
      return in;
    }).open()) {
      handle = executor.start("w", "later", "x");
    }
    assertEquals("executor-closed", assertThrows(WorkflowException.class, handle::cancel).code());
    assertEquals(false, handle.resume());
  }

  /** Ids and names are recorded as modified UTF-8 of at most 65535 bytes; a longer one failed deep in the journal. */
  @Test
  void anIdTooLongToRecordIsRefusedByName() {
    String huge = "x".repeat(70_000);
    try (WorkflowExecutor executor = builder().register("w", (WorkflowContext ctx, String in) -> in).open()) {
      ConfigurationException e = assertThrows(ConfigurationException.class, () -> executor.start("w", huge, null));
      assertEquals("workflowId", e.field());
      assertTrue(e.getMessage().contains("70000"), e.getMessage());
      assertEquals(List.of(), executor.list(null));
    }
    assertEquals("name", assertThrows(ConfigurationException.class,
        () -> builder().register(huge, (WorkflowContext ctx, String in) -> in)).field());
    assertEquals("queue", assertThrows(ConfigurationException.class, () -> builder().queue(huge, 1, 0)).field());
  }

  /**
   * A step name too long to record was found only when its result was recorded, after the step had run: the run
   * ended unfinished, and every resume ran the step again. It is refused before the step runs, consuming no position.
   */
  @Test
  void aStepNameTooLongToRecordIsRefusedBeforeTheStepRuns() {
    String huge = "s".repeat(70_000);
    try (WorkflowExecutor executor = builder().register("w", (WorkflowContext ctx, String in) -> {
      try {
        ctx.step(huge, () -> log.add("ran"));
      } catch (IllegalArgumentException e) {
        log.add(e.getMessage().contains("70000") ? "refused" : e.getMessage());
      }
      return ctx.step("ok", () -> "ok");
    }).open()) {
      assertEquals("ok", executor.call("w", "s", null));
      assertEquals(List.of("refused"), log);
      assertEquals(1, executor.handle("s").info().steps().size());
    }
  }

  /** A retention longer than a long counts in nanoseconds failed open() with an ArithmeticException naming nothing. */
  @Test
  void aRetentionBeyondTheNanosecondRangeKeepsFinishedWorkflows() {
    try (WorkflowExecutor executor = builder().retainFinished(Duration.ofSeconds(Long.MAX_VALUE))
        .register("w", (WorkflowContext ctx, String in) -> in).open()) {
      assertEquals("done", executor.call("w", "r", "done"));
      clock.advance(Duration.ofDays(365 * 200));
      assertEquals("done", executor.handle("r").result().join());
    }
  }
}
