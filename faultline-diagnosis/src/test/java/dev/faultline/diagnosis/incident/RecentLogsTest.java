package dev.faultline.diagnosis.incident;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.ConfigurationException;
import dev.faultline.core.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;

/** Recent log lines per thread and per trace: bounded rings, idle and over-limit eviction, and what incidents get. */
class RecentLogsTest {

  static LogLine line(String message) {
    return new LogLine(1_700_000_000_000L, "INFO", "app.Orders", "worker-1", message);
  }

  static List<String> messages(List<LogLine> lines) {
    return lines.stream().map(LogLine::message).toList();
  }

  @Test
  void eachThreadKeepsItsLastLinesOldestFirst() {
    RecentLogs logs = RecentLogs.builder().linesPerThread(3).clock(new FakeClock()).build();
    for (int i = 1; i <= 5; i++) {
      logs.add(1, null, line("a" + i));
    }
    logs.add(2, null, line("b1"));
    assertEquals(List.of("a3", "a4", "a5"), messages(logs.threadLines(1)));
    assertEquals(List.of("b1"), messages(logs.threadLines(2)));
    assertEquals(List.of(), logs.threadLines(3));
    assertEquals(0, logs.traceCount(), "no trace id, no trace ring");
  }

  @Test
  void theTraceIsPreferredAndTheThreadIsTheFallback() {
    RecentLogs logs = RecentLogs.builder().clock(new FakeClock()).build();
    logs.add(1, "t1", line("handled t1 on thread 1"));
    logs.add(2, "t1", line("handled t1 on thread 2"));
    logs.add(1, null, line("no trace"));
    assertEquals(List.of("2023-11-14T22:13:20Z INFO [worker-1] app.Orders - handled t1 on thread 1",
        "2023-11-14T22:13:20Z INFO [worker-1] app.Orders - handled t1 on thread 2"), logs.recentLines("t1", 1));
    assertEquals(List.of("handled t1 on thread 1", "no trace"), messages(logs.threadLines(1)));
    assertEquals(2, logs.recentLines("unknown-trace", 1).size(), "an unknown trace falls back to the thread");
    assertEquals(2, logs.recentLines(null, 1).size());
  }

  @Test
  void longMessagesAreCutAndCounted() {
    RecentLogs logs = RecentLogs.builder().maxLineLength(16).clock(new FakeClock()).build();
    logs.add(1, null, line("x".repeat(100)));
    assertEquals("x".repeat(16) + "... [84 more characters]", logs.threadLines(1).get(0).message());
  }

  @Test
  void aCutNeverSplitsASurrogatePair() {
    RecentLogs logs = RecentLogs.builder().maxLineLength(16).clock(new FakeClock()).build();
    // The 16th and 17th chars are the two halves of one emoji: it goes whole into the cut part.
    logs.add(1, null, line("x".repeat(15) + "\uD83D\uDE00" + "y".repeat(10)));
    assertEquals("x".repeat(15) + "... [12 more characters]", logs.threadLines(1).get(0).message());
  }

  @Test
  void idleThreadsAndTracesAreDroppedWhenNewOnesAppear() {
    FakeClock clock = new FakeClock();
    RecentLogs logs = RecentLogs.builder().idleTimeout(Duration.ofMinutes(1)).clock(clock).build();
    for (int i = 0; i < 50; i++) {
      logs.add(i, "trace-" + i, line("m" + i));
    }
    clock.advance(Duration.ofSeconds(30));
    logs.add(7, "trace-7", line("still busy"));
    clock.advance(Duration.ofSeconds(31));
    assertEquals(50, logs.threadCount(), "nothing is dropped before a new ring appears");
    logs.add(1000, "trace-new", line("new"));
    assertEquals(2, logs.threadCount(), "the 49 idle threads were dropped: " + logs.threadCount());
    assertEquals(List.of("m7", "still busy"), messages(logs.threadLines(7)));
    assertEquals(2, logs.traceCount());
    assertEquals(List.of(), logs.traceLines("trace-3"));
    clock.advance(Duration.ofMinutes(2));
    logs.evictIdle();
    assertEquals(0, logs.threadCount());
    assertEquals(0, logs.traceCount());
  }

  @Test
  void manyTracesNeverExceedTheLimitAndTheBusiestSurvive() {
    FakeClock clock = new FakeClock();
    RecentLogs logs = RecentLogs.builder().maxTraces(64).maxThreads(16).linesPerTrace(4).clock(clock).build();
    int most = 0;
    for (int i = 0; i < 20_000; i++) {
      clock.advance(1_000);
      logs.add(i % 1000, "trace-" + i, line("m" + i));
      logs.add(1, "busy", line("busy " + i));
      most = Math.max(most, Math.max(logs.traceCount(), logs.threadCount()));
    }
    assertTrue(logs.traceCount() <= 64, "traces held: " + logs.traceCount());
    assertTrue(logs.threadCount() <= 16, "threads held: " + logs.threadCount());
    assertTrue(most <= 64, "a new ring over the limit is swept at once: " + most);
    assertEquals(List.of("busy 19996", "busy 19997", "busy 19998", "busy 19999"), messages(logs.traceLines("busy")));
    assertEquals(List.of("m19999"), messages(logs.traceLines("trace-19999")));
  }

  /**
   * Real threads log into their own thread and into shared traces while new traces keep forcing evictions: the
   * counts stay bounded, no thread loses a line of its own ring, and a trace's ring holds only its lines, in order.
   */
  @Test
  void concurrentWritersAndEvictionsKeepEveryRingConsistent() throws Exception {
    int writers = 4;
    int perWriter = 10_000;
    FakeClock clock = new FakeClock();
    RecentLogs logs = RecentLogs.builder().maxTraces(32).maxThreads(writers + 1).linesPerThread(8).linesPerTrace(8)
        .clock(clock).build();
    CyclicBarrier start = new CyclicBarrier(writers);
    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Integer> peaks = new ConcurrentLinkedQueue<>();
    List<Thread> threads = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      int id = w;
      threads.add(new Thread(() -> {
        try {
          start.await();
          int peak = 0;
          for (int i = 0; i < perWriter; i++) {
            String trace = "t" + (i % 50 == 0 ? "-" + id + "-" + i : Integer.toString(i % 3));
            logs.add(id, trace, new LogLine(i, "INFO", trace, "w" + id, id + ":" + i));
            peak = Math.max(peak, logs.traceCount());
          }
          peaks.add(peak);
        } catch (Throwable t) {
          failures.add(t);
        }
      }));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
    assertTrue(failures.isEmpty(), failures.toString());
    for (int peak : peaks) {
      assertTrue(peak <= 32 + writers, "trace rings held at most the limit plus one per writer: " + peak);
    }
    for (int w = 0; w < writers; w++) {
      List<String> expected = new ArrayList<>();
      for (int i = perWriter - 8; i < perWriter; i++) {
        expected.add(w + ":" + i);
      }
      assertEquals(expected, messages(logs.threadLines(w)));
    }
    for (String trace : List.of("t0", "t1", "t2")) {
      List<LogLine> lines = logs.traceLines(trace);
      for (LogLine l : lines) {
        assertEquals(trace, l.logger(), "a trace's ring holds its own lines only");
      }
      for (int w = 0; w < writers; w++) {
        long last = -1;
        for (LogLine l : lines) {
          if (l.threadName().equals("w" + w)) {
            assertTrue(l.epochMillis() > last, "one writer's lines stay in order");
            last = l.epochMillis();
          }
        }
      }
    }
  }

  @Test
  void incidentsTakeTheirLinesFromTheSource() {
    RecentLogs logs = RecentLogs.builder().clock(new FakeClock()).build();
    logs.add(77, "4bf92f3577b34da6a3ce929d0e0e4736", line("charging card"));
    logs.add(77, null, line("unrelated"));
    Incident withTrace = Incident.builder(new IllegalStateException("boom")).component("orders").clock(new FakeClock())
        .thread("worker-3", 77).trace("4bf92f3577b34da6a3ce929d0e0e4736", null).logContext(logs).build();
    assertEquals(List.of("2023-11-14T22:13:20Z INFO [worker-1] app.Orders - charging card"), withTrace.logLines());
    Incident byThread = Incident.builder(new IllegalStateException("boom")).component("orders").clock(new FakeClock())
        .thread("worker-3", 77).logContext(logs).build();
    assertEquals(2, byThread.logLines().size());
    Incident given = Incident.builder(new IllegalStateException("boom")).component("orders").clock(new FakeClock())
        .thread("worker-3", 77).logContext(logs).logLines(List.of("given")).build();
    assertEquals(List.of("given"), given.logLines(), "lines given explicitly take precedence");
  }

  @Test
  void settingsAreCheckedNamingTheField() {
    assertEquals("linesPerThread", assertThrows(ConfigurationException.class,
        () -> RecentLogs.builder().linesPerThread(-1).build()).field());
    assertEquals("maxTraces", assertThrows(ConfigurationException.class,
        () -> RecentLogs.builder().maxTraces(0).build()).field());
    assertEquals("maxLineLength", assertThrows(ConfigurationException.class,
        () -> RecentLogs.builder().maxLineLength(3).build()).field());
    assertEquals("idleTimeout", assertThrows(ConfigurationException.class,
        () -> RecentLogs.builder().idleTimeout(Duration.ZERO).build()).field());
    assertEquals("clock", assertThrows(ConfigurationException.class,
        () -> RecentLogs.builder().clock(null).build()).field());
    assertEquals("logContext", assertThrows(ConfigurationException.class,
        () -> Incident.builder(new IllegalStateException()).logContext(null)).field());
  }
}
