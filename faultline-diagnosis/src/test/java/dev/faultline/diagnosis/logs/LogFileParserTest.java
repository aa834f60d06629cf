package dev.faultline.diagnosis.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Structured output in the Loghub layout, with CSV quoting and skipped lines. */
class LogFileParserTest {

  @Test
  void writesStructuredCsvWithFinalTemplates(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("app.log");
    Files.writeString(log, "2024-01-02 10:00:01 INFO: user alice, logged in\r\n"
        + "garbage line\r\n"
        + "2024-01-02 10:00:02 WARN: disk \"sda\" at 91%\r\n"
        + "2024-01-02 10:00:03 INFO: user bob, logged in\n", StandardCharsets.UTF_8);
    LogFileParser parser = new LogFileParser(LogFormat.compile("<Date> <Time> <Level>: <Content>"),
        TemplateMiner.drain().similarityThreshold(0.5).depth(4).build());
    StringWriter out = new StringWriter();
    ParsedLog parsed = parser.writeStructured(log, out);
    assertEquals(3, parsed.size());
    assertEquals(1, parsed.skippedCount());
    assertEquals(List.of(2L), parsed.skippedLines());
    List<List<String>> rows = Csv.read(new StringReader(out.toString()));
    assertEquals(List.of("LineId", "Date", "Time", "Level", "Content", "EventId", "EventTemplate"), rows.get(0));
    String userTemplate = "user <*> logged in";
    assertEquals(List.of("1", "2024-01-02", "10:00:01", "INFO", "user alice, logged in",
        LogFileParser.eventId(userTemplate), userTemplate), rows.get(1));
    assertEquals("disk \"sda\" at 91%", rows.get(2).get(4));
    assertEquals("3", rows.get(3).get(0));
    assertEquals(rows.get(1).get(5), rows.get(3).get(5));
    // quoting: the field with quotes is quoted and its quotes doubled
    assertEquals(true, out.toString().contains("\"disk \"\"sda\"\" at 91%\""));
  }

  @Test
  void eventIdsAreTheReferenceMd5Prefix() {
    // md5("") = d41d8cd98f00b204e9800998ecf8427e
    assertEquals("d41d8cd9", LogFileParser.eventId(""));
  }

  @Test
  void csvRoundTripsAwkwardFields() throws Exception {
    List<String> fields = List.of("plain", "with,comma", "with \"quote\"", "two\nlines", "", "cr\rhere");
    StringWriter out = new StringWriter();
    Csv.writeRow(out, fields);
    Csv.writeRow(out, List.of("a", "b"));
    assertEquals(List.of(fields, List.of("a", "b")), Csv.read(new StringReader(out.toString())));
  }
}
