package dev.faultline.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.Scheduler;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The real timer: tasks run once, after their delay; cancelled tasks never run; producers may race. */
class SystemSchedulerTest {
  private final ExecutorService executor = Executors.newFixedThreadPool(2);
  private final SystemScheduler scheduler = new SystemScheduler(executor, TimeUnit.MILLISECONDS.toNanos(1));

  @AfterEach
  void tearDown() {
    executor.shutdownNow();
  }

  @Test
  void runsTasksNoEarlierThanTheirDelay() throws Exception {
    int count = 50;
    CountDownLatch done = new CountDownLatch(count);
    List<String> early = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      long delay = TimeUnit.MILLISECONDS.toNanos(1 + i % 7);
      long due = SystemClock.INSTANCE.nanoTime() + delay;
      scheduler.schedule(() -> {
        if (SystemClock.INSTANCE.nanoTime() < due) {
          synchronized (early) {
            early.add("task due at " + due);
          }
        }
        done.countDown();
      }, delay);
    }
    assertTrue(done.await(30, TimeUnit.SECONDS), "every task ran");
    assertEquals(List.of(), early);
  }

  /**
   * Cancelled while pending in the timer's queue, tasks never run, even once due. The cancels must win every
   * time however slowly this thread runs (a 20 ms delay lost to a busy machine once in a hundred runs), so the timer
   * is held still while they are made: it hands tasks over one at a time on its own thread, and the hand-over of a
   * gate task blocks until the test releases it. The gate is due before the tasks and admitted with them, so they are
   * in the queue, and may fall due, while the timer waits.
   */
  @Test
  void cancelledTasksNeverRunAndCancelReportsWhetherItWon() throws Exception {
    Gate first = new Gate();
    Gate second = new Gate();
    SystemScheduler held = new SystemScheduler(task -> {
      if (task instanceof Gate gate) {
        gate.hold();
      }
      task.run(); // on the timer thread, in the order the timer fires: a task fired wrongly runs before the marker
    }, TimeUnit.MILLISECONDS.toNanos(1));
    held.schedule(first, 1);
    first.awaitHeld();
    AtomicInteger ran = new AtomicInteger();
    List<Scheduler.Task> tasks = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      tasks.add(held.schedule(ran::incrementAndGet, TimeUnit.MILLISECONDS.toNanos(20)));
    }
    held.schedule(second, TimeUnit.MILLISECONDS.toNanos(1));
    first.release(); // the timer admits the tasks and the second gate in one batch, then fires that gate first
    second.awaitHeld();
    for (Scheduler.Task task : tasks) {
      assertTrue(task.cancel());
      assertFalse(task.cancel(), "a second cancel does nothing");
    }
    second.release();
    CountDownLatch marker = new CountDownLatch(1);
    held.schedule(marker::countDown, TimeUnit.MILLISECONDS.toNanos(40));
    assertTrue(marker.await(30, TimeUnit.SECONDS));
    assertEquals(0, ran.get());
  }

  /** A task whose hand-over to the executor blocks the timer thread until {@link #release()}. */
  private static final class Gate implements Runnable {
    private final CountDownLatch held = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);

    void hold() {
      held.countDown();
      try {
        released.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    void awaitHeld() throws InterruptedException {
      assertTrue(held.await(30, TimeUnit.SECONDS), "the timer fired the gate");
    }

    void release() {
      released.countDown();
    }

    @Override
    public void run() {}
  }

  @Test
  void aDelayPastTheEndOfTheClockNeverRunsInsteadOfWrappingAroundToNow() throws Exception {
    // Tasks run on the timer thread itself, in the order it fires them: the far task was taken in no later than the
    // marker, so had its due time wrapped to the past it would have run before the marker.
    SystemScheduler direct = new SystemScheduler(Runnable::run, TimeUnit.MILLISECONDS.toNanos(1));
    AtomicInteger ran = new AtomicInteger();
    direct.schedule(ran::incrementAndGet, Long.MAX_VALUE);
    direct.schedule(ran::incrementAndGet, Long.MAX_VALUE - 1);
    CountDownLatch marker = new CountDownLatch(1);
    direct.schedule(marker::countDown, TimeUnit.MILLISECONDS.toNanos(1));

    assertTrue(marker.await(30, TimeUnit.SECONDS));
    assertEquals(0, ran.get());
  }

  @Test
  void concurrentProducersLoseNoTask() throws Exception {
    int threads = 4;
    int perThread = 2_000;
    CountDownLatch done = new CountDownLatch(threads * perThread);
    Thread[] producers = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      producers[t] = new Thread(() -> {
        for (int i = 0; i < perThread; i++) {
          Scheduler.Task cancelled = scheduler.schedule(() -> { }, TimeUnit.SECONDS.toNanos(60));
          scheduler.schedule(done::countDown, TimeUnit.MILLISECONDS.toNanos(1 + i % 3));
          cancelled.cancel();
        }
      });
      producers[t].start();
    }
    for (Thread producer : producers) {
      producer.join();
    }
    assertTrue(done.await(30, TimeUnit.SECONDS), "lost " + done.getCount() + " tasks");
  }
}
