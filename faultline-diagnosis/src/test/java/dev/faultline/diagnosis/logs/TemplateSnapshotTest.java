package dev.faultline.diagnosis.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** A snapshot restores a miner that goes on exactly as the original would; damaged snapshots are refused clearly. */
class TemplateSnapshotTest {

  private static String snapshot(TemplateMiner miner) throws IOException {
    StringWriter out = new StringWriter();
    miner.writeSnapshot(out);
    return out.toString();
  }

  private static void assertContinuesIdentically(Supplier<TemplateMiner> fresh, List<String> lines) throws IOException {
    TemplateMiner original = fresh.get();
    int half = lines.size() / 2;
    lines.subList(0, half).forEach(original::add);
    String text = snapshot(original);
    TemplateMiner restored = TemplateMiner.readSnapshot(new StringReader(text));
    assertEquals(text, snapshot(restored), "a restored miner snapshots to the same text");
    for (String line : lines.subList(half, lines.size())) {
      TemplateMatch a = original.add(line);
      TemplateMatch b = restored.add(line);
      assertEquals(a.templateId(), b.templateId(), line);
      assertEquals(a.template(), b.template(), line);
    }
    assertEquals(original.templates().toString(), restored.templates().toString());
    assertEquals(snapshot(original), snapshot(restored));
  }

  @Test
  void defaultModeRoundTrip() throws IOException {
    List<String> lines = new ArrayList<>(SyntheticMessages.generate(3, 4000));
    lines.add("");
    lines.add("odd % chars\tand\u0001control \"quoted\"");
    lines.add("key=\"a b c\" 100%");
    assertContinuesIdentically(TemplateMiner::standard, lines);
  }

  @Test
  void drainModeRoundTripRebuildsTheTree() throws IOException {
    List<String> lines = new ArrayList<>(SyntheticMessages.generate(5, 4000));
    lines.add("a");
    lines.add("");
    assertContinuesIdentically(() -> TemplateMiner.drain().maskingRegex("(\\d+\\.){3}\\d+").maskingRegex("a b")
        .similarityThreshold(0.4).depth(5).maxChildren(3).build(), lines);
  }

  @Test
  void snapshotKeepsSettings() throws IOException {
    TemplateMiner miner = TemplateMiner.drain().maskingRegex("x y%z").similarityThreshold(0.39).depth(6).maxChildren(7)
        .build();
    TemplateMiner restored = TemplateMiner.readSnapshot(new StringReader(snapshot(miner)));
    assertEquals(miner.drainSettings(), restored.drainSettings());
    assertEquals(TemplateMiner.Mode.DEFAULT,
        TemplateMiner.readSnapshot(new StringReader(snapshot(TemplateMiner.standard()))).mode());
  }

  @Test
  void damagedSnapshotsAreRefusedNamingTheLine() throws IOException {
    TemplateMiner miner = TemplateMiner.standard();
    SyntheticMessages.generate(1, 50).forEach(miner::add);
    String good = snapshot(miner);
    assertRefused("not a template miner snapshot", "hello\n" + good);
    assertRefused("unsupported snapshot version 2", good.replaceFirst(" 1\n", " 2\n"));
    assertRefused("ends early", good.substring(0, good.indexOf("\nend ") + 1));
    assertRefused("text after the end record", good + "template 99 1 0 0 0\n");
    assertRefused("the end record counts", good.replaceFirst("\nend \\d+", "\nend 999"));
    assertRefused("template ids must increase", good.replaceFirst("template 1 ", "template 0 "));
    assertRefused("bad escape", good.replaceFirst("(template \\d+ \\d+ 0 0 \\d+ \\S+)", "$1%z"));
    String line = assertRefused("merged into unknown template",
        good.replaceFirst("template (\\d+) (\\d+) 0 ", "template $1 $2 77 "));
    assertTrue(line.contains("line "), line);
  }

  /** Regression (found by LogParseFuzzTest): a bad masking regex escaped as a ConfigurationException. */
  @Test
  void anInvalidMaskingRegexIsRefusedNamingTheLine() {
    String text = "faultline-template-miner 1\nmode drain\nmasking-regex blk_([-)|0-9]+\nsimilarity-threshold 0.5\n"
        + "depth 4\nmax-children 100\nnext-id 1\nend 0 0\n";
    String message = assertRefused("masking-regex \"blk_([-)|0-9]+\" is not a valid regular expression", text);
    assertTrue(message.startsWith("template snapshot line 3: "), message);
  }

  /** Regression (found by LogParseFuzzTest): a negative count escaped as Arrays.copyOfRange's "5 > -1". */
  @Test
  void negativeOrHugeCountsAreRefusedNamingTheLine() {
    String head = "faultline-template-miner 1\nmode default\nnext-id 2\n";
    assertRefused("key count must not be negative, but was -6",
        head + "template 1 1 0 -6 2 a b\nend 1 0\n");
    assertRefused("token count must not be negative, but was -1", head + "template 1 1 0 0 -1 a\nend 1 0\n");
    assertRefused("declares 2147483647 key tokens but the record is shorter",
        head + "template 1 1 0 2147483647 1 a\nend 1 0\n");
    assertRefused("declares 2147483647 tokens but has 1", head + "template 1 1 0 0 2147483647 a\nend 1 0\n");
    assertRefused("merged-into must not be negative", head + "template 1 1 -1 0 1 a\nend 1 0\n");
  }

  private static String assertRefused(String expected, String text) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TemplateMiner.readSnapshot(new StringReader(text)));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
    assertTrue(e.getMessage().startsWith("template snapshot line "), e.getMessage());
    return e.getMessage();
  }
}
