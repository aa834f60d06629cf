package dev.faultline.state.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.state.checkpoint.CheckpointException;
import dev.faultline.state.checkpoint.CheckpointInfo;
import dev.faultline.state.checkpoint.CheckpointProblem;
import dev.faultline.state.checkpoint.CheckpointSelection;
import dev.faultline.state.checkpoint.CheckpointStore;
import dev.faultline.state.journal.Journal;
import dev.faultline.state.journal.JournalCursor;
import dev.faultline.state.journal.JournalException;
import dev.faultline.state.journal.SegmentSummary;
import dev.faultline.state.testing.SimulatedStorage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/**
 * Version 2 of the identity file records how far the version-1 (unbound) sealed data of its directory reached when it
 * was made, so that version-1 sealed segments and checkpoints put there afterwards (for example copied from another
 * directory under the same key, which version 1 cannot tell apart) are refused, while a directory that held such data
 * before its identity keeps reading it, and one whose identity file is of version 1 keeps the old rule.
 */
class UnboundDataBoundsTest {
  private static final Path A = Path.of("/sim/a");
  private static final Path IDENTITY_A = A.resolve("directory.id");
  private static final byte[] KEY = key();
  private static final KeyProvider KEYS = KeyProvider.of(1, Map.of(1, KEY));
  private static final long TIME = 1_700_000_000_000L;
  private final SimulatedStorage disk = new SimulatedStorage();

  private static byte[] key() {
    byte[] key = new byte[32];
    Arrays.fill(key, (byte) 7);
    return key;
  }

  // ------------------------------------------------------------------------------------------ refused

  /**
   * A fresh encrypted journal (identity made with no unbound data: bound -1) whose every segment is replaced by a
   * version-1 sealed one of the same sequences. No bound segment is left before them, so the rule "no unbound segment
   * after a bound one" cannot see it; it used to be accepted.
   */
  @Test
  void versionOneSegmentsInPlaceOfEveryBoundSegmentAreRefusedAtOpen() throws Exception {
    try (Journal journal = open()) {
      for (int i = 1; i <= 30; i++) {
        journal.append(("r-" + i + "-" + "x".repeat(100)).getBytes(StandardCharsets.UTF_8));
      }
    }
    List<SegmentSummary> bound = segments();
    assertTrue(bound.size() >= 2, bound.toString());
    for (SegmentSummary segment : bound) {
      assertEquals(2, version(segment.file()));
      String[] forged = new String[(int) segment.records()];
      Arrays.fill(forged, "forged");
      disk.overwrite(segment.file(), VersionOneFiles.segment(KEY, segment.firstSequence(), 1, forged));
    }
    Map<Path, List<Byte>> before = everything();

    JournalException refused = assertThrows(JournalException.class, this::open);
    assertEquals("journal-crypto", refused.code());
    Path first = bound.get(0).file();
    assertTrue(refused.getMessage().contains("segment " + first + " ")
        && refused.getMessage().contains("format version 1")
        && refused.getMessage().contains("past sequence -1"), refused.getMessage());
    JournalException readOnly = assertThrows(JournalException.class, () -> Journal.readOnly(A, 1, disk, KEYS));
    assertEquals("journal-crypto", readOnly.code());
    assertTrue(readOnly.getMessage().contains(first.toString()), readOnly.getMessage());
    assertEquals(before, everything(), "a refused open changes nothing");
  }

  /** A version-1 sealed checkpoint copied into a fresh encrypted checkpoint directory: it used to load. */
  @Test
  void aVersionOneCheckpointCopiedIntoAFreshEncryptedDirectoryIsRefused() throws Exception {
    CheckpointStore store = CheckpointStore.builder(A).storage(disk).keyProvider(KEYS).open();
    store.write(1, "", "one".getBytes(StandardCharsets.UTF_8));
    CheckpointInfo real = store.write(2, "", "two".getBytes(StandardCharsets.UTF_8));
    Path copied = A.resolve("cp-000000000003.checkpoint");
    create(copied, VersionOneFiles.checkpoint(KEY, 3, 9, TIME, "forged"));
    Map<Path, List<Byte>> before = everything();

    CheckpointStore reopened = CheckpointStore.builder(A).storage(disk).keyProvider(KEYS).open();
    CheckpointException refused = assertThrows(CheckpointException.class, () -> reopened.load("cp-3"));
    assertEquals("checkpoint-crypto", refused.code());
    assertTrue(refused.getMessage().contains(copied.toString())
        && refused.getMessage().contains("format version 1")
        && refused.getMessage().contains("past -1"), refused.getMessage());
    CheckpointSelection selection = reopened.latestValid();
    assertEquals(real.id(), selection.checkpoint().orElseThrow().id(), "the copied one is skipped, not used");
    assertEquals(List.of("cp-000000000003"), selection.skipped().stream().map(CheckpointProblem::id).toList());
    assertEquals(List.of("checkpoint-crypto"), reopened.problems().stream().map(CheckpointProblem::code).toList());
    assertEquals(2, reopened.list().size(), "not listed as a checkpoint either");
    CheckpointStore readOnly = CheckpointStore.builder(A).storage(disk).keyProvider(KEYS).readOnly().open();
    assertEquals("checkpoint-crypto",
        assertThrows(CheckpointException.class, () -> readOnly.load("cp-3")).code());
    assertEquals(before, everything(), "nothing changed");
    // And in place of a bound one (same number), too.
    disk.overwrite(real.file(), VersionOneFiles.checkpoint(KEY, 2, 2, TIME, "forged"));
    assertEquals("checkpoint-crypto",
        assertThrows(CheckpointException.class, () -> reopened.load(real.id())).code());
  }

  // ------------------------------------------------------------------------------------------ still read

  /**
   * Version-1 sealed segments and checkpoints that were there when the journal (opened first for writing) made the
   * identity keep being read, before and after new bound data; the identity records exactly their reach, so a
   * version-1 segment or checkpoint past it is refused.
   */
  @Test
  void versionOneDataThatWasThereWhenTheJournalMadeTheIdentityKeepsBeingRead() throws Exception {
    createOldDirectory();

    try (Journal journal = open()) {
      assertEquals(range(1, 5), readAll(journal.read(1)));
      journal.append("new-6".getBytes(StandardCharsets.UTF_8));
    }
    assertBounds(5, 2);
    checkOldDirectoryKeepsWorking();
  }

  /** The same when the checkpoint store makes the identity: it reads the journal's reach from its segments. */
  @Test
  void versionOneDataThatWasThereWhenTheCheckpointStoreMadeTheIdentityKeepsBeingRead() throws Exception {
    createOldDirectory();

    CheckpointStore store = CheckpointStore.builder(A).storage(disk).keyProvider(KEYS).open();
    assertBounds(5, 2);
    assertEquals("old-state-2", new String(store.load("cp-2").snapshot(), StandardCharsets.UTF_8));
    try (Journal journal = open()) {
      assertEquals(range(1, 5), readAll(journal.read(1)));
      journal.append("new-6".getBytes(StandardCharsets.UTF_8));
    }
    checkOldDirectoryKeepsWorking();
  }

  /** Version-1 sealed segments 1..3 and 4..5 (the last followed by zeros) and checkpoints 1 and 2, no identity. */
  private void createOldDirectory() throws Exception {
    create(A.resolve("00000000000000000001.journal"), VersionOneFiles.segment(KEY, 1, 1, payloads(1, 3)));
    byte[] last = VersionOneFiles.segment(KEY, 4, 1, payloads(4, 5));
    create(A.resolve("00000000000000000004.journal"), Arrays.copyOf(last, last.length + 64));
    create(A.resolve("cp-000000000001.checkpoint"), VersionOneFiles.checkpoint(KEY, 1, 2, TIME, "old-state-1"));
    create(A.resolve("cp-000000000002.checkpoint"), VersionOneFiles.checkpoint(KEY, 2, 5, TIME, "old-state-2"));
  }

  private void checkOldDirectoryKeepsWorking() throws Exception {
    byte[] identity = disk.contents(IDENTITY_A);
    CheckpointStore store = CheckpointStore.builder(A).storage(disk).keyProvider(KEYS).open();
    assertEquals("old-state-1", new String(store.load("cp-1").snapshot(), StandardCharsets.UTF_8));
    assertEquals("old-state-2", new String(store.load("cp-2").snapshot(), StandardCharsets.UTF_8));
    CheckpointInfo fresh = store.write(6, "", "new-state".getBytes(StandardCharsets.UTF_8));
    assertEquals(2, version(fresh.file()));
    try (Journal journal = open()) {
      journal.append("new-7".getBytes(StandardCharsets.UTF_8));
      List<String> expected = new ArrayList<>(range(1, 5));
      expected.addAll(List.of("new-6", "new-7"));
      assertEquals(expected, readAll(journal.read(1)));
      assertEquals(expected, readAll(Journal.readOnly(A, 1, disk, KEYS)));
    }
    List<SegmentSummary> segments = segments();
    assertEquals(List.of(1, 1, 2), segments.stream().map(s -> version(s.file())).toList());
    assertEquals("new-state", new String(store.load(fresh.id()).snapshot(), StandardCharsets.UTF_8));
    assertEquals(fresh.id(), store.latestValid().checkpoint().orElseThrow().id());
    assertArrayEquals(identity, disk.contents(IDENTITY_A), "one identity, never rewritten");

    // Past the recorded reach: a version-1 segment from 6 on in place of the bound one, and checkpoint number 4.
    Path boundSegment = segments.get(2).file();
    disk.overwrite(boundSegment, VersionOneFiles.segment(KEY, 6, 1, "forged-6", "forged-7"));
    create(A.resolve("cp-000000000004.checkpoint"), VersionOneFiles.checkpoint(KEY, 4, 7, TIME, "forged"));
    Map<Path, List<Byte>> before = everything();
    JournalException refused = assertThrows(JournalException.class, this::open);
    assertEquals("journal-crypto", refused.code());
    assertTrue(refused.getMessage().contains(boundSegment.toString())
        && refused.getMessage().contains("past sequence 5"), refused.getMessage());
    CheckpointException copied = assertThrows(CheckpointException.class, () -> store.load("cp-4"));
    assertEquals("checkpoint-crypto", copied.code());
    assertTrue(copied.getMessage().contains("past 2"), copied.getMessage());
    assertEquals("old-state-2", new String(store.load("cp-2").snapshot(), StandardCharsets.UTF_8));
    assertEquals(before, everything());
  }

  /**
   * A directory whose identity file is of version 1 (written by the previous release, without bounds) opens, reads
   * and writes as before, keeps the old rule (version-1 sealed data of any sequence or number is accepted) and its
   * identity file is not rewritten.
   */
  @Test
  void anIdentityFileOfVersionOneKeepsTheOldRuleAndIsNotRewritten() throws Exception {
    byte[] identity = new byte[16];
    Arrays.fill(identity, (byte) 42);
    byte[] file = identityFileVersionOne(identity);
    create(IDENTITY_A, file);
    List<String> written = new ArrayList<>();
    try (Journal journal = open()) {
      for (int i = 1; i <= 30; i++) {
        written.add("r-" + i);
        journal.append(("r-" + i).getBytes(StandardCharsets.UTF_8));
      }
      assertEquals(written, readAll(journal.read(1)));
    }
    assertTrue(segments().size() >= 2 && segments().stream().allMatch(s -> version(s.file()) == 2));
    CheckpointStore store = CheckpointStore.builder(A).storage(disk).keyProvider(KEYS).open();
    CheckpointInfo bound = store.write(30, "", "state".getBytes(StandardCharsets.UTF_8));
    assertEquals(2, version(bound.file()));
    assertEquals("state", new String(store.load(bound.id()).snapshot(), StandardCharsets.UTF_8));
    assertArrayEquals(file, disk.contents(IDENTITY_A), "not rewritten");

    // The old rule: every bound segment replaced by a version-1 one, and a version-1 checkpoint, are accepted.
    for (SegmentSummary segment : segments()) {
      String[] old = new String[(int) segment.records()];
      Arrays.fill(old, "old");
      disk.overwrite(segment.file(), VersionOneFiles.segment(KEY, segment.firstSequence(), 1, old));
    }
    create(A.resolve("cp-000000000002.checkpoint"), VersionOneFiles.checkpoint(KEY, 2, 30, TIME, "old-state"));
    try (Journal journal = open()) {
      assertEquals(30, readAll(journal.read(1)).size());
    }
    assertEquals("old-state", new String(store.load("cp-2").snapshot(), StandardCharsets.UTF_8));
    assertArrayEquals(file, disk.contents(IDENTITY_A), "still not rewritten");
  }

  // ------------------------------------------------------------------------------------------ damaged

  @Test
  void aDamagedOrShortIdentityFileOfVersionTwoIsAClearErrorAndChangesNothing() throws Exception {
    try (Journal journal = open()) {
      journal.append("r-1".getBytes(StandardCharsets.UTF_8));
    }
    byte[] intact = disk.contents(IDENTITY_A);
    assertEquals(44, intact.length);
    assertEquals(2, ByteBuffer.wrap(intact).getInt(4));
    assertBounds(-1, -1);

    byte[] flipped = intact.clone();
    flipped[30] ^= 1; // in the bounds
    assertDamaged(flipped, "checksum mismatch");
    assertDamaged(Arrays.copyOf(intact, 40), "it is 40 bytes instead of 44");
    byte[] belowMinusOne = intact.clone();
    ByteBuffer.wrap(belowMinusOne).putLong(24, -2);
    assertDamaged(withCrc(belowMinusOne), "below -1");
    byte[] versionTwoInOldSize = Arrays.copyOf(intact, 28);
    assertDamaged(withCrc(versionTwoInOldSize), "format version 2 is 44 bytes, but the file is 28");
    byte[] versionThree = intact.clone();
    ByteBuffer.wrap(versionThree).putInt(4, 3);
    assertDamaged(withCrc(versionThree), "format version 3 is not supported");

    disk.overwrite(IDENTITY_A, intact);
    try (Journal journal = open()) {
      assertEquals(List.of("r-1"), readAll(journal.read(1)));
    }
  }

  private void assertDamaged(byte[] identityFile, String reason) throws Exception {
    disk.overwrite(IDENTITY_A, identityFile);
    Map<Path, List<Byte>> before = everything();
    JournalException journal = assertThrows(JournalException.class, this::open);
    assertEquals("journal-crypto", journal.code());
    assertTrue(journal.getMessage().contains(IDENTITY_A.toString()) && journal.getMessage().contains("damaged")
        && journal.getMessage().contains(reason), journal.getMessage());
    CheckpointException store = assertThrows(CheckpointException.class,
        () -> CheckpointStore.builder(A).storage(disk).keyProvider(KEYS).open());
    assertEquals("checkpoint-crypto", store.code());
    assertTrue(store.getMessage().contains(reason), store.getMessage());
    assertEquals(before, everything(), reason + ": nothing changed");
  }

  // ------------------------------------------------------------------------------------------ fixtures

  private Journal open() {
    return Journal.builder(A).storage(disk).keyProvider(KEYS).segmentSize(1024).open();
  }

  private List<SegmentSummary> segments() {
    return Journal.verify(A, disk).segments();
  }

  private int version(Path file) {
    try {
      return ByteBuffer.wrap(disk.contents(file)).getInt(4);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private void assertBounds(long lastUnboundSequence, long lastUnboundCheckpoint) throws Exception {
    ByteBuffer identity = ByteBuffer.wrap(disk.contents(IDENTITY_A));
    assertEquals(44, identity.capacity(), "identity file version 2");
    assertEquals(2, identity.getInt(4));
    assertEquals(lastUnboundSequence, identity.getLong(24), "last unbound sequence");
    assertEquals(lastUnboundCheckpoint, identity.getLong(32), "last unbound checkpoint");
  }

  private static byte[] identityFileVersionOne(byte[] identity) {
    ByteBuffer file = ByteBuffer.allocate(28).putInt(0x464C4944).putInt(1).put(identity);
    return withCrc(file.array());
  }

  /** {@code bytes} with its last 4 bytes set to the CRC32C of the others. */
  private static byte[] withCrc(byte[] bytes) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, bytes.length - 4);
    ByteBuffer.wrap(bytes).putInt(bytes.length - 4, (int) crc.getValue());
    return bytes;
  }

  private static String[] payloads(int from, int to) {
    String[] payloads = new String[to - from + 1];
    for (int i = from; i <= to; i++) {
      payloads[i - from] = "old-" + i;
    }
    return payloads;
  }

  private static List<String> range(int from, int to) {
    return List.of(payloads(from, to));
  }

  private static List<String> readAll(JournalCursor cursor) {
    List<String> out = new ArrayList<>();
    try (cursor) {
      cursor.forEachRemaining(r -> out.add(r.payloadUtf8()));
    }
    return out;
  }

  private Map<Path, List<Byte>> everything() throws Exception {
    return SimulatedFiles.everything(disk, A);
  }

  private void create(Path file, byte[] bytes) throws Exception {
    SimulatedFiles.create(disk, file, bytes);
  }
}
