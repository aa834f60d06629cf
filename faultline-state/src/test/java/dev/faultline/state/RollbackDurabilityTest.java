package dev.faultline.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.testing.FakeClock;
import dev.faultline.state.RecoverableStateTest.Account;
import dev.faultline.state.journal.HeldForce;
import dev.faultline.state.testing.SimulatedStorage;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** A rollback while an applied event is written but its force is still running. */
class RollbackDurabilityTest {
  private static final Path DIR = Path.of("/sim/account");

  private static boolean doneOrWaitingForDurability(Future<?> future, Thread thread) {
    if (future.isDone()) {
      return true;
    }
    if (thread == null) {
      return false;
    }
    for (StackTraceElement frame : thread.getStackTrace()) {
      if (frame.getMethodName().equals("awaitDurable")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Rolling back to the last applied sequence while that event's force runs: the rollback rebuilt the state by
   * replaying only the records already forced (what a SYNC cursor sees), so it silently left out the event, whose
   * apply then returned successfully; a checkpoint afterwards made the loss permanent.
   */
  @Test
  void aRollbackToTheLastSequenceKeepsAnEventWhoseForceWasStillRunning() throws Exception {
    SimulatedStorage disk = new SimulatedStorage();
    HeldForce storage = new HeldForce(disk);
    FakeClock clock = new FakeClock();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (RecoverableState<Account, String> state = RecoverableState.builder(DIR, RecoverableStateTest.ACCOUNT,
        RecoverableStateTest.ACCOUNT_CODEC, Codec.utf8()).storage(storage).clock(clock).scheduler(clock)
        .checkpointEvery(0).open()) {
      assertEquals(1, state.apply("deposit:1"));
      storage.armed.set(true);
      Future<Long> applied = pool.submit(() -> state.apply("deposit:2"));
      assertTrue(storage.entered.await(30, TimeUnit.SECONDS), "the force of event 2 never started");
      assertEquals(2, state.sequence());
      AtomicReference<Thread> rollbackThread = new AtomicReference<>();
      Future<RollbackResult> rollback = pool.submit(() -> {
        rollbackThread.set(Thread.currentThread());
        return state.rollback(new RollbackTarget.ToSequence(2));
      });
      // Until the rollback either finished or waits for the force (the fix): no timing decides the outcome.
      Object gate = new Object();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!doneOrWaitingForDurability(rollback, rollbackThread.get()) && System.nanoTime() < deadline) {
        synchronized (gate) {
          TimeUnit.MILLISECONDS.timedWait(gate, 1);
        }
      }
      storage.release.countDown();
      assertEquals(2, applied.get(30, TimeUnit.SECONDS));
      RollbackResult result = rollback.get(30, TimeUnit.SECONDS);
      assertEquals(2, result.sequence());
      assertEquals(0, result.discarded());
      assertEquals(new Account(3, 2), state.state(), "the rollback dropped an applied event");
      state.checkpoint("after rollback");
    } finally {
      pool.shutdownNow();
    }
    try (RecoverableState<Account, String> state = RecoverableState.builder(DIR, RecoverableStateTest.ACCOUNT,
        RecoverableStateTest.ACCOUNT_CODEC, Codec.utf8()).storage(disk).clock(clock).scheduler(clock)
        .checkpointEvery(0).open()) {
      assertEquals(new Account(3, 2), state.state());
    }
  }
}
