package dev.faultline.supervisor.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.event.ComponentEvent;
import dev.faultline.core.event.FaultEvent;
import dev.faultline.core.testing.EventRecorder;
import dev.faultline.core.testing.FakeClock;
import dev.faultline.supervisor.ChildContext;
import dev.faultline.supervisor.ChildSpec;
import dev.faultline.supervisor.Component;
import dev.faultline.supervisor.RestartBackoff;
import dev.faultline.supervisor.RestartIntensityExceededException;
import dev.faultline.supervisor.Supervisor;
import dev.faultline.supervisor.health.HealthChecks;
import dev.faultline.supervisor.watchdog.Deadlocks;
import dev.faultline.supervisor.watchdog.HungWorkException;
import dev.faultline.supervisor.watchdog.Watchdog;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Whole scenarios on a fake clock: a component that keeps crashing (escalation up the tree), one that hangs (watchdog),
 * one that deadlocks (detected and restarted); each checks the events in order.
 */
class ScenarioTest {
  private final FakeClock clock = new FakeClock();
  private final EventRecorder events = new EventRecorder();

  private List<String> lines() {
    return events.events().stream().map(ScenarioTest::line).collect(Collectors.toList());
  }

  private static String line(FaultEvent e) {
    if (e instanceof ComponentEvent.ComponentRestarted r) {
      return "Restarted " + r.source() + " +" + r.delay().toMillis() + "ms";
    }
    if (e instanceof ComponentEvent.ComponentFailed f && f.failure() instanceof HungWorkException h) {
      return "Failed " + f.source() + " (" + h.code() + ")";
    }
    return e.getClass().getSimpleName().replace("Component", "") + " " + e.source();
  }

  /** Starts fine, then crashes 500 ms later, every time. */
  private final class CrashingGateway implements Component {
    @Override
    public void start(ChildContext context) {
      clock.schedule(() -> context.failed(new IllegalStateException("gateway crashed")), 500_000_000L);
    }

    @Override
    public void stop() {}
  }

  @Test
  void aComponentThatKeepsCrashingEscalatesUpTheTree() {
    Supervisor root = Supervisor.builder("root").clock(clock).scheduler(clock).listener(events)
        .intensity(1, Duration.ofMinutes(10))
        .child(ChildSpec.of("payments", () -> Supervisor.builder("payments").clock(clock).scheduler(clock)
            .listener(events).random(() -> 0.0).intensity(2, Duration.ofMinutes(1))
            .backoff(RestartBackoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(30), 2.0, 0.2,
                Duration.ofMinutes(5)))
            .child(ChildSpec.of("gateway", CrashingGateway::new)).build()))
        .build();
    root.start();
    while (root.isRunning() && clock.runNext()) {
      // each step runs the next crash or restart
    }
    assertFalse(root.isRunning());
    // gateway crashes 500 ms after each start; payments allows 2 restarts a minute, root 1 in ten minutes.
    List<String> crashLoop = List.of(
        "Failed gateway", "Restarted gateway +1000ms", "Started gateway", "Recovered gateway",
        "Failed gateway", "Restarted gateway +2000ms", "Started gateway", "Recovered gateway",
        "Failed gateway", "Stopped gateway", "Failed payments");
    List<String> expected = new java.util.ArrayList<>(List.of("Started gateway", "Started payments", "Started root"));
    expected.addAll(crashLoop);
    expected.addAll(List.of("Restarted payments +0ms", "Started gateway", "Started payments", "Recovered payments"));
    expected.addAll(crashLoop);
    expected.addAll(List.of("Stopped payments", "Failed root", "Stopped root"));
    assertEquals(expected, lines(), "events in order");
    Throwable why = root.terminated().join();
    assertInstanceOf(RestartIntensityExceededException.class, why);
    assertInstanceOf(RestartIntensityExceededException.class, why.getCause(), "payments gave up first");
    assertEquals("gateway crashed", why.getCause().getCause().getMessage());
  }

  /** A worker thread whose first incarnation hangs in uninterruptible-looking work; later ones work normally. */
  private final class Worker implements Component {
    final int incarnation;
    final Watchdog watchdog;
    final CountDownLatch release = new CountDownLatch(1);
    final CountDownLatch working = new CountDownLatch(1);
    volatile Thread thread;
    volatile boolean stopping;

    Worker(int incarnation, Watchdog watchdog) {
      this.incarnation = incarnation;
      this.watchdog = watchdog;
    }

    @Override
    public void start(ChildContext context) {
      thread = new Thread(() -> {
        Watchdog.Ticket ticket = watchdog.register("worker", "import batch", Duration.ofSeconds(10),
            Duration.ofSeconds(30));
        try {
          working.countDown();
          if (incarnation == 1) {
            stuckInImport();
          }
        } finally {
          ticket.complete();
        }
      }, "worker-" + incarnation);
      thread.start();
    }

    private void stuckInImport() {
      while (!stopping) {
        try {
          release.await(); // ignores interrupts until stopped: the soft limit cannot cure it
        } catch (InterruptedException ignored) {
          // keep waiting, as badly written work does
        }
      }
    }

    @Override
    public void stop() throws InterruptedException {
      stopping = true;
      release.countDown();
      thread.join();
    }
  }

  @Test
  void aComponentThatHangsIsReportedThenRestartedByTheWatchdog() throws Exception {
    AtomicInteger incarnations = new AtomicInteger();
    Worker[] latest = new Worker[1];
    Watchdog[] watchdog = new Watchdog[1];
    Supervisor sup = Supervisor.builder("app").clock(clock).scheduler(clock).listener(events)
        .child(ChildSpec.of("worker", () -> latest[0] = new Worker(incarnations.incrementAndGet(), watchdog[0])))
        .build();
    watchdog[0] = Watchdog.builder("watchdog").clock(clock).scheduler(clock).listener(events).supervisor(sup).build();
    sup.start();
    Worker first = latest[0];
    first.working.await();
    awaitWaiting(first.thread);
    clock.advance(Duration.ofSeconds(10));
    var overdue = events.events(ComponentEvent.ComponentFailed.class).get(0);
    assertTrue(Arrays.stream(overdue.failure().getStackTrace())
        .anyMatch(f -> f.getMethodName().equals("stuckInImport")), "the report shows where the work is stuck");
    awaitWaiting(first.thread); // it shrugged off the interrupt
    clock.advance(Duration.ofSeconds(20));
    assertEquals(2, incarnations.get(), "restarted past the hard limit");
    latest[0].thread.join();
    assertFalse(first.thread.isAlive());
    assertEquals(List.of("Started worker", "Started app", "Failed worker (work-overdue)", "Failed worker (work-hung)",
        "Restarted worker +0ms", "Started worker", "Recovered worker"), lines());
    assertEquals(0, watchdog[0].openWork());
    sup.stop();
  }

  /** Two threads that take two locks in opposite orders (first incarnation) or in the same order (later ones). */
  private final class Transfers implements Component {
    final int incarnation;
    final Watchdog watchdog;
    final ReentrantLock accounts = new ReentrantLock();
    final ReentrantLock ledger = new ReentrantLock();
    final CyclicBarrier bothHoldOne = new CyclicBarrier(2);
    final CountDownLatch done = new CountDownLatch(2);
    final Thread[] threads = new Thread[2];

    Transfers(int incarnation, Watchdog watchdog) {
      this.incarnation = incarnation;
      this.watchdog = watchdog;
    }

    @Override
    public void start(ChildContext context) {
      boolean opposite = incarnation == 1;
      threads[0] = new Thread(() -> transfer(accounts, ledger, opposite), "transfer-a-" + incarnation);
      threads[1] = new Thread(() -> transfer(opposite ? ledger : accounts, opposite ? accounts : ledger, opposite),
          "transfer-b-" + incarnation);
      threads[0].start();
      threads[1].start();
    }

    private void transfer(ReentrantLock first, ReentrantLock second, boolean meetFirst) {
      Watchdog.Ticket ticket = watchdog.register("transfers", "transfer", Duration.ofHours(1), Duration.ofHours(2));
      try {
        first.lockInterruptibly();
        try {
          if (meetFirst) {
            bothHoldOne.await();
          }
          second.lockInterruptibly();
          second.unlock();
        } finally {
          first.unlock();
        }
        done.countDown();
      } catch (InterruptedException | java.util.concurrent.BrokenBarrierException e) {
        // stopped: the interrupt broke the deadlock
      } finally {
        ticket.complete();
      }
    }

    @Override
    public void stop() throws InterruptedException {
      for (Thread t : threads) {
        t.interrupt();
      }
      for (Thread t : threads) {
        t.join();
      }
    }
  }

  @Test
  void aComponentThatDeadlocksIsDetectedAndRestarted() throws Exception {
    AtomicInteger incarnations = new AtomicInteger();
    Transfers[] latest = new Transfers[1];
    Watchdog[] watchdog = new Watchdog[1];
    Supervisor sup = Supervisor.builder("bank").clock(clock).scheduler(clock).listener(events)
        .child(ChildSpec.of("transfers", () -> latest[0] = new Transfers(incarnations.incrementAndGet(),
            watchdog[0])))
        .build();
    watchdog[0] = Watchdog.builder("watchdog").clock(clock).scheduler(clock).listener(events).supervisor(sup).build();
    sup.start();
    Transfers first = latest[0];
    try {
      while (Deadlocks.find().size() < 2) {
        Thread.onSpinWait(); // both threads reach their second lock
      }
      assertFalse(HealthChecks.deadlocks().check().up(), "the deadlock health check sees it too");
      var found = watchdog[0].checkDeadlocks();
      assertEquals(List.of("transfer-a-1", "transfer-b-1"),
          found.stream().map(d -> d.threadName()).sorted().collect(Collectors.toList()));
      assertEquals(2, incarnations.get(), "restarted");
      assertFalse(first.threads[0].isAlive() || first.threads[1].isAlive(), "the interrupt broke the deadlock");
      latest[0].done.await();
      assertTrue(Deadlocks.find().isEmpty());
      assertTrue(HealthChecks.deadlocks().check().up());
      assertEquals(List.of("Started transfers", "Started bank", "Failed transfers (deadlock)",
          "Restarted transfers +0ms", "Started transfers", "Recovered transfers"), lines());
      var report = events.events(ComponentEvent.ComponentFailed.class).get(0);
      assertTrue(report.cause().contains("is deadlocked: transfer-"), report.cause());
      assertTrue(Arrays.stream(report.failure().getStackTrace()).anyMatch(f -> f.getMethodName().equals("transfer")));
    } finally {
      sup.stop(); // interrupts the transfer threads whatever happened, so no deadlock outlives the test
    }
  }

  /** Waits (without sleeping) until {@code t} is parked or waiting. */
  private static void awaitWaiting(Thread t) {
    while (t.getState() != Thread.State.WAITING && t.getState() != Thread.State.TIMED_WAITING) {
      Thread.onSpinWait();
    }
  }
}
