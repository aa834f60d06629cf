package dev.faultline.diagnosis.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The filtered masking gives exactly what {@code Matcher.replaceAll} on the whole message gives. */
class MaskingRegexTest {
  private static final int FLAGS = Pattern.UNICODE_CHARACTER_CLASS | Pattern.UNIX_LINES;

  /** Regexes beyond the Loghub ones: anchors, boundaries, lazy and bounded quantifiers, alternation, classes. */
  private static final List<String> TRICKY = List.of(
      "\\d+", "=\\d+", "blk_-?\\d+", "\\bB\\b", "^\\w+", "\\w+$", "(\\d+\\.){3}\\d+(:\\d+)?", "\\b\\d{2,3}\\b",
      "[KGTM]B", "x|yy|\\.", "a.?b", "[^ ]+\\.log", "\\B\\d\\B", "(?:ab)+c", "\\d{2}:\\d{2}(:\\d{2})*",
      "core\\.\\d+", "0[xX][0-9a-f]+", "\\s\\d", "\\S+@\\S+", "\\.\\.", "[\\w.]+\\.[a-z]{2,4}\\b", "-?\\d+\\.?\\d*",
      "<\\d+\\ssec", "0x.*?\\s", "/.+?\\s", "((\\d+\\.){3}\\d+,?)+", "([\\w-]+\\.)+[\\w-]+(:\\d+)?",
      "\\b(\\-?\\+?\\d+)\\b|\\b0[Xx][a-fA-F\\d]+\\b|\\b[a-fA-F\\d]{4,}\\b", "(/[\\w-]+)+", "\\W\\d", "\\D{3}\\d",
      "\u00e9\\w", "[\u00e0-\u00ff]+", "x?\\bab", "(\\b)+\\d", "(?:\\b|x)\\d\\d", "\\b\\d|B", "\\b-\\d",
      "\\b_\\w", "a*\\b\\d", "\\b\\w\\b", "\\d\\b", "\\d+\\b\\d?", "a\\b$", "(\\d\\b)+", "(?:\\d\\b|x)",
      "\\d\\b(?:x)?");

  private static final String[] PIECES = {"a", "b", "B", "x", "0", "7", "12", "255", ".", "..", "-", "+", ":", "=",
      "/", "_", " ", "  ", "\t", "\n", "\r", "<", ">", "sec", "blk_", "0x1f", "KB", "core", "\u0663", "\u00e9", "\u00a0",
      "\u2003", "\ud83d\ude00", "\ud83d", "log", "@", ",", "ab", "c", "ff", "DEAD"};

  private static void assertSame(MaskingRegex mask, Pattern pattern, String s) {
    assertEquals(pattern.matcher(s).replaceAll("<*>"), mask.replaceAll(s), () -> pattern + " on \"" + s + "\"");
  }

  @Test
  void everyLoghubRegexIsFilteredAndMasksEveryLoghubMessageAsTheEngineDoes() throws Exception {
    List<LoghubData.Sample> samples = LoghubData.samples();
    Set<String> regexes = new LinkedHashSet<>();
    List<String> messages = new ArrayList<>();
    for (LoghubData.Sample sample : samples) {
      regexes.addAll(sample.regexes());
      LogFormat format = LogFormat.compile(sample.logFormat());
      for (String line : Files.readAllLines(sample.log())) {
        format.parse(line).ifPresent(r -> messages.add(r.content()));
      }
    }
    for (String regex : regexes) {
      Pattern pattern = Pattern.compile(regex, FLAGS);
      MaskingRegex mask = new MaskingRegex(pattern, "<*>");
      assertTrue(mask.filtered(), regex + " should be understood by the filter");
      for (String m : messages) {
        assertSame(mask, pattern, m);
      }
    }
  }

  @Test
  void trickyRegexesOnRandomMessagesMaskAsTheEngineDoes() {
    Random random = new Random(7);
    for (String regex : TRICKY) {
      Pattern pattern = Pattern.compile(regex, FLAGS);
      MaskingRegex mask = new MaskingRegex(pattern, "<*>");
      assertTrue(mask.filtered(), regex + " should be understood by the filter");
      for (int i = 0; i < 3000; i++) {
        StringBuilder s = new StringBuilder();
        for (int n = random.nextInt(14); n > 0; n--) {
          s.append(PIECES[random.nextInt(PIECES.length)]);
        }
        assertSame(mask, pattern, s.toString());
      }
    }
  }

  @Test
  void boundariesAndAnchorsSeeTheWholeMessage() {
    for (String regex : List.of("\\bB\\b", "^\\w+", "\\w+$", "\\B\\d\\B", "\\b\\d{2,3}\\b")) {
      Pattern pattern = Pattern.compile(regex, FLAGS);
      MaskingRegex mask = new MaskingRegex(pattern, "<*>");
      for (String s : List.of("B", "xB B", "B.B", "aB", "abc def", " abc def ", "a1b 12 1234 x12 12x", "123\n",
          "\u00e9B B\u00e9 \u0663B", "é12 12é")) {
        assertSame(mask, pattern, s);
      }
    }
  }

  @Test
  void regexesOutsideTheKnownSubsetOrMatchingEmptyGoToTheEngineWhole() {
    for (String regex : List.of("(?<=a)b", "(a)\\1", "\\p{L}+", "(?i)abc", "a++", "[a[b]]", "[a&&b]", "\\x41",
        "\\d*", "(/|)", "a?", "\\b", "\\Qa.b\\E")) {
      Pattern pattern = Pattern.compile(regex, FLAGS);
      MaskingRegex mask = new MaskingRegex(pattern, "<*>");
      assertFalse(mask.filtered(), regex);
      for (String s : List.of("", "ab", "a.b aab ABC", "x")) {
        assertSame(mask, pattern, s);
      }
    }
  }
}
