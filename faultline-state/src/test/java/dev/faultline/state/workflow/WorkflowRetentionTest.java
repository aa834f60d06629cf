package dev.faultline.state.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.ConfigurationException;
import dev.faultline.core.testing.FakeClock;
import dev.faultline.state.workflow.spi.StoreListener;
import dev.faultline.state.workflow.spi.StoredWorkflow;
import dev.faultline.state.workflow.spi.WorkflowChange;
import dev.faultline.state.workflow.spi.WorkflowStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Retention of finished workflows on the embedded store: what is forgotten, when, and that it stays forgotten. */
class WorkflowRetentionTest {
  @TempDir
  Path dir;

  private final FakeClock clock = new FakeClock();
  private final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
  private final CountDownLatch release = new CountDownLatch(1);

  private WorkflowExecutor.Builder builder() {
    Workflow<String, String> w = (ctx, in) -> ctx.step("s", () -> {
      runs.computeIfAbsent(ctx.idempotencyKey(), k -> new AtomicInteger()).incrementAndGet();
      if (in.equals("hold")) {
        assertTrue(release.await(30, TimeUnit.SECONDS));
      }
      return in;
    });
    return WorkflowExecutor.builder(dir).clock(clock).scheduler(clock).storeTasks(Runnable::run).threads(2)
        .register("w", w);
  }

  private static List<String> ids(WorkflowExecutor executor) {
    return executor.list(null).stream().map(WorkflowInfo::workflowId).collect(Collectors.toList());
  }

  @Test
  void finishedWorkflowsAreForgottenOnceTheyHaveBeenFinishedForTheRetentionAndStayForgotten() throws Exception {
    try (WorkflowExecutor executor = builder().retainFinished(Duration.ofHours(1)).open()) {
      assertEquals("a", executor.call("w", "a", "a"));
      assertEquals("b", executor.call("w", "b", "b"));
      WorkflowHandle<String> held = executor.start("w", "held", "hold");
      clock.advance(Duration.ofMinutes(30));
      assertEquals("c", executor.call("w", "c", "c"));
      clock.advance(Duration.ofMinutes(31));
      assertEquals(List.of("c", "held"), ids(executor), "a and b finished over an hour ago; held never finished");
      assertEquals("workflow-unknown", assertThrows(WorkflowException.class, () -> executor.handle("a")).code());
      // A forgotten id starts a new workflow, which runs again.
      assertEquals("a", executor.call("w", "a", "a"));
      assertEquals(2, runs.get("a/0").get());
      release.countDown();
      assertEquals("hold", held.result().get(30, TimeUnit.SECONDS));
      executor.checkpoint();
      clock.advance(Duration.ofMinutes(30));
      assertEquals(List.of("a", "held"), ids(executor), "c is forgotten too, an hour after it finished");
    }
    // Reopened (the checkpoint, then the journal after it): the same table, also without retention.
    try (WorkflowExecutor executor = builder().open()) {
      assertEquals(List.of("a", "held"), ids(executor));
      assertEquals("a", executor.handle("a").result().get(30, TimeUnit.SECONDS));
    }
    // Recovered finished workflows count from the reopening.
    try (WorkflowExecutor executor = builder().retainFinished(Duration.ofHours(1)).open()) {
      clock.advance(Duration.ofMinutes(59));
      assertEquals(List.of("a", "held"), ids(executor));
      clock.advance(Duration.ofMinutes(2));
      assertEquals(List.of(), ids(executor));
      assertEquals(1, clock.pendingTasks(), "the next pass");
    }
    assertEquals(0, clock.pendingTasks(), "close cancels the next pass");
  }

  @Test
  void theForgetRecordRoundTripsAndRefusesWhatIsNotFinished() {
    Entry.Forget forget = new Entry.Forget(List.of("x", "y"));
    assertEquals(forget, Entry.CODEC.decode(Entry.CODEC.encode(forget)));
    Table table = new Table.Machine().initial();
    Table.Machine machine = new Table.Machine();
    machine.apply(table, new Entry.Started("x", "w", "q", null));
    machine.apply(table, new Entry.Started("y", "w", "q", null));
    machine.apply(table, new Entry.Finished("y", WorkflowStatus.SUCCEEDED, null, null));
    WorkflowException e = assertThrows(WorkflowException.class, () -> machine.apply(table, forget));
    assertEquals("workflow-unfinished", e.code());
    assertEquals(2, table.rows.size(), "nothing dropped");
    machine.apply(table, new Entry.Forget(List.of("y", "gone")));
    assertEquals(List.of("x"), List.copyOf(table.rows.keySet()));
    assertEquals(0, table.finished.size());
    byte[] tooMany = Entry.CODEC.encode(new Entry.Forget(java.util.Collections.nCopies(Entry.FORGET_BATCH + 1, "z")));
    assertThrows(IllegalArgumentException.class, () -> Entry.CODEC.decode(tooMany));
  }

  @Test
  void retentionIsRefusedOnAStoreThatKeepsEverythingAndANegativeOne() {
    ConfigurationException negative = assertThrows(ConfigurationException.class,
        () -> builder().retainFinished(Duration.ofSeconds(-1)).open());
    assertTrue(negative.getMessage().contains("retainFinished"), negative.getMessage());
    // A store that keeps every workflow (forgets() is false): the builder refuses retention before any workflow
    // starts, so its writing methods are never reached, and fail the test if they are.
    WorkflowStore keeper = new WorkflowStore() {
      @Override
      public List<? extends StoredWorkflow> open(StoreListener listener, boolean resumeOnStart) {
        return List.of();
      }

      @Override
      public StoredWorkflow create(String id, String name, String queue, byte[] input) {
        throw new AssertionError("nothing may start on an executor the builder refused");
      }

      @Override
      public StoredWorkflow find(String id) {
        return null;
      }

      @Override
      public List<WorkflowInfo> list(WorkflowStatus status) {
        return List.of();
      }

      @Override
      public void record(StoredWorkflow workflow, WorkflowChange change) {
        throw new AssertionError("nothing may be recorded on an executor the builder refused");
      }

      @Override
      public boolean claim(StoredWorkflow workflow) {
        return false;
      }

      @Override
      public void close() {}
    };
    ConfigurationException e = assertThrows(ConfigurationException.class, () -> WorkflowExecutor.builder(keeper)
        .clock(clock).scheduler(clock).register("w", (ctx, in) -> in).retainFinished(Duration.ofDays(1)).open());
    assertTrue(e.getMessage().contains("retainFinished"), e.getMessage());
  }
}
