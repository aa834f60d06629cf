package dev.faultline.diagnosis.incident;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.event.IncidentEvent;
import dev.faultline.core.testing.EventRecorder;
import dev.faultline.core.testing.FakeClock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issues: grouping, status transitions, events, persistence and its corruption checks, concurrency. */
class IssueTrackerTest {
  @TempDir
  Path dir;

  private final FakeClock clock = new FakeClock();

  @Test
  void groupsByFingerprintAndTracksStatus() {
    EventRecorder events = new EventRecorder();
    IssueTracker tracker = IssueTracker.inMemory(List.of(events));
    Issue first = tracker.record(Incidents.incident(clock, "load", "order 1"));
    assertEquals(IssueStatus.NEW, first.status());
    assertEquals(1, first.count());
    clock.advance(Duration.ofMinutes(1));
    Issue second = tracker.record(Incidents.incident(clock, "load", "order 2"));
    assertEquals(first.fingerprint(), second.fingerprint());
    assertEquals(IssueStatus.ONGOING, second.status());
    assertEquals(2, second.count());
    assertEquals(Instant.parse("2026-01-01T00:00:00Z"), second.firstSeen());
    assertEquals(Instant.parse("2026-01-01T00:01:00Z"), second.lastSeen());
    assertEquals("order 2", second.message());

    Issue other = tracker.record(Incidents.incident(clock, "save", "x"));
    assertNotEquals(first.fingerprint(), other.fingerprint());
    assertEquals(IssueStatus.NEW, other.status());

    assertEquals(IssueStatus.RESOLVED, tracker.resolve(first.fingerprint()).status());
    assertEquals(IssueStatus.RESOLVED, tracker.issue(first.fingerprint()).orElseThrow().status());
    clock.advance(Duration.ofMinutes(1));
    Issue regressed = tracker.record(Incidents.incident(clock, "load", "order 3"));
    assertEquals(IssueStatus.REGRESSED, regressed.status());
    assertEquals(3, regressed.count());
    assertEquals(IssueStatus.ONGOING, tracker.record(Incidents.incident(clock, "load", "4")).status());

    assertEquals(List.of(first.fingerprint(), other.fingerprint()),
        tracker.issues().stream().map(Issue::fingerprint).toList());
    List<IncidentEvent.IncidentReported> reported = events.events(IncidentEvent.IncidentReported.class);
    assertEquals(5, reported.size());
    IncidentEvent.IncidentReported e = reported.get(0);
    assertEquals("orders", e.source());
    assertEquals(first.fingerprint(), e.fingerprint());
    assertEquals("java.lang.IllegalStateException", e.type());
    assertEquals("order 1", e.message());
    assertEquals(Instant.parse("2026-01-01T00:00:00Z"), e.time());
  }

  @Test
  void anIncidentArrivingLateDoesNotReplaceTheLatestOnesMessage() {
    IssueTracker tracker = IssueTracker.inMemory(List.of());
    Incident earlier = Incidents.incident(clock, "load", "order 1");
    clock.advance(Duration.ofMinutes(1));
    Incident later = Incidents.incident(clock, "load", "order 2");
    tracker.record(later);
    Issue issue = tracker.record(earlier); // reported by a slower thread
    assertEquals(2, issue.count());
    assertEquals(Instant.parse("2026-01-01T00:00:00Z"), issue.firstSeen());
    assertEquals(Instant.parse("2026-01-01T00:01:00Z"), issue.lastSeen());
    assertEquals("order 2", issue.message(), "the message of the latest incident, the one seen last");
  }

  @Test
  void unknownFingerprintCannotBeResolved() {
    IssueTracker tracker = IssueTracker.inMemory(List.of());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> tracker.resolve("abc")).getMessage()
        .contains("\"abc\""));
    assertFalse(tracker.issue("abc").isPresent());
  }

  @Test
  void aThrowingListenerLosesOnlyItsEvent() {
    EventRecorder events = new EventRecorder();
    IssueTracker tracker = IssueTracker.inMemory(List.of(e -> {
      throw new IllegalStateException("listener bug");
    }, events));
    assertEquals(1, tracker.record(Incidents.incident(clock, "load", "m")).count());
    assertEquals(1, events.events().size());
  }

  @Test
  void persistsAndReloads() throws IOException {
    IssueTracker tracker = IssueTracker.open(dir, List.of());
    Issue a = tracker.record(Incidents.incident(clock, "load", "tab\there\nnewline \\ back"));
    tracker.record(Incidents.incident(clock, "load", "again"));
    Issue b = tracker.record(Incidents.incident(clock, "save", null));
    tracker.resolve(b.fingerprint());
    IssueTracker reopened = IssueTracker.open(dir, List.of());
    assertEquals(tracker.issues(), reopened.issues());
    assertEquals(2, reopened.issue(a.fingerprint()).orElseThrow().count());
    assertEquals(IssueStatus.REGRESSED,
        reopened.record(Incidents.incident(clock, "save", "back")).status());
    assertFalse(Files.exists(dir.resolve("issues.txt.tmp")), "temporary file renamed away");
    List<String> lines = Files.readAllLines(dir.resolve("issues.txt"));
    assertEquals("faultline-issues 1", lines.get(0));
    assertEquals("end 2", lines.get(lines.size() - 1));
  }

  @Test
  void emptyDirectoryOpensEmpty() throws IOException {
    assertEquals(List.of(), IssueTracker.open(dir.resolve("new"), List.of()).issues());
  }

  private IssueStoreException corrupt(String content) throws IOException {
    Files.writeString(dir.resolve("issues.txt"), content, StandardCharsets.UTF_8);
    return assertThrows(IssueStoreException.class, () -> IssueTracker.open(dir, List.of()));
  }

  @Test
  void corruptionIsReportedWithFileAndLine() throws IOException {
    IssueTracker tracker = IssueTracker.open(dir, List.of());
    tracker.record(Incidents.incident(clock, "load", "a"));
    tracker.record(Incidents.incident(clock, "save", "b"));
    String good = Files.readString(dir.resolve("issues.txt"));
    String[] lines = good.split("\n", -1);
    Path file = dir.resolve("issues.txt");

    IssueStoreException flipped = corrupt(good.replace("IllegalStateException\t=b", "IllegalStateException\t=c"));
    assertEquals(file, flipped.file());
    assertEquals(3, flipped.line());
    assertTrue(flipped.getMessage().startsWith(file + ":3: checksum mismatch"), flipped.getMessage());
    assertEquals("issue-store-corrupt", flipped.code());

    assertEquals(1, corrupt("").line());
    assertTrue(corrupt("faultline-issues 2\nend 0\n").getMessage().contains("unsupported format version \"2\""));
    assertTrue(corrupt("hello\n").getMessage().contains("not an issue store"));
    IssueStoreException truncated = corrupt(lines[0] + "\n" + lines[1] + "\n");
    assertTrue(truncated.getMessage().contains("missing trailer"), truncated.getMessage());
    IssueStoreException torn = corrupt(lines[0] + "\n" + lines[1] + "\n" + lines[2].substring(0, 20));
    assertEquals(3, torn.line());
    IssueStoreException count = corrupt(lines[0] + "\n" + lines[1] + "\nend 2\n");
    assertEquals(3, count.line());
    assertTrue(count.getMessage().contains("declares 2 issues but 1 were read"));
    assertEquals(5, corrupt(good + "junk").line());
    String noTab = lines[1].replaceFirst("\t", " ");
    assertTrue(corrupt(lines[0] + "\n" + noTab + "\nend 1\n").getMessage().contains("8-digit checksum"));
    String payload = "fp\tBROKEN\t1\t2026-01-01T00:00:00Z\t2026-01-01T00:00:00Z\tc\tt\t-";
    IssueStoreException status = corrupt(lines[0] + "\n" + IssueStore.crc(payload) + "\t" + payload + "\nend 1\n");
    assertEquals(2, status.line());
    assertTrue(status.getMessage().contains("invalid field"), status.getMessage());
    String zero = "fp\tNEW\t0\t2026-01-01T00:00:00Z\t2026-01-01T00:00:00Z\tc\tt\t-";
    assertTrue(corrupt(lines[0] + "\n" + IssueStore.crc(zero) + "\t" + zero + "\nend 1\n").getMessage()
        .contains("count must be at least 1"));
    String fields = "fp\tNEW\t1";
    assertTrue(corrupt(lines[0] + "\n" + IssueStore.crc(fields) + "\t" + fields + "\nend 1\n").getMessage()
        .contains("expected 8 fields but found 3"));
    String escape = "fp\tNEW\t1\t2026-01-01T00:00:00Z\t2026-01-01T00:00:00Z\tc\tt\t=bad \\x";
    assertTrue(corrupt(lines[0] + "\n" + IssueStore.crc(escape) + "\t" + escape + "\nend 1\n").getMessage()
        .contains("invalid escape \\x"));
  }

  @Test
  void aFingerprintStoredTwiceIsReportedNotSilentlyMerged() throws IOException {
    String header = "faultline-issues 1\n";
    String first = "fp\tONGOING\t7\t2026-01-01T00:00:00Z\t2026-01-02T00:00:00Z\tc\tt\t=first";
    String second = "fp\tNEW\t1\t2026-01-03T00:00:00Z\t2026-01-03T00:00:00Z\tc\tt\t=second";
    IssueStoreException e = corrupt(header + IssueStore.crc(first) + "\t" + first + "\n"
        + IssueStore.crc(second) + "\t" + second + "\nend 2\n");
    assertEquals(3, e.line());
    assertTrue(e.getMessage().contains("duplicate fingerprint \"fp\""), e.getMessage());
  }

  @Test
  void concurrentRecordsAreAllCounted() throws Exception {
    IssueTracker tracker = IssueTracker.open(dir, List.of());
    int threads = 4;
    int perThread = 50;
    CyclicBarrier start = new CyclicBarrier(threads);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        String method = t % 2 == 0 ? "load" : "save";
        futures.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < perThread; i++) {
            tracker.record(Incidents.incident(clock, method, "m" + i));
          }
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    List<Issue> issues = tracker.issues();
    assertEquals(2, issues.size());
    for (Issue issue : issues) {
      assertEquals(threads / 2 * perThread, issue.count());
    }
    assertEquals(issues, IssueTracker.open(dir, List.of()).issues(), "the last write holds every record");
  }
}
