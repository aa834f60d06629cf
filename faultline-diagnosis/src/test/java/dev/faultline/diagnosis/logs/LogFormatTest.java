package dev.faultline.diagnosis.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.ConfigurationException;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Header formats in the Loghub convention. */
class LogFormatTest {

  @Test
  void splitsFieldsLazilyWithSpacesAsWhitespaceRuns() {
    LogFormat format = LogFormat.compile("<Date> <Time> <Level>:<Content>");
    assertEquals(List.of("Date", "Time", "Level", "Content"), format.fields());
    LogRecord r = format.parse("2024-01-02   10:00:01 WARN:disk almost full: 91%\r").orElseThrow();
    assertEquals("2024-01-02", r.field("Date"));
    assertEquals("10:00:01", r.field("Time"));
    assertEquals("WARN", r.field("Level"));
    assertEquals("disk almost full: 91%", r.content());
  }

  @Test
  void regexBetweenFieldsAndOptionalFields() {
    LogFormat format = LogFormat.compile("<Month> <Date> <Time> <Level> <Component>(\\[<PID>\\])?: <Content>");
    LogRecord with = format.parse("Jun 14 15:16:01 combo sshd(pam_unix)[19939]: check pass").orElseThrow();
    assertEquals("sshd(pam_unix)", with.field("Component"));
    assertEquals("19939", with.field("PID"));
    LogRecord without = format.parse("Jun 14 15:16:01 combo kernel: hello").orElseThrow();
    assertEquals("", without.field("PID"));
    assertEquals("hello", without.content());
  }

  @Test
  void linesThatDoNotMatchAreEmpty() {
    LogFormat format = LogFormat.compile("\\[<Time>\\] \\[<Level>\\] <Content>");
    assertEquals(Optional.empty(), format.parse("no brackets here"));
    assertThrows(IllegalArgumentException.class,
        () -> format.parse("[t] [l] c").orElseThrow().field("Nope"));
  }

  @Test
  void badFormatsAreRejectedNamingTheProblem() {
    assertTrue(assertThrows(ConfigurationException.class, () -> LogFormat.compile("<Date> <Level>")).getMessage()
        .contains("<Content>"));
    assertTrue(assertThrows(ConfigurationException.class, () -> LogFormat.compile("<A> <A> <Content>")).getMessage()
        .contains("<A>"));
    assertTrue(assertThrows(ConfigurationException.class, () -> LogFormat.compile("(<Date> <Content>"))
        .getMessage().contains("valid pattern"));
    assertEquals("logFormat", assertThrows(ConfigurationException.class, () -> LogFormat.compile(" ")).field());
  }

  /**
   * Regression: a line of words without the format's ": " made the backtracking matcher try every way of splitting it
   * among five fields, polynomial of degree four in its length; 100 words took seconds, 2000 would take years. Matching
   * is bounded now, so such a line is simply not a match.
   */
  @Test
  void aLineBuiltToStallTheMatcherIsNotAMatch() {
    LogFormat format = LogFormat.compile("<Date> <Time> <Pid> <Level> <Component>: <Content>");
    assertEquals(Optional.empty(), format.parse("a ".repeat(2000)));
    assertEquals(Optional.empty(), format.parse("a\t".repeat(2000) + ":"));
  }

  @Test
  void theBoundLeavesLongLinesThatMatchAlone() {
    LogFormat format = LogFormat.compile("<Date> <Time> <Pid> <Level> <Component>: <Content>");
    String content = "x y: z ".repeat(20_000);
    LogRecord r = format.parse("081109 203615 148 INFO dfs.DataNode$PacketResponder: " + content).orElseThrow();
    assertEquals(content.strip(), r.content());
    assertEquals("dfs.DataNode$PacketResponder", r.field("Component"));
  }

  /** Regression (found by LogParseFuzzTest): a field inside a character class compiled, then matching threw. */
  @Test
  void aFieldSwallowedByTheTextAroundItIsRefused() {
    for (String format : List.of("[<Time>] <Content>", "\\Q<Time>\\E <Content>", "<Time> [x<Level>] <Content>")) {
      ConfigurationException e = assertThrows(ConfigurationException.class, () -> LogFormat.compile(format));
      assertEquals("logFormat", e.field());
      assertTrue(e.getMessage().contains("keep every field outside character classes and quotes"), e.getMessage());
    }
    LogFormat ownGroups = LogFormat.compile("(x|y)<Time>(\\[<PID>\\])? <Content>");
    assertEquals("7", ownGroups.parse("x12[7] hello").orElseThrow().field("PID"));
  }
}
