package dev.faultline.supervisor.watchdog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.ConfigurationException;
import dev.faultline.core.event.ComponentEvent;
import dev.faultline.core.testing.EventRecorder;
import dev.faultline.core.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Deadlines of units of work on a fake clock: in time, overdue (reported and interrupted), hung (restarted). */
class WatchdogTest {
  private final FakeClock clock = new FakeClock();
  private final EventRecorder events = new EventRecorder();
  private final List<String> restarts = new ArrayList<>();
  private final Watchdog watchdog = Watchdog.builder("wd").clock(clock).scheduler(clock).listener(events)
      .restarter((component, why) -> restarts.add(component + ": " + why.getMessage())).build();

  @Test
  void workCompletedInTimeIsNeverReported() {
    try (Watchdog.Ticket t = watchdog.register("db", "query", Duration.ofSeconds(1), Duration.ofSeconds(5))) {
      clock.advance(Duration.ofMillis(999));
      assertEquals(Duration.ofMillis(999), t.elapsed());
      assertTrue(t.complete());
    }
    clock.advance(Duration.ofSeconds(10));
    assertTrue(events.events().isEmpty());
    assertTrue(restarts.isEmpty());
    assertEquals(0, watchdog.openWork());
    assertEquals(0, clock.pendingTasks(), "deadlines cancelled");
  }

  /**
   * A restarter that throws (a component the supervisor does not know, a stopped supervisor) failed the scheduler's
   * task: the failure reached only the pool's uncaught-exception handler, and in a deadlock pass the components after
   * it were not restarted. Now it is logged and the pass goes on.
   */
  @Test
  void aRestarterThatThrowsIsLoggedAndTheOtherRestartsStillHappen() {
    List<String> restarted = new java.util.ArrayList<>();
    Watchdog wd = Watchdog.builder("wd").clock(clock).scheduler(clock).restarter((component, why) -> {
      if (component.equals("gone")) {
        throw new IllegalArgumentException("no child named 'gone'");
      }
      restarted.add(component);
    }).build();
    wd.register("gone", "first", Duration.ofSeconds(1), Duration.ofSeconds(2));
    wd.register("db", "second", Duration.ofSeconds(1), Duration.ofSeconds(2));
    Thread.interrupted();
    clock.advance(Duration.ofSeconds(2)); // both hang; the first restart throws
    Thread.interrupted(); // the soft limits interrupted this (the registering) thread
    assertEquals(List.of("db"), restarted);
  }

  @Test
  void pastTheSoftLimitTheWorkIsReportedWithItsStackAndInterrupted() {
    Watchdog.Ticket t = watchdog.register("db", "query", Duration.ofSeconds(1), Duration.ofSeconds(5));
    clock.advance(Duration.ofSeconds(1));
    assertTrue(Thread.interrupted(), "the worker thread (this one) was interrupted");
    var failed = events.events(ComponentEvent.ComponentFailed.class);
    assertEquals(1, failed.size());
    assertEquals("db", failed.get(0).source());
    assertTrue(failed.get(0).cause().contains("work 'query' of 'db' on thread " + Thread.currentThread().getName()
        + " exceeded its soft limit of PT1S; interrupted"), failed.get(0).cause());
    assertEquals("work-overdue", ((HungWorkException) failed.get(0).failure()).code());
    assertTrue(failed.get(0).failure().getStackTrace().length > 0, "carries the worker's stack");
    assertFalse(t.complete(), "completed after its soft limit");
    clock.advance(Duration.ofSeconds(10));
    assertTrue(restarts.isEmpty(), "completed before the hard limit: no restart");
  }

  @Test
  void workCompletedWhileItsSoftLimitIsReportedDoesNotInterruptTheThreadsNextWork() throws Exception {
    java.util.concurrent.CountDownLatch registered = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch finish = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch completed = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch nextWork = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicReference<String> next = new java.util.concurrent.atomic.AtomicReference<>();
    Watchdog wd = Watchdog.builder("wd").clock(clock).scheduler(clock).restarter((c, why) -> {})
        .listener(e -> {
          // the report is being published: just now the work ends on its thread
          finish.countDown();
          try {
            completed.await();
          } catch (InterruptedException ex) {
            throw new IllegalStateException(ex);
          }
        }).build();
    Thread worker = new Thread(() -> {
      Watchdog.Ticket t = wd.register("db", "query", Duration.ofSeconds(1), Duration.ofSeconds(5));
      registered.countDown();
      try {
        finish.await();
      } catch (InterruptedException e) {
        next.set("interrupted during its own work");
        return;
      }
      t.complete();
      completed.countDown();
      try {
        nextWork.await(); // the thread's next, unrelated work
        next.set("next work ran");
      } catch (InterruptedException e) {
        next.set("next work interrupted");
      }
    });
    worker.start();
    registered.await();
    clock.advance(Duration.ofSeconds(1));
    nextWork.countDown();
    worker.join();
    assertEquals("next work ran", next.get(), "the watchdog's interrupt is for the registered work only");
  }

  /**
   * Work that does not check for interrupts (a CPU-bound loop) runs past its soft limit, is interrupted, and then
   * completes: the interrupt was meant for that work, and must not stay set on the thread for its next, unrelated work
   * (a pool thread's next task would fail its first blocking call).
   */
  @Test
  void anInterruptTheOverdueWorkDidNotConsumeIsClearedWhenItsThreadCompletesIt() {
    Watchdog.Ticket t = watchdog.register("db", "checksum", Duration.ofSeconds(1), Duration.ofSeconds(5));
    clock.advance(Duration.ofSeconds(1)); // the soft limit interrupts this thread; the work goes on regardless
    assertFalse(t.complete(), "completed after its soft limit");
    boolean leftOver = Thread.interrupted();
    assertFalse(leftOver, "the watchdog's interrupt outlived the work it was sent to");
    assertEquals(1, events.events(ComponentEvent.ComponentFailed.class).size(), "the overdue work was reported");
  }

  @Test
  void pastTheHardLimitTheComponentIsRestarted() {
    watchdog.register("db", "query", Duration.ofSeconds(1), Duration.ofSeconds(5));
    clock.advance(Duration.ofSeconds(5));
    Thread.interrupted();
    assertEquals(List.of("db: work 'query' of 'db' on thread " + Thread.currentThread().getName()
        + " exceeded its hard limit of PT5S; restarting 'db'"), restarts);
    assertEquals(0, watchdog.openWork());
  }

  @Test
  void virtualThreadsAreWatchedToo() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(Runtime.version().feature() >= 21, "virtual threads need JDK 21");
    java.util.concurrent.CountDownLatch registered = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicReference<String> outcome = new java.util.concurrent.atomic.AtomicReference<>();
    Runnable work = () -> {
      Watchdog.Ticket t = watchdog.register("db", "virtual query", Duration.ofSeconds(1), Duration.ofSeconds(5));
      registered.countDown();
      try {
        new java.util.concurrent.CountDownLatch(1).await();
        outcome.set("finished");
      } catch (InterruptedException e) {
        outcome.set("interrupted");
      } finally {
        t.complete();
      }
    };
    // Thread.ofVirtual() is JDK 21 API; this module compiles for 17, so it is reached by reflection, through the
    // public interface Thread.Builder (the builder's own class is not accessible).
    Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
    Thread virtual = (Thread) Class.forName("java.lang.Thread$Builder").getMethod("unstarted", Runnable.class)
        .invoke(builder, work);
    virtual.setName("virtual-worker");
    virtual.start();
    registered.await();
    while (virtual.getState() != Thread.State.WAITING) {
      Thread.onSpinWait();
    }
    clock.advance(Duration.ofSeconds(1));
    virtual.join();
    assertEquals("interrupted", outcome.get());
    var failed = events.events(ComponentEvent.ComponentFailed.class).get(0);
    assertTrue(failed.cause().contains("on thread virtual-worker exceeded its soft limit"), failed.cause());
    assertTrue(java.util.Arrays.stream(failed.failure().getStackTrace())
        .anyMatch(f -> f.getClassName().startsWith(WatchdogTest.class.getName())), "the virtual thread's stack");
    assertTrue(restarts.isEmpty());
  }

  /**
   * checkDeadlocks left the deadlocked work registered: a deadlock the restart did not break (the old incarnation's
   * threads stay blocked; nothing can free threads deadlocked on monitors) was found again by every later pass, and
   * each pass restarted the new, healthy incarnation again, until its supervisor's intensity gave up on it. Here the
   * restart does not touch the deadlocked threads; a second pass must not restart the component again.
   */
  @Test
  void aDeadlockIsRestartedOnceNotOnEveryPass() throws Exception {
    java.util.concurrent.locks.ReentrantLock first = new java.util.concurrent.locks.ReentrantLock();
    java.util.concurrent.locks.ReentrantLock second = new java.util.concurrent.locks.ReentrantLock();
    java.util.concurrent.CyclicBarrier bothHoldOne = new java.util.concurrent.CyclicBarrier(2);
    Thread[] threads = new Thread[2];
    for (int i = 0; i < 2; i++) {
      java.util.concurrent.locks.ReentrantLock mine = i == 0 ? first : second;
      java.util.concurrent.locks.ReentrantLock theirs = i == 0 ? second : first;
      threads[i] = new Thread(() -> {
        Watchdog.Ticket ticket = watchdog.register("transfers", "transfer", Duration.ofHours(1), Duration.ofHours(2));
        try {
          mine.lockInterruptibly();
          try {
            bothHoldOne.await();
            theirs.lockInterruptibly();
            theirs.unlock();
          } finally {
            mine.unlock();
          }
        } catch (InterruptedException | java.util.concurrent.BrokenBarrierException e) {
          // the test's clean-up broke the deadlock
        } finally {
          ticket.complete();
        }
      }, "deadlocked-" + i);
      threads[i].setDaemon(true);
      threads[i].start();
    }
    try {
      while (Deadlocks.find().size() < 2) {
        Thread.onSpinWait(); // both threads wait for their second lock
      }
      watchdog.checkDeadlocks();
      assertEquals(1, restarts.size(), String.valueOf(restarts));
      assertEquals(2, watchdog.checkDeadlocks().size(), "the old threads are still deadlocked");
      assertEquals(1, restarts.size(), "the same deadlock restarted the component again: " + restarts);
    } finally {
      for (Thread t : threads) {
        t.interrupt();
      }
      for (Thread t : threads) {
        t.join();
      }
    }
  }

  @Test
  void badDeadlinesAreRejected() {
    assertEquals("hard", assertThrows(ConfigurationException.class,
        () -> watchdog.register("db", "q", Duration.ofSeconds(2), Duration.ofSeconds(1))).field());
    assertEquals("soft", assertThrows(ConfigurationException.class,
        () -> watchdog.register("db", "q", Duration.ZERO, Duration.ofSeconds(1))).field());
    assertEquals("restarter", assertThrows(ConfigurationException.class,
        () -> Watchdog.builder("w").build()).field());
  }
}
