package dev.faultline.state.journal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.state.io.StorageIo;
import dev.faultline.state.testing.FaultInjectingStorage;
import dev.faultline.state.testing.SimulatedStorage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link Journal#verify} and {@link Journal#readOnly} of a journal that a failed force stopped show what the next
 * open keeps: verify reports the {@code force-failed} marker (the durable sequence it names and the records after it
 * that the next open cuts), and a read-only cursor ends at that durable sequence. Regression: both ignored the marker,
 * so {@code faultline journal verify} called such a journal clean and {@code journal dump} printed records the next
 * open cuts (the simulated disk, playing the page cache after a failed fsync, still reads them back). A marker naming
 * no sequence, which opening refuses, is reported by verify and refused by readOnly, naming it; neither changes
 * anything.
 */
class OfflineViewsAfterFailedForceTest {
  private static final Path DIR = Path.of("/sim/offline-views-after-failed-force");
  private static final Path MARKER = DIR.resolve(SegmentedJournal.FORCE_FAILED_MARKER);
  private static final Path SEGMENT = DIR.resolve("00000000000000000001.journal");

  private final SimulatedStorage disk = new SimulatedStorage();

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** Records 1 to 3 are forced; the force of record 4 fails, and record 4 still reads back. */
  private void aForceFailsAfterSequence3() {
    ReopenAfterFailedForceTest.forceFailsAfterSequence3(DIR, new FaultInjectingStorage(disk)
        .affecting(file -> file.toString().endsWith(".journal")));
    assertTrue(disk.exists(MARKER), "the failed force left its marker");
  }

  private void writeMarker(String text) throws Exception {
    try (var channel = disk.open(MARKER, StorageIo.OpenMode.CREATE_NEW)) {
      channel.writeFully(ByteBuffer.wrap(bytes(text)), 0);
    }
  }

  private List<String> readOnly(long from) {
    List<String> payloads = new ArrayList<>();
    try (JournalCursor cursor = Journal.readOnly(DIR, from, disk)) {
      while (cursor.hasNext()) {
        payloads.add(cursor.next().payloadUtf8());
      }
    }
    return payloads;
  }

  @Test
  void verifyReportsTheDurableSequenceTheMarkerNamesAndTheRecordsTheNextOpenCuts() throws Exception {
    aForceFailsAfterSequence3();
    byte[] segment = disk.contents(SEGMENT);

    VerifyReport report = Journal.verify(DIR, disk);
    assertEquals(4, report.lastSequence(), "record 4 is a valid frame on the disk as it reads now");
    assertFalse(report.clean(), "the next open cuts record 4");
    assertFalse(report.corrupt(), "the next open cuts it and goes on");
    assertTrue(report.damage().isEmpty(), "no frame is damaged");
    VerifyReport.FailedForce failed = report.failedForce().orElseThrow();
    assertEquals(MARKER, failed.marker());
    assertEquals(3, failed.durableSequence());
    assertEquals(1, failed.cutRecords());
    assertTrue(failed.readable());
    assertEquals(3, report.keptSequence());
    assertTrue(failed.describe().contains("after sequence 3") && failed.describe().contains("1 record(s)")
        && failed.describe().contains("never acknowledged as durable")
        && failed.describe().contains(MARKER.toString()), failed.describe());
    assertArrayEquals(segment, disk.contents(SEGMENT), "verify changed nothing");
    assertTrue(disk.exists(MARKER));

    try (Journal reopened = Journal.builder(DIR).storage(disk).open()) {
      assertEquals(report.keptSequence(), reopened.lastSequence(), "verify said what the open keeps");
      assertEquals(failed.cutRecords(), reopened.openReport().truncatedTail().orElseThrow().droppedRecords());
    }
    VerifyReport after = Journal.verify(DIR, disk);
    assertTrue(after.clean() && after.failedForce().isEmpty(), after.toString());
  }

  @Test
  void aReadOnlyCursorEndsAtTheDurableSequenceAsTheNextOpenCutsWhatFollows() throws Exception {
    aForceFailsAfterSequence3();
    byte[] segment = disk.contents(SEGMENT);

    assertEquals(List.of("record-1", "record-2", "record-3"), readOnly(1));
    assertEquals(List.of(), readOnly(4), "from just after the durable sequence: nothing");
    JournalException beyond = assertThrows(JournalException.class, () -> Journal.readOnly(DIR, 5, disk));
    assertEquals("sequence-out-of-range", beyond.code());
    assertTrue(beyond.getMessage().contains("1..3") && beyond.getMessage().contains(MARKER.toString()),
        beyond.getMessage());
    assertArrayEquals(segment, disk.contents(SEGMENT), "reading changed nothing");
    assertTrue(disk.exists(MARKER));
  }

  @Test
  void aMarkerNamingASequenceNoRecordFollowsIsNotAProblem() throws Exception {
    try (Journal journal = Journal.builder(DIR).storage(disk).open()) {
      journal.append(bytes("record-1"));
      journal.append(bytes("record-2"));
    }
    writeMarker("durableSequence=2\n");

    VerifyReport report = Journal.verify(DIR, disk);
    assertTrue(report.clean(), "the next open cuts nothing and reports nothing");
    assertEquals(0, report.failedForce().orElseThrow().cutRecords());
    assertEquals(2, report.keptSequence());
    assertEquals(List.of("record-1", "record-2"), readOnly(1));
  }

  @Test
  void aMarkerNamingNoSequenceIsReportedByVerifyAndRefusedByReadOnlyNamingItAndChangingNothing() throws Exception {
    try (Journal journal = Journal.builder(DIR).storage(disk).open()) {
      journal.append(bytes("record-1"));
    }
    writeMarker("durableSeq");
    byte[] segment = disk.contents(SEGMENT);

    VerifyReport report = Journal.verify(DIR, disk);
    assertTrue(report.corrupt(), "opening refuses the journal");
    assertFalse(report.clean());
    VerifyReport.FailedForce failed = report.failedForce().orElseThrow();
    assertFalse(failed.readable());
    assertEquals(-1, failed.durableSequence());
    String problem = failed.problem().orElseThrow();
    assertTrue(problem.contains(MARKER.toString()) && problem.contains("durableSeq"), problem);
    assertTrue(failed.describe().contains(problem), failed.describe());

    JournalException refused = assertThrows(JournalException.class, () -> Journal.readOnly(DIR, 1, disk));
    assertEquals("journal-format", refused.code());
    assertTrue(refused.getMessage().contains(MARKER.toString()), refused.getMessage());
    JournalException opening = assertThrows(JournalException.class, () -> Journal.builder(DIR).storage(disk).open());
    assertEquals("journal-format", opening.code(), "as opening does");

    assertArrayEquals(segment, disk.contents(SEGMENT));
    assertArrayEquals(bytes("durableSeq"), disk.contents(MARKER));
  }
}
