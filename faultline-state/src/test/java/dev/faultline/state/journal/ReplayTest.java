package dev.faultline.state.journal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.state.crypto.KeyProvider;
import dev.faultline.state.io.StorageChannel;
import dev.faultline.state.io.StorageIo;
import dev.faultline.state.testing.ForwardingChannel;
import dev.faultline.state.testing.ForwardingStorage;
import dev.faultline.state.testing.SimulatedStorage;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replay on the real file system, where cursors map segments: every record read back by {@code next} and by
 * {@code poll}, across segments and while the journal grows; truncation while a cursor has the cut segment mapped;
 * and {@code poll} where nothing is mapped (a simulated disk) and on encrypted segments.
 */
class ReplayTest {
  private static final int PAYLOAD = 1000;

  @TempDir Path dir;

  /** The real file system, counting the ranges mapped. */
  static final class CountingStorage extends ForwardingStorage {
    final AtomicInteger mappings = new AtomicInteger();

    CountingStorage() {
      super(StorageIo.system());
    }

    @Override
    public StorageChannel open(Path file, OpenMode mode) throws IOException {
      return new ForwardingChannel(delegate.open(file, mode)) {
        @Override
        public Optional<ByteBuffer> mapReadOnly(long position, int size) throws IOException {
          mappings.incrementAndGet();
          return channel.mapReadOnly(position, size);
        }
      };
    }
  }

  /** The payload of {@code sequence}: every byte depends on the sequence and its index. */
  static byte[] payload(long sequence) {
    byte[] bytes = new byte[PAYLOAD];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) (sequence * 31 + i * 7);
    }
    return bytes;
  }

  private static void append(Journal journal, long from, long to) {
    for (long sequence = from; sequence <= to; sequence++) {
      assertEquals(sequence, journal.write(payload(sequence)));
    }
    journal.force();
  }

  /** Polls everything committed now, checking each record; returns the next sequence expected. */
  private static long pollAll(JournalCursor cursor, long expected) {
    long[] next = {expected};
    long polled;
    do {
      polled = cursor.poll((sequence, view) -> {
        assertEquals(next[0], sequence);
        assertTrue(view.isReadOnly());
        byte[] bytes = new byte[view.remaining()];
        view.get(bytes);
        assertArrayEquals(payload(sequence), bytes, "payload of sequence " + sequence);
        next[0]++;
      }, 777);
      assertTrue(polled <= 777);
    } while (polled > 0);
    return next[0];
  }

  @Test
  void everyRecordComesBackThroughMappedSegmentsByNextAndByPollWhileTheJournalGrows() {
    CountingStorage storage = new CountingStorage();
    try (Journal journal = Journal.builder(dir).storage(storage).segmentSize(3 << 20).open()) {
      append(journal, 1, 8000); // about 8 MiB: three segments
      try (JournalCursor cursor = journal.read(1)) {
        for (long sequence = 1; sequence <= 8000; sequence++) {
          JournalRecord record = cursor.next();
          assertEquals(sequence, record.sequence());
          assertArrayEquals(payload(sequence), record.payload());
        }
        assertFalse(cursor.hasNext());
      }
      assertTrue(storage.mappings.get() > 0, "a replay of several MiB maps its segments");
      try (JournalCursor cursor = journal.read(1)) {
        assertEquals(8001, pollAll(cursor, 1));
        append(journal, 8001, 10_500); // the same cursor reads on past the end it had mapped
        assertEquals(10_501, pollAll(cursor, 8001));
        assertEquals(0, cursor.poll((sequence, view) -> { }, 10));
      }
      try (JournalCursor cursor = journal.read(4321)) {
        assertTrue(cursor.hasNext());
        assertEquals(4321, cursor.nextSequence());
        assertEquals(10_501, pollAll(cursor, 4321), "a peeked record is polled first");
      }
    }
  }

  @Test
  void truncatingASegmentACursorHasMappedReplacesTheFileAndInvalidatesTheCursor() throws IOException {
    CountingStorage storage = new CountingStorage();
    try (Journal journal = Journal.builder(dir).storage(storage).open()) {
      append(journal, 1, 4000); // about 4 MiB in one segment
      JournalCursor stale = journal.read(1);
      for (int i = 0; i < 3000; i++) {
        stale.next();
      }
      assertTrue(storage.mappings.get() > 0);
      assertEquals(3000, journal.truncateAfter(1000));
      assertEquals("cursor-invalidated", assertThrows(JournalException.class, stale::hasNext).code());
      stale.close();
      try (Stream<Path> files = Files.list(dir)) {
        assertEquals(List.of(), files.filter(f -> f.toString().endsWith(".tmp")).toList());
      }
      try (JournalCursor cursor = journal.read(1)) {
        assertEquals(1001, pollAll(cursor, 1));
      }
      assertEquals(1001, journal.append(payload(1001)));
    }
    try (Journal journal = Journal.open(dir)) {
      assertTrue(journal.openReport().clean(), journal.openReport().describe());
      assertEquals(1001, journal.lastSequence());
      try (JournalCursor cursor = journal.read(1)) {
        assertEquals(1002, pollAll(cursor, 1));
      }
    }
    try (JournalCursor snapshot = Journal.readOnly(dir, 1)) {
      assertEquals(1002, pollAll(snapshot, 1), "a read-only cursor polls through next()");
    }
  }

  @Test
  void aTemporaryCopyThatACrashLeftBehindIsDeletedOnOpen() throws IOException {
    try (Journal journal = Journal.open(dir)) {
      append(journal, 1, 10);
    }
    Path leftover = dir.resolve(Format.segmentName(1) + ".tmp");
    Files.write(leftover, new byte[] {1, 2, 3});
    try (Journal journal = Journal.open(dir)) {
      assertFalse(Files.exists(leftover));
      assertTrue(journal.openReport().clean(), journal.openReport().describe());
      assertEquals(10, journal.lastSequence());
    }
  }

  @Test
  void pollReadsWhereNothingIsMappedAndOpensSealedRecords() {
    SimulatedStorage disk = new SimulatedStorage();
    Path simulated = Path.of("/sim/replay");
    try (Journal journal = Journal.builder(simulated).storage(disk).segmentSize(64 * 1024).open()) {
      append(journal, 1, 300);
      try (JournalCursor cursor = journal.read(1)) {
        assertEquals(301, pollAll(cursor, 1));
      }
    }
    byte[] key = new byte[32];
    Arrays.fill(key, (byte) 7);
    KeyProvider keys = KeyProvider.of(1, Map.of(1, key));
    Path sealed = Path.of("/sim/sealed");
    try (Journal journal = Journal.builder(sealed).storage(disk).keyProvider(keys).segmentSize(64 * 1024).open()) {
      append(journal, 1, 300);
      try (JournalCursor cursor = journal.read(1)) {
        assertEquals(301, pollAll(cursor, 1));
      }
    }
  }

  /** A payload of {@code length} bytes that depend on the sequence. */
  private static byte[] payload(long sequence, int length) {
    byte[] bytes = new byte[length];
    for (int i = 0; i < length; i++) {
      bytes[i] = (byte) (sequence * 13 + i);
    }
    return bytes;
  }

  @Test
  void recordsOfEveryLengthAreCheckedAndReadBackAndAFlipInAnyOfThemIsFound() throws IOException {
    // Lengths 0 to 5000 in varied order: the cursor's per-length CRC32C shortcut (below 4096) and the direct
    // computation (above) must both accept every intact frame and reject a damaged one.
    int count = 700;
    int[] lengths = new int[count];
    long offset = Format.HEADER_SIZE;
    long[] offsets = new long[count + 1];
    try (Journal journal = Journal.open(dir)) {
      for (int i = 0; i < count; i++) {
        lengths[i] = (i * 7919) % 5001;
        offsets[i + 1] = offset;
        offset += Format.FRAME_HEADER_SIZE + lengths[i];
        journal.write(payload(i + 1, lengths[i]));
      }
      journal.force();
      try (JournalCursor cursor = journal.read(1)) {
        for (int i = 0; i < count; i++) {
          assertArrayEquals(payload(i + 1, lengths[i]), cursor.next().payload());
        }
      }
      try (JournalCursor cursor = journal.read(1)) {
        long[] next = {1};
        while (cursor.poll((sequence, view) -> {
          byte[] bytes = new byte[view.remaining()];
          view.get(bytes);
          assertArrayEquals(payload(sequence, lengths[(int) sequence - 1]), bytes);
          next[0]++;
        }, 100) > 0) {
          assertTrue(next[0] <= count + 1);
        }
        assertEquals(count + 1, next[0]);
      }
      Path segment = dir.resolve(Format.segmentName(1));
      for (int sequence : new int[] {3, 600, 6}) {
        // Sequences 3 and 600 have 835 and 2533 payload bytes (the shortcut), sequence 6 has 4588 (computed
        // directly); 600 lies beyond the first mapped window.
        long at = offsets[sequence] + Format.FRAME_HEADER_SIZE + lengths[sequence - 1] / 2;
        byte[] original = payload(sequence, lengths[sequence - 1]);
        try (var channel = java.nio.channels.FileChannel.open(segment, java.nio.file.StandardOpenOption.WRITE)) {
          channel.write(ByteBuffer.wrap(new byte[] {(byte) ~original[lengths[sequence - 1] / 2]}), at);
          try (JournalCursor cursor = journal.read(1)) {
            JournalCorruptedException e = assertThrows(JournalCorruptedException.class, () -> {
              while (cursor.hasNext()) {
                cursor.next();
              }
            });
            assertTrue(e.getMessage().contains("sequence " + sequence), e.getMessage());
          }
          try (JournalCursor cursor = journal.read(1)) {
            JournalCorruptedException e = assertThrows(JournalCorruptedException.class,
                () -> cursor.poll((s, v) -> { }, Long.MAX_VALUE));
            assertTrue(e.getMessage().contains("sequence " + sequence), e.getMessage());
          }
          channel.write(ByteBuffer.wrap(new byte[] {original[lengths[sequence - 1] / 2]}), at);
        }
      }
    }
  }

  @Test
  void pollFindsCorruptionAsNextDoes() throws IOException {
    try (Journal journal = Journal.builder(dir).open()) {
      append(journal, 1, 3000);
    }
    // Flip a payload byte of sequence 2500 behind the journal's back, then read it through an open journal whose
    // open scan ran before the flip.
    try (Journal journal = Journal.open(dir)) {
      Path segment = dir.resolve(Format.segmentName(1));
      long offset = Format.HEADER_SIZE + 2499L * (Format.FRAME_HEADER_SIZE + PAYLOAD) + Format.FRAME_HEADER_SIZE + 5;
      try (var channel = java.nio.channels.FileChannel.open(segment, java.nio.file.StandardOpenOption.WRITE)) {
        channel.write(ByteBuffer.wrap(new byte[] {(byte) ~payload(2500)[5]}), offset);
      }
      try (JournalCursor cursor = journal.read(1)) {
        JournalCorruptedException e = assertThrows(JournalCorruptedException.class, () -> pollAll(cursor, 1));
        assertTrue(e.getMessage().contains("sequence 2500"), e.getMessage());
      }
    }
  }
}
