package dev.faultline.state.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.event.WorkflowEvent;
import dev.faultline.core.testing.FakeClock;
import dev.faultline.state.journal.Durability;
import dev.faultline.state.workflow.spi.WorkflowChange;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Values the codec cannot encode or decode. A step result it cannot encode is the step's failure, recorded as such;
 * an output it cannot encode is the workflow's failure; a recorded value it cannot decode (a deployment whose codec
 * no longer reads what an earlier one wrote) ends the run unfinished, recording and compensating nothing.
 */
class CodecFailureTest {
  @TempDir
  Path dir;
  private final FakeClock clock = new FakeClock();
  private final List<String> log = Collections.synchronizedList(new ArrayList<>());
  /** Whether the codec fails to decode (a later deployment's codec that cannot read the recorded values). */
  private volatile boolean decodeFails;

  private final WorkflowCodec codec = new WorkflowCodec() {
    @Override
    public byte[] encode(Object value) {
      return WorkflowCodec.standard().encode(value);
    }

    @Override
    public Object decode(byte[] bytes) {
      if (decodeFails) {
        throw new IllegalStateException("no such class (test)");
      }
      return WorkflowCodec.standard().decode(bytes);
    }
  };

  private HookedStore store() {
    return HookedStore.of(EmbeddedWorkflowStore.open(dir, clock, clock, "codec", 10_000, Durability.SYNC,
        Duration.ofMillis(50), List.of()));
  }

  private WorkflowExecutor.Builder builder(HookedStore store) {
    return WorkflowExecutor.builder(store).clock(clock).scheduler(clock).storeTasks(Runnable::run).codec(codec);
  }

  private static WorkflowException failure(WorkflowHandle<?> handle) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> handle.result().get(10, TimeUnit.SECONDS));
    assertTrue(e.getCause() instanceof WorkflowException, String.valueOf(e.getCause()));
    return (WorkflowException) e.getCause();
  }

  /**
   * Before, the step's position was used but nothing recorded there: code that caught the failure and went on had
   * its next step refused as out of order (workflow-nondeterministic), and every resume ran the step again.
   */
  @Test
  void aStepResultTheCodecCannotEncodeIsRecordedAsTheStepsFailure() throws Exception {
    List<WorkflowEvent.Transition> failed = new CopyOnWriteArrayList<>();
    try (WorkflowExecutor executor = builder(store()).listener(event -> {
      if (event instanceof WorkflowEvent.Transition t
          && t.kind() == WorkflowEvent.Kind.STEP_FAILED) {
        failed.add(t);
      }
    }).register("w", (WorkflowContext ctx, String in) -> {
      try {
        ctx.step("odd", () -> {
          log.add("odd ran");
          return new Object();
        });
      } catch (WorkflowException e) {
        log.add(e.code() + " " + ((WorkflowException) e.getCause()).code());
      }
      return ctx.step("next", () -> "next");
    }).open()) {
      assertEquals("next", executor.call("w", "e", null));
      List<WorkflowInfo.StepInfo> steps = executor.handle("e").info().steps();
      assertEquals(2, steps.size());
      assertTrue(steps.get(0).outcome().contains("codec-failed") && steps.get(0).outcome().contains("java.lang.Object"),
          steps.get(0).outcome());
    }
    assertEquals(List.of("odd ran", "step-failed codec-failed"), log);
    assertEquals(1, failed.size(), "the step failure is published: " + failed);
    assertEquals("odd", failed.get(0).step());
    assertTrue(failed.get(0).detail().startsWith("codec-failed: "), failed.get(0).detail());
  }

  /**
   * Before, an output the codec cannot encode was taken for a store failure: the workflow stayed PENDING, nothing
   * was compensated, and every restart ran it again to the same end.
   */
  @Test
  void anOutputTheCodecCannotEncodeFailsTheWorkflow() throws Exception {
    try (WorkflowExecutor executor = builder(store()).register("w", (WorkflowContext ctx, String in) -> {
      ctx.step("a", null, () -> "a", r -> log.add("undo a"));
      return new Object();
    }).open()) {
      WorkflowHandle<Object> handle = executor.start("w", "o", null);
      WorkflowException e = failure(handle);
      assertEquals("workflow-failed", e.code(), e.getMessage());
      assertTrue(e.getMessage().contains("java.lang.Object"), e.getMessage());
      assertEquals(WorkflowStatus.FAILED, handle.status());
    }
    assertEquals(List.of("undo a"), log);
  }

  /** Before, the codec's failure reached the code as a step's would: the workflow FAILED and compensated. */
  @Test
  void aRecordedStepResultTheCodecCannotDecodeLeavesTheWorkflowUnfinished() throws Exception {
    HookedStore first = store();
    AtomicBoolean failed = new AtomicBoolean();
    first.onRecord = (w, change) -> {
      if (change instanceof WorkflowChange.StepDone && ((WorkflowChange.StepDone) change).step().equals("b")
          && failed.compareAndSet(false, true)) {
        throw new WorkflowException("store-failed", "the disk is gone (test)");
      }
    };
    Workflow<String, String> w = (ctx, in) -> {
      String a = ctx.step("a", null, () -> "a", r -> log.add("undo a"));
      return a + ctx.step("b", () -> "b");
    };
    try (WorkflowExecutor executor = builder(first).register("w", w).open()) {
      assertEquals("store-failed", assertThrows(WorkflowException.class, () -> executor.call("w", "d", "in"))
          .code());
    }
    decodeFails = true;
    try (WorkflowExecutor executor = builder(store()).register("w", w).open()) {
      WorkflowHandle<String> handle = executor.handle("d");
      WorkflowException e = failure(handle);
      assertEquals("codec-failed", e.code(), e.getMessage());
      assertTrue(e.getMessage().contains("workflow d"), e.getMessage());
      assertEquals(WorkflowStatus.PENDING, handle.status(), "nothing recorded: a fixed codec can resume it");
    }
    assertEquals(List.of(), log);
    decodeFails = false;
    try (WorkflowExecutor executor = builder(store()).register("w", w).open()) {
      assertEquals("ab", executor.handle("d").result().get(10, TimeUnit.SECONDS));
    }
  }

  /**
   * A COMPENSATING workflow replays its recorded steps to register their compensations; an input it cannot decode
   * ended that replay before the first step, and the workflow was recorded FAILED with none of them compensated.
   */
  @Test
  void aCompensatingWorkflowWhoseInputCannotBeDecodedCompensatesNothingAndStaysCompensating() throws Exception {
    AtomicBoolean undoFails = new AtomicBoolean(true);
    Workflow<String, String> w = (ctx, in) -> {
      ctx.step("a", null, () -> "a", r -> {
        log.add("undo a");
        if (undoFails.getAndSet(false)) {
          throw new IllegalStateException("undo failed (test)");
        }
      });
      throw new IllegalArgumentException("boom");
    };
    try (WorkflowExecutor executor = builder(store()).register("w", w).open()) {
      assertEquals("compensation-failed", assertThrows(WorkflowException.class, () -> executor.call("w", "c", "in"))
          .code());
    }
    log.clear();
    decodeFails = true;
    try (WorkflowExecutor executor = builder(store()).register("w", w).open()) {
      WorkflowHandle<String> handle = executor.handle("c");
      assertEquals("codec-failed", failure(handle).code());
      assertEquals(WorkflowStatus.COMPENSATING, handle.status());
    }
    assertEquals(List.of(), log);
  }
}
