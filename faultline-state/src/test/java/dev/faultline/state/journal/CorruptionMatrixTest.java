package dev.faultline.state.journal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.event.StateEvent;
import dev.faultline.core.testing.EventRecorder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The corruption matrix: a bit flipped in the file header, or in the length, CRC, sequence or payload of the first,
 * a middle and the last record; the last record truncated at every byte; garbage after the tail. Damage at the tail
 * is cut off on open and reported (zeros there are the end of the data: the zero-filled part ahead of the frames);
 * damage before the tail fails the open naming segment and offset, and repair truncates there and reports what it
 * dropped. Verify reports the same without changing a byte.
 */
class CorruptionMatrixTest {
  private static final int RECORDS = 5;
  private static final String SEGMENT = "00000000000000000001.journal";

  @TempDir Path dir;
  private Path segment;
  private byte[] original;
  private long[] offsets;

  private static String payload(int i) {
    return "record-" + i + "-" + "x".repeat(i * 3);
  }

  @BeforeEach
  void writeFiveRecords() throws IOException {
    try (Journal journal = Journal.open(dir)) {
      for (int i = 1; i <= RECORDS; i++) {
        journal.append(payload(i).getBytes(StandardCharsets.UTF_8));
      }
    }
    segment = dir.resolve(SEGMENT);
    original = Files.readAllBytes(segment);
    offsets = new long[RECORDS + 2];
    long at = 32;
    for (int i = 1; i <= RECORDS; i++) {
      offsets[i] = at;
      at += 16 + payload(i).getBytes(StandardCharsets.UTF_8).length;
    }
    offsets[RECORDS + 1] = at;
    assertEquals(original.length, at, "layout as drawn in Journal's Javadoc");
  }

  enum Field {
    LENGTH(0, 4), CRC(4, 4), SEQUENCE(8, 8), PAYLOAD(16, 8);

    final int start;
    final int width;

    Field(int start, int width) {
      this.start = start;
      this.width = width;
    }
  }

  static Stream<Arguments> recordFlips() {
    List<Arguments> cases = new ArrayList<>();
    for (int record : new int[] {1, 3, RECORDS}) {
      for (Field field : Field.values()) {
        for (int bit : new int[] {0, 7, 13, 30}) {
          if (bit < field.width * 8) {
            cases.add(Arguments.of(record, field, bit));
          }
        }
      }
    }
    return cases.stream();
  }

  private void flip(long offset, int bit) throws IOException {
    byte[] bytes = original.clone();
    bytes[(int) (offset + bit / 8)] ^= (byte) (1 << (bit % 8));
    Files.write(segment, bytes);
  }

  private List<String> payloads() {
    List<String> out = new ArrayList<>();
    try (Journal journal = Journal.open(dir); JournalCursor cursor = journal.read(journal.firstSequence())) {
      cursor.forEachRemaining(r -> out.add(r.payloadUtf8()));
    }
    return out;
  }

  private List<String> expectedPayloads(int count) {
    List<String> out = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      out.add(payload(i));
    }
    return out;
  }

  @ParameterizedTest(name = "record {0}, {1}, bit {2}")
  @MethodSource("recordFlips")
  void aFlippedBitIsDetectedAndCutAtTheTailOrReportedBeforeIt(int record, Field field, int bit) throws IOException {
    long frame = offsets[record];
    flip(frame + field.start, bit);
    byte[] damaged = Files.readAllBytes(segment);

    VerifyReport verify = Journal.verify(dir);
    assertArrayEquals(damaged, Files.readAllBytes(segment), "verify changes nothing");
    JournalDamage damage = verify.damage().orElseThrow();
    assertEquals(frame, damage.offset());
    assertEquals(segment, damage.segment());
    assertEquals(record - 1, verify.records());

    if (record == RECORDS) {
      assertEquals(JournalDamage.Kind.TORN_TAIL, damage.kind());
      EventRecorder events = new EventRecorder();
      try (Journal journal = Journal.builder(dir).listener(events).open()) {
        JournalDamage cut = journal.openReport().truncatedTail().orElseThrow();
        assertEquals(frame, cut.offset());
        assertEquals(original.length - frame, cut.droppedBytes());
        assertTrue(cut.droppedRecords() >= 1);
        assertEquals(RECORDS - 1, journal.lastSequence());
        StateEvent.DataLost lost = events.events(StateEvent.DataLost.class).get(0);
        assertEquals(cut.droppedRecords(), lost.records());
        assertTrue(lost.reason().contains("torn tail"), lost.reason());
      }
      assertEquals(frame, Files.size(segment));
    } else {
      assertEquals(JournalDamage.Kind.CORRUPTION, damage.kind());
      assertEquals(RECORDS - record, damage.droppedRecords());
      JournalCorruptedException error = assertThrows(JournalCorruptedException.class, () -> Journal.open(dir));
      assertEquals("journal-corrupt", error.code());
      assertEquals(segment, error.segment());
      assertEquals(frame, error.offset());
      assertTrue(error.getMessage().contains(SEGMENT) && error.getMessage().contains("offset " + frame),
          error.getMessage());
      assertArrayEquals(damaged, Files.readAllBytes(segment), "a failed open changes nothing");

      RepairReport repair = Journal.repair(dir);
      JournalDamage cut = repair.cut().orElseThrow();
      assertEquals(frame, cut.offset());
      assertEquals(RECORDS - record, cut.droppedRecords());
      assertEquals(original.length - frame, cut.droppedBytes());
      assertEquals(record - 1, repair.lastSequence());
    }
    assertEquals(expectedPayloads(record - 1), payloads());
    try (Journal journal = Journal.open(dir)) {
      assertTrue(journal.openReport().clean());
      assertEquals(record, journal.append("next".getBytes(StandardCharsets.UTF_8)));
    }
  }

  static IntStream headerBytes() {
    return IntStream.range(0, 32);
  }

  @ParameterizedTest(name = "header byte {0}")
  @MethodSource("headerBytes")
  void aFlippedBitInTheFileHeaderIsCorruptionBecauseRecordsFollow(int index) throws IOException {
    flip(index, index % 8);
    JournalCorruptedException error = assertThrows(JournalCorruptedException.class, () -> Journal.open(dir));
    assertEquals(0, error.offset());
    assertTrue(error.reason().contains("header") || error.reason().contains("magic"), error.reason());
    RepairReport repair = Journal.repair(dir);
    assertEquals(RECORDS, repair.cut().orElseThrow().droppedRecords());
    assertEquals(0, repair.lastSequence());
    try (Journal journal = Journal.open(dir)) {
      assertTrue(journal.openReport().clean());
      assertEquals(1, journal.append(new byte[] {1}));
    }
  }

  static IntStream cutsOfTheLastRecord() {
    return IntStream.range(0, 16 + payload(RECORDS).length() + 1);
  }

  @ParameterizedTest(name = "keep {0} bytes of the last record")
  @MethodSource("cutsOfTheLastRecord")
  void truncationAtEveryByteOfTheLastRecordIsATornTail(int kept) throws IOException {
    long frame = offsets[RECORDS];
    Files.write(segment, Arrays.copyOf(original, (int) (frame + kept)));
    int full = 16 + payload(RECORDS).length();
    // The first bytes of a frame are the high bytes of a small length: zeros, which read as the zero-filled part
    // ahead of the frames (see Scanner), so the data ends cleanly before the record, as it does with nothing kept.
    boolean onlyZeros = Arrays.equals(Arrays.copyOfRange(original, (int) frame, (int) frame + kept), new byte[kept]);
    try (Journal journal = Journal.open(dir)) {
      if (onlyZeros || kept == full) {
        assertTrue(journal.openReport().clean(), journal.openReport().describe());
        assertEquals(kept == full ? RECORDS : RECORDS - 1, journal.lastSequence());
      } else {
        JournalDamage cut = journal.openReport().truncatedTail().orElseThrow();
        assertEquals(JournalDamage.Kind.TORN_TAIL, cut.kind());
        assertEquals(frame, cut.offset());
        int nonZero = kept;
        while (original[(int) frame + nonZero - 1] == 0) {
          nonZero--; // trailing zeros (high bytes of the sequence) are not counted as dropped data
        }
        assertEquals(nonZero, cut.droppedBytes());
        assertEquals(1, cut.droppedRecords());
        assertEquals(RECORDS - 1, journal.lastSequence());
      }
    }
    assertEquals(expectedPayloads(kept == full ? RECORDS : RECORDS - 1), payloads());
  }

  static Stream<Arguments> garbage() {
    Random random = new Random(42);
    List<Arguments> cases = new ArrayList<>();
    for (int length : new int[] {1, 7, 15, 16, 17, 100, 4096}) {
      byte[] noise = new byte[length];
      random.nextBytes(noise);
      cases.add(Arguments.of("random " + length, noise));
      cases.add(Arguments.of("zeros " + length, new byte[length]));
    }
    byte[] plausible = ByteBuffer.allocate(40).putInt(24).putInt(12345).putLong(RECORDS + 1).array();
    cases.add(Arguments.of("plausible header with a wrong CRC", plausible));
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("garbage")
  void garbageAfterTheTailIsCutOffAndZerosEndTheData(String name, byte[] garbage) throws IOException {
    byte[] bytes = Arrays.copyOf(original, original.length + garbage.length);
    System.arraycopy(garbage, 0, bytes, original.length, garbage.length);
    Files.write(segment, bytes);
    int nonZero = garbage.length;
    while (nonZero > 0 && garbage[nonZero - 1] == 0) {
      nonZero--;
    }
    if (nonZero == 0) {
      // Zeros after the last frame are the zero-filled part a writer keeps ahead of its frames: the end of the data,
      // not damage. The next append overwrites them; closing cuts them off.
      VerifyReport verify = Journal.verify(dir);
      assertTrue(verify.damage().isEmpty(), String.valueOf(verify.damage()));
      assertEquals(RECORDS, verify.records());
      try (Journal journal = Journal.open(dir)) {
        assertTrue(journal.openReport().clean(), journal.openReport().describe());
        assertEquals(RECORDS, journal.lastSequence());
      }
      assertEquals(expectedPayloads(RECORDS), payloads());
      assertArrayEquals(original, Files.readAllBytes(segment));
      return;
    }
    assertEquals(JournalDamage.Kind.TORN_TAIL, Journal.verify(dir).damage().orElseThrow().kind());
    try (Journal journal = Journal.open(dir)) {
      JournalDamage cut = journal.openReport().truncatedTail().orElseThrow();
      assertEquals(original.length, cut.offset());
      assertEquals(nonZero, cut.droppedBytes(), "trailing zeros are not counted as dropped data");
      assertEquals(RECORDS, journal.lastSequence());
    }
    assertArrayEquals(original, Files.readAllBytes(segment));
  }

  @Test
  void damageInAnEarlierSegmentIsCorruptionAndATornNewSegmentIsRemoved() throws IOException {
    Path multi = dir.resolve("multi");
    try (Journal journal = Journal.builder(multi).segmentSize(1024).open()) {
      for (int i = 1; i <= 100; i++) {
        journal.append(("record-" + i).getBytes(StandardCharsets.UTF_8));
      }
    }
    VerifyReport clean = Journal.verify(multi);
    SegmentSummary first = clean.segments().get(0);
    SegmentSummary last = clean.segments().get(clean.segments().size() - 1);
    byte[] firstBytes = Files.readAllBytes(first.file());
    firstBytes[(int) first.validBytes() - 1] ^= 1;
    Files.write(first.file(), firstBytes);
    JournalCorruptedException error = assertThrows(JournalCorruptedException.class, () -> Journal.open(multi));
    assertEquals(first.file(), error.segment());
    RepairReport repair = Journal.repair(multi);
    assertEquals(first.lastSequence() - 1, repair.lastSequence());
    assertEquals(100 - first.lastSequence(), repair.cut().orElseThrow().droppedRecords(),
        "valid records after the flip");
    assertEquals(clean.segments().size() - 1, repair.cut().orElseThrow().laterSegments().size());
    assertEquals(1, Journal.verify(multi).segments().size());

    // A crash while creating a segment can leave it with a partial header: nothing valid follows, so it goes.
    Path torn = multi.resolve(String.format("%020d.journal", first.lastSequence()));
    Files.write(torn, Arrays.copyOf(ByteBuffer.allocate(4).putInt(0x464C4A4C).array(), 10));
    try (Journal journal = Journal.open(multi)) {
      JournalDamage cut = journal.openReport().truncatedTail().orElseThrow();
      assertEquals(torn, cut.segment());
      assertEquals(0, cut.offset());
      assertEquals(first.lastSequence() - 1, journal.lastSequence());
    }
    assertTrue(Files.notExists(torn) || Files.size(torn) == 32, "removed (or recreated empty by the next roll)");
    assertTrue(last.records() > 0);
  }

  @Test
  void anUnknownFormatVersionIsRefusedNotRepaired() throws IOException {
    byte[] bytes = original.clone();
    ByteBuffer header = ByteBuffer.wrap(bytes);
    header.putInt(4, 3);
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, 28);
    header.putInt(28, (int) crc.getValue());
    Files.write(segment, bytes);
    JournalException error = assertThrows(JournalException.class, () -> Journal.open(dir));
    assertEquals("journal-format", error.code());
    assertTrue(error.getMessage().contains("version 3"), error.getMessage());
    assertEquals("journal-format", assertThrows(JournalException.class, () -> Journal.repair(dir)).code());
    assertArrayEquals(bytes, Files.readAllBytes(segment));
  }

  @Test
  void aFileNamedLikeTheOnlySegmentButNotOneIsRefusedNotReplaced() throws IOException {
    Path other = dir.resolve("other");
    Files.createDirectories(other);
    Path file = other.resolve(SEGMENT);
    byte[] foreign = "this file is not a journal segment, it is only named like one\n".getBytes(StandardCharsets.UTF_8);
    Files.write(file, foreign);
    JournalException error = assertThrows(JournalException.class, () -> Journal.open(other));
    assertEquals("journal-format", error.code());
    assertTrue(error.getMessage().contains(file.toString()) && error.getMessage().contains("magic"),
        error.getMessage());
    assertArrayEquals(foreign, Files.readAllBytes(file), "a refused open changes nothing");
    assertRepairRefuses(other, file, foreign);
  }

  /**
   * Regression: repair replaced or deleted a file named like a segment that is not one, data it does not know.
   * It refuses (journal-format naming the file, as opening does, and as for a format version it does not read),
   * changing nothing.
   */
  private static void assertRepairRefuses(Path directory, Path file, byte[] foreign) throws IOException {
    List<Path> before;
    try (Stream<Path> listed = Files.list(directory)) {
      before = listed.sorted().toList();
    }
    JournalException refused = assertThrows(JournalException.class, () -> Journal.repair(directory));
    assertEquals("journal-format", refused.code());
    assertTrue(refused.getMessage().contains(file.toString()) && refused.getMessage().contains("Nothing was changed"),
        refused.getMessage());
    assertArrayEquals(foreign, Files.readAllBytes(file), "a refused repair changes nothing");
    try (Stream<Path> listed = Files.list(directory)) {
      assertEquals(before, listed.sorted().toList());
    }
  }

  @Test
  void aFileNamedLikeTheNextSegmentButNotOneIsRefusedNotDeleted() throws IOException {
    Path next = dir.resolve(String.format("%020d.journal", RECORDS + 1));
    byte[] foreign = new byte[100];
    new Random(7).nextBytes(foreign);
    foreign[0] = (byte) 0x89; // not the first byte of the magic, nor the zero a torn header write leaves
    Files.write(next, foreign);
    JournalException error = assertThrows(JournalException.class, () -> Journal.open(dir));
    assertEquals("journal-format", error.code());
    assertTrue(error.getMessage().contains(next.toString()), error.getMessage());
    assertArrayEquals(foreign, Files.readAllBytes(next), "a refused open changes nothing");
    assertArrayEquals(original, Files.readAllBytes(segment));
    assertRepairRefuses(dir, next, foreign);
    assertArrayEquals(original, Files.readAllBytes(segment));
  }

  @Test
  void aFileNamedLikeASegmentButNotOneAfterCorruptionIsNotDeletedByRepair() throws IOException {
    byte[] damaged = original.clone();
    damaged[(int) offsets[2] + Field.PAYLOAD.start] ^= 1; // corruption: valid records follow
    Files.write(segment, damaged);
    Path later = dir.resolve(String.format("%020d.journal", RECORDS + 1));
    byte[] foreign = "PK\u0003\u0004 an archive someone saved under a segment's name"
        .getBytes(StandardCharsets.UTF_8);
    Files.write(later, foreign);
    assertThrows(JournalCorruptedException.class, () -> Journal.open(dir));
    assertRepairRefuses(dir, later, foreign);
    assertArrayEquals(damaged, Files.readAllBytes(segment), "not truncated either");

    Files.delete(later); // moved away, as the error says: the repair goes ahead
    RepairReport repair = Journal.repair(dir);
    assertEquals(1, repair.lastSequence());
  }

  @Test
  void damageInASegmentThatANewerOneFollowsIsCorruptionEvenWithNoValidRecordAfterIt() throws IOException {
    Path multi = dir.resolve("rolled");
    try (Journal journal = Journal.builder(multi).segmentSize(1024).open()) {
      for (int i = 1; i <= 100; i++) {
        journal.append(("record-" + i).getBytes(StandardCharsets.UTF_8));
      }
    }
    List<SegmentSummary> segments = Journal.verify(multi).segments();
    SegmentSummary older = segments.get(segments.size() - 2);
    SegmentSummary newest = segments.get(segments.size() - 1);
    // The newest segment as a power loss right after its roll leaves it: its header only. Its predecessor was forced
    // whole before it was created (a segment never appears unless every one before it is complete), so a bit flipped
    // in that predecessor's last record is not a write that a crash interrupted: that record was acknowledged.
    Files.write(newest.file(), Arrays.copyOf(Files.readAllBytes(newest.file()), 32));
    byte[] olderBytes = Files.readAllBytes(older.file());
    olderBytes[(int) older.validBytes() - 1] ^= 1;
    Files.write(older.file(), olderBytes);
    long lastFrame = older.validBytes() - (16 + ("record-" + older.lastSequence()).length());

    assertEquals(JournalDamage.Kind.CORRUPTION, Journal.verify(multi).damage().orElseThrow().kind());
    JournalCorruptedException error = assertThrows(JournalCorruptedException.class, () -> Journal.open(multi));
    assertEquals(older.file(), error.segment());
    assertEquals(lastFrame, error.offset());
    assertArrayEquals(olderBytes, Files.readAllBytes(older.file()), "a refused open changes nothing");
    assertEquals(32, Files.size(newest.file()));
    RepairReport repair = Journal.repair(multi);
    assertEquals(older.lastSequence() - 1, repair.lastSequence());
    assertEquals(List.of(newest.file()), repair.cut().orElseThrow().laterSegments());
  }

  @Test
  void aValidFrameInATornTailWhoseSequenceCannotContinueTheJournalIsNoEvidenceOfCorruption() throws IOException {
    // After the last record: the first bytes of a frame whose write a crash tore, then stale bytes that happen to
    // form a frame with a valid CRC but a sequence (1000) that the few bytes after the tear leave no room for.
    byte[] stale = "stale".getBytes(StandardCharsets.UTF_8);
    ByteBuffer frame = ByteBuffer.allocate(16 + stale.length).putInt(stale.length).putInt(0).putLong(1000)
        .put(stale);
    CRC32C crc = new CRC32C();
    crc.update(frame.array(), 0, 4);
    crc.update(frame.array(), 8, 8 + stale.length);
    frame.putInt(4, (int) crc.getValue());
    byte[] torn = ByteBuffer.allocate(10).putInt(40).putInt(0x12345678).putShort((short) 6).array();
    byte[] bytes = Arrays.copyOf(original, original.length + torn.length + frame.capacity());
    System.arraycopy(torn, 0, bytes, original.length, torn.length);
    System.arraycopy(frame.array(), 0, bytes, original.length + torn.length, frame.capacity());
    Files.write(segment, bytes);
    assertEquals(JournalDamage.Kind.TORN_TAIL, Journal.verify(dir).damage().orElseThrow().kind());
    try (Journal journal = Journal.open(dir)) {
      assertEquals(original.length, journal.openReport().truncatedTail().orElseThrow().offset());
      assertEquals(RECORDS, journal.lastSequence());
    }
  }
}
