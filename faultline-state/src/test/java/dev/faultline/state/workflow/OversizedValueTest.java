package dev.faultline.state.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.testing.FakeClock;
import dev.faultline.state.journal.Durability;
import dev.faultline.state.journal.JournalBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Values larger than the journal's records ({@value JournalBuilder#DEFAULT_MAX_RECORD_SIZE} bytes). The journal
 * refuses such a record before anything changes, so the store goes on: a step result that large is the step's
 * recorded failure, an output that large fails the workflow, an input that large refuses the start. Regression
 * tests: the refusal was taken for a failed store, so the run ended unfinished and every resume (every restart)
 * ran the step's action again, to the same end, for ever.
 */
class OversizedValueTest {
  private static final byte[] HUGE = new byte[JournalBuilder.DEFAULT_MAX_RECORD_SIZE];

  @TempDir
  Path dir;
  private final FakeClock clock = new FakeClock();
  private final List<String> log = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger runs = new AtomicInteger();

  private WorkflowExecutor open() {
    return WorkflowExecutor.builder(EmbeddedWorkflowStore.open(dir, clock, clock, "big", 10_000, Durability.SYNC,
            Duration.ofMillis(50), List.of()))
        .clock(clock).scheduler(clock).storeTasks(Runnable::run)
        .register("step", (WorkflowContext ctx, String in) -> {
          ctx.step("a", null, () -> "a", r -> log.add("undo a"));
          try {
            ctx.step("big", () -> {
              runs.incrementAndGet();
              return HUGE;
            });
          } catch (WorkflowException e) {
            log.add(e.code() + " " + ((WorkflowException) e.getCause()).code());
          }
          return ctx.step("after", () -> "went on");
        })
        .register("output", (WorkflowContext ctx, String in) -> {
          ctx.step("a", null, () -> "a", r -> log.add("undo a"));
          runs.incrementAndGet();
          return HUGE;
        })
        .register("input", (WorkflowContext ctx, byte[] in) -> ctx.step("len", () -> in.length))
        .open();
  }

  @Test
  void aStepResultTooLargeToRecordIsTheStepsRecordedFailureAndRunsOnce() {
    try (WorkflowExecutor executor = open()) {
      assertEquals("went on", executor.call("step", "s", null));
      List<WorkflowInfo.StepInfo> steps = executor.handle("s").info().steps();
      assertEquals(3, steps.size());
      assertTrue(steps.get(1).outcome().contains("value-too-large"), steps.get(1).outcome());
    }
    try (WorkflowExecutor reopened = open()) {
      assertEquals(WorkflowStatus.SUCCEEDED, reopened.handle("s").status());
    }
    assertEquals(1, runs.get(), "the action ran once");
    assertEquals(List.of("step-failed value-too-large"), log);
  }

  @Test
  void anOutputTooLargeToRecordFailsTheWorkflow() throws Exception {
    try (WorkflowExecutor executor = open()) {
      WorkflowHandle<byte[]> handle = executor.start("output", "o", null);
      ExecutionException e = assertThrows(ExecutionException.class, () -> handle.result().get(10, TimeUnit.SECONDS));
      WorkflowException failure = (WorkflowException) e.getCause();
      assertEquals("workflow-failed", failure.code(), failure.getMessage());
      assertTrue(failure.getMessage().contains("value-too-large")
          || failure.getMessage().contains("cannot be recorded"), failure.getMessage());
      assertEquals(WorkflowStatus.FAILED, handle.status());
    }
    try (WorkflowExecutor reopened = open()) {
      assertEquals(WorkflowStatus.FAILED, reopened.handle("o").status());
    }
    assertEquals(1, runs.get());
    assertEquals(List.of("undo a"), log);
  }

  @Test
  void anInputTooLargeToRecordRefusesTheStartAndRecordsNothing() {
    try (WorkflowExecutor executor = open()) {
      WorkflowException e = assertThrows(WorkflowException.class, () -> executor.start("input", "i", HUGE));
      assertEquals("value-too-large", e.code(), e.getMessage());
      assertEquals(List.of(), executor.list(null));
      assertEquals(3, (int) executor.call("input", "i", new byte[3]), "the id is free, the store goes on");
    }
  }
}
