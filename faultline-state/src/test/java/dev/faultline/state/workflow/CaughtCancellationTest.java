package dev.faultline.state.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.testing.FakeClock;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cancel()} promises that the workflow stops at its next step and compensates. Code that caught the
 * cancellation its next step threw (as it may catch a step's failure) and returned was recorded SUCCEEDED, with an
 * output computed without the steps the cancellation skipped, and nothing compensated.
 */
class CaughtCancellationTest {
  @TempDir
  Path dir;
  private final FakeClock clock = new FakeClock();
  private final List<String> log = Collections.synchronizedList(new ArrayList<>());

  @Test
  void aCancellationTheCodeCatchesStillCancelsTheWorkflow() {
    AtomicReference<WorkflowExecutor> executor = new AtomicReference<>();
    try (WorkflowExecutor ex = WorkflowExecutor.builder(dir).clock(clock).scheduler(clock)
        .storeTasks(Runnable::run).register("w", (WorkflowContext ctx, String in) -> {
          ctx.step("a", null, () -> {
            assertTrue(executor.get().handle(ctx.workflowId()).cancel());
            return "a";
          }, r -> log.add("undo a"));
          try {
            ctx.step("b", () -> log.add("b ran"));
          } catch (WorkflowException e) {
            log.add("caught " + e.code());
          }
          return "done";
        }).open()) {
      executor.set(ex);
      WorkflowException e = assertThrows(WorkflowException.class, () -> ex.call("w", "c", null));
      assertEquals("workflow-cancelled", e.code());
      assertEquals(WorkflowStatus.CANCELLED, ex.handle("c").status());
    }
    assertEquals(List.of("caught workflow-cancelled", "undo a"), log);
  }
}
