package dev.faultline.state.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.testing.FakeClock;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fatal error (a VirtualMachineError or a LinkageError, which the executor never swallows) thrown by a workflow's
 * code left its result incomplete for ever: every thread waiting for it waited for ever.
 */
class FatalErrorTest {
  @TempDir
  Path dir;
  private final FakeClock clock = new FakeClock();

  @Test
  void aFatalErrorCompletesTheResultAndLeavesTheWorkflowUnfinished() throws Exception {
    AtomicBoolean missing = new AtomicBoolean(true);
    try (WorkflowExecutor executor = WorkflowExecutor.builder(dir).clock(clock).scheduler(clock)
        .storeTasks(Runnable::run).register("w", (WorkflowContext ctx, String in) -> {
          String a = ctx.step("a", () -> "a");
          if (missing.get()) {
            throw new NoClassDefFoundError("com/example/Missing (test)");
          }
          return a;
        }).open()) {
      WorkflowHandle<String> handle = executor.start("w", "f", null);
      ExecutionException e = assertThrows(ExecutionException.class, () -> handle.result().get(10, TimeUnit.SECONDS),
          "the result never completed");
      assertTrue(e.getCause() instanceof NoClassDefFoundError, String.valueOf(e.getCause()));
      assertEquals(WorkflowStatus.PENDING, handle.status(), "nothing recorded: it runs again when resumed");
      missing.set(false);
      assertTrue(handle.resume());
      assertEquals("a", handle.result().get(10, TimeUnit.SECONDS));
    }
  }
}
