package dev.faultline.state.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.event.StateEvent;
import dev.faultline.core.testing.EventRecorder;
import dev.faultline.core.testing.FakeClock;
import dev.faultline.state.testing.SimulatedStorage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Power loss simulated with {@link SimulatedStorage}: every append that returned in SYNC mode survives, whatever was
 * torn is cut off and reported; in ASYNC mode the loss is bounded by the window and reported as possible data loss.
 */
class CrashTest {
  private static final Path DIR = Path.of("/sim/journal");
  private static final boolean HEAVY = Boolean.getBoolean("faultline.heavy");

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static Map<Long, String> readAll(Journal journal) {
    Map<Long, String> out = new java.util.TreeMap<>();
    try (JournalCursor cursor = journal.read(journal.firstSequence())) {
      cursor.forEachRemaining(r -> out.put(r.sequence(), r.payloadUtf8()));
    }
    return out;
  }

  @Test
  void syncAppendsSurviveEveryCrashAndTornWritesAreCutOff() {
    Random random = new Random(7);
    SimulatedStorage disk = new SimulatedStorage();
    Map<Long, String> acknowledged = new java.util.TreeMap<>();
    int tornTails = 0;
    int rounds = HEAVY ? 2000 : 200;
    for (int round = 0; round < rounds; round++) {
      Journal journal = Journal.builder(DIR).storage(disk).segmentSize(1024).open();
      tornTails += journal.openReport().truncatedTail().isPresent() ? 1 : 0;
      Map<Long, String> found = readAll(journal);
      for (Map.Entry<Long, String> acked : acknowledged.entrySet()) {
        assertEquals(acked.getValue(), found.get(acked.getKey()), "round " + round + " sequence " + acked.getKey());
      }
      acknowledged.putAll(found);
      int appends = random.nextInt(20);
      for (int i = 0; i < appends; i++) {
        String payload = "r" + round + "-" + i + "-" + "p".repeat(random.nextInt(40));
        acknowledged.put(journal.append(bytes(payload)), payload);
      }
      // Written but never waited for: a crash may keep none, part or all of these.
      for (int i = random.nextInt(4); i > 0; i--) {
        journal.write(bytes("unacknowledged-" + round + "-" + i));
      }
      disk.crash(random);
    }
    assertTrue(tornTails > 0, "the crashes produced torn tails to cut off");
  }

  @Test
  void concurrentSyncAppendersNeverLoseAnAcknowledgedRecordToAPowerLoss() throws Exception {
    Random random = new Random(11);
    SimulatedStorage disk = new SimulatedStorage();
    Map<Long, String> acknowledged = new ConcurrentHashMap<>();
    int rounds = HEAVY ? 200 : 25;
    int threads = 6;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      for (int round = 0; round < rounds; round++) {
        Journal journal = Journal.builder(DIR).storage(disk.session()).segmentSize(2048).open();
        Map<Long, String> found = readAll(journal);
        for (Map.Entry<Long, String> acked : acknowledged.entrySet()) {
          assertEquals(acked.getValue(), found.get(acked.getKey()), "round " + round + " sequence " + acked.getKey());
        }
        AtomicLong acks = new AtomicLong();
        long crashAfter = 1 + random.nextInt(150);
        CountDownLatch enough = new CountDownLatch(1);
        List<Future<?>> writers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          int id = t;
          int r = round;
          writers.add(pool.submit(() -> {
            for (int i = 0; ; i++) {
              String payload = r + ":" + id + ":" + i;
              long sequence;
              try {
                sequence = journal.append(bytes(payload));
              } catch (JournalException e) {
                return;
              }
              acknowledged.put(sequence, payload);
              if (acks.incrementAndGet() >= crashAfter) {
                enough.countDown();
              }
            }
          }));
        }
        assertTrue(enough.await(60, TimeUnit.SECONDS));
        disk.crash(random);
        for (Future<?> writer : writers) {
          writer.get(60, TimeUnit.SECONDS);
        }
      }
    } finally {
      pool.shutdownNow();
    }
    try (Journal journal = Journal.builder(DIR).storage(disk).open()) {
      Map<Long, String> found = readAll(journal);
      for (Map.Entry<Long, String> acked : acknowledged.entrySet()) {
        assertEquals(acked.getValue(), found.get(acked.getKey()), "sequence " + acked.getKey());
      }
    }
  }

  @Test
  void asyncLossIsBoundedByTheWindowAndReported() {
    Random random = new Random(3);
    int rounds = HEAVY ? 1000 : 100;
    for (int round = 0; round < rounds; round++) {
      SimulatedStorage disk = new SimulatedStorage();
      FakeClock clock = new FakeClock();
      long maxUnforced = 1 + random.nextInt(20);
      Journal journal = Journal.builder(DIR).storage(disk).durability(Durability.ASYNC).clock(clock)
          .scheduler(clock).asyncForceInterval(Duration.ofMillis(10)).asyncMaxUnforcedRecords(maxUnforced).open();
      long durableAtCrash = 0;
      int appends = random.nextInt(200);
      for (int i = 1; i <= appends; i++) {
        assertEquals(i, journal.append(bytes("record-" + i)));
        assertTrue(journal.unforcedRecords() < maxUnforced, "the window never exceeds its record bound");
        if (random.nextInt(10) == 0) {
          clock.advance(Duration.ofMillis(random.nextInt(15)));
          if (journal.unforcedRecords() == 0) {
            assertEquals(i, journal.durableSequence());
          }
        }
      }
      durableAtCrash = journal.durableSequence();
      long unforced = journal.unforcedRecords();
      assertEquals(appends - durableAtCrash, unforced);
      disk.crash();

      EventRecorder events = new EventRecorder();
      try (Journal reopened = Journal.builder(DIR).storage(disk).listener(events).open()) {
        long lost = appends - reopened.lastSequence();
        assertEquals(unforced, lost, "a power loss takes exactly the unforced records");
        assertTrue(lost < maxUnforced);
        assertEquals(durableAtCrash, reopened.lastSequence());
        Map<Long, String> found = readAll(reopened);
        for (long s = 1; s <= durableAtCrash; s++) {
          assertEquals("record-" + s, found.get(s));
        }
        OpenReport.AsyncWindowLoss loss = reopened.openReport().possibleLoss().orElseThrow();
        assertEquals(maxUnforced, loss.maxRecords());
        assertEquals(10, loss.windowMillis());
        StateEvent.DataLost event = events.events(StateEvent.DataLost.class).get(0);
        assertEquals(maxUnforced, event.records());
        assertTrue(event.reason().contains("ASYNC"), event.reason());
      }
      try (Journal again = Journal.builder(DIR).storage(disk).open()) {
        assertTrue(again.openReport().possibleLoss().isEmpty(), "reported once, and a SYNC session leaves no marker");
      }
    }
  }

  @Test
  void theAsyncTimerForcesEveryIntervalAndACleanCloseReportsNoLoss() {
    SimulatedStorage disk = new SimulatedStorage();
    FakeClock clock = new FakeClock();
    try (Journal journal = Journal.builder(DIR).storage(disk).durability(Durability.ASYNC).clock(clock)
        .scheduler(clock).asyncForceInterval(Duration.ofMillis(50)).open()) {
      journal.append(bytes("a"));
      journal.append(bytes("b"));
      assertEquals(2, journal.unforcedRecords());
      assertEquals(2, readAll(journal).size(), "ASYNC readers see written records");
      clock.advance(Duration.ofMillis(49));
      assertEquals(2, journal.unforcedRecords());
      clock.advance(Duration.ofMillis(1));
      assertEquals(0, journal.unforcedRecords());
      assertEquals(2, journal.durableSequence());
      journal.append(bytes("c"));
      clock.advance(Duration.ofMillis(50));
      assertEquals(3, journal.durableSequence());
    }
    disk.crash();
    try (Journal journal = Journal.builder(DIR).storage(disk).open()) {
      assertTrue(journal.openReport().clean(), journal.openReport().describe());
      assertEquals(3, journal.lastSequence());
    }
  }
}
