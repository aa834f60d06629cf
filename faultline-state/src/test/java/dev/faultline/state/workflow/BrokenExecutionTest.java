package dev.faultline.state.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a workflow's code may not get past even when it catches it: a store that failed to record a step or a timer,
 * and recorded steps that no longer match the code. The run ends there, unfinished and with nothing more recorded,
 * whatever the code does afterwards. Each scenario runs with the workflow started on a worker ({@code start}) and run
 * in the calling thread ({@code call}).
 */
class BrokenExecutionTest {
  @TempDir
  Path dir;
  private final FakeClock clock = new FakeClock();
  private final List<String> log = Collections.synchronizedList(new ArrayList<>());

  private WorkflowExecutor.Builder builder(HookedStore store) {
    return WorkflowExecutor.builder(store).clock(clock).scheduler(clock).storeTasks(Runnable::run);
  }

  private HookedStore store() {
    return HookedStore.of(EmbeddedWorkflowStore.open(dir, clock, clock, "broken", 10_000, Durability.SYNC,
        Duration.ofMillis(50), List.of()));
  }

  private static WorkflowException failure(WorkflowExecutor executor, String mode, String id, Object input) {
    if (mode.equals("call")) {
      return assertThrows(WorkflowException.class, () -> executor.call("w", id, input));
    }
    WorkflowHandle<Object> handle = executor.start("w", id, input);
    ExecutionException e = assertThrows(ExecutionException.class, () -> handle.result().get(10, TimeUnit.SECONDS));
    assertTrue(e.getCause() instanceof WorkflowException, String.valueOf(e.getCause()));
    return (WorkflowException) e.getCause();
  }

  /**
   * The store fails to record a step's result and the code catches the failure (as it may catch any step's) and goes
   * on: before, its next step ran and was recorded after the missing one, and the workflow SUCCEEDED. Now the next
   * step throws the store failure again, the run ends unfinished, and a resume runs the unrecorded step again.
   */
  @ParameterizedTest
  @ValueSource(strings = {"start", "call"})
  void aStoreFailureTheCodeCatchesStillEndsTheRunUnfinished(String mode) throws Exception {
    HookedStore store = store();
    AtomicBoolean failed = new AtomicBoolean();
    store.onRecord = (w, change) -> {
      if (change instanceof WorkflowChange.StepDone && ((WorkflowChange.StepDone) change).step().equals("charge")
          && failed.compareAndSet(false, true)) {
        throw new WorkflowException("store-failed", "the disk is gone (test)");
      }
    };
    try (WorkflowExecutor executor = builder(store).register("w", (WorkflowContext ctx, String in) -> {
      String charged;
      try {
        charged = ctx.step("charge", () -> {
          log.add("charge " + ctx.idempotencyKey());
          return "charged";
        });
      } catch (WorkflowException e) {
        log.add("caught " + e.code());
        charged = "not charged";
      }
      String c = charged;
      return ctx.step("ship", () -> {
        log.add("ship");
        return c + ", shipped";
      });
    }).open()) {
      WorkflowException e = failure(executor, mode, "o1", "in");
      assertEquals("store-failed", e.code());
      assertEquals(List.of("charge o1/0", "caught store-failed"), log, "the step after the failure ran");
      WorkflowHandle<String> handle = executor.handle("o1");
      assertFalse(handle.status().terminal(), "the workflow finished after a store failure: " + handle.status());
      assertTrue(handle.resume());
      assertEquals("charged, shipped", executor.<String>handle("o1").result().get(10, TimeUnit.SECONDS));
      assertEquals(List.of("charge o1/0", "caught store-failed", "charge o1/0", "ship"), log);
    }
  }

  /** The same with a timer whose record fails: the code that catches it cannot sleep or step further. */
  @ParameterizedTest
  @ValueSource(strings = {"start", "call"})
  void aTimerWhoseRecordFailsEndsTheRunUnfinishedEvenIfCaught(String mode) throws Exception {
    HookedStore store = store();
    store.onRecord = (w, change) -> {
      if (change instanceof WorkflowChange.Sleep) {
        throw new WorkflowException("store-failed", "the disk is gone (test)");
      }
    };
    try (WorkflowExecutor executor = builder(store).register("w", (WorkflowContext ctx, String in) -> {
      try {
        ctx.sleep(Duration.ofSeconds(1));
      } catch (WorkflowException e) {
        log.add("caught " + e.code());
      }
      return ctx.step("after", () -> {
        log.add("after");
        return "done";
      });
    }).open()) {
      assertEquals("store-failed", failure(executor, mode, "t1", "in").code());
      assertEquals(List.of("caught store-failed"), log);
      assertFalse(executor.handle("t1").status().terminal());
    }
  }

  /**
   * A workflow left COMPENSATING (a compensation failed) is resumed by code whose second step changed: replay stops
   * matching the recorded steps there. Before, the code's end was ignored and only the compensations registered
   * before the mismatch ran, and the workflow was recorded FAILED: the second step was never undone. Now nothing is
   * compensated or recorded; the workflow stays COMPENSATING for fixed code.
   */
  @ParameterizedTest
  @ValueSource(strings = {"start", "call"})
  void aCompensatingWorkflowWhoseCodeNoLongerMatchesCompensatesNothing(String mode) throws Exception {
    AtomicBoolean undoReserveFails = new AtomicBoolean(true);
    try (WorkflowExecutor first = builder(store()).register("w", (WorkflowContext ctx, String in) -> {
      ctx.step("book", null, () -> "booked", r -> log.add("unbook"));
      ctx.step("reserve", null, () -> "reserved", r -> {
        if (undoReserveFails.get()) {
          throw new IllegalStateException("unreserving is down");
        }
        log.add("unreserve");
      });
      throw new IllegalStateException("payment refused");
    }).open()) {
      assertEquals("compensation-failed", failure(first, mode, "c1", "in").code());
      assertEquals(WorkflowStatus.COMPENSATING, first.handle("c1").status());
    }
    undoReserveFails.set(false);
    try (WorkflowExecutor second = builder(store()).resumeOnStart(false)
        .register("w", (WorkflowContext ctx, String in) -> {
          ctx.step("book", null, () -> "booked", r -> log.add("unbook"));
          ctx.step("hold", null, () -> "held", r -> log.add("unhold")); // was "reserve"
          throw new IllegalStateException("payment refused");
        }).open()) {
      WorkflowHandle<Object> handle = second.handle("c1");
      assertTrue(handle.resume());
      ExecutionException e = assertThrows(ExecutionException.class, () -> handle.result().get(10, TimeUnit.SECONDS));
      assertEquals("workflow-nondeterministic", ((WorkflowException) e.getCause()).code());
      assertEquals(WorkflowStatus.COMPENSATING, second.handle("c1").status());
      assertEquals(List.of(), log, "compensations ran past a replay that no longer matched");
    }
  }
}
