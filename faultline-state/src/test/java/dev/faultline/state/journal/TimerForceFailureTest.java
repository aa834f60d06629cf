package dev.faultline.state.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.event.StateEvent;
import dev.faultline.core.testing.EventRecorder;
import dev.faultline.core.testing.FakeClock;
import dev.faultline.state.testing.FaultInjectingStorage;
import dev.faultline.state.testing.SimulatedStorage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * A force that fails on a timer (the ASYNC force timer, or the one of {@link Journal#commitLater} in SYNC) has no
 * caller waiting for it. Regression: it was reported only by the next append, so a caller that committed records and
 * then forced through {@code commit}, closed, or stopped appending never learnt that they were not durable. Now
 * every call that would acknowledge or force them fails with {@code journal-failed} naming the cause, close does too,
 * a {@link StateEvent.DataLost} is published, and the failed force is never retried.
 */
class TimerForceFailureTest {
  private static final Path DIR = Path.of("/sim/timer-force");
  private static final Duration INTERVAL = Duration.ofMillis(50);

  private final FakeClock clock = new FakeClock();
  private final SimulatedStorage disk = new SimulatedStorage();
  private final FaultInjectingStorage storage = new FaultInjectingStorage(disk)
      .affecting(file -> file.toString().endsWith(".journal"));
  private final EventRecorder events = new EventRecorder();

  private Journal open(Durability durability) {
    return Journal.builder(DIR).storage(storage).durability(durability).clock(clock).scheduler(clock)
        .asyncForceInterval(INTERVAL).asyncMaxUnforcedRecords(100).listener(events).open();
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static void assertFailedByTheForce(Executable call) {
    JournalException thrown = assertThrows(JournalException.class, call);
    assertEquals("journal-failed", thrown.code(), thrown.getMessage());
    assertEquals("Input/output error", thrown.getCause().getMessage());
  }

  @Test
  void aFailedAsyncTimerForceIsReportedByEveryLaterCallAndByClose() {
    Journal journal = open(Durability.ASYNC);
    journal.append(bytes("one"));
    clock.advance(INTERVAL);
    assertEquals(1, journal.durableSequence());
    journal.append(bytes("two"));
    long three = journal.write(bytes("three"));
    storage.failForces(FaultInjectingStorage.ioError());
    clock.advance(INTERVAL); // the timer's force fails; nobody waits for it
    assertEquals(1, storage.failedForces());
    assertTrue(journal.failure().isPresent());

    assertFailedByTheForce(() -> journal.commit(three)); // within the window, it used to return as if committed
    assertFailedByTheForce(() -> journal.commitLater(three));
    assertFailedByTheForce(journal::force);
    assertFailedByTheForce(() -> journal.awaitDurable(2));
    assertFailedByTheForce(() -> journal.append(bytes("four")));
    journal.awaitDurable(1); // durable before the failure: still is
    assertEquals(1, journal.durableSequence(), "nothing after the failed force counts as durable");
    assertEquals(2, journal.unforcedRecords());

    List<StateEvent.DataLost> lost = events.events(StateEvent.DataLost.class);
    assertEquals(1, lost.size(), String.valueOf(lost));
    assertEquals(2, lost.get(0).records());
    assertTrue(lost.get(0).reason().contains("2..3"), lost.get(0).reason());

    storage.heal();
    JournalException closing = assertThrows(JournalException.class, journal::close);
    assertEquals("journal-failed", closing.code());
    assertTrue(closing.getMessage().contains("committed record(s) 2..3 not durable"), closing.getMessage());
    assertEquals("Input/output error", closing.getCause().getMessage());
    assertEquals(1, storage.failedForces(), "the failed force was never retried");
    journal.close(); // idempotent: the second close has nothing left to report

    disk.crash();
    try (Journal reopened = Journal.builder(DIR).storage(disk).open()) {
      assertTrue(reopened.openReport().possibleLoss().isPresent(), "the ASYNC session did not end cleanly");
      assertEquals(1, reopened.lastSequence());
    }
  }

  @Test
  void aFailedCommitLaterTimerForceInSyncIsReportedByClose() {
    Journal journal = open(Durability.SYNC);
    journal.append(bytes("one"));
    long later = journal.write(bytes("later"));
    journal.commitLater(later);
    storage.failForces(FaultInjectingStorage.ioError());
    clock.advance(INTERVAL);
    assertEquals(1, storage.failedForces());
    assertEquals(1, events.events(StateEvent.DataLost.class).size());
    assertFailedByTheForce(() -> journal.commitLater(later));
    assertFailedByTheForce(() -> journal.commit(later));
    assertFailedByTheForce(journal::close);
    assertEquals(1, storage.failedForces());
  }

  @Test
  void aCloseAfterAFailedWriteThatLeftEverythingDurableReportsNothing() {
    Journal journal = open(Durability.SYNC);
    journal.append(bytes("one"));
    storage.failWritesAfter(0, FaultInjectingStorage.noSpace());
    assertThrows(JournalException.class, () -> journal.append(bytes("two")));
    journal.close(); // every record the journal accepted is durable; the appender was told about the other
    assertTrue(events.events(StateEvent.DataLost.class).isEmpty());
  }
}
