package dev.faultline.state.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.ConfigurationException;
import dev.faultline.state.Codec;
import dev.faultline.state.RecoverableState;
import dev.faultline.state.checkpoint.CheckpointException;
import dev.faultline.state.checkpoint.CheckpointInfo;
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
import org.junit.jupiter.api.Test;

/**
 * Encrypted data is bound to its directory (a segment or checkpoint copied from another directory under the same key
 * is refused), plain data is refused where it cannot be trusted, and directories from before the identity file stay
 * readable.
 */
class DirectoryBindingTest {
  private static final Path A = Path.of("/sim/a");
  private static final Path B = Path.of("/sim/b");
  private static final Path IDENTITY_A = A.resolve("directory.id");
  private static final byte[] KEY = key();
  private static final KeyProvider KEYS = KeyProvider.of(1, Map.of(1, KEY));
  private final SimulatedStorage disk = new SimulatedStorage();

  private static byte[] key() {
    byte[] key = new byte[32];
    Arrays.fill(key, (byte) 7);
    return key;
  }

  private Journal open(Path directory, long segmentSize) {
    return Journal.builder(directory).storage(disk).keyProvider(KEYS).segmentSize(segmentSize).open();
  }

  private void append(Path directory, long segmentSize, String... payloads) {
    try (Journal journal = open(directory, segmentSize)) {
      for (String payload : payloads) {
        journal.append(payload.getBytes(StandardCharsets.UTF_8));
      }
    }
  }

  private static List<String> readAll(JournalCursor cursor) {
    List<String> out = new ArrayList<>();
    try (cursor) {
      cursor.forEachRemaining(r -> out.add(r.payloadUtf8()));
    }
    return out;
  }

  private List<Path> segments(Path directory) {
    return Journal.verify(directory, disk).segments().stream().map(SegmentSummary::file).toList();
  }

  /** Every file of the simulated disk with its bytes, to show that a refused open changed nothing. */
  private Map<Path, List<Byte>> everything(Path... directories) throws Exception {
    return SimulatedFiles.everything(disk, directories);
  }

  private void create(Path file, byte[] bytes) throws Exception {
    SimulatedFiles.create(disk, file, bytes);
  }

  @Test
  void aSegmentCopiedFromAnotherJournalDirectoryUnderTheSameKeyIsRefused() throws Exception {
    append(A, 1024, "a-1", "a-2");
    append(B, 1024, "b-1", "b-2");
    disk.overwrite(segments(B).get(0), disk.contents(segments(A).get(0)));
    Map<Path, List<Byte>> before = everything(B);

    JournalException refused = assertThrows(JournalException.class, () -> open(B, 1024));
    assertEquals("journal-crypto", refused.code());
    assertTrue(refused.getMessage().contains(segments(B).get(0).toString())
        && refused.getMessage().contains("another journal directory"), refused.getMessage());
    assertEquals(before, everything(B), "a refused open changes nothing");
    JournalException readOnly = assertThrows(JournalException.class, () -> Journal.readOnly(B, 1, disk, KEYS));
    assertEquals("journal-crypto", readOnly.code());
    assertTrue(readOnly.getMessage().contains("another journal directory"), readOnly.getMessage());
  }

  @Test
  void aLaterSegmentCopiedFromAnotherJournalDirectoryIsRefusedAtOpen() throws Exception {
    String[] records = new String[40];
    for (int i = 0; i < records.length; i++) {
      records[i] = "record-" + (1000 + i);
    }
    append(A, 1024, records);
    append(B, 1024, records);
    assertTrue(segments(A).size() >= 3 && segments(A).equals(
        segments(B).stream().map(file -> A.resolve(file.getFileName())).toList()), segments(A).toString());
    Path second = segments(B).get(1);
    disk.overwrite(second, disk.contents(A.resolve(second.getFileName())));

    JournalException refused = assertThrows(JournalException.class, () -> open(B, 1024));
    assertEquals("journal-crypto", refused.code());
    assertTrue(refused.getMessage().contains(second.toString()), refused.getMessage());
  }

  @Test
  void aCheckpointCopiedFromAnotherCheckpointDirectoryIsRefused() throws Exception {
    CheckpointStore a = CheckpointStore.builder(A).storage(disk).keyProvider(KEYS).open();
    CheckpointStore b = CheckpointStore.builder(B).storage(disk).keyProvider(KEYS).open();
    CheckpointInfo older = b.write(3, "b-older", "snapshot b3".getBytes(StandardCharsets.UTF_8));
    a.write(3, "a-older", "snapshot a3".getBytes(StandardCharsets.UTF_8));
    CheckpointInfo fromA = a.write(7, "a", "snapshot a7".getBytes(StandardCharsets.UTF_8));
    CheckpointInfo newer = b.write(7, "b", "snapshot b7".getBytes(StandardCharsets.UTF_8));
    assertEquals(fromA.id(), newer.id());
    disk.overwrite(newer.file(), disk.contents(fromA.file()));

    CheckpointException refused = assertThrows(CheckpointException.class, () -> b.load(newer.id()));
    assertEquals("checkpoint-crypto", refused.code());
    assertTrue(refused.getMessage().contains(newer.file().toString())
        && refused.getMessage().contains("another checkpoint directory"), refused.getMessage());
    CheckpointSelection selection = b.latestValid();
    assertEquals(older.id(), selection.checkpoint().orElseThrow().id(), "the copied one is skipped, not used");
    assertEquals(List.of(newer.id()), selection.skipped().stream().map(p -> p.id()).toList());
    CheckpointStore reopened = CheckpointStore.builder(B).storage(disk).keyProvider(KEYS).readOnly().open();
    assertEquals("checkpoint-crypto", assertThrows(CheckpointException.class, () -> reopened.load(newer.id())).code());
  }

  @Test
  void plainDataInPlaceOfEncryptedIsRefusedWhenEncryptionIsRequired() throws Exception {
    append(A, 64 << 20, "secret-1", "secret-2");
    try (Journal plain = Journal.builder(B).storage(disk).open()) {
      plain.append("forged-1".getBytes(StandardCharsets.UTF_8));
      plain.append("forged-2".getBytes(StandardCharsets.UTF_8));
    }
    Path segment = segments(A).get(0);
    disk.overwrite(segment, disk.contents(segments(B).get(0)));
    Map<Path, List<Byte>> before = everything(A);

    JournalException refused = assertThrows(JournalException.class,
        () -> Journal.builder(A).storage(disk).keyProvider(KEYS).requireEncryption(true).open());
    assertEquals("journal-crypto", refused.code());
    assertTrue(refused.getMessage().contains(segment.toString())
        && refused.getMessage().contains("requires encryption"), refused.getMessage());
    assertEquals(before, everything(A));
    // Off by default: a journal written before encryption was turned on stays readable (documented).
    try (Journal journal = open(A, 64 << 20)) {
      assertEquals(List.of("forged-1", "forged-2"), readAll(journal.read(1)));
    }

    CheckpointStore sealed = CheckpointStore.builder(A).storage(disk).keyProvider(KEYS).open();
    CheckpointInfo real = sealed.write(2, "", "real".getBytes(StandardCharsets.UTF_8));
    CheckpointStore plainStore = CheckpointStore.builder(B).storage(disk).open();
    CheckpointInfo forged = plainStore.write(2, "", "forged".getBytes(StandardCharsets.UTF_8));
    assertEquals(real.id(), forged.id());
    disk.overwrite(real.file(), disk.contents(forged.file()));
    CheckpointStore strict = CheckpointStore.builder(A).storage(disk).keyProvider(KEYS).requireEncryption(true)
        .open();
    CheckpointException plainRefused = assertThrows(CheckpointException.class, () -> strict.load(real.id()));
    assertEquals("checkpoint-crypto", plainRefused.code());
    assertTrue(plainRefused.getMessage().contains(real.file().toString())
        && plainRefused.getMessage().contains("requires encryption"), plainRefused.getMessage());
    assertTrue(strict.latestValid().checkpoint().isEmpty());
    assertEquals("forged", new String(sealed.load(real.id()).snapshot(), StandardCharsets.UTF_8),
        "off by default");
  }

  @Test
  void aPlainSegmentAfterAnEncryptedOneIsRefusedEvenWithoutRequiringEncryption() throws Exception {
    String[] records = new String[40];
    for (int i = 0; i < records.length; i++) {
      records[i] = "record-" + (1000 + i);
    }
    append(A, 1024, records);
    SegmentSummary second = Journal.verify(A, disk).segments().get(1);
    String[] forged = new String[(int) second.records()];
    Arrays.fill(forged, "forged");
    disk.overwrite(second.file(), segment(second.firstSequence(), 0, forged));
    Map<Path, List<Byte>> before = everything(A);

    JournalException refused = assertThrows(JournalException.class, () -> open(A, 1024));
    assertEquals("journal-crypto", refused.code());
    assertTrue(refused.getMessage().contains(second.file().toString())
        && refused.getMessage().contains(segments(A).get(0).toString()), refused.getMessage());
    assertEquals(before, everything(A));
    assertEquals("journal-crypto", assertThrows(JournalException.class, () -> Journal.readOnly(A, 1, disk, KEYS))
        .code());
  }

  @Test
  void requireEncryptionNeedsAKeyProvider() {
    assertEquals("requireEncryption", assertThrows(ConfigurationException.class,
        () -> Journal.builder(A).storage(disk).requireEncryption(true).open()).field());
    assertEquals("requireEncryption", assertThrows(ConfigurationException.class,
        () -> CheckpointStore.builder(A).storage(disk).requireEncryption(true).open()).field());
    assertEquals("requireEncryption", assertThrows(ConfigurationException.class,
        () -> RecoverableState.builder(A, SumState.machine(), SumState.codec(), Codec.utf8()).storage(disk).requireEncryption(true).open())
        .field());
  }

  @Test
  void aDirectoryWrittenBeforeIdentitiesStaysReadableAndGetsOneWhenOpenedForWriting() throws Exception {
    // Version 1 files, sealed as this format always sealed them: the sequence (for a checkpoint: number, sequence
    // and time) as associated data, and no identity file.
    create(A.resolve("00000000000000000001.journal"), segment(1, 1, "old-1", "old-2"));
    create(A.resolve("cp-000000000001.checkpoint"), versionOneCheckpoint(1, 2, 1_700_000_000_000L, "old-state"));
    java.util.Set<Path> files = java.util.Set.copyOf(disk.list(A));

    // Read-only paths read it and create nothing.
    assertEquals(List.of("old-1", "old-2"), readAll(Journal.readOnly(A, 1, disk, KEYS)));
    CheckpointStore readOnly = CheckpointStore.builder(A).storage(disk).keyProvider(KEYS).readOnly().open();
    assertEquals("old-state", new String(readOnly.load("cp-1").snapshot(), StandardCharsets.UTF_8));
    assertEquals(2, Journal.verify(A, disk).lastSequence());
    assertEquals(files, java.util.Set.copyOf(disk.list(A)), "nothing created by reading");

    try (Journal journal = open(A, 64 << 20)) {
      assertTrue(disk.exists(IDENTITY_A), "identity made on the first open for writing");
      assertEquals(List.of("old-1", "old-2"), readAll(journal.read(1)));
      journal.append("new-3".getBytes(StandardCharsets.UTF_8));
    }
    byte[] identity = disk.contents(IDENTITY_A);
    assertEquals(44, identity.length, "identity file version 2");
    List<Path> segments = segments(A);
    assertEquals(2, segments.size(), "new records are not sealed into the old segment, but into a bound one");
    assertEquals(1, ByteBuffer.wrap(disk.contents(segments.get(0))).getInt(4));
    assertEquals(2, ByteBuffer.wrap(disk.contents(segments.get(1))).getInt(4));
    CheckpointStore store = CheckpointStore.builder(A).storage(disk).keyProvider(KEYS).open();
    assertEquals("old-state", new String(store.load("cp-1").snapshot(), StandardCharsets.UTF_8));
    CheckpointInfo fresh = store.write(3, "", "new-state".getBytes(StandardCharsets.UTF_8));
    assertEquals(2, ByteBuffer.wrap(disk.contents(fresh.file())).getInt(4));
    assertArrayEquals(identity, disk.contents(IDENTITY_A), "the journal and its checkpoints share one identity");
    try (Journal journal = open(A, 64 << 20)) {
      assertEquals(List.of("old-1", "old-2", "new-3"), readAll(journal.read(1)));
    }
    assertEquals(List.of("old-1", "old-2", "new-3"), readAll(Journal.readOnly(A, 1, disk, KEYS)));
    assertEquals("new-state", new String(store.load(fresh.id()).snapshot(), StandardCharsets.UTF_8));
  }

  @Test
  void aMissingOrDamagedIdentityWithSealedDataIsAClearErrorAndChangesNothing() throws Exception {
    try (RecoverableState<Long, String> state = RecoverableState.builder(A, SumState.machine(), SumState.codec(), Codec.utf8())
        .storage(disk).keyProvider(KEYS).checkpointEvery(2).checkpointExecutor(Runnable::run).open()) {
      for (int i = 1; i <= 5; i++) {
        state.apply(Integer.toString(i));
      }
    }
    byte[] identity = disk.contents(IDENTITY_A);
    // A torn tail that an open would cut off, to show that nothing is cut either.
    Path segment = segments(A).get(0);
    byte[] intact = disk.contents(segment);
    byte[] torn = Arrays.copyOf(intact, intact.length + 7);
    Arrays.fill(torn, intact.length, torn.length, (byte) 0x55);
    disk.overwrite(segment, torn);

    disk.delete(IDENTITY_A);
    Map<Path, List<Byte>> before = everything(A);
    JournalException missing = assertThrows(JournalException.class, () -> open(A, 64 << 20));
    assertEquals("journal-crypto", missing.code());
    assertTrue(missing.getMessage().contains("no identity file " + IDENTITY_A)
        && missing.getMessage().contains(segment.toString()), missing.getMessage());
    assertEquals("journal-crypto", assertThrows(JournalException.class, () -> Journal.readOnly(A, 1, disk, KEYS))
        .code());
    CheckpointException noStore = assertThrows(CheckpointException.class,
        () -> CheckpointStore.builder(A).storage(disk).keyProvider(KEYS).open());
    assertEquals("checkpoint-crypto", noStore.code());
    assertTrue(noStore.getMessage().contains("no identity file"), noStore.getMessage());
    CheckpointStore readOnly = CheckpointStore.builder(A).storage(disk).keyProvider(KEYS).readOnly().open();
    CheckpointInfo newest = readOnly.list().get(readOnly.list().size() - 1);
    CheckpointException unreadable = assertThrows(CheckpointException.class, () -> readOnly.load(newest.id()));
    assertEquals("checkpoint-crypto", unreadable.code());
    assertTrue(unreadable.getMessage().contains("no identity file"), unreadable.getMessage());
    assertEquals("journal-crypto", assertThrows(JournalException.class,
        () -> RecoverableState.builder(A, SumState.machine(), SumState.codec(), Codec.utf8()).storage(disk).keyProvider(KEYS).open())
        .code());
    assertEquals(before, everything(A), "no identity made, no tail cut");
    assertFalse(disk.exists(IDENTITY_A));

    byte[] damaged = identity.clone();
    damaged[10] ^= 1;
    create(IDENTITY_A, damaged);
    before = everything(A);
    JournalException corrupt = assertThrows(JournalException.class, () -> open(A, 64 << 20));
    assertEquals("journal-crypto", corrupt.code());
    assertTrue(corrupt.getMessage().contains(IDENTITY_A.toString()) && corrupt.getMessage().contains("damaged"),
        corrupt.getMessage());
    assertEquals("journal-crypto", assertThrows(JournalException.class, () -> Journal.readOnly(A, 1, disk, KEYS))
        .code());
    CheckpointException corruptStore = assertThrows(CheckpointException.class,
        () -> CheckpointStore.builder(A).storage(disk).keyProvider(KEYS).open());
    assertEquals("checkpoint-crypto", corruptStore.code());
    assertTrue(corruptStore.getMessage().contains("damaged"), corruptStore.getMessage());
    assertEquals(before, everything(A));

    disk.overwrite(IDENTITY_A, identity);
    try (RecoverableState<Long, String> state = RecoverableState.builder(A, SumState.machine(), SumState.codec(), Codec.utf8())
        .storage(disk).keyProvider(KEYS).open()) {
      assertEquals(15L, state.state(), "restored from a backup, everything reads again");
    }
  }

  // ------------------------------------------------------------------------------------------------ fixtures

  private static byte[] segment(long firstSequence, int keyId, String... payloads) throws Exception {
    return VersionOneFiles.segment(KEY, firstSequence, keyId, payloads);
  }

  private static byte[] versionOneCheckpoint(long number, long sequence, long time, String snapshot)
      throws Exception {
    return VersionOneFiles.checkpoint(KEY, number, sequence, time, snapshot);
  }
}
