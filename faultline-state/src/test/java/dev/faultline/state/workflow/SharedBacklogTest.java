package dev.faultline.state.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.testing.FakeClock;
import dev.faultline.state.journal.Durability;
import dev.faultline.state.workflow.spi.WorkflowStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The executor's side of shared queues, on a store that says it is shared but cannot hand work over: a pass that
 * fails, or that the store refuses, keeps every waiting workflow in its queue, in order, and they all run here; an
 * admission under limits across executors that the store fails leaves the workflow waiting for the next admission
 * pass, which runs on the executor's own store thread. (PostgresContractTest covers the handing over and the
 * admissions between two nodes.)
 */
class SharedBacklogTest {
  @TempDir
  Path dir;
  private final FakeClock clock = new FakeClock();

  /**
   * The embedded store, shared by its word: its first release fails, the later ones are refused; its first
   * admission fails, the later ones admit every waiting workflow given.
   */
  private static final class RefusingSharedStore {
    final HookedStore store;
    final AtomicInteger releases = new AtomicInteger();
    final AtomicInteger admissions = new AtomicInteger();
    final List<String> admittingThreads = Collections.synchronizedList(new ArrayList<>());

    RefusingSharedStore(WorkflowStore delegate) {
      store = HookedStore.shared(delegate);
      store.onRelease = w -> {
        if (releases.getAndIncrement() == 0) {
          throw new WorkflowException("store-failed", "the database is away");
        }
      };
      store.onAdmit = waiting -> {
        admittingThreads.add(Thread.currentThread().getName());
        if (admissions.getAndIncrement() == 0) {
          throw new WorkflowException("store-failed", "the database is away");
        }
        return new WorkflowStore.Admission(new ArrayList<>(waiting), 0);
      };
    }
  }

  @Test
  void aFailedOrRefusedHandOverKeepsEveryWaitingWorkflowRunningHereInOrder() throws Exception {
    RefusingSharedStore store = new RefusingSharedStore(EmbeddedWorkflowStore.open(dir, clock, clock, "shared",
        10_000, Durability.SYNC, Duration.ofMillis(50), List.of()));
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch firstIn = new CountDownLatch(1);
    List<String> order = Collections.synchronizedList(new ArrayList<>());
    try (WorkflowExecutor executor = WorkflowExecutor.builder(store.store).clock(clock).scheduler(clock).threads(2)
        .storeTasks(Runnable::run).queue("q", 1, 0)
        .register("w", (WorkflowContext ctx, String in) -> ctx.step("s", () -> {
          order.add(in);
          firstIn.countDown();
          release.await(30, TimeUnit.SECONDS);
          return in;
        })).open()) {
      List<WorkflowHandle<String>> handles = new ArrayList<>();
      for (int i = 1; i <= 4; i++) {
        handles.add(executor.start("q", "w", "w" + i, String.valueOf(i)));
      }
      assertTrue(firstIn.await(30, TimeUnit.SECONDS));
      clock.advance(Duration.ofSeconds(1)); // a pass: "w2" is the next turn; "w3" fails to go, "w4" is not tried
      clock.advance(Duration.ofSeconds(1)); // a pass: "w3" and "w4" are refused
      assertEquals(3, store.releases.get(), "the failing pass stopped at its first failure; the next tried both");
      release.countDown();
      for (int i = 0; i < 4; i++) {
        assertEquals(String.valueOf(i + 1), handles.get(i).result().get(30, TimeUnit.SECONDS));
      }
      assertEquals(List.of("1", "2", "3", "4"), order, "they ran here, in the order they were started");
    }
  }

  @Test
  void anAdmissionTheStoreFailedIsAskedForAgainByTheNextPassAndTheWorkflowRuns() throws Exception {
    RefusingSharedStore store = new RefusingSharedStore(EmbeddedWorkflowStore.open(dir, clock, clock, "shared",
        10_000, Durability.SYNC, Duration.ofMillis(50), List.of()));
    // The executor's own store thread (the default): the pass runs there, not on the scheduler's thread.
    try (WorkflowExecutor executor = WorkflowExecutor.builder(store.store).name("shared").clock(clock).scheduler(clock)
        .threads(2).globalQueueLimits("q", 5, 0)
        .register("w", (WorkflowContext ctx, String in) -> ctx.step("s", () -> in))
        .open()) {
      WorkflowHandle<String> first = executor.start("q", "w", "w1", "1");
      assertEquals(1, store.admissions.get());
      assertEquals(WorkflowStatus.PENDING, first.status(), "the store could not admit it: it waits, recorded");
      clock.advance(Duration.ofMillis(250)); // the admission pass asks again
      assertEquals("1", first.result().get(30, TimeUnit.SECONDS));
      assertEquals(2, store.admissions.get());
      assertEquals(Thread.currentThread().getName(), store.admittingThreads.get(0), "the start admits at once");
      assertEquals("shared-store-1", store.admittingThreads.get(1), "the pass runs on the executor's store thread");
      assertEquals("2", executor.start("q", "w", "w2", "2").result().get(30, TimeUnit.SECONDS));
    }
  }
}
