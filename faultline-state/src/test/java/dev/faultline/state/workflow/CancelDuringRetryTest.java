package dev.faultline.state.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.Clock;
import dev.faultline.core.retry.Backoff;
import dev.faultline.core.retry.Retry;
import dev.faultline.core.testing.FakeClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cancellation while a step's retry waits for its next attempt stops the wait: the step is not recorded, the
 * workflow compensates its completed steps and ends CANCELLED. Regression test: the retry went on waiting and
 * attempting (an hour apart here) until it gave up, and the step's last failure was recorded as if the workflow had
 * failed on its own.
 */
class CancelDuringRetryTest {
  @TempDir
  Path dir;
  private final FakeClock clock = new FakeClock();
  private final List<String> log = Collections.synchronizedList(new ArrayList<>());

  /** A retry clock whose waits last until interrupted (or released), so the test knows when the retry waits. */
  private static final class WaitingClock implements Clock {
    final CountDownLatch waiting = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    @Override
    public long nanoTime() {
      return 0;
    }

    @Override
    public long wallMillis() {
      return 0;
    }

    @Override
    public void sleep(long nanos) throws InterruptedException {
      waiting.countDown();
      if (!release.await(30, TimeUnit.SECONDS)) {
        throw new AssertionError("the wait was neither interrupted nor released");
      }
    }
  }

  @Test
  void aCancellationStopsTheWaitBetweenAttemptsAndCompensates() throws Exception {
    WaitingClock retryClock = new WaitingClock();
    Retry retry = Retry.builder("flaky").maxAttempts(5).backoff(Backoff.fixed(Duration.ofHours(1)))
        .clock(retryClock).build();
    AtomicInteger attempts = new AtomicInteger();
    try (WorkflowExecutor executor = WorkflowExecutor.builder(dir).clock(clock).scheduler(clock)
        .storeTasks(Runnable::run).register("w", (WorkflowContext ctx, String in) -> {
          ctx.step("reserve", null, () -> "r", r -> log.add("release " + r));
          return ctx.step("charge", retry, () -> {
            attempts.incrementAndGet();
            throw new IllegalStateException("the bank is down");
          }, null);
        }).open()) {
      WorkflowHandle<String> handle = executor.start("w", "c", null);
      assertTrue(retryClock.waiting.await(30, TimeUnit.SECONDS), "the retry waits for its second attempt");

      assertTrue(handle.cancel());

      ExecutionException e = assertThrows(ExecutionException.class, () -> handle.result().get(30, TimeUnit.SECONDS));
      assertEquals("workflow-cancelled", ((WorkflowException) e.getCause()).code(), e.getCause().getMessage());
      assertEquals(WorkflowStatus.CANCELLED, handle.status());
      List<WorkflowInfo.StepInfo> steps = handle.info().steps();
      assertEquals(1, steps.size(), "the step that was cancelled is not recorded: " + steps);
      assertFalse(steps.get(0).outcome().contains("bank"), steps.get(0).outcome());
    } finally {
      retryClock.release.countDown();
    }
    assertEquals(1, attempts.get(), "no attempt after the cancellation");
    assertEquals(List.of("release r"), log);
  }
}
