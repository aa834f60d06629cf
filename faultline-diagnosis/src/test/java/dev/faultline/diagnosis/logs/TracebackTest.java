package dev.faultline.diagnosis.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.ConfigurationException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Traceback on a small synthetic incident: a pool runs dry, queries slow down, a traced payment retries, then fails. */
class TracebackTest {
  @TempDir
  Path dir;
  Path app;
  Path db;

  @BeforeEach
  void writeLogs() throws Exception {
    StringBuilder a = new StringBuilder("2024-03-01 09:00:00,001 INFO [main] Service started version 1.4.2\n");
    StringBuilder d = new StringBuilder();
    for (int minute = 1; minute < 55; minute++) {
      a.append(String.format("2024-03-01 09:%02d:00,000 INFO [http-%d] Health check ok in %d ms%n", minute, minute % 4,
          10 + minute % 7));
      a.append(String.format("2024-03-01 09:%02d:10,000 INFO [http-%d] Request GET /api/orders/%d handled in %d ms"
          + " traceId=t%04d%n", minute, minute % 4, 100 + minute, 30 + minute, minute));
      if (minute == 20) {
        d.append("2024-03-01 09:20:30.000 WARN Slow query on orders took 2100 ms\n");
      }
    }
    a.append("2024-03-01 09:55:00,000 WARN [pool] Connection pool nearly exhausted: 48/50 in use\n");
    for (int s = 0; s < 5; s++) {
      d.append(String.format("2024-03-01 09:55:%02d.000 WARN Slow query on orders took %d ms%n", 20 + s * 5,
          2300 + s * 100));
    }
    a.append("2024-03-01 09:56:00,000 INFO [http-1] Health check ok in 14 ms\n");
    a.append("2024-03-01 09:57:10,000 INFO [http-2] Retrying payment call for order 991 traceId=abc123 attempt 1\n");
    a.append("2024-03-01 09:58:00,000 ERROR [http-2] Payment failed for order 991 traceId=abc123: timeout after"
        + " 30000 ms\n");
    a.append("java.net.SocketTimeoutException: Read timed out\n");
    a.append("\tat java.base/java.net.SocketInputStream.read(SocketInputStream.java:168)\n");
    a.append("2024-03-01 09:58:01,000 INFO [http-3] Health check ok in 11 ms\n");
    app = dir.resolve("app.log");
    db = dir.resolve("db.log");
    Files.writeString(app, a, StandardCharsets.UTF_8);
    Files.writeString(db, d, StandardCharsets.UTF_8);
  }

  @Test
  void ranksTheTracedRetryThenThePoolThenTheSlowQueries() throws Exception {
    TracebackReport report = Traceback.builder().window(Duration.ofMinutes(5)).build()
        .fromFirstError(List.of(app, db));
    LogEvent failure = report.failure();
    assertEquals("ERROR", failure.level());
    assertEquals("abc123", failure.traceId());
    assertEquals(2, failure.continuationLines(), "the stack trace belongs to the error");
    assertEquals(LocalDateTime.of(2024, 3, 1, 9, 53), report.windowStart());
    assertEquals(failure, report.timeline().get(report.timeline().size() - 1));
    assertTrue(report.notes().isEmpty(), report.notes().toString());

    List<Suspect> suspects = report.suspects();
    assertEquals(3, suspects.size(), suspects.toString());
    Suspect retry = suspects.get(0);
    assertTrue(retry.event().content().contains("Retrying payment call"), retry.toString());
    assertEquals(7, retry.score());
    assertTrue(retry.reasons().get(0).contains("same trace id abc123"), retry.reasons().toString());
    assertTrue(retry.reasons().get(1).startsWith("first occurrence"), retry.reasons().toString());

    Suspect pool = suspects.get(1);
    assertTrue(pool.event().content().contains("Connection pool nearly exhausted"), pool.toString());
    assertEquals(List.of("first occurrence: its template is not among the 106 events before the window",
        "warning level WARN", "rare: 1 of 120 events have its template"), pool.reasons());

    Suspect slow = suspects.get(2);
    assertEquals("db.log:2", slow.event().location(), "the first slow query of the burst, merged from the other file");
    assertTrue(slow.reasons().get(0).startsWith("burst: 5 in the window against 0.1 expected"), slow.toString());
    assertEquals(3, slow.score());
  }

  @Test
  void atATimeTheFailureIsTheLastEventBeforeIt() throws Exception {
    Traceback traceback = Traceback.builder().window(Duration.ofMinutes(5)).build();
    TracebackReport report = traceback.at(Traceback.parseTime("2024-03-01 09:57:30"), List.of(app, db));
    assertTrue(report.failure().content().contains("Retrying payment call"), report.failure().toString());
    assertTrue(report.suspects().stream().noneMatch(s -> s.event().content().contains("Retrying")));
    IllegalArgumentException early = assertThrows(IllegalArgumentException.class,
        () -> traceback.at(Traceback.parseTime("2024-03-01 08:00:00"), List.of(app)));
    assertTrue(early.getMessage().contains("no event at or before"), early.getMessage());
  }

  @Test
  void withoutABaselineItSaysSoAndJudgesNoFirstOccurrence() throws Exception {
    TracebackReport report = Traceback.builder().window(Duration.ofHours(2)).build().fromFirstError(List.of(app, db));
    assertEquals(0, report.baselineEvents());
    assertEquals(List.of("no events before the window: first occurrences and bursts cannot be judged"),
        report.notes());
    assertTrue(report.suspects().stream().flatMap(s -> s.reasons().stream())
        .noneMatch(r -> r.startsWith("first occurrence") || r.startsWith("burst")));
  }

  @Test
  void readsLoghubStyleLogsWithAFormat() throws Exception {
    Path log = dir.resolve("zk.log");
    Files.writeString(log, "2015-07-29 17:41:44,747 - INFO  [QuorumPeer:FastLeaderElection@774] - Notification\n"
        + "2015-07-29 17:41:45,000 - WARN  [SendWorker:QuorumCnxManager@688] - Send worker leaving thread\n"
        + "2015-07-29 17:41:46,000 - ERROR [LearnerHandler:LearnerHandler@562] - Unexpected exception causing"
        + " shutdown\n");
    LogFormat format = LogFormat.compile("<Date> <Time> - <Level>  \\[<Node>:<Component>@<Id>\\] - <Content>");
    TracebackReport report = Traceback.builder().logFormat(format).build().fromFirstError(List.of(log));
    assertEquals("Unexpected exception causing shutdown", report.failure().content());
    assertEquals(LocalDateTime.of(2015, 7, 29, 17, 41, 46), report.failure().time());
    assertEquals("Send worker leaving thread", report.suspects().get(0).event().content());
  }

  @Test
  void withoutLevelsTheFirstMessageNamingAFailureIsTheError() throws Exception {
    Path log = dir.resolve("plain.log");
    Files.writeString(log, "Jun 14 15:16:01 combo sshd: session opened\nJun 14 15:16:02 combo sshd: auth failure\n");
    TracebackReport report = Traceback.builder().build().fromFirstError(List.of(log));
    assertEquals(LocalDateTime.of(Timestamps.DEFAULT_YEAR, 6, 14, 15, 16, 2), report.failure().time());
    Path quiet = dir.resolve("quiet.log");
    Files.writeString(quiet, "2024-01-01 00:00:00 INFO all good\n");
    assertThrows(IllegalArgumentException.class, () -> Traceback.builder().build().fromFirstError(List.of(quiet)));
  }

  @Test
  void badSettingsAndTimesAreRejected() {
    assertEquals("window", assertThrows(ConfigurationException.class,
        () -> Traceback.builder().window(Duration.ZERO).build()).field());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Traceback.parseTime("yesterday")).getMessage()
        .contains("yesterday"));
    assertEquals(LocalDateTime.of(2005, 12, 4, 4, 47, 44), Traceback.parseTime("[Sun Dec 04 04:47:44 2005]"));
    assertEquals(LocalDateTime.of(2008, 11, 9, 20, 36, 15), Traceback.parseTime("081109 203615"));
    assertEquals(LocalDateTime.of(2017, 6, 9, 20, 10, 40), Traceback.parseTime("17/06/09 20:10:40"));
    assertEquals(LocalDateTime.of(2016, 9, 27, 20, 30, 31, 455_000_000), Traceback.parseTime("2016/9/27:20:30:31.455"));
    assertEquals(LocalDateTime.of(Timestamps.DEFAULT_YEAR, 3, 17, 16, 13, 38, 811_000_000),
        Traceback.parseTime("03-17 16:13:38.811"));
  }
}
