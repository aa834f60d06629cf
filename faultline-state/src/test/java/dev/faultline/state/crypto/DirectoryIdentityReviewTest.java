package dev.faultline.state.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.FaultlineException;
import dev.faultline.state.Codec;
import dev.faultline.state.RecoverableState;
import dev.faultline.state.RollbackTarget;
import dev.faultline.state.checkpoint.CheckpointInfo;
import dev.faultline.state.checkpoint.CheckpointStore;
import dev.faultline.state.io.StorageChannel;
import dev.faultline.state.io.StorageIo;
import dev.faultline.state.journal.Journal;
import dev.faultline.state.journal.JournalCursor;
import dev.faultline.state.journal.JournalException;
import dev.faultline.state.journal.SegmentSummary;
import dev.faultline.state.testing.ForwardingStorage;
import dev.faultline.state.testing.SimulatedStorage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/**
 * Review of the directory identity: lifecycles (rotation, truncation into version-1 segments, retention, rollback),
 * power loss while the identity is made, and what a missing identity may never lead to.
 */
class DirectoryIdentityReviewTest {
  private static final Path A = Path.of("/sim/a");
  private static final Path IDENTITY_A = A.resolve("directory.id");
  private static final byte[] KEY = fill(7);
  private static final byte[] KEY_2 = fill(9);
  private static final KeyProvider KEYS = KeyProvider.of(1, Map.of(1, KEY));
  private static final KeyProvider ROTATED = KeyProvider.of(2, Map.of(1, KEY, 2, KEY_2));
  private SimulatedStorage disk = new SimulatedStorage();

  private static byte[] fill(int value) {
    byte[] key = new byte[32];
    Arrays.fill(key, (byte) value);
    return key;
  }

  private Journal open(StorageIo io, KeyProvider keys, long segmentSize) {
    return Journal.builder(A).storage(io).keyProvider(keys).segmentSize(segmentSize).open();
  }

  private static List<String> readAll(JournalCursor cursor) {
    List<String> out = new ArrayList<>();
    try (cursor) {
      cursor.forEachRemaining(r -> out.add(r.payloadUtf8()));
    }
    return out;
  }

  private List<SegmentSummary> segments() {
    return Journal.verify(A, disk).segments();
  }

  private int version(Path file) throws IOException {
    return ByteBuffer.wrap(disk.contents(file)).getInt(4);
  }

  private Map<Path, List<Byte>> everything() throws Exception {
    return SimulatedFiles.everything(disk, A);
  }

  private void create(Path file, byte[] bytes) throws Exception {
    SimulatedFiles.create(disk, file, bytes);
  }

  private static String[] payloads(int from, int to) {
    String[] out = new String[to - from + 1];
    for (int i = from; i <= to; i++) {
      out[i - from] = "r-" + i;
    }
    return out;
  }

  private static List<String> range(int from, int to) {
    return List.of(payloads(from, to));
  }

  // ------------------------------------------------------------------------------------------ lifecycles that hold

  @Test
  void rotationAcrossVersionOneAndTwoSegmentsKeepsEverythingReadable() throws Exception {
    create(A.resolve("00000000000000000001.journal"), segment(1, 1, payloads(1, 3)));
    try (Journal journal = open(disk, KEYS, 1024)) {
      journal.append("r-4".getBytes(StandardCharsets.UTF_8));
    }
    try (Journal journal = open(disk, ROTATED, 1024)) {
      journal.append("r-5".getBytes(StandardCharsets.UTF_8));
      assertEquals(range(1, 5), readAll(journal.read(1)));
    }
    List<SegmentSummary> segments = segments();
    assertEquals(List.of(1, 1, 2), segments.stream().map(SegmentSummary::keyId).toList());
    assertEquals(List.of(1, 2, 2), List.of(version(segments.get(0).file()), version(segments.get(1).file()),
        version(segments.get(2).file())));
    assertEquals(range(1, 5), readAll(Journal.readOnly(A, 1, disk, ROTATED)));
    try (Journal journal = open(disk, ROTATED, 1024)) {
      assertEquals(range(1, 5), readAll(journal.read(1)));
    }
  }

  /**
   * A journal never writes a version-1 (unbound) sealed segment after a version-2 (bound) one: once it has an
   * identity every new segment is bound. So a version-1 segment there was put in place of bound records, for example
   * an old segment of another directory under the same key at the same sequences, which version 1 cannot tell apart.
   * It used to be accepted.
   */
  @Test
  void anUnboundSealedSegmentAfterABoundOneIsRefused() throws Exception {
    create(A.resolve("00000000000000000001.journal"), segment(1, 1, payloads(1, 3)));
    try (Journal journal = open(disk, KEYS, 1024)) {
      for (int i = 4; journal.firstSequence() == 1 && segments().size() < 3; i++) {
        journal.append(("r-" + i + "-" + "x".repeat(200)).getBytes(StandardCharsets.UTF_8)); // bound segments from 4
      }
    }
    List<SegmentSummary> written = segments();
    assertEquals(List.of(1, 2, 2), List.of(version(written.get(0).file()), version(written.get(1).file()),
        version(written.get(2).file())));
    Path last = written.get(2).file();
    long first = written.get(2).firstSequence();
    disk.delete(last);
    create(last, segment(first, 1, "forged-" + first, "forged-" + (first + 1)));
    Map<Path, List<Byte>> before = everything();
    JournalException refused = assertThrows(JournalException.class, () -> open(disk, KEYS, 1024));
    assertEquals("journal-crypto", refused.code());
    assertTrue(refused.getMessage().contains(last.toString()) && refused.getMessage().contains("version 1"),
        refused.getMessage());
    assertThrows(JournalException.class, () -> readAll(Journal.readOnly(A, 1, disk, KEYS)));
    assertEquals(before, everything(), "nothing changed");
  }

  @Test
  void truncatingIntoAVersionOneSegmentThenAppendingNeverMixesSeals() throws Exception {
    create(A.resolve("00000000000000000001.journal"), segment(1, 1, payloads(1, 3)));
    try (Journal journal = open(disk, KEYS, 1024)) {
      journal.append("r-4".getBytes(StandardCharsets.UTF_8));
      journal.truncateAfter(2);
      journal.append("x-3".getBytes(StandardCharsets.UTF_8));
      assertEquals(List.of("r-1", "r-2", "x-3"), readAll(journal.read(1)));
      journal.truncateAfter(0 + 1);
      journal.append("y-2".getBytes(StandardCharsets.UTF_8));
      assertEquals(List.of("r-1", "y-2"), readAll(journal.read(1)));
    }
    List<SegmentSummary> segments = segments();
    assertEquals(1, version(segments.get(0).file()));
    for (SegmentSummary segment : segments.subList(1, segments.size())) {
      assertEquals(2, version(segment.file()));
    }
    assertEquals(List.of("r-1", "y-2"), readAll(Journal.readOnly(A, 1, disk, KEYS)));
    try (Journal journal = open(disk, ROTATED, 1024)) {
      assertEquals(List.of("r-1", "y-2"), readAll(journal.read(1)));
    }
  }

  @Test
  void anEmptyVersionOneLastSegmentAndATruncationToNothingAreStartedAgainBound() throws Exception {
    create(A.resolve("00000000000000000001.journal"), segment(1, 1, payloads(1, 3)));
    create(A.resolve("00000000000000000004.journal"), segment(4, 1));
    try (Journal journal = open(disk, KEYS, 1024)) {
      assertEquals(2, version(A.resolve("00000000000000000004.journal")), "empty version-1 segment restarted");
      journal.append("r-4".getBytes(StandardCharsets.UTF_8));
      assertEquals(range(1, 4), readAll(journal.read(1)));
      journal.truncateAfter(0);
      assertEquals(2, version(A.resolve("00000000000000000001.journal")), "restarted bound, not appended as v1");
      journal.append("z-1".getBytes(StandardCharsets.UTF_8));
      assertEquals(List.of("z-1"), readAll(journal.read(1)));
    }
    try (Journal journal = open(disk, ROTATED, 1024)) {
      assertEquals(List.of("z-1"), readAll(journal.read(1)));
      journal.truncateAfter(0);
      journal.append("w-1".getBytes(StandardCharsets.UTF_8));
    }
    assertEquals(List.of("w-1"), readAll(Journal.readOnly(A, 1, disk, ROTATED)));
    assertEquals(2, segments().get(0).keyId());
  }

  @Test
  void rollbackIntoVersionOneDataThenAppendingRecovers() throws Exception {
    create(A.resolve("00000000000000000001.journal"), segment(1, 1, "1", "2", "3"));
    try (RecoverableState<Long, String> state = state(KEYS).open()) {
      state.apply("4");
      state.apply("5");
      state.rollback(new RollbackTarget.ToSequence(2));
      state.apply("10");
    }
    try (RecoverableState<Long, String> state = state(KEYS).open()) {
      assertEquals(13L, state.state());
    }
  }

  @Test
  void aCheckpointCopiedWithinItsDirectoryUnderAnotherNumberIsRefused() throws Exception {
    CheckpointStore store = CheckpointStore.builder(A).storage(disk).keyProvider(KEYS).open();
    CheckpointInfo first = store.write(1, "", "one".getBytes(StandardCharsets.UTF_8));
    CheckpointInfo second = store.write(2, "", "two".getBytes(StandardCharsets.UTF_8));
    byte[] bytes = disk.contents(first.file());
    ByteBuffer header = ByteBuffer.wrap(bytes);
    header.putLong(16, 2);
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, 52);
    header.putInt(52, (int) crc.getValue());
    crc.reset();
    crc.update(bytes, 0, bytes.length - 4);
    header.putInt(bytes.length - 4, (int) crc.getValue());
    disk.overwrite(second.file(), bytes);
    CheckpointStore reopened = CheckpointStore.builder(A).storage(disk).keyProvider(KEYS).open();
    assertEquals("checkpoint-crypto", assertThrows(dev.faultline.state.checkpoint.CheckpointException.class,
        () -> reopened.load(second.id())).code());
    assertEquals("one", new String(reopened.latestValid().checkpoint().orElseThrow().snapshot(),
        StandardCharsets.UTF_8));
  }

  // ------------------------------------------------------------------------------------------ identity lost

  /**
   * The identity file is lost (deleted, or left out of a restore) in a state directory whose journal holds no
   * segment bound to it yet (plain or version-1 segments: nothing was appended since encryption or identities were
   * turned on) but whose newest checkpoint is sealed for it. The journal, opened first, made a new identity: the
   * checkpoint store then found one and never refused, the checkpoint no longer decrypted, and, the journal's older
   * segments retained away, recovery failed as state-unrecoverable after having written the new identity, so that
   * the original identity could no longer simply be restored.
   */
  @Test
  void aLostIdentityBesideABoundCheckpointIsRefusedBeforeANewOneIsMade() throws Exception {
    try (RecoverableState<Long, String> state = RecoverableState.builder(A, SumState.machine(), SumState.codec(), Codec.utf8())
        .storage(disk).segmentSize(1024).open()) {
      for (int i = 1; i <= 150; i++) {
        state.apply(Integer.toString(i));
      }
    }
    assertTrue(segments().size() > 1);
    CheckpointInfo bound;
    try (RecoverableState<Long, String> state = state(KEYS).open()) {
      bound = state.checkpoint("after turning encryption on");
    }
    assertEquals(2, version(bound.file()));
    assertEquals(0, segments().get(segments().size() - 1).keyId(), "nothing appended since: no bound segment");
    assertTrue(segments().get(0).firstSequence() > 1, "the segments the checkpoint covers were retained away");
    byte[] identity = disk.contents(IDENTITY_A);
    disk.delete(IDENTITY_A);
    Map<Path, List<Byte>> before = everything();

    FaultlineException refused = assertThrows(FaultlineException.class, () -> state(KEYS).open());
    assertTrue(refused.getMessage().contains("no identity file " + IDENTITY_A)
        && refused.getMessage().contains(bound.file().toString()), refused.getMessage());
    assertEquals("journal-crypto", assertThrows(FaultlineException.class, () -> open(disk, KEYS, 1024)).code());
    assertEquals(before, everything(), "no identity made");

    disk.createDirectories(A);
    create(IDENTITY_A, identity);
    try (RecoverableState<Long, String> state = state(KEYS).open()) {
      assertEquals(11325L, state.state());
      assertEquals(bound.id(), state.recovery().plan().checkpoint().orElseThrow().id());
    }
  }

  /** The same the other way round: a checkpoint store opened for writing beside a bound segment. */
  @Test
  void aCheckpointStoreDoesNotMakeANewIdentityBesideABoundSegment() throws Exception {
    try (Journal journal = open(disk, KEYS, 1024)) {
      journal.append("r-1".getBytes(StandardCharsets.UTF_8));
    }
    disk.delete(IDENTITY_A);
    Map<Path, List<Byte>> before = everything();
    FaultlineException refused = assertThrows(FaultlineException.class,
        () -> CheckpointStore.builder(A).storage(disk).keyProvider(KEYS).open());
    assertEquals("checkpoint-crypto", refused.code());
    assertTrue(refused.getMessage().contains("no identity file " + IDENTITY_A)
        && refused.getMessage().contains(segments().get(0).file().toString()), refused.getMessage());
    assertEquals(before, everything(), "no identity made");
  }

  // ------------------------------------------------------------------------------------------ power loss

  /** Power loss at the n-th storage operation (and at every write or force of a channel), once armed. */
  static final class CrashAt extends ForwardingStorage {
    private final SimulatedStorage disk;
    private final Random torn;
    int countdown;

    CrashAt(SimulatedStorage disk, int countdown, Random torn) {
      super(disk);
      this.disk = disk;
      this.countdown = countdown;
      this.torn = torn;
    }

    void tick(String what) throws IOException {
      if (countdown-- == 0) {
        disk.crash(torn);
        throw new IOException("simulated power loss at " + what);
      }
    }

    @Override
    public StorageChannel open(Path file, OpenMode mode) throws IOException {
      tick("open " + file);
      StorageChannel channel = delegate.open(file, mode);
      return new dev.faultline.state.testing.ForwardingChannel(channel) {
        @Override
        public int write(ByteBuffer source, long position) throws IOException {
          tick("write " + file);
          return super.write(source, position);
        }

        @Override
        public void force() throws IOException {
          tick("force " + file);
          super.force();
        }

        @Override
        public void truncate(long size) throws IOException {
          tick("truncate " + file);
          super.truncate(size);
        }
      };
    }

    @Override
    public void move(Path source, Path target) throws IOException {
      tick("move " + source);
      delegate.move(source, target);
    }

    @Override
    public boolean delete(Path file) throws IOException {
      tick("delete " + file);
      return delegate.delete(file);
    }

    @Override
    public void forceDirectory(Path directory) throws IOException {
      tick("force directory");
      delegate.forceDirectory(directory);
    }

    @Override
    public void createDirectories(Path directory) throws IOException {
      tick("mkdir");
      delegate.createDirectories(directory);
    }
  }

  @Test
  void aPowerLossAnywhereInTheFirstEncryptedSessionOfAnOldDirectoryLosesNothingAcknowledged() throws Exception {
    for (int seed = 0; seed < 3; seed++) {
      for (int at = 0; ; at++) {
        disk = new SimulatedStorage();
        create(A.resolve("00000000000000000001.journal"), segment(1, 1, "1", "2", "3"));
        create(A.resolve("cp-000000000001.checkpoint"), versionOneCheckpoint(1, 2, 1_700_000_000_000L, "3"));
        CrashAt crashing = new CrashAt(disk, at, seed == 0 ? null : new Random(seed * 1000 + at));
        int acknowledged = 3;
        boolean crashed = false;
        try (RecoverableState<Long, String> state = state(KEYS).storage(crashing).open()) {
          for (int i = 4; i <= 6; i++) {
            state.apply(Integer.toString(i));
            acknowledged = i;
          }
          state.checkpoint("after");
          state.apply("7");
          acknowledged = 7;
        } catch (FaultlineException e) {
          crashed = true;
        }
        if (crashing.countdown >= 0) {
          assertFalse(crashed);
          break;
        }
        String where = "crash at operation " + at + " seed " + seed;
        long expected = 0;
        for (int i = 1; i <= acknowledged; i++) {
          expected += i;
        }
        try (RecoverableState<Long, String> state = state(KEYS).open()) {
          assertTrue(state.sequence() >= acknowledged, where);
          assertTrue(state.state() >= expected, where + ": " + state.state() + " < " + expected);
          state.apply("100");
        } catch (FaultlineException e) {
          throw new AssertionError(where + ": " + e.getMessage(), e);
        }
        try (RecoverableState<Long, String> state = state(KEYS).open()) {
          assertTrue(state.state() >= expected + 100, where);
        }
        assertEquals(44, disk.contents(IDENTITY_A).length, where);
      }
    }
  }

  @Test
  void aPowerLossAnywhereInTheFirstSessionOfAFreshEncryptedDirectoryLosesNothingAcknowledged() throws Exception {
    for (int seed = 0; seed < 3; seed++) {
      for (int at = 0; ; at++) {
        disk = new SimulatedStorage();
        CrashAt crashing = new CrashAt(disk, at, seed == 0 ? null : new Random(seed * 1000 + at));
        int acknowledged = 0;
        try (RecoverableState<Long, String> state = state(KEYS).storage(crashing).checkpointEvery(2).open()) {
          for (int i = 1; i <= 5; i++) {
            state.apply(Integer.toString(i));
            acknowledged = i;
          }
        } catch (FaultlineException e) {
          // the power loss
        }
        if (crashing.countdown >= 0) {
          break;
        }
        String where = "crash at operation " + at + " seed " + seed;
        long expected = (long) acknowledged * (acknowledged + 1) / 2;
        try (RecoverableState<Long, String> state = state(ROTATED).open()) {
          assertTrue(state.state() >= expected, where);
          state.apply("100");
        } catch (FaultlineException e) {
          throw new AssertionError(where + ": " + e.getMessage(), e);
        }
        try (RecoverableState<Long, String> state = state(ROTATED).open()) {
          assertTrue(state.state() >= expected + 100, where);
        }
      }
    }
  }

  // ------------------------------------------------------------------------------------------ fixtures

  private RecoverableState.Builder<Long, String> state(KeyProvider keys) {
    return RecoverableState.builder(A, SumState.machine(), SumState.codec(), Codec.utf8()).storage(disk).keyProvider(keys)
        .segmentSize(1024);
  }

  private static byte[] segment(long firstSequence, int keyId, String... payloads) throws Exception {
    return VersionOneFiles.segment(KEY, firstSequence, keyId, payloads);
  }

  private static byte[] versionOneCheckpoint(long number, long sequence, long time, String snapshot)
      throws Exception {
    return VersionOneFiles.checkpoint(KEY, number, sequence, time, snapshot);
  }
}
