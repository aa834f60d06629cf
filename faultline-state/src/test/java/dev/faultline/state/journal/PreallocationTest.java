package dev.faultline.state.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.state.io.StorageChannel;
import dev.faultline.state.testing.ForwardingChannel;
import dev.faultline.state.testing.ForwardingStorage;
import dev.faultline.state.testing.SimulatedStorage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The zero-filled part a writer keeps ahead of its frames: present while the journal is open, cut off when a segment
 * is rolled or the journal closed, and after a crash read as the end of the data (never as damage, never losing a
 * durable record), in the last segment and in earlier ones whose cut a crash undid; a torn write into it is still cut
 * off and reported, its trailing zeros not counted as dropped; a disk without room for the zeros still takes records.
 */
class PreallocationTest {
  private static final Path SIM = Path.of("/sim/prealloc");

  @TempDir Path dir;

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static Map<Long, String> readAll(Journal journal) {
    Map<Long, String> out = new TreeMap<>();
    try (JournalCursor cursor = journal.read(journal.firstSequence())) {
      cursor.forEachRemaining(r -> out.put(r.sequence(), r.payloadUtf8()));
    }
    return out;
  }

  @Test
  void anOpenSegmentIsZeroFilledAheadAndClosingCutsTheZerosOff() throws IOException {
    Path segment = dir.resolve(Format.segmentName(1));
    long end = Format.HEADER_SIZE;
    try (Journal journal = Journal.open(dir)) {
      for (int i = 1; i <= 100; i++) {
        journal.append(bytes("record-" + i));
        end += Format.FRAME_HEADER_SIZE + bytes("record-" + i).length;
      }
      assertTrue(Files.size(segment) >= end + SegmentedJournal.PREALLOCATION / 2,
          "zero-filled ahead: " + Files.size(segment) + " bytes for " + end + " of frames");
      VerifyReport live = Journal.verify(dir);
      assertTrue(live.damage().isEmpty(), String.valueOf(live.damage()));
      assertEquals(100, live.records());
      assertEquals(end, live.segments().get(0).validBytes());
    }
    assertEquals(end, Files.size(segment), "closing cuts the zeros off");
  }

  @Test
  void rollingCutsTheZerosOffTheSealedSegment() {
    SimulatedStorage disk = new SimulatedStorage();
    try (Journal journal = Journal.builder(SIM).storage(disk).segmentSize(8 * 1024).open()) {
      for (int i = 1; i <= 1000; i++) {
        journal.append(bytes("record-" + i));
      }
      List<SegmentSummary> segments = Journal.verify(SIM, disk).segments();
      assertTrue(segments.size() > 2);
      for (SegmentSummary sealed : segments.subList(0, segments.size() - 1)) {
        assertEquals(sealed.validBytes(), sealed.fileBytes(), sealed.file().toString());
      }
      SegmentSummary active = segments.get(segments.size() - 1);
      assertTrue(active.fileBytes() > active.validBytes(), "the active segment is zero-filled ahead");
    }
  }

  @Test
  void afterACrashTheZerosEndTheDataInEverySegmentAndEveryDurableRecordIsThere() {
    SimulatedStorage disk = new SimulatedStorage();
    long appended = 0;
    for (int round = 0; round < 5; round++) {
      try {
        Journal journal = Journal.builder(SIM).storage(disk).segmentSize(8 * 1024).open();
        assertTrue(journal.openReport().clean(), "round " + round + ": " + journal.openReport().describe());
        assertEquals(appended, journal.lastSequence());
        Map<Long, String> found = readAll(journal);
        for (long s = 1; s <= appended; s++) {
          assertEquals("record-" + s, found.get(s), "round " + round + " sequence " + s);
        }
        for (int i = 0; i < 700; i++) {
          appended++;
          assertEquals(appended, journal.append(bytes("record-" + appended)));
        }
      } finally {
        // Every append was forced, the cuts of rolled segments were not: the crash keeps their zeros.
        disk.crash();
      }
    }
    List<SegmentSummary> segments = Journal.verify(SIM, disk).segments();
    assertTrue(segments.stream().filter(s -> s.fileBytes() > s.validBytes()).count() > 1,
        "earlier segments kept their zero-filled tails: " + segments);
    try (Journal journal = Journal.builder(SIM).storage(disk).segmentSize(8 * 1024).open()) {
      assertTrue(journal.openReport().clean(), journal.openReport().describe());
      assertEquals(appended, readAll(journal).size());
    }
  }

  /** A disk with no room for zero-filling: every write of zeros only, 1 KiB or more, fails with ENOSPC. */
  static final class NoRoomForZeros extends ForwardingStorage {
    final AtomicInteger refused = new AtomicInteger();

    @Override
    public StorageChannel open(Path file, OpenMode mode) throws IOException {
      return new ForwardingChannel(delegate.open(file, mode)) {
        @Override
        public int write(ByteBuffer source, long position) throws IOException {
          if (source.remaining() >= 1024) {
            ByteBuffer copy = source.duplicate();
            boolean zeros = true;
            while (copy.hasRemaining() && zeros) {
              zeros = copy.get() == 0;
            }
            if (zeros) {
              refused.incrementAndGet();
              throw new IOException("No space left on device");
            }
          }
          return channel.write(source, position);
        }
      };
    }
  }

  @Test
  void aDiskWithNoRoomToZeroFillStillTakesRecords() {
    NoRoomForZeros storage = new NoRoomForZeros();
    try (Journal journal = Journal.builder(SIM).storage(storage).segmentSize(8 * 1024).open()) {
      for (int i = 1; i <= 2000; i++) {
        assertEquals(i, journal.append(bytes("record-" + i)));
      }
      assertTrue(journal.failure().isEmpty());
      assertTrue(storage.refused.get() > 1, "zero-filling was tried again in later segments");
      assertEquals(2000, readAll(journal).size());
    }
    try (Journal journal = Journal.builder(SIM).storage(storage).open()) {
      assertTrue(journal.openReport().clean(), journal.openReport().describe());
      assertEquals(2000, journal.lastSequence());
    }
  }

  @Test
  void aTornWriteIntoTheZerosIsCutOffAndReportedWithoutTheZeros() {
    Random random = new Random(11);
    SimulatedStorage disk = new SimulatedStorage();
    Map<Long, String> acknowledged = new TreeMap<>();
    int torn = 0;
    for (int round = 0; round < 100; round++) {
      // Small segments: the zero-filled part is short, so that a crash often tears a frame written into it.
      Journal journal = Journal.builder(SIM).storage(disk).segmentSize(2048).open();
      if (journal.openReport().truncatedTail().isPresent()) {
        JournalDamage cut = journal.openReport().truncatedTail().get();
        assertEquals(JournalDamage.Kind.TORN_TAIL, cut.kind());
        // At most the three unacknowledged frames of up to 105 bytes each, not the zeros after them.
        assertTrue(cut.droppedBytes() > 0 && cut.droppedBytes() < 3 * 106, "only torn frames: " + cut.describe());
        torn++;
      }
      Map<Long, String> found = readAll(journal);
      for (Map.Entry<Long, String> acked : acknowledged.entrySet()) {
        assertEquals(acked.getValue(), found.get(acked.getKey()), "round " + round + " sequence " + acked.getKey());
      }
      List<Long> sequences = new ArrayList<>(found.keySet());
      for (int i = 0; i < sequences.size(); i++) {
        assertEquals(i + 1, sequences.get(i), "no gap");
      }
      acknowledged.putAll(found);
      for (int i = random.nextInt(10); i > 0; i--) {
        String payload = "r" + round + "-" + i + "-" + "p".repeat(random.nextInt(60));
        acknowledged.put(journal.append(bytes(payload)), payload);
      }
      for (int i = 1 + random.nextInt(3); i > 0; i--) {
        journal.write(bytes("unacknowledged-" + round + "-" + i + "-" + "q".repeat(random.nextInt(60))));
      }
      disk.crash(random);
    }
    assertTrue(torn > 0, "the crashes tore writes into the zero-filled part");
  }
}
