package dev.faultline.diagnosis.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.diagnosis.internal.PyText;
import java.nio.file.Files;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The hand-written header matcher splits every line exactly as the format's regex does. */
class FormatMatcherTest {

  private static final List<String> FORMATS = List.of(
      "<Date> <Time> <Level> <Component>: <Content>",
      "<Date> <Time> - <Level>  \\[<Node>:<Component>@<Id>\\] - <Content>",
      "<Month> <Date> <Time> <Level> <Component>(\\[<PID>\\])?: <Content>",
      "<Month>  <Date> <Time> <User> <Component>\\[<PID>\\]( \\(<Address>\\))?: <Content>",
      "<Time>\\|<Component>\\|<Pid>\\|<Content>",
      "\\[<Time>\\] \\[<Level>\\] <Content>",
      "<A><B>:<Content>",
      "<Content> (<A>)",
      "x<A>(y(<B>)? <C>)?z <Content>",
      "(x)<Time>(\\[<PID>\\])? <Content>",
      "<A>( <B>)? <Content>",
      "<A>(\\[<B>\\])?<C>: <Content>",
      "<Content>");

  private static final String[] PIECES = {"a", "b", "x", "y", "z", "12", ":", ": ", " ", "  ", "\t", "\u00a0",
      "\u2003", "\u001c", "\r", "[", "]", "[7]", "(", ")", " (", "@", "|", "-", " - ", "\ud83d\ude00", "\ud83d",
      "\u00e9", "INFO", "sshd"};

  private static Optional<List<String>> fields(Optional<LogRecord> r) {
    return r.map(LogRecord::values);
  }

  private static void assertSameSplit(LogFormat format, String line) {
    assertEquals(fields(format.parseWithRegex(PyText.strip(line))), fields(format.parse(line)),
        () -> format + " on \"" + line + "\"");
  }

  @Test
  void everyLoghubFormatIsHandledAndSplitsEveryLineAsTheRegexDoes() throws Exception {
    for (LoghubData.Sample sample : LoghubData.samples()) {
      LogFormat format = LogFormat.compile(sample.logFormat());
      assertNotNull(FormatMatcher.compile(format.format(), format.fields()), sample.logFormat());
      for (String line : Files.readAllLines(sample.log())) {
        assertSameSplit(format, line);
      }
    }
  }

  @Test
  void randomLinesSplitAsTheRegexDoes() {
    Random random = new Random(11);
    for (String f : FORMATS) {
      LogFormat format = LogFormat.compile(f);
      assertNotNull(FormatMatcher.compile(format.format(), format.fields()), f);
      for (int i = 0; i < 5000; i++) {
        StringBuilder s = new StringBuilder();
        for (int n = random.nextInt(16); n > 0; n--) {
          s.append(PIECES[random.nextInt(PIECES.length)]);
        }
        assertSameSplit(format, s.toString());
      }
    }
  }

  @Test
  void trickyLinesSplitAsTheRegexDoes() {
    List<String> lines = List.of("a  b: c", "a \t b c: d: e", "a b c:", "a b c: ", "Jun 14 15:16:01 combo k[1]: x",
        "Jun 14 15:16:01 combo k[1]x: y", "Jun 14 15:16:01 combo k[: y", "Jun  3 t u c[9] (addr): m",
        "Jun  3 t u c[9] (addr) x: m", "a|b|c|", "[t] [l] ", "[t]\u00a0[l] c", "\ud83d\ude00 \ud83d\ude00: \ud83d",
        "x(a) (b)", "xy7 b z m", "xy b z m", "x z m", "x12[7] hello", "x12 hello", "a b c", "a[1]b: c", "", " ", "a\nb: c d e: f");
    for (String f : FORMATS) {
      LogFormat format = LogFormat.compile(f);
      for (String line : lines) {
        assertSameSplit(format, line);
      }
    }
  }

  @Test
  void whitespaceIsTheRegexsUnicodeWhitespace() {
    Pattern space = Pattern.compile("\\s", Pattern.UNICODE_CHARACTER_CLASS);
    for (char c = 0; c < Character.MAX_VALUE; c++) {
      assertEquals(space.matcher(String.valueOf(c)).matches(), FormatMatcher.isRegexSpace(c), "U+" + (int) c);
    }
  }

  @Test
  void formatsWithOtherRegexSyntaxGoToTheRegex() {
    for (String f : List.of("<A>\\s+<Content>", "<A>.<Content>", "<A>[x]<Content>", "(x|y)<A> <Content>",
        "<A>(?:x)<Content>", "<A>x?<Content>", "<A>(x)+<Content>", "<A>(x)??<Content>", "^<A> <Content>",
        "<A>\\d<Content>")) {
      LogFormat format = LogFormat.compile(f);
      assertNull(FormatMatcher.compile(format.format(), format.fields()), f);
    }
    LogFormat format = LogFormat.compile("(x|y)<Time>(\\[<PID>\\])? <Content>");
    assertEquals("7", format.parse("x12[7] hello").orElseThrow().field("PID"));
  }

  /** A line that stalls a backtracking matcher is decided at once: the matcher remembers what failed. */
  @Test
  void longLinesAreDecidedWithoutBacktrackingBlowUp() {
    LogFormat format = LogFormat.compile("<Date> <Time> <Pid> <Level> <Component>: <Content>");
    assertEquals(Optional.empty(), format.parse("a ".repeat(50_000)));
    assertEquals(Optional.empty(), format.parse("a\t".repeat(50_000) + ":"));
    String line = "a ".repeat(50_000) + "b: c";
    LogRecord r = format.parse(line).orElseThrow();
    assertEquals("c", r.content());
    assertTrue(r.field("Component").endsWith("a b"));
  }
}
