package dev.faultline.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code faultline logs parse} and {@code faultline logs traceback} end to end. */
class LogsCommandTest {
  @TempDir
  Path dir;

  private record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine line = FaultlineCommand.newCommandLine();
    line.setOut(new PrintWriter(out));
    line.setErr(new PrintWriter(err));
    int exit = line.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  private Path log() throws Exception {
    Path log = dir.resolve("hdfs.log");
    Files.writeString(log, String.join("\n",
        "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_3886 terminating",
        "081109 203807 222 INFO dfs.DataNode$PacketResponder: PacketResponder 0 for block blk_-6952 terminating",
        "not a log line",
        "081109 204005 35 INFO dfs.FSNamesystem: BLOCK* NameSystem.addStoredBlock: blockMap updated: "
            + "10.251.73.220:50010 is added to blk_7128 size 67108864",
        "081109 204015 308 INFO dfs.DataNode$PacketResponder: Received block blk_8229 of size 67108864 from "
            + "/10.250.19.102, \"quoted\""), StandardCharsets.UTF_8);
    return log;
  }

  @Test
  void parseWritesTheStructuredCsvInDefaultMode() throws Exception {
    Path out = dir.resolve("out/hdfs.csv");
    Run r = run("logs", "parse", log().toString(), "--log-format", "<Date> <Time> <Pid> <Level> <Component>: <Content>",
        "--output", out.toString());
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("4 lines, 3 templates (default mode)"), r.out());
    assertTrue(r.out().contains("skipped 1 lines that do not match the log format, first at lines [3]"), r.out());
    List<String> lines = Files.readAllLines(out);
    assertEquals("LineId,Date,Time,Pid,Level,Component,Content,EventId,EventTemplate", lines.get(0));
    assertTrue(lines.get(1).startsWith("1,081109,203615,148,INFO,dfs.DataNode$PacketResponder,PacketResponder 1 for"
        + " block blk_3886 terminating,"), lines.get(1));
    assertTrue(lines.get(1).endsWith(",PacketResponder <*> for block <*> terminating"), lines.get(1));
    assertEquals(lines.get(1).split(",")[7], lines.get(2).split(",")[7], "same template, same event id");
    assertTrue(lines.get(4).contains(",\"Received block blk_8229 of size 67108864 from /10.250.19.102, \"\"quoted\"\"\","),
        lines.get(4));
    assertEquals(5, lines.size());
    try (var files = Files.list(out.getParent())) {
      assertEquals(1, files.count(), "no partial file left behind");
    }
  }

  @Test
  void parseInDrainModeTakesTheReferenceSettings() throws Exception {
    Path out = dir.resolve("drain.csv");
    Run r = run("logs", "parse", log().toString(), "--log-format", "<Date> <Time> <Pid> <Level> <Component>: <Content>",
        "--mode", "drain", "--regex", "blk_-?\\d+", "--regex", "(\\d+\\.){3}\\d+(:\\d+)?", "--st", "0.5", "--depth", "4",
        "--output", out.toString());
    assertEquals(0, r.exit(), r.err());
    assertTrue(Files.readAllLines(out).get(1).endsWith(",PacketResponder <*> for block <*> terminating"));
  }

  @Test
  void defaultModeRefusesPerLogSettings() throws Exception {
    Run r = run("logs", "parse", log().toString(), "--log-format", "<Date> <Content>", "--st", "0.5", "--regex", "x",
        "--output", dir.resolve("x.csv").toString());
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("--regex, --st only apply to --mode drain"), r.err());
    assertFalse(Files.exists(dir.resolve("x.csv")));
  }

  @Test
  void badInputGetsAClearErrorAndWritesNothing() throws Exception {
    Path out = dir.resolve("y.csv");
    Run missing = run("logs", "parse", dir.resolve("nope.log").toString(), "--log-format", "<Date> <Content>",
        "--output", out.toString());
    assertEquals(1, missing.exit());
    assertTrue(missing.err().contains("nope.log: no such log file"), missing.err());
    Run format = run("logs", "parse", log().toString(), "--log-format", "<Date> <Level>", "--output", out.toString());
    assertEquals(2, format.exit());
    assertTrue(format.err().contains("--log-format must have a <Content> field"), format.err());
    Run depth = run("logs", "parse", log().toString(), "--log-format", "<Date> <Content>", "--mode", "drain",
        "--depth", "2", "--output", out.toString());
    assertEquals(2, depth.exit());
    assertTrue(depth.err().contains("--depth must be at least 3, but was 2"), depth.err());
    Run mode = run("logs", "parse", log().toString(), "--log-format", "<Date> <Content>", "--mode", "fast",
        "--output", out.toString());
    assertEquals(2, mode.exit());
    assertFalse(Files.exists(out));
  }

  /**
   * A value the settings refuse is a usage error naming the option as typed (exit 2, as {@code fta}'s range errors),
   * and nothing is written; it was exit 1 naming the library's field ({@code maxSuspects must be at least 1},
   * {@code similarityThreshold}, {@code maskingRegexes[1]}).
   */
  @Test
  void outOfRangeValuesAreUsageErrorsNamingTheOption() throws Exception {
    Path log = log();
    Path out = dir.resolve("z.csv");
    String[][] parse = {
        {"--st", "1.50", "--st must be between 0 and 1, but was 1.50"},
        {"--st", "NaN", "--st must be between 0 and 1, but was NaN"},
        {"--depth", "-1", "--depth must be at least 3, but was -1"},
        {"--max-children", "0", "--max-children must be at least 1, but was 0"},
        {"--regex", "", "--regex must not be empty, but was \"\""},
        {"--regex", "(", "--regex must be a valid regular expression, but was \"(\" (Unclosed group)"}};
    for (String[] c : parse) {
      Run r = run("logs", "parse", log.toString(), "--log-format", "<Date> <Content>", "--mode", "drain",
          "--regex", "blk_\\d+", c[0], c[1], "--output", out.toString());
      assertEquals(2, r.exit(), c[0] + " " + c[1] + ": " + r.err());
      assertTrue(r.err().startsWith(c[2]), r.err());
      assertFalse(Files.exists(out));
    }
    Run format = run("logs", "parse", log.toString(), "--log-format", "<Date> <Date> <Content>", "--output",
        out.toString());
    assertEquals(2, format.exit(), format.err());
    assertTrue(format.err().startsWith("--log-format must name each field once, but was \"<Date> <Date> <Content>\""
        + " (field <Date> twice)"), format.err());
    assertFalse(Files.exists(out));

    for (String suspects : List.of("-1", "0")) {
      Run r = run("logs", "traceback", log.toString(), "--suspects", suspects);
      assertEquals(2, r.exit(), r.err());
      assertTrue(r.err().startsWith("--suspects must be at least 1, but was " + suspects), r.err());
      assertEquals("", r.out());
    }
    Run tracebackFormat = run("logs", "traceback", log.toString(), "--log-format", "<Date>");
    assertEquals(2, tracebackFormat.exit(), tracebackFormat.err());
    assertTrue(tracebackFormat.err().startsWith("--log-format must have a <Content> field, but was \"<Date>\""),
        tracebackFormat.err());
  }

  @Test
  void parseRefusesToWriteItsCsvOverTheLogItReads() throws Exception {
    Path log = log();
    byte[] before = Files.readAllBytes(log);
    for (String output : List.of(log.toString(), dir.resolve(".").resolve("hdfs.log").toString())) {
      Run same = run("logs", "parse", log.toString(), "--log-format", "<Date> <Content>", "--output", output);
      assertEquals(2, same.exit(), same.out());
      assertTrue(same.err().contains("--output " + output + " is the log file itself"), same.err());
      assertEquals(new String(before, StandardCharsets.UTF_8), Files.readString(log), "the log is unchanged");
    }
    try (var files = Files.list(dir)) {
      assertEquals(List.of(log), files.toList(), "no partial file is left");
    }
  }

  @Test
  void tracebackPrintsTheTimelineAndRankedSuspectsWithReasons() throws Exception {
    Path app = dir.resolve("app.log");
    StringBuilder text = new StringBuilder();
    for (int minute = 0; minute < 30; minute++) {
      text.append(String.format("2024-03-01 10:%02d:00 INFO heartbeat ok in %d ms%n", minute, 5 + minute % 3));
    }
    text.append("2024-03-01 10:30:10 WARN disk nearly full on /var\n");
    text.append("2024-03-01 10:30:20 INFO write batch traceId=xyz789 started\n");
    text.append("2024-03-01 10:30:30 ERROR write failed traceId=xyz789: No space left on device\n");
    Files.writeString(app, text);
    Run r = run("logs", "traceback", app.toString(), "--first-error", "--window", "5m");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().startsWith("Failure  2024-03-01T10:30:30  app.log:33  ERROR  write failed traceId=xyz789"),
        r.out());
    assertTrue(r.out().contains("1. 2024-03-01T10:30:20  app.log:32  INFO  write batch traceId=xyz789 started"),
        r.out());
    assertTrue(r.out().contains("- same trace id xyz789 as the failure"), r.out());
    assertTrue(r.out().contains("2. 2024-03-01T10:30:10  app.log:31  WARN  disk nearly full on /var"), r.out());
    assertTrue(r.out().contains("<- suspect #2"), r.out());

    Run at = run("logs", "traceback", app.toString(), "--at", "2024-03-01 10:30:15", "--window", "PT5M");
    assertEquals(0, at.exit(), at.err());
    assertTrue(at.out().startsWith("Failure  2024-03-01T10:30:10  app.log:31  WARN  disk nearly full"), at.out());

    Run both = run("logs", "traceback", app.toString(), "--at", "2024-03-01 10:30:15", "--first-error");
    assertEquals(2, both.exit());
    assertTrue(both.err().contains("mutually exclusive"), both.err());
    Run badTime = run("logs", "traceback", app.toString(), "--at", "noon");
    assertEquals(2, badTime.exit(), badTime.err());
    assertTrue(badTime.err().contains("--at must be a time such as 2015-07-29 17:41:44"), badTime.err());
    assertTrue(badTime.err().contains("but was \"noon\""), badTime.err());
    // Refused before anything is read: a missing log would otherwise be the error (exit 1).
    Run badTimeNoFile = run("logs", "traceback", dir.resolve("nope.log").toString(), "--at", "noon");
    assertEquals(2, badTimeNoFile.exit(), badTimeNoFile.err());
    assertTrue(badTimeNoFile.err().contains("--at must be a time"), badTimeNoFile.err());
    Run badWindow = run("logs", "traceback", app.toString(), "--window", "soon");
    assertEquals(2, badWindow.exit());
    assertTrue(badWindow.err().contains("--window must be a positive duration"), badWindow.err());
  }
}
