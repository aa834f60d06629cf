package dev.faultline.state.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.faultline.state.crypto.KeyProvider;
import dev.faultline.state.io.StorageChannel;
import dev.faultline.state.io.StorageIo;
import dev.faultline.state.testing.ForwardingStorage;
import dev.faultline.state.testing.SimulatedStorage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Opening under a new key restarts an empty last segment sealed for the old key, and opening a journal whose only
 * segment has a damaged header starts that segment again: a power loss in the middle of either must leave the
 * journal where it was.
 */
class ReopenUnderNewKeyCrashTest {
  private static final Path DIR = Path.of("/sim/journal");

  /** Power loss at the first file creation once armed. */
  static final class CrashOnCreate extends ForwardingStorage {
    private final SimulatedStorage disk;
    volatile boolean armed;

    CrashOnCreate(SimulatedStorage disk) {
      super(disk);
      this.disk = disk;
    }

    @Override
    public StorageChannel open(Path file, OpenMode mode) throws IOException {
      if (armed && mode == OpenMode.CREATE_NEW) {
        armed = false;
        disk.crash();
        throw new IOException("simulated power loss while creating " + file);
      }
      return delegate.open(file, mode);
    }
  }

  private static KeyProvider newKey() {
    byte[] key = new byte[32];
    Arrays.fill(key, (byte) 7);
    return KeyProvider.of(1, Map.of(1, key));
  }

  /**
   * The only segment left is empty (its records were retained away, as after a checkpoint): opening under a new key
   * deleted it and forced the directory before creating its replacement, so a power loss in between left no segment
   * at all, and the next open started the journal again at sequence 1, reusing acknowledged sequences (and a
   * RecoverableState then deleted its checkpoints as "beyond the journal").
   */
  @Test
  void aPowerLossWhileRestartingTheEmptyLastSegmentUnderANewKeyKeepsTheJournalsPosition() {
    SimulatedStorage disk = new SimulatedStorage();
    long firstOfSecond;
    try (Journal journal = Journal.builder(DIR).storage(disk).segmentSize(1024).open()) {
      byte[] payload = "x".repeat(100).getBytes(StandardCharsets.UTF_8);
      while (segments(disk).size() < 2) {
        journal.append(payload);
      }
      firstOfSecond = Format.parseSegmentName(segments(disk).get(1));
      journal.truncateAfter(firstOfSecond - 1);
      assertEquals(firstOfSecond - 1, journal.deleteBelow(firstOfSecond));
      assertEquals(firstOfSecond, journal.firstSequence());
      assertEquals(firstOfSecond - 1, journal.lastSequence());
    }
    CrashOnCreate crashing = new CrashOnCreate(disk);
    crashing.armed = true;
    assertThrows(JournalException.class,
        () -> Journal.builder(DIR).storage(crashing).keyProvider(newKey()).segmentSize(1024).open());
    try (Journal journal = Journal.builder(DIR).storage(disk).keyProvider(newKey()).segmentSize(1024).open()) {
      assertEquals(firstOfSecond - 1, journal.lastSequence(), "acknowledged sequences would be issued again");
      assertEquals(firstOfSecond, journal.append("next".getBytes(StandardCharsets.UTF_8)));
    }
  }

  /**
   * The same with the only segment's header damaged (a torn write of a new segment, bit rot): open deleted it and
   * forced the directory before creating its replacement.
   */
  @Test
  void aPowerLossWhileReplacingTheOnlySegmentWhoseHeaderIsDamagedKeepsTheJournalsPosition() throws IOException {
    SimulatedStorage disk = new SimulatedStorage();
    long firstOfSecond;
    try (Journal journal = Journal.builder(DIR).storage(disk).segmentSize(1024).open()) {
      byte[] payload = "x".repeat(100).getBytes(StandardCharsets.UTF_8);
      while (segments(disk).size() < 2) {
        journal.append(payload);
      }
      firstOfSecond = Format.parseSegmentName(segments(disk).get(1));
      journal.truncateAfter(firstOfSecond - 1);
      journal.deleteBelow(firstOfSecond);
    }
    List<Path> left = segments(disk);
    assertEquals(1, left.size());
    try (StorageChannel channel = disk.open(left.get(0), StorageIo.OpenMode.READ_WRITE)) {
      // Junk after the magic (version and first sequence): the header is damaged, but the file is a segment (a file
      // that does not start with the magic is not one, and opening refuses it instead of replacing it).
      byte[] junk = new byte[8];
      Arrays.fill(junk, (byte) 0x5A);
      channel.writeFully(ByteBuffer.wrap(junk), 4);
      channel.force();
    }
    CrashOnCreate crashing = new CrashOnCreate(disk);
    crashing.armed = true;
    assertThrows(JournalException.class, () -> Journal.builder(DIR).storage(crashing).segmentSize(1024).open());
    try (Journal journal = Journal.builder(DIR).storage(disk).segmentSize(1024).open()) {
      assertEquals(firstOfSecond - 1, journal.lastSequence(), "acknowledged sequences would be issued again");
      assertEquals(firstOfSecond, journal.append("next".getBytes(StandardCharsets.UTF_8)));
    }
  }

  private static List<Path> segments(SimulatedStorage disk) {
    try {
      return Scanner.segmentFiles(disk, DIR);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
