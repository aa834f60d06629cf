package dev.faultline.state.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.state.io.StorageIo;
import dev.faultline.state.testing.FaultInjectingStorage;
import dev.faultline.state.testing.SimulatedStorage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Injected I/O faults (ENOSPC and EIO on write, on force, on the directory force of a new segment): the journal
 * stops (fail-stop) with that error, never retries a force, and keeps what was durable readable.
 */
class FaultInjectionTest {
  @TempDir Path dir;

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static List<String> readAll(Journal journal) {
    return JournalTest.readAll(journal, journal.firstSequence());
  }

  private static List<String> expected(int count) {
    List<String> out = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      out.add("record-" + i);
    }
    return out;
  }

  private FaultInjectingStorage faulty() {
    return new FaultInjectingStorage(StorageIo.system()).affecting(p -> p.toString().endsWith(".journal"));
  }

  private static void assertFailedWith(String message, Throwable thrown) {
    assertTrue(thrown instanceof JournalException, String.valueOf(thrown));
    assertEquals("journal-failed", ((JournalException) thrown).code());
    assertEquals(message, thrown.getCause().getMessage());
  }

  @ParameterizedTest(name = "{0} on write")
  @ValueSource(strings = {"No space left on device", "Input/output error"})
  void aFailedWriteStopsTheJournalAndKeepsWhatWasDurable(String message) {
    FaultInjectingStorage storage = faulty();
    Journal journal = Journal.builder(dir).storage(storage).open();
    for (int i = 1; i <= 10; i++) {
      journal.append(bytes("record-" + i));
    }
    storage.failWritesAfter(20, new IOException(message));
    assertFailedWith(message, assertThrows(JournalException.class, () -> journal.append(bytes("x".repeat(50)))));
    storage.heal();
    assertFailedWith(message, assertThrows(JournalException.class, () -> journal.append(bytes("later"))));
    assertEquals(message, journal.failure().orElseThrow().getCause().getMessage());
    assertTrue(journal.failure().orElseThrow().getMessage().contains("records up to sequence 10 are durable"),
        journal.failure().orElseThrow().getMessage());
    assertEquals(expected(10), readAll(journal), "what was durable stays readable");
    journal.close();

    try (Journal reopened = Journal.open(dir)) {
      JournalDamage cut = reopened.openReport().truncatedTail().orElseThrow();
      assertEquals(20, cut.droppedBytes(), "the partial write is cut off");
      assertEquals(expected(10), readAll(reopened));
      assertEquals(11, reopened.append(bytes("record-11")));
    }
  }

  @ParameterizedTest(name = "{0} on force")
  @ValueSource(strings = {"Input/output error", "No space left on device"})
  void aFailedForceStopsTheJournalAndIsNeverRetried(String message) {
    FaultInjectingStorage storage = faulty();
    Journal journal = Journal.builder(dir).storage(storage).open();
    for (int i = 1; i <= 10; i++) {
      journal.append(bytes("record-" + i));
    }
    long forcesBefore = journal.forces();
    storage.failForces(new IOException(message));
    assertFailedWith(message, assertThrows(JournalException.class, () -> journal.append(bytes("record-11"))));
    assertEquals(1, storage.failedForces());
    storage.heal();
    assertFailedWith(message, assertThrows(JournalException.class, () -> journal.append(bytes("record-12"))));
    assertFailedWith(message, assertThrows(JournalException.class, journal::force));
    assertEquals(1, storage.failedForces(), "no second force after a failed one");
    assertEquals(forcesBefore, journal.forces());
    assertEquals(10, journal.durableSequence());
    assertEquals(expected(10), readAll(journal), "records never forced are not shown in SYNC mode");
    journal.close();
    try (Journal reopened = Journal.open(dir)) {
      assertEquals(expected(10), readAll(reopened).subList(0, 10));
    }
  }

  @Test
  void everyWaitingAppenderSeesTheForceFailure() throws Exception {
    SimulatedStorage disk = new SimulatedStorage();
    // Segments only: the failed force's marker (force-failed) is forced too, and may fail without consequence.
    FaultInjectingStorage storage = new FaultInjectingStorage(disk).affecting(p -> p.toString().endsWith(".journal"));
    Path journalDir = Path.of("/sim/journal");
    Journal journal = Journal.builder(journalDir).storage(storage).open();
    journal.append(bytes("record-1"));
    storage.failForces(FaultInjectingStorage.ioError());
    int threads = 8;
    CyclicBarrier start = new CyclicBarrier(threads);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Throwable>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        results.add(pool.submit(() -> {
          start.await();
          try {
            journal.append(bytes("from-" + id));
            return null;
          } catch (JournalException e) {
            return e;
          }
        }));
      }
      for (Future<Throwable> result : results) {
        assertFailedWith("Input/output error", result.get(30, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(1, storage.failedForces());
    assertEquals(List.of("record-1"), readAll(journal));
    journal.close();
  }

  /** Regression: a frame drained just before a failed segment roll was never finished, and its appender hung. */
  @Test
  @Timeout(60)
  void aFailedDirectoryForceWhileStartingASegmentStopsTheJournal() {
    FaultInjectingStorage storage = faulty();
    Journal journal = Journal.builder(dir).storage(storage).segmentSize(1024).open();
    int appended = 0;
    while (Journal.verify(dir).segments().size() == 1) {
      appended++;
      journal.append(bytes("record-" + appended));
    }
    Supplier<Integer> segments = () -> Journal.verify(dir).segments().size();
    int before = segments.get();
    storage.failDirectoryForces(FaultInjectingStorage.ioError());
    JournalException error = null;
    for (int i = 0; i < 100 && error == null; i++) {
      try {
        appended++;
        journal.append(bytes("record-" + appended));
      } catch (JournalException e) {
        error = e;
        appended--;
      }
    }
    assertFailedWith("Input/output error", error);
    assertTrue(error.getMessage().contains("creating segment"), error.getMessage());
    assertEquals(expected(appended), readAll(journal));
    journal.close();
    try (Journal reopened = Journal.open(dir)) {
      assertEquals(expected(appended), readAll(reopened));
      assertTrue(segments.get() >= before);
    }
  }
}
