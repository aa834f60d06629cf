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
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/** AES-256-GCM at rest: records and snapshots sealed, key ids in headers, rotation, and clear errors, never garbage. */
class EncryptionTest {
  private static final Path DIR = Path.of("/sim/secret");
  private static final byte[] KEY_1 = key(1);
  private static final byte[] KEY_2 = key(2);
  private final SimulatedStorage disk = new SimulatedStorage();

  /** A 32-byte key made from {@code seed} (other tests of this package use it too). */
  static byte[] key(int seed) {
    byte[] key = new byte[32];
    Arrays.fill(key, (byte) seed);
    key[0] = (byte) (seed * 31);
    return key;
  }

  private static KeyProvider keys(int current, Object... idsAndKeys) {
    Map<Integer, byte[]> map = new java.util.HashMap<>();
    for (int i = 0; i < idsAndKeys.length; i += 2) {
      map.put((Integer) idsAndKeys[i], (byte[]) idsAndKeys[i + 1]);
    }
    return KeyProvider.of(current, map);
  }

  private Journal open(KeyProvider provider, long segmentSize) {
    return Journal.builder(DIR).storage(disk).keyProvider(provider).segmentSize(segmentSize).open();
  }

  private static List<String> readAll(Journal journal) {
    List<String> out = new ArrayList<>();
    try (JournalCursor cursor = journal.read(journal.firstSequence())) {
      cursor.forEachRemaining(r -> out.add(r.payloadUtf8()));
    }
    return out;
  }

  private static boolean contains(byte[] haystack, String needle) {
    byte[] bytes = needle.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i + bytes.length <= haystack.length; i++) {
      if (Arrays.equals(haystack, i, i + bytes.length, bytes, 0, bytes.length)) {
        return true;
      }
    }
    return false;
  }

  private Path onlySegment() {
    return Journal.verify(DIR, disk).segments().get(0).file();
  }

  /** Rewrites the CRC32C of the frame at {@code offset} so that only the AES-GCM tag can notice a change. */
  private static void fixCrc(byte[] bytes, int offset) {
    ByteBuffer frame = ByteBuffer.wrap(bytes);
    int length = frame.getInt(offset);
    CRC32C crc = new CRC32C();
    crc.update(bytes, offset, 4);
    crc.update(bytes, offset + 8, 8 + length);
    frame.putInt(offset + 4, (int) crc.getValue());
  }

  @Test
  void recordsAreSealedOnDiskAndReadBackWithTheKey() throws Exception {
    try (Journal journal = open(keys(1, 1, KEY_1), 64 << 20)) {
      journal.append("top secret one".getBytes(StandardCharsets.UTF_8));
      journal.append("top secret two".getBytes(StandardCharsets.UTF_8));
      assertEquals(List.of("top secret one", "top secret two"), readAll(journal));
    }
    byte[] raw = disk.contents(onlySegment());
    assertFalse(contains(raw, "top secret"), "no plaintext on disk");
    assertEquals(1, ByteBuffer.wrap(raw).getInt(16), "key id in the segment header");
    assertTrue(Journal.verify(DIR, disk).clean(), "CRCs check without the key");
    try (Journal journal = open(keys(1, 1, KEY_1), 64 << 20)) {
      assertEquals(List.of("top secret one", "top secret two"), readAll(journal));
    }
    try (JournalCursor cursor = Journal.readOnly(DIR, 1, disk, keys(1, 1, KEY_1))) {
      assertEquals("top secret one", cursor.next().payloadUtf8());
    }
  }

  @Test
  void aMissingProviderOrKeyIsAClearErrorAtOpen() {
    try (Journal journal = open(keys(1, 1, KEY_1), 64 << 20)) {
      journal.append(new byte[] {1});
    }
    JournalException none = assertThrows(JournalException.class, () -> Journal.builder(DIR).storage(disk).open());
    assertEquals("journal-crypto", none.code());
    assertTrue(none.getMessage().contains("key id 1") && none.getMessage().contains("key provider"),
        none.getMessage());
    JournalException unknown = assertThrows(JournalException.class, () -> open(keys(2, 2, KEY_2), 64 << 20));
    assertEquals("journal-crypto", unknown.code());
    assertTrue(unknown.getMessage().contains("does not have"), unknown.getMessage());
    assertEquals("journal-crypto", assertThrows(JournalException.class, () -> Journal.readOnly(DIR, 1, disk)).code());
  }

  @Test
  void aWrongKeyOrATamperedOrMovedRecordFailsToDecryptNeverGarbage() throws Exception {
    try (Journal journal = open(keys(1, 1, KEY_1), 64 << 20)) {
      journal.append("alpha-record".getBytes(StandardCharsets.UTF_8));
      journal.append("bravo-record".getBytes(StandardCharsets.UTF_8));
    }
    byte[] original = disk.contents(onlySegment());
    // A wrong key is refused when the journal opens (its first record is tried), and nothing is changed: not even
    // the torn tail an open would otherwise cut off.
    byte[] torn = Arrays.copyOf(original, original.length + 5);
    disk.overwrite(onlySegment(), torn);
    JournalException wrong = assertThrows(JournalException.class, () -> open(keys(1, 1, KEY_2), 64 << 20));
    assertEquals("journal-crypto", wrong.code());
    assertTrue(wrong.getMessage().contains("sequence 1") && wrong.getMessage().contains("wrong"),
        wrong.getMessage());
    assertArrayEquals(torn, disk.contents(onlySegment()));
    assertEquals("journal-crypto", assertThrows(JournalException.class,
        () -> Journal.readOnly(DIR, 2, disk, keys(1, 1, KEY_2))).code());
    disk.overwrite(onlySegment(), original);

    byte[] tampered = original.clone();
    int first = 32;
    int length = ByteBuffer.wrap(original).getInt(first);
    int second = first + 16 + length;
    tampered[second + 16 + 20] ^= 1;
    fixCrc(tampered, second);
    disk.overwrite(onlySegment(), tampered);
    try (Journal journal = open(keys(1, 1, KEY_1), 64 << 20)) {
      assertEquals("journal-crypto", assertThrows(JournalException.class, () -> readAll(journal)).code());
    }
    tampered = original.clone();
    tampered[first + 16 + 20] ^= 1;
    fixCrc(tampered, first);
    disk.overwrite(onlySegment(), tampered);
    assertEquals("journal-crypto", assertThrows(JournalException.class, () -> open(keys(1, 1, KEY_1), 64 << 20))
        .code());

    // Swap the two records' sealed payloads (same length), keeping sequences and fixing CRCs: GCM binds each
    // payload to its sequence, so the move is detected.
    byte[] swapped = original.clone();
    System.arraycopy(original, second + 16, swapped, first + 16, length);
    System.arraycopy(original, first + 16, swapped, second + 16, length);
    fixCrc(swapped, first);
    fixCrc(swapped, second);
    disk.overwrite(onlySegment(), swapped);
    assertEquals("journal-crypto", assertThrows(JournalException.class, () -> open(keys(1, 1, KEY_1), 64 << 20))
        .code());
  }

  @Test
  void keysRotateByNewSegmentsAndPlainSegmentsStayReadable() throws Exception {
    try (Journal journal = Journal.builder(DIR).storage(disk).segmentSize(1024).open()) {
      for (int i = 1; i <= 30; i++) {
        journal.append(("plain-" + i).getBytes(StandardCharsets.UTF_8));
      }
    }
    try (Journal journal = open(keys(1, 1, KEY_1), 1024)) {
      for (int i = 31; i <= 60; i++) {
        journal.append(("key1-" + i).getBytes(StandardCharsets.UTF_8));
      }
    }
    try (Journal journal = open(keys(2, 1, KEY_1, 2, KEY_2), 1024)) {
      for (int i = 61; i <= 90; i++) {
        journal.append(("key2-" + i).getBytes(StandardCharsets.UTF_8));
      }
      List<String> all = readAll(journal);
      assertEquals(90, all.size());
      assertEquals("plain-1", all.get(0));
      assertEquals("key1-31", all.get(30));
      assertEquals("key2-90", all.get(89));
    }
    List<Integer> keyIds = new ArrayList<>();
    for (SegmentSummary segment : Journal.verify(DIR, disk).segments()) {
      keyIds.add(ByteBuffer.wrap(disk.contents(segment.file())).getInt(16));
    }
    assertEquals(0, keyIds.get(0));
    assertTrue(keyIds.contains(1) && keyIds.get(keyIds.size() - 1) == 2, keyIds.toString());
    int firstKey2 = keyIds.indexOf(2);
    assertTrue(keyIds.subList(firstKey2, keyIds.size()).stream().allMatch(id -> id == 2), keyIds.toString());
    JournalException retired = assertThrows(JournalException.class, () -> open(keys(2, 2, KEY_2), 1024));
    assertTrue(retired.getMessage().contains("key id 1"), retired.getMessage());
  }

  /**
   * Regression: a rollback to the first record of a segment sealed for another key (or plain, from before encryption)
   * kept that segment, empty, as the active one, and appends went on under its header's key: plaintext on disk with
   * encryption on, or the retired key after a rotation.
   */
  @Test
  void appendsAfterARollbackToTheStartOfAnOlderSegmentUseTheCurrentKey() throws Exception {
    try (Journal journal = Journal.builder(DIR).storage(disk).open()) {
      journal.append("plain-1".getBytes(StandardCharsets.UTF_8));
    }
    try (Journal journal = open(keys(1, 1, KEY_1), 64 << 20)) {
      journal.append("key1-2".getBytes(StandardCharsets.UTF_8));
      journal.append("key1-3".getBytes(StandardCharsets.UTF_8));
      assertEquals(2, journal.truncateAfter(1));
      assertEquals(2, journal.append("after-rollback-secret".getBytes(StandardCharsets.UTF_8)));
      assertEquals(List.of("plain-1", "after-rollback-secret"), readAll(journal));
      assertEquals(2, journal.truncateAfter(0));
      assertEquals(1, journal.append("first-record-secret".getBytes(StandardCharsets.UTF_8)));
      assertEquals(List.of("first-record-secret"), readAll(journal));
    }
    for (SegmentSummary segment : Journal.verify(DIR, disk).segments()) {
      byte[] raw = disk.contents(segment.file());
      assertFalse(contains(raw, "secret"), "no plaintext in " + segment.file());
      assertEquals(1, ByteBuffer.wrap(raw).getInt(16), "key id of " + segment.file());
    }
    try (Journal journal = open(keys(1, 1, KEY_1), 64 << 20)) {
      assertEquals(List.of("first-record-secret"), readAll(journal));
    }

    // Rotation: the records after a rollback to the start of a key-1 segment are sealed with key 2, not key 1.
    try (Journal journal = open(keys(2, 1, KEY_1, 2, KEY_2), 64 << 20)) {
      journal.append("key2-2".getBytes(StandardCharsets.UTF_8));
      assertEquals(2, journal.truncateAfter(0));
      journal.append("rotated-1".getBytes(StandardCharsets.UTF_8));
      journal.append("rotated-2".getBytes(StandardCharsets.UTF_8));
    }
    List<SegmentSummary> segments = Journal.verify(DIR, disk).segments();
    assertEquals(1, segments.size());
    assertEquals(2, ByteBuffer.wrap(disk.contents(segments.get(0).file())).getInt(16));
    assertEquals("journal-crypto", assertThrows(JournalException.class, () -> open(keys(1, 1, KEY_1), 64 << 20))
        .code(), "nothing is left that key 1 opens");
    try (Journal journal = open(keys(2, 2, KEY_2), 64 << 20)) {
      assertEquals(List.of("rotated-1", "rotated-2"), readAll(journal));
    }
  }

  @Test
  void checkpointsAreSealedAndAWrongKeyIsReportedNotUsed() throws Exception {
    CheckpointStore store = CheckpointStore.builder(DIR).storage(disk).keyProvider(keys(1, 1, KEY_1)).open();
    CheckpointInfo older = store.write(5, "old", "snapshot five".getBytes(StandardCharsets.UTF_8));
    CheckpointInfo newer = store.write(9, "new", "snapshot nine".getBytes(StandardCharsets.UTF_8));
    assertEquals(13, newer.snapshotBytes());
    assertFalse(contains(disk.contents(newer.file()), "snapshot"), "no plaintext on disk");
    assertEquals("snapshot nine", new String(store.latestValid().checkpoint().orElseThrow().snapshot(),
        StandardCharsets.UTF_8));

    CheckpointStore plain = CheckpointStore.builder(DIR).storage(disk).open();
    assertEquals(2, plain.list().size(), "headers and labels read without the key");
    assertEquals(List.of(1, 1), plain.list().stream().map(CheckpointInfo::keyId).toList());
    assertEquals(List.of(), plain.problems(), "without the key, checksums only");
    assertEquals("checkpoint-crypto", assertThrows(CheckpointException.class, plain::latestValid).code());

    CheckpointStore wrong = CheckpointStore.builder(DIR).storage(disk).keyProvider(keys(1, 1, KEY_2)).open();
    CheckpointSelection selection = wrong.latestValid();
    assertTrue(selection.checkpoint().isEmpty());
    assertEquals(2, selection.skipped().size());
    assertTrue(selection.skipped().get(0).reason().contains("cannot decrypt"), selection.skipped().toString());
    assertEquals("checkpoint-crypto", assertThrows(CheckpointException.class, () -> wrong.load(older.id())).code());
    assertEquals(2, wrong.problems().size(), "with a key, every snapshot is opened");
    CheckpointStore otherId = CheckpointStore.builder(DIR).storage(disk).keyProvider(keys(2, 2, KEY_2)).open();
    assertEquals("checkpoint-crypto", assertThrows(CheckpointException.class, otherId::problems).code());

    // Tamper with the newer snapshot and fix the file checksum: the GCM tag still catches it; the older one is used.
    byte[] bytes = disk.contents(newer.file());
    bytes[bytes.length - 10] ^= 4;
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, bytes.length - 4);
    ByteBuffer.wrap(bytes).putInt(bytes.length - 4, (int) crc.getValue());
    disk.overwrite(newer.file(), bytes);
    CheckpointSelection afterTamper = store.latestValid();
    assertEquals(older.id(), afterTamper.checkpoint().orElseThrow().id());
    assertEquals(newer.id(), afterTamper.skipped().get(0).id());
    assertEquals(List.of(newer.id()), store.problems().stream().map(p -> p.id()).toList());
    assertEquals(List.of(), plain.problems(), "a tampered snapshot with a fixed checksum needs the key to be found");
  }

  @Test
  void recoverableStateRecoversEncryptedStateEndToEnd() {
    KeyProvider provider = keys(1, 1, KEY_1);
    try (RecoverableState<Long, String> state = RecoverableState.builder(DIR, SumState.machine(), SumState.codec(),
            Codec.utf8())
        .storage(disk).keyProvider(provider).checkpointEvery(4).checkpointExecutor(Runnable::run).open()) {
      for (int i = 1; i <= 10; i++) {
        state.apply(Integer.toString(i));
      }
    }
    disk.crash();
    try (RecoverableState<Long, String> state = RecoverableState.builder(DIR, SumState.machine(), SumState.codec(),
            Codec.utf8())
        .storage(disk).keyProvider(provider).open()) {
      assertEquals(55L, state.state());
      assertEquals(2, state.recovery().replayed());
    }
  }

  /** Regression: an unexpected error while sealing left taken sequences unwritten without stopping the journal. */
  @Test
  void anUnexpectedErrorWhileWritingStopsTheJournalInsteadOfLeavingAGap() {
    KeyProvider real = keys(1, 1, KEY_1);
    java.util.concurrent.atomic.AtomicBoolean broken = new java.util.concurrent.atomic.AtomicBoolean();
    KeyProvider flaky = new KeyProvider() {
      @Override
      public int currentKeyId() {
        return 1;
      }

      @Override
      public java.util.Optional<javax.crypto.SecretKey> key(int keyId) {
        if (broken.get()) {
          throw new IllegalStateException("hardware security module unreachable");
        }
        return real.key(keyId);
      }
    };
    Journal journal = open(flaky, 64 << 20);
    journal.append("kept".getBytes(StandardCharsets.UTF_8));
    broken.set(true);
    IllegalStateException raw = assertThrows(IllegalStateException.class, () -> journal.append(new byte[] {1}));
    assertTrue(raw.getMessage().contains("unreachable"));
    broken.set(false);
    JournalException stopped = assertThrows(JournalException.class, () -> journal.append(new byte[] {2}));
    assertEquals("journal-failed", stopped.code());
    assertEquals(List.of("kept"), readAll(journal));
    journal.close();
    try (Journal reopened = open(real, 64 << 20)) {
      assertEquals(List.of("kept"), readAll(reopened));
      assertEquals(2, reopened.append(new byte[] {3}));
    }
  }

  @Test
  void keysAreCheckedByName() {
    assertEquals("keys[3]", assertThrows(ConfigurationException.class,
        () -> KeyProvider.of(3, Map.of(3, new byte[16]))).field());
    assertEquals("currentKeyId", assertThrows(ConfigurationException.class,
        () -> KeyProvider.of(4, Map.of(3, KEY_1))).field());
    assertEquals("keys", assertThrows(ConfigurationException.class,
        () -> KeyProvider.of(0, Map.of(0, KEY_1))).field());
  }

  @Test
  void aMaxRecordSizeWhoseSealedRecordsTheFormatCannotReadIsRefused() {
    // The format reads payloads of at most 2^30 - 16 bytes; sealing adds nonce and tag (28 bytes), so a journal that
    // took plaintexts up to that limit would write records that its next open cuts off as damage ("frame length out
    // of range"): acknowledged, then lost.
    int formatLimit = (1 << 30) - 16;
    ConfigurationException error = assertThrows(ConfigurationException.class, () -> Journal.builder(DIR)
        .storage(disk).keyProvider(keys(1, 1, KEY_1)).maxRecordSize(formatLimit).open());
    assertEquals("maxRecordSize", error.field());
    assertTrue(error.getMessage().contains(String.valueOf(formatLimit - 28)), error.getMessage());
    Journal.builder(DIR).storage(disk).keyProvider(keys(1, 1, KEY_1)).maxRecordSize(formatLimit - 28).open().close();
    Journal.builder(DIR.resolve("plain")).storage(disk).maxRecordSize(formatLimit).open().close();
  }

  @Test
  void aKeyMadeCurrentWhileTheJournalIsOpenSealsWhatIsAppendedAfter() {
    // KeyProvider: "Rotating keys means: add a new key, make it current"; a provider may do so at run time.
    java.util.concurrent.atomic.AtomicInteger current = new java.util.concurrent.atomic.AtomicInteger(1);
    KeyProvider all = keys(1, 1, KEY_1, 2, KEY_2);
    KeyProvider rotating = new KeyProvider() {
      @Override
      public int currentKeyId() {
        return current.get();
      }

      @Override
      public java.util.Optional<javax.crypto.SecretKey> key(int keyId) {
        return all.key(keyId);
      }
    };
    try (Journal journal = open(rotating, 64 << 20)) {
      journal.append("under-1".getBytes(StandardCharsets.UTF_8));
      current.set(2);
      journal.append("under-2".getBytes(StandardCharsets.UTF_8));
      current.set(3);
      JournalException missing = assertThrows(JournalException.class,
          () -> journal.append("under-3".getBytes(StandardCharsets.UTF_8)));
      assertEquals("journal-crypto", missing.code());
      assertTrue(missing.getMessage().contains("key id 3"), missing.getMessage());
      current.set(2);
      assertEquals(3, journal.append("under-2-again".getBytes(StandardCharsets.UTF_8)));
      assertEquals(List.of("under-1", "under-2", "under-2-again"), readAll(journal));
    }
    List<Integer> keyIds = new ArrayList<>();
    for (SegmentSummary segment : Journal.verify(DIR, disk).segments()) {
      keyIds.add(segment.keyId());
    }
    assertEquals(List.of(1, 2), keyIds, "the segment begun after the rotation is sealed with key 2");
    try (Journal journal = open(keys(2, 1, KEY_1, 2, KEY_2), 64 << 20)) {
      assertEquals(List.of("under-1", "under-2", "under-2-again"), readAll(journal));
    }
  }
}
