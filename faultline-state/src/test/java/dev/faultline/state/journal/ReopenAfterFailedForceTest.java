package dev.faultline.state.journal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

/**
 * A journal reopened after a failed force, before the machine restarts, does not count the records written after
 * the last successful force as durable. Regression: after a failed fsync the kernel may mark the pages it could not
 * write clean, and the reopened journal read those records back from memory, forced (with success) and kept them.
 * Here the simulated disk plays that page cache: the failed force never reached it, so the records stay readable
 * until a power loss. The journal now leaves a marker when a force fails, and the next open cuts after the durable
 * sequence it names, reporting the cut as a torn tail.
 */
class ReopenAfterFailedForceTest {
  private static final Path DIR = Path.of("/sim/reopen-after-failure");
  private static final Path MARKER = DIR.resolve(SegmentedJournal.FORCE_FAILED_MARKER);

  private final SimulatedStorage disk = new SimulatedStorage();
  private final FaultInjectingStorage storage = new FaultInjectingStorage(disk)
      .affecting(file -> file.toString().endsWith(".journal"));
  private final FakeClock clock = new FakeClock();

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static List<String> readAll(Journal journal) {
    return JournalTest.readAll(journal, journal.firstSequence());
  }

  /**
   * In a SYNC journal in {@code dir} on {@code storage}, records 1 to 3 are forced; then the force of record 4 fails
   * (its append throws), and the journal is closed. Record 4 still reads back from the storage under {@code storage}.
   */
  static void forceFailsAfterSequence3(Path dir, FaultInjectingStorage storage) {
    Journal journal = Journal.builder(dir).storage(storage).open();
    for (int i = 1; i <= 3; i++) {
      journal.append(bytes("record-" + i));
    }
    storage.failForces(FaultInjectingStorage.ioError());
    assertThrows(JournalException.class, () -> journal.append(bytes("record-4")));
    journal.close();
  }

  @Test
  void aSyncJournalReopenedAfterAFailedForceCutsWhatWasNeverForced() {
    forceFailsAfterSequence3(DIR, storage);
    assertTrue(disk.exists(MARKER), "the failed force left its marker");

    EventRecorder events = new EventRecorder();
    try (Journal reopened = Journal.builder(DIR).storage(disk).listener(events).open()) {
      assertEquals(3, reopened.lastSequence(), "record 4 was never forced");
      JournalDamage cut = reopened.openReport().truncatedTail().orElseThrow();
      assertEquals(1, cut.droppedRecords());
      assertTrue(cut.reason().contains("force failed"), cut.reason());
      assertEquals(1, events.events(StateEvent.DataLost.class).size());
      assertEquals(List.of("record-1", "record-2", "record-3"), readAll(reopened));
      assertFalse(disk.exists(MARKER), "removed once the cut is durable");
      assertEquals(4, reopened.append(bytes("new-4")));
    }
    try (Journal again = Journal.builder(DIR).storage(disk).open()) {
      assertTrue(again.openReport().clean(), again.openReport().describe());
      assertEquals(List.of("record-1", "record-2", "record-3", "new-4"), readAll(again));
    }
  }

  @Test
  void anAsyncJournalReopenedAfterAFailedTimerForceCutsWhatWasNeverForcedAndReportsTheWindow() {
    Journal journal = Journal.builder(DIR).storage(storage).durability(Durability.ASYNC).clock(clock)
        .scheduler(clock).asyncForceInterval(Duration.ofMillis(50)).segmentSize(1024).open();
    for (int i = 1; i <= 40; i++) {
      journal.append(bytes("record-" + i)); // a few segments
    }
    clock.advance(Duration.ofMillis(50));
    assertEquals(40, journal.durableSequence());
    for (int i = 41; i <= 80; i++) {
      journal.append(bytes("record-" + i)); // rolls force, so fail only from now on
    }
    long durable = journal.durableSequence();
    assertTrue(durable < 80);
    storage.failForces(FaultInjectingStorage.ioError());
    clock.advance(Duration.ofMillis(50));
    assertThrows(JournalException.class, journal::close);

    try (Journal reopened = Journal.builder(DIR).storage(disk).open()) {
      assertEquals(durable, reopened.lastSequence());
      assertEquals(80 - durable, reopened.openReport().truncatedTail().orElseThrow().droppedRecords());
      assertTrue(reopened.openReport().possibleLoss().isPresent(), "the ASYNC session did not close cleanly");
      assertEquals(durable, readAll(reopened).size());
    }
  }

  @Test
  void anUnreadableMarkerIsRefusedAndChangesNothing() throws Exception {
    try (Journal journal = Journal.builder(DIR).storage(disk).open()) {
      journal.append(bytes("record-1"));
    }
    Path segment = DIR.resolve("00000000000000000001.journal");
    byte[] before = disk.contents(segment);
    try (var channel = disk.open(MARKER, dev.faultline.state.io.StorageIo.OpenMode.CREATE_NEW)) {
      channel.writeFully(java.nio.ByteBuffer.wrap(bytes("durableSeq")), 0);
    }
    JournalException refused = assertThrows(JournalException.class, () -> Journal.builder(DIR).storage(disk).open());
    assertEquals("journal-format", refused.code());
    assertTrue(refused.getMessage().contains(MARKER.toString()), refused.getMessage());
    assertArrayEquals(before, disk.contents(segment));
    assertTrue(disk.exists(MARKER));
  }
}
