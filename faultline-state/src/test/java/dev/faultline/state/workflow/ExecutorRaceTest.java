package dev.faultline.state.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.Clock;
import dev.faultline.core.testing.FakeClock;
import dev.faultline.state.journal.Durability;
import dev.faultline.state.workflow.spi.StoreListener;
import dev.faultline.state.workflow.spi.StoredWorkflow;
import dev.faultline.state.workflow.spi.WorkflowChange;
import dev.faultline.state.workflow.spi.WorkflowStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interleavings of the executor forced deterministically: each test makes the racing call from inside the window
 * (from the clock or the store the executor calls there), so that it fails the same way every time without the fix.
 */
class ExecutorRaceTest {
  @TempDir
  Path dir;
  private final FakeClock clock = new FakeClock();
  private final List<String> log = Collections.synchronizedList(new ArrayList<>());

  private static WorkflowException failure(WorkflowHandle<?> handle) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> handle.result().get(10, TimeUnit.SECONDS));
    assertTrue(e.getCause() instanceof WorkflowException, String.valueOf(e.getCause()));
    return (WorkflowException) e.getCause();
  }

  /** A clock whose sleep only an interrupt ends, and whose wallMillis runs a hook first. */
  private final class HookedClock implements Clock {
    volatile Runnable onWallMillis = () -> {};
    final CountDownLatch sleeping = new CountDownLatch(1);
    final CountDownLatch interrupted = new CountDownLatch(1);

    @Override
    public long nanoTime() {
      return clock.nanoTime();
    }

    @Override
    public long wallMillis() {
      onWallMillis.run();
      return clock.wallMillis();
    }

    @Override
    public void sleep(long nanos) throws InterruptedException {
      sleeping.countDown();
      try {
        new CountDownLatch(1).await();
      } catch (InterruptedException e) {
        interrupted.countDown();
        throw e;
      }
    }
  }

  /**
   * cancel() records the request, then interrupts the thread only if it is already sleeping; the timer's loop checks
   * the request, then marks itself sleeping. A cancellation between the two used to be lost: the timer slept its
   * whole duration (here: for ever) before the workflow stopped.
   */
  @Test
  void aCancellationJustBeforeATimerSleepsStillStopsIt() throws Exception {
    HookedClock hooked = new HookedClock();
    AtomicReference<WorkflowExecutor> executor = new AtomicReference<>();
    AtomicInteger wallReads = new AtomicInteger(-1); // counting from the workflow's ctx.sleep
    hooked.onWallMillis = () -> {
      // The 1st read computes the wake-up time; the 2nd is the loop's, after its cancellation check.
      if (wallReads.get() >= 0 && wallReads.incrementAndGet() == 2) {
        assertTrue(executor.get().handle("sleepy").cancel());
      }
    };
    try (WorkflowExecutor ex = WorkflowExecutor.builder(dir).clock(hooked).scheduler(clock)
        .storeTasks(Runnable::run).register("w", (WorkflowContext ctx, String in) -> {
          ctx.step("book", null, () -> "booked", r -> log.add("unbook"));
          wallReads.set(0);
          ctx.sleep(Duration.ofDays(1));
          return ctx.step("after", () -> "after");
        }).open()) {
      executor.set(ex);
      WorkflowHandle<String> handle = ex.start("w", "sleepy", null);
      assertEquals("workflow-cancelled", failure(handle).code(), "the timer slept through the cancellation");
      assertEquals(WorkflowStatus.CANCELLED, handle.status());
      assertEquals(List.of("unbook"), log);
    }
  }
}
