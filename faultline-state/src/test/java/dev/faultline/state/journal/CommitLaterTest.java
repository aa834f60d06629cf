package dev.faultline.state.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.testing.FakeClock;
import dev.faultline.state.testing.SimulatedStorage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@link Journal#commitLater}: in SYNC a record committed later is forced by the journal's next force or by its timer
 * within the force interval, never before the call returns; in ASYNC it is committed as {@link Journal#commit} would.
 */
class CommitLaterTest {
  private static final Path DIR = Path.of("/sim/later");

  private final FakeClock clock = new FakeClock();
  private final SimulatedStorage disk = new SimulatedStorage();

  private Journal open(Durability durability) {
    return Journal.builder(DIR).storage(disk.session()).durability(durability).clock(clock).scheduler(clock)
        .asyncForceInterval(Duration.ofMillis(50)).open();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private long lastAfterPowerLoss() {
    disk.crash();
    try (Journal reopened = open(Durability.SYNC)) {
      return reopened.lastSequence();
    }
  }

  @Test
  void syncLeavesTheForceToTheTimer() {
    Journal journal = open(Durability.SYNC);
    long first = journal.append(bytes("forced"));
    long forces = disk.forces();
    long later = journal.write(bytes("later"));
    journal.commitLater(later);
    assertEquals(forces, disk.forces(), "commitLater forced nothing");
    assertEquals(first, journal.durableSequence());
    clock.advance(Duration.ofMillis(49));
    assertEquals(first, journal.durableSequence(), "not before the interval");
    clock.advance(Duration.ofMillis(1));
    assertEquals(later, journal.durableSequence(), "the timer forced it");
    assertEquals(later, lastAfterPowerLoss());
  }

  @Test
  void syncLosesARecordCommittedLaterToAPowerLossBeforeAnyForce() {
    Journal journal = open(Durability.SYNC);
    long first = journal.append(bytes("forced"));
    journal.commitLater(journal.write(bytes("later")));
    assertEquals(first, lastAfterPowerLoss());
  }

  @Test
  void theNextForceCoversItAndTheTimerThenForcesNothing() {
    Journal journal = open(Durability.SYNC);
    long later = journal.write(bytes("later"));
    journal.commitLater(later);
    long next = journal.append(bytes("next"));
    assertTrue(journal.durableSequence() >= next);
    long forces = disk.forces();
    clock.advance(Duration.ofMillis(50));
    assertEquals(forces, disk.forces(), "the timer found it durable");
    assertEquals(next, lastAfterPowerLoss());
  }

  @Test
  void closeForcesIt() {
    Journal journal = open(Durability.SYNC);
    long later = journal.write(bytes("later"));
    journal.commitLater(later);
    journal.close();
    clock.advance(Duration.ofMillis(50)); // the cancelled timer does nothing
    assertEquals(later, lastAfterPowerLoss());
  }

  @Test
  void aRecordCommittedLaterAfterATruncationIsForcedByTheTimer() {
    Journal journal = open(Durability.SYNC);
    long kept = journal.append(bytes("kept"));
    journal.append(bytes("cut"));
    journal.commitLater(journal.write(bytes("cut later")));
    journal.truncateAfter(kept);
    clock.advance(Duration.ofMillis(50)); // the timer of the cut record finds nothing to force
    long later = journal.write(bytes("later"));
    journal.commitLater(later);
    clock.advance(Duration.ofMillis(50));
    assertEquals(later, journal.durableSequence(), "the timer forced the record written after the truncation");
    assertEquals(later, lastAfterPowerLoss());
  }

  /**
   * The system scheduler runs timer tasks on the common fork-join pool (one worker on two cores). The timer's force,
   * held here on a one-worker pool, used to block that worker: every other task of the pool (other timers) waited for
   * the disk. It is a managed block now, so the pool runs them on a compensating worker meanwhile.
   */
  @Test
  void theTimersForceDoesNotHoldUpTheForkJoinPoolItRunsOn() throws Exception {
    HeldForce held = new HeldForce(disk.session());
    java.util.concurrent.ForkJoinPool pool = new java.util.concurrent.ForkJoinPool(1);
    dev.faultline.core.Scheduler onPool = (task, delayNanos) -> {
      pool.execute(task);
      return () -> false;
    };
    try (Journal journal = Journal.builder(DIR).storage(held).clock(clock).scheduler(onPool)
        .asyncForceInterval(Duration.ofMillis(50)).open()) {
      try {
        long later = journal.write(bytes("later"));
        held.armed.set(true);
        journal.commitLater(later); // the timer task runs on the pool at once and its force is held
        assertTrue(held.entered.await(10, java.util.concurrent.TimeUnit.SECONDS));
        java.util.concurrent.CountDownLatch other = new java.util.concurrent.CountDownLatch(1);
        pool.execute(other::countDown);
        assertTrue(other.await(10, java.util.concurrent.TimeUnit.SECONDS), "another task ran while the force was held");
      } finally {
        held.release.countDown(); // before the close, which forces too
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void asyncCommitsAsCommitDoes() {
    Journal journal = Journal.builder(DIR).storage(disk.session()).durability(Durability.ASYNC).clock(clock)
        .scheduler(clock).asyncForceInterval(Duration.ofMillis(50)).asyncMaxUnforcedRecords(2).open();
    long one = journal.write(bytes("one"));
    journal.commitLater(one);
    assertEquals(0, journal.durableSequence(), "within the ASYNC window");
    long two = journal.write(bytes("two"));
    journal.commitLater(two);
    assertEquals(two, journal.durableSequence(), "the full window forces, as commit does");
    journal.close();
  }
}
