package dev.faultline.state.journal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.ConfigurationException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Appending, reading, reopening, segments, locking, retention and truncation on the real file system. */
class JournalTest {
  @TempDir Path dir;

  static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  static List<String> readAll(Journal journal, long from) {
    List<String> out = new ArrayList<>();
    try (JournalCursor cursor = journal.read(from)) {
      while (cursor.hasNext()) {
        out.add(cursor.next().payloadUtf8());
      }
    }
    return out;
  }

  @Test
  void appendsGetConsecutiveSequencesAndSurviveReopen() {
    try (Journal journal = Journal.open(dir)) {
      assertEquals(1, journal.firstSequence());
      assertEquals(0, journal.lastSequence());
      assertEquals(1, journal.append(bytes("a")));
      assertEquals(2, journal.append(bytes("b")));
      assertEquals(3, journal.append(new byte[0]));
      assertEquals(3, journal.durableSequence());
      assertEquals(0, journal.unforcedRecords());
      assertEquals(List.of("a", "b", ""), readAll(journal, 1));
    }
    try (Journal journal = Journal.open(dir)) {
      assertTrue(journal.openReport().clean(), journal.openReport().describe());
      assertEquals(3, journal.lastSequence());
      assertEquals(4, journal.append(bytes("d")));
      assertEquals(List.of("b", "", "d"), readAll(journal, 2));
    }
  }

  @Test
  void segmentsAreNamedByTheirFirstSequenceAndReadAcross() throws Exception {
    try (Journal journal = Journal.builder(dir).segmentSize(1024).open()) {
      for (int i = 1; i <= 200; i++) {
        assertEquals(i, journal.append(bytes("record-" + i)));
      }
      List<String> names;
      try (Stream<Path> files = Files.list(dir)) {
        names = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".journal")).sorted()
            .collect(Collectors.toList());
      }
      assertTrue(names.size() > 5, names.toString());
      assertEquals("00000000000000000001.journal", names.get(0));
      for (String name : names) {
        assertTrue(Files.size(dir.resolve(name)) <= 1024, name);
      }
      assertEquals(200, readAll(journal, 1).size());
      assertEquals("record-150", readAll(journal, 150).get(0));
    }
    VerifyReport report = Journal.verify(dir);
    assertTrue(report.clean());
    assertEquals(200, report.records());
    assertEquals(1, report.firstSequence());
    assertEquals(200, report.lastSequence());
    for (int i = 1; i < report.segments().size(); i++) {
      assertEquals(report.segments().get(i - 1).lastSequence() + 1, report.segments().get(i).firstSequence());
    }
  }

  @Test
  void readsFromAnySequenceThroughTheSparseIndex() {
    byte[] payload = new byte[1000];
    try (Journal journal = Journal.open(dir)) {
      for (int i = 1; i <= 500; i++) {
        payload[0] = (byte) i;
        journal.append(payload);
      }
    }
    try (Journal journal = Journal.open(dir)) {
      for (long from : new long[] {1, 63, 64, 65, 200, 499, 500, 501}) {
        try (JournalCursor cursor = journal.read(from)) {
          if (from == 501) {
            assertFalse(cursor.hasNext());
          } else {
            JournalRecord record = cursor.next();
            assertEquals(from, record.sequence());
            assertEquals((byte) from, record.payload()[0]);
          }
        }
      }
      JournalException below = assertThrows(JournalException.class, () -> journal.read(0));
      assertEquals("sequence-out-of-range", below.code());
      assertThrows(JournalException.class, () -> journal.read(502));
    }
  }

  @Test
  void aSecondOpenOfTheSameDirectoryGetsAClearError() {
    try (Journal journal = Journal.open(dir)) {
      journal.append(bytes("x"));
      JournalException locked = assertThrows(JournalException.class, () -> Journal.open(dir));
      assertEquals("journal-locked", locked.code());
      assertTrue(locked.getMessage().contains(dir.toString()), locked.getMessage());
      assertEquals("journal-locked", assertThrows(JournalException.class, () -> Journal.repair(dir)).code());
    }
    try (Journal journal = Journal.open(dir)) {
      assertEquals(1, journal.lastSequence());
    }
  }

  @Test
  void retentionDeletesWholeSegmentsBelowASequenceOnly() {
    try (Journal journal = Journal.builder(dir).segmentSize(1024).open()) {
      for (int i = 1; i <= 100; i++) {
        journal.append(bytes("record-" + i));
      }
      VerifyReport before = Journal.verify(dir);
      SegmentSummary second = before.segments().get(1);
      long removed = journal.deleteBelow(second.firstSequence() + 1);
      assertEquals(second.firstSequence() - 1, removed);
      assertEquals(second.firstSequence(), journal.firstSequence());
      assertEquals(0, journal.deleteBelow(second.firstSequence()));
      assertEquals("sequence-out-of-range", assertThrows(JournalException.class, () -> journal.read(1)).code());
      assertEquals("record-" + second.firstSequence(), readAll(journal, journal.firstSequence()).get(0));
      journal.deleteBelow(Long.MAX_VALUE);
      assertEquals(1, Journal.verify(dir).segments().size(), "the segment being appended is never deleted");
      assertEquals(101, journal.append(bytes("after")));
    }
    try (Journal journal = Journal.open(dir)) {
      assertEquals(101, journal.lastSequence());
    }
  }

  @Test
  void truncateAfterCutsLaterRecordsDurablyAndReusesTheirSequences() {
    try (Journal journal = Journal.builder(dir).segmentSize(1024).open()) {
      for (int i = 1; i <= 100; i++) {
        journal.append(bytes("record-" + i));
      }
      JournalCursor stale = journal.read(1);
      assertEquals(60, journal.truncateAfter(40));
      assertEquals(40, journal.lastSequence());
      assertEquals("cursor-invalidated", assertThrows(JournalException.class, stale::hasNext).code());
      stale.close();
      assertEquals(41, journal.append(bytes("new-41")));
      assertEquals(0, journal.truncateAfter(41));
    }
    try (Journal journal = Journal.open(dir)) {
      assertTrue(journal.openReport().clean());
      List<String> all = readAll(journal, 1);
      assertEquals(41, all.size());
      assertEquals("record-40", all.get(39));
      assertEquals("new-41", all.get(40));
      assertEquals(41, journal.truncateAfter(0));
      assertEquals(0, journal.lastSequence());
      assertEquals(1, journal.append(bytes("again")));
    }
    assertEquals(1, Journal.verify(dir).records());
  }

  @Test
  void aTailingCursorWaitsForTheNextCommittedRecord() throws Exception {
    try (Journal journal = Journal.open(dir)) {
      journal.append(bytes("first"));
      CountDownLatch waiting = new CountDownLatch(1);
      CompletableFuture<List<String>> tail = CompletableFuture.supplyAsync(() -> {
        List<String> seen = new ArrayList<>();
        try (JournalCursor cursor = journal.read(1)) {
          seen.add(cursor.awaitNext().payloadUtf8());
          waiting.countDown();
          seen.add(cursor.awaitNext().payloadUtf8());
          seen.add(cursor.awaitNext().payloadUtf8());
        } catch (InterruptedException e) {
          throw new AssertionError(e);
        }
        return seen;
      });
      assertTrue(waiting.await(30, TimeUnit.SECONDS));
      journal.append(bytes("second"));
      journal.append(bytes("third"));
      assertEquals(List.of("first", "second", "third"), tail.get(30, TimeUnit.SECONDS));
    }
  }

  @Test
  void closingWakesATailerWithAClearError() throws Exception {
    Journal journal = Journal.open(dir);
    CountDownLatch started = new CountDownLatch(1);
    CompletableFuture<Throwable> tail = CompletableFuture.supplyAsync(() -> {
      try (JournalCursor cursor = journal.read(1)) {
        started.countDown();
        cursor.awaitNext();
        return null;
      } catch (Throwable t) {
        return t;
      }
    });
    assertTrue(started.await(30, TimeUnit.SECONDS));
    journal.close();
    Throwable error = tail.get(30, TimeUnit.SECONDS);
    assertTrue(error instanceof JournalException, String.valueOf(error));
    assertEquals("journal-closed", ((JournalException) error).code());
    assertEquals("journal-closed", assertThrows(JournalException.class, () -> journal.append(bytes("x"))).code());
    journal.close();
  }

  @Test
  void oversizedRecordsAndBadSettingsAreRefusedByName() {
    try (Journal journal = Journal.builder(dir).maxRecordSize(10).open()) {
      JournalException tooLarge = assertThrows(JournalException.class, () -> journal.append(new byte[11]));
      assertEquals("record-too-large", tooLarge.code());
      assertEquals(1, journal.append(new byte[10]));
    }
    ConfigurationException size = assertThrows(ConfigurationException.class,
        () -> Journal.builder(dir).segmentSize(100).open());
    assertEquals("segmentSize", size.field());
    assertEquals("asyncForceInterval", assertThrows(ConfigurationException.class,
        () -> Journal.builder(dir).asyncForceInterval(java.time.Duration.ZERO).open()).field());
    assertEquals("asyncMaxUnforcedRecords", assertThrows(ConfigurationException.class,
        () -> Journal.builder(dir).asyncMaxUnforcedRecords(0).open()).field());
    assertEquals("yieldBeforePark", assertThrows(ConfigurationException.class,
        () -> Journal.builder(dir).yieldBeforePark(java.time.Duration.ofNanos(-1)).open()).field());
    assertEquals("yieldBeforePark", assertThrows(ConfigurationException.class,
        () -> Journal.builder(dir).yieldBeforePark(java.time.Duration.ofMillis(1001)).open()).field());
    assertEquals("yieldBeforePark", assertThrows(ConfigurationException.class,
        () -> Journal.builder(dir).yieldBeforePark(null).open()).field());
  }

  @Test
  void aForceIntervalTooLongForTheSchedulerIsRefusedByNameBeforeAnythingIsCreated() {
    // The timer takes nanoseconds in a long: about 292 years at most.
    java.time.Duration forever = java.time.Duration.ofSeconds(Long.MAX_VALUE);
    Path fresh = dir.resolve("fresh");
    ConfigurationException refused = assertThrows(ConfigurationException.class,
        () -> Journal.builder(fresh).durability(Durability.ASYNC).asyncForceInterval(forever).open());
    assertEquals("asyncForceInterval", refused.field());
    assertFalse(Files.exists(fresh), "a refused setting creates nothing");
    assertEquals("asyncForceInterval", assertThrows(ConfigurationException.class,
        () -> Journal.builder(fresh).asyncForceInterval(forever).open()).field(), "commitLater's timer in SYNC");
  }

  @Test
  void largeRecordsLargerThanASegmentGetASegmentOfTheirOwn() {
    byte[] big = new byte[5000];
    big[4999] = 42;
    try (Journal journal = Journal.builder(dir).segmentSize(1024).open()) {
      journal.append(bytes("small"));
      journal.append(big);
      journal.append(bytes("after"));
      try (JournalCursor cursor = journal.read(2)) {
        assertArrayEquals(big, cursor.next().payload());
        assertEquals("after", cursor.next().payloadUtf8());
      }
    }
    assertTrue(Journal.verify(dir).clean());
  }

  @Test
  void aReadOnlyCursorNeedsNoLockChangesNothingAndStopsBeforeDamage() throws Exception {
    try (Journal journal = Journal.builder(dir).segmentSize(1024).open()) {
      for (int i = 1; i <= 100; i++) {
        journal.append(bytes("record-" + i));
      }
      try (JournalCursor cursor = Journal.readOnly(dir, 50)) {
        List<String> seen = new ArrayList<>();
        cursor.forEachRemaining(r -> seen.add(r.payloadUtf8()));
        assertEquals(51, seen.size());
        assertEquals("record-50", seen.get(0));
        assertEquals("journal-closed", assertThrows(JournalException.class, cursor::awaitNext).code());
      }
    }
    Path last = Journal.verify(dir).segments().get(Journal.verify(dir).segments().size() - 1).file();
    Files.write(last, new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
    byte[] damaged = Files.readAllBytes(last);
    try (JournalCursor cursor = Journal.readOnly(dir, 1)) {
      long count = 0;
      while (cursor.hasNext()) {
        assertEquals(++count, cursor.next().sequence());
      }
      assertEquals(100, count);
    }
    assertArrayEquals(damaged, Files.readAllBytes(last));
    assertEquals("sequence-out-of-range",
        assertThrows(JournalException.class, () -> Journal.readOnly(dir, 102)).code());
  }

  @Test
  void verifyOfAMissingDirectoryNamesIt() {
    JournalException missing = assertThrows(JournalException.class, () -> Journal.verify(dir.resolve("nope")));
    assertEquals("journal-io", missing.code());
    assertTrue(missing.getMessage().contains("nope"));
  }
}
