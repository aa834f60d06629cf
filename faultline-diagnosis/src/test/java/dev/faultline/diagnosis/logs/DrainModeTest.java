package dev.faultline.diagnosis.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.faultline.core.ConfigurationException;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code drain} mode follows the reference Drain's rules, quirks included. */
class DrainModeTest {

  private static TemplateMiner miner(double st, int depth, int maxChildren, String... regexes) {
    return TemplateMiner.drain().maskingRegexes(List.of(regexes)).similarityThreshold(st).depth(depth)
        .maxChildren(maxChildren).build();
  }

  /** Masks follow Python's str patterns: Unicode classes (an Arabic-Indic digit is a digit, é a word character). */
  @Test
  void maskingRegexesKeepPythonsUnicodeClassesWhateverTheLine() {
    TemplateMiner miner = miner(0.5, 4, 100, "\\d+", "\\bid\\w*");
    assertEquals(List.of("user", "<*>", "of", "<*>", "at", "<*>"),
        List.of(miner.tokenize("user idQ_x of 12 at 345")));
    assertEquals(List.of("user", "<*>", "of", "<*>", "é", "<*>"),
        List.of(miner.tokenize("user idé of \u0663\u0664 \u00e9 9")));
  }

  @Test
  void similarMessagesShareATemplateThatGeneralises() {
    TemplateMiner miner = miner(0.5, 4, 100);
    TemplateMatch first = miner.add("Receiving block 12 from node a");
    TemplateMatch second = miner.add("Receiving block 13 from node b");
    assertEquals(first.templateId(), second.templateId());
    assertEquals("Receiving block <*> from node <*>", second.template());
    assertEquals(2, miner.template(first.templateId()).count());
  }

  @Test
  void messagesBelowTheThresholdFoundNewTemplates() {
    TemplateMiner miner = miner(0.7, 4, 100);
    int a = miner.add("Receiving block one from node a").templateId();
    // 4 of 6 tokens equal: 0.67 < 0.7
    int b = miner.add("Receiving block two from host b").templateId();
    assertNotEquals(a, b);
    assertEquals(2, miner.templates().size());
  }

  @Test
  void similarityCountsWildcardsAsDifferentAndPrefersMoreWildcardsOnTies() {
    // depth 3: every line of a length shares one leaf
    TemplateMiner miner = miner(0.5, 3, 100);
    int t1 = miner.add("p a b c").templateId();
    int t2 = miner.add("x y q r").templateId();
    assertEquals(t2, miner.add("x y s t").templateId());
    assertEquals("x y <*> <*>", miner.template(t2).template());
    // "z w s t" shares no constant with x y <*> <*>: wildcards do not count as equal
    assertNotEquals(t2, miner.add("z w s t").templateId());
    // "x y b c" is 2/4 similar to both p a b c (older) and x y <*> <*>: the one with more wildcards wins
    assertEquals(t2, miner.add("x y b c").templateId());
    assertEquals("p a b c", miner.template(t1).template());
  }

  @Test
  void linesShorterThanTheTreeNeverGeneralise() {
    // depth 5: a line needs 3 tokens to reach a leaf
    TemplateMiner miner = miner(0.1, 5, 100);
    int a = miner.add("kernel panic").templateId();
    int b = miner.add("kernel oops").templateId();
    int c = miner.add("kernel panic").templateId();
    assertNotEquals(a, b);
    assertEquals(a, c, "identical short lines share a template");
    assertEquals("kernel oops", miner.template(b).template());
  }

  @Test
  void tokensWithDigitsAndOverflowingChildrenGoUnderTheWildcardChild() {
    // depth 4 routes on the first token; at most 3 children per node
    TemplateMiner miner = miner(0.5, 4, 3);
    int w1 = miner.add("alpha same tail x").templateId();
    int w2 = miner.add("beta same tail x").templateId();
    int w3 = miner.add("gamma same tail x").templateId();
    int w4 = miner.add("delta same tail x").templateId();
    int d1 = miner.add("7up same tail x").templateId();
    assertNotEquals(w1, w2, "alpha and beta have leaves of their own");
    assertEquals(w3, w4, "the third child is the wildcard, and delta overflows into it");
    assertEquals(w3, d1, "a token with a digit routes to the wildcard child");
    assertEquals("<*> same tail x", miner.template(w3).template());
  }

  @Test
  void maskingRegexesReplaceMatchesBeforeTokenising() {
    TemplateMiner miner = miner(0.5, 4, 100, "blk_-?\\d+", "(\\d+\\.){3}\\d+(:\\d+)?");
    TemplateMatch m = miner.add("Served block blk_-42 to 10.0.0.1:50010");
    assertEquals("Served block <*> to <*>", m.template());
    assertEquals(Optional.of(List.of("blk_-42", "10.0.0.1:50010")),
        miner.parameters("Served block blk_-42 to 10.0.0.1:50010"));
  }

  @Test
  void parametersFollowMaskedPartsOfTokens() {
    TemplateMiner miner = miner(0.5, 4, 100, "\\d+");
    miner.add("PacketResponder 1 for block blk_38865049064139660 terminating");
    assertEquals(Optional.of(List.of("2", "-77")),
        miner.parameters("PacketResponder 2 for  block blk_-77 terminating"));
    assertEquals(Optional.empty(), miner.parameters("something else entirely"));
  }

  @Test
  void matchDoesNotLearn() {
    TemplateMiner miner = miner(0.5, 4, 100);
    assertEquals(Optional.empty(), miner.match("nothing here yet"));
    miner.add("nothing here yet");
    assertEquals("nothing here yet", miner.match("nothing here yet").orElseThrow().template());
    assertEquals(1, miner.templates().get(0).count());
  }

  @Test
  void invalidSettingsNameTheField() {
    assertEquals("depth", assertThrows(ConfigurationException.class, () -> miner(0.5, 2, 100)).field());
    assertEquals("similarityThreshold", assertThrows(ConfigurationException.class, () -> miner(1.5, 4, 100)).field());
    assertEquals("maxChildren", assertThrows(ConfigurationException.class, () -> miner(0.5, 4, 0)).field());
    ConfigurationException regex = assertThrows(ConfigurationException.class, () -> miner(0.5, 4, 100, "(unclosed"));
    assertEquals("maskingRegexes[0]", regex.field());
  }
}
