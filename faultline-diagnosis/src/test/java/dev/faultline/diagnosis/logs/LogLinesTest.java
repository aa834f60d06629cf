package dev.faultline.diagnosis.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Log files are split into lines as {@link BufferedReader#readLine()} splits them, but a line longer than the limit is
 * refused, naming the file and the line, instead of being buffered whole (a file of gigabytes without a newline
 * exhausted the heap before).
 */
class LogLinesTest {
  @TempDir Path dir;

  private static List<String> bufferedReader(String text) throws IOException {
    List<String> lines = new ArrayList<>();
    try (BufferedReader in = new BufferedReader(new StringReader(text))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        lines.add(line);
      }
    }
    return lines;
  }

  private static List<String> logLines(String text, int maxChars) throws IOException {
    List<String> lines = new ArrayList<>();
    try (LogLines in = new LogLines(Path.of("t.log"), new StringReader(text), maxChars)) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        lines.add(line);
      }
    }
    return lines;
  }

  @Test
  void linesAreSplitExactlyAsBufferedReaderSplitsThem() throws IOException {
    Random random = new Random(3);
    String[] pieces = {"\n", "\r", "\r\n", "a", "bc", "x".repeat(70_000), "", "\n\n", "\r\r", "é"};
    for (int round = 0; round < 400; round++) {
      StringBuilder text = new StringBuilder();
      for (int i = random.nextInt(12); i > 0; i--) {
        text.append(pieces[random.nextInt(pieces.length)]);
      }
      // A \r exactly at the end of the 64 Ki-character buffer, then \n at the start of the next read.
      if (round % 10 == 0) {
        text.setLength(0);
        text.append("y".repeat((1 << 16) - 1)).append("\r\nnext\r");
      }
      assertEquals(bufferedReader(text.toString()), logLines(text.toString(), 1 << 20), "round " + round);
    }
  }

  @Test
  void aLineLongerThanTheLimitIsRefusedNamingTheFileAndTheLine() throws IOException {
    Path log = dir.resolve("huge.log");
    try (Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
      out.write("2026-01-01 00:00:00 INFO: fine\n");
      out.write("2026-01-01 00:00:01 INFO: ");
      out.write("z".repeat(LogLines.MAX_LINE_CHARS));
      out.write("\n");
    }
    LogFileParser parser = new LogFileParser(LogFormat.compile("<Date> <Time> <Level>: <Content>"),
        TemplateMiner.drain().build());
    IOException refused = assertThrows(IOException.class, () -> parser.parse(log));
    assertTrue(refused.getMessage().contains(log.toString()) && refused.getMessage().contains("line 2")
        && refused.getMessage().contains(String.valueOf(LogLines.MAX_LINE_CHARS)), refused.getMessage());
    IOException traced = assertThrows(IOException.class,
        () -> Traceback.builder().build().fromFirstError(List.of(log)));
    assertTrue(traced.getMessage().contains("line 2"), traced.getMessage());
    // At the limit exactly, the line is read.
    assertEquals(List.of("a".repeat(5), "b"), logLines("aaaaa\nb", 5));
  }
}
