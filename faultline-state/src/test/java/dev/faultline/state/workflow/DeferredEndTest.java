package dev.faultline.state.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.faultline.core.event.FaultEvent;
import dev.faultline.core.event.WorkflowEvent;
import dev.faultline.core.testing.FakeClock;
import dev.faultline.state.io.StorageIo;
import dev.faultline.state.journal.Durability;
import dev.faultline.state.testing.SimulatedStorage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * In SYNC, a workflow's SUCCEEDED end is forced with the journal's next force or within the force interval, not
 * before {@code call} returns (every step was forced before it returned). A power loss (simulated: only forced bytes
 * survive) that takes the end leaves the workflow unfinished with all its steps recorded; the next executor resumes it
 * and computes the same output from the recorded results without running a step again.
 */
class DeferredEndTest {
  private static final Path DIR = Path.of("/sim/workflows");

  private final FakeClock clock = new FakeClock();
  private final SimulatedStorage disk = new SimulatedStorage();
  private final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
  private final List<WorkflowEvent.Transition> transitions = new CopyOnWriteArrayList<>();

  private WorkflowExecutor open(StorageIo storage) {
    transitions.clear();
    EmbeddedWorkflowStore store = EmbeddedWorkflowStore.open(DIR, clock, clock, "deferred", 10_000,
        Durability.SYNC, Duration.ofMillis(50), List.of(), storage);
    return WorkflowExecutor.builder(store).clock(clock).scheduler(clock).storeTasks(Runnable::run)
        .listener(this::onEvent)
        .register("three", (WorkflowContext ctx, String in) -> {
          String a = ctx.step("a", () -> ran(ctx, "a") + in);
          String b = ctx.step("b", () -> ran(ctx, "b") + a);
          return ctx.step("c", () -> ran(ctx, "c") + b);
        })
        .open();
  }

  private void onEvent(FaultEvent event) {
    if (event instanceof WorkflowEvent.Transition) {
      transitions.add((WorkflowEvent.Transition) event);
    }
  }

  private String ran(WorkflowContext ctx, String step) {
    runs.computeIfAbsent(ctx.idempotencyKey(), k -> new AtomicInteger()).incrementAndGet();
    return step;
  }

  private List<String> resumed() {
    return transitions.stream().filter(t -> t.kind() == WorkflowEvent.Kind.RESUMED)
        .map(WorkflowEvent.Transition::workflowId).toList();
  }

  /** The process of the "dead" machine: its storage session fails from the crash on, so closing it writes nothing. */
  private static void abandon(WorkflowExecutor executor) {
    try {
      executor.close();
    } catch (RuntimeException expected) {
      // the crashed disk refuses the close's force
    }
  }

  private void assertEachStepRanOnce(String id) {
    for (int i = 0; i < 3; i++) {
      assertEquals(1, runs.get(id + "/" + i).get(), "step " + i + " of " + id + " ran once");
    }
  }

  @Test
  void aSuccessLostToAPowerLossIsComputedAgainWithoutRunningAnyStep() throws Exception {
    WorkflowExecutor first = open(disk.session());
    assertEquals("cba1", first.call("three", "w1", "1"));
    assertEquals(WorkflowStatus.SUCCEEDED, first.handle("w1").status());
    disk.crash(); // before any other force and before the force interval: the end record is gone
    abandon(first);

    try (WorkflowExecutor second = open(disk.session())) {
      WorkflowHandle<String> handle = second.handle("w1");
      assertEquals("cba1", handle.result().get(10, TimeUnit.SECONDS));
      assertEquals(WorkflowStatus.SUCCEEDED, handle.status());
      assertEquals(List.of("w1"), resumed(), "the workflow was found unfinished and resumed");
      assertEachStepRanOnce("w1");
    }
  }

  @Test
  void theEndIsForcedWithinTheForceInterval() throws Exception {
    WorkflowExecutor first = open(disk.session());
    assertEquals("cba1", first.call("three", "w1", "1"));
    clock.advance(Duration.ofMillis(50)); // the journal's timer forces the end
    disk.crash();
    abandon(first);

    try (WorkflowExecutor second = open(disk.session())) {
      assertEquals(WorkflowStatus.SUCCEEDED, second.handle("w1").status());
      assertEquals("cba1", second.handle("w1").result().get(10, TimeUnit.SECONDS));
      assertEquals(List.of(), resumed());
      assertEachStepRanOnce("w1");
    }
  }

  @Test
  void theEndIsForcedByTheNextForce() throws Exception {
    WorkflowExecutor first = open(disk.session());
    assertEquals("cba1", first.call("three", "w1", "1"));
    assertEquals("cba2", first.call("three", "w2", "2")); // w2's start is forced, and w1's end with it
    disk.crash();
    abandon(first);

    try (WorkflowExecutor second = open(disk.session())) {
      assertEquals(WorkflowStatus.SUCCEEDED, second.handle("w1").status());
      assertEquals("cba2", second.handle("w2").result().get(10, TimeUnit.SECONDS));
      assertEquals(List.of("w2"), resumed(), "only the last end was lost");
      assertEachStepRanOnce("w1");
      assertEachStepRanOnce("w2");
    }
  }

  @Test
  void closingForcesTheEnd() throws Exception {
    try (WorkflowExecutor first = open(disk.session())) {
      assertEquals("cba1", first.call("three", "w1", "1"));
    }
    disk.crash();

    try (WorkflowExecutor second = open(disk.session())) {
      assertEquals(WorkflowStatus.SUCCEEDED, second.handle("w1").status());
      assertEquals(List.of(), resumed());
    }
  }

  @Test
  void aFailureIsForcedBeforeTheCallReturns() throws Exception {
    WorkflowExecutor first = open(disk.session());
    first.close();
    EmbeddedWorkflowStore store = EmbeddedWorkflowStore.open(DIR, clock, clock, "deferred", 10_000,
        Durability.SYNC, Duration.ofMillis(50), List.of(), disk.session());
    WorkflowExecutor failing = WorkflowExecutor.builder(store).clock(clock).scheduler(clock)
        .storeTasks(Runnable::run).listener(this::onEvent)
        .register("fails", (WorkflowContext ctx, String in) -> {
          ctx.step("a", () -> ran(ctx, "a"));
          throw new IllegalStateException("no " + in);
        })
        .open();
    WorkflowException thrown = org.junit.jupiter.api.Assertions.assertThrows(WorkflowException.class,
        () -> failing.call("fails", "f1", "x"));
    assertEquals("workflow-failed", thrown.code());
    disk.crash();
    abandon(failing);

    try (WorkflowExecutor second = open(disk.session())) {
      assertEquals(WorkflowStatus.FAILED, second.handle("f1").status());
      assertEquals(List.of(), resumed());
    }
  }

  private WorkflowExecutor openCatching(StorageIo storage) {
    EmbeddedWorkflowStore store = EmbeddedWorkflowStore.open(DIR, clock, clock, "deferred", 10_000,
        Durability.SYNC, Duration.ofMillis(50), List.of(), storage);
    return WorkflowExecutor.builder(store).clock(clock).scheduler(clock).storeTasks(Runnable::run)
        .listener(this::onEvent)
        .register("catches", (WorkflowContext ctx, String in) -> {
          try {
            return ctx.step("a", () -> {
              ran(ctx, "a");
              throw new IllegalStateException("no " + in);
            });
          } catch (WorkflowException e) {
            // The cause is there when the step throws, not when a replay rethrows its recorded text.
            return "caught " + (e.getCause() == null ? "a recorded failure" : e.getCause().getClass().getSimpleName());
          }
        })
        .open();
  }

  @Test
  void aSuccessAfterACaughtStepFailureIsForcedBeforeTheCallReturns() throws Exception {
    WorkflowExecutor first = openCatching(disk.session());
    assertEquals("caught IllegalStateException", first.call("catches", "c1", "x"));
    disk.crash();
    abandon(first);

    try (WorkflowExecutor second = openCatching(disk.session())) {
      assertEquals(WorkflowStatus.SUCCEEDED, second.handle("c1").status());
      assertEquals("caught IllegalStateException", second.handle("c1").result().get(10, TimeUnit.SECONDS),
          "the output the caller was given, not one computed again from the failure's recorded text");
      assertEquals(List.of(), resumed());
    }
  }
}
