package dev.faultline.state.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.testing.FakeClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A workflow's code misusing its context: refused at once, naming the misuse, recording nothing. */
class MisuseTest {
  @TempDir
  Path dir;
  private final FakeClock clock = new FakeClock();
  private final List<String> log = Collections.synchronizedList(new ArrayList<>());

  private WorkflowExecutor.Builder builder() {
    return WorkflowExecutor.builder(dir).clock(clock).scheduler(clock).storeTasks(Runnable::run);
  }

  /**
   * A step called from inside another step's action took the next position and recorded first; the outer step's
   * record then came out of order and was refused as workflow-nondeterministic, the run ended unfinished, and every
   * resume ran both actions again.
   */
  @Test
  void aStepOrTimerInsideAStepIsRefusedBeforeItRuns() throws Exception {
    try (WorkflowExecutor executor = builder().register("w", (WorkflowContext ctx, String in) -> {
      String outer = ctx.step("outer", () -> {
        try {
          ctx.step("inner", () -> log.add("inner ran"));
        } catch (IllegalStateException e) {
          log.add(e.getMessage().contains("'inner'") && e.getMessage().contains("'outer'") ? "inner refused"
              : e.getMessage());
        }
        try {
          ctx.sleep(Duration.ofSeconds(1));
        } catch (IllegalStateException e) {
          log.add("timer refused");
        }
        return "outer";
      });
      return outer + ctx.step("after", () -> "after");
    }).open()) {
      assertEquals("outerafter", executor.call("w", "n", null));
      assertEquals(List.of("inner refused", "timer refused"), log);
      List<WorkflowInfo.StepInfo> steps = executor.handle("n").info().steps();
      assertEquals(List.of("outer", "after"), steps.stream().map(WorkflowInfo.StepInfo::name).toList());
    }
  }

  /** A compensation calling a step recorded a new step into a COMPENSATING workflow. */
  @Test
  void aStepInsideACompensationIsRefused() throws Exception {
    try (WorkflowExecutor executor = builder().register("w", (WorkflowContext ctx, String in) -> {
      ctx.step("a", null, () -> "a", r -> {
        try {
          ctx.step("inside", () -> log.add("inside ran"));
        } catch (IllegalStateException e) {
          log.add("refused");
        }
      });
      throw new IllegalArgumentException("boom");
    }).open()) {
      WorkflowHandle<String> handle = executor.start("w", "c", null);
      ExecutionException e = assertThrows(ExecutionException.class, () -> handle.result().get(10, TimeUnit.SECONDS));
      assertEquals("workflow-failed", ((WorkflowException) e.getCause()).code());
      assertEquals(List.of("refused"), log);
      assertEquals(1, handle.info().steps().size());
      assertTrue(handle.info().steps().get(0).compensated());
    }
  }
}
