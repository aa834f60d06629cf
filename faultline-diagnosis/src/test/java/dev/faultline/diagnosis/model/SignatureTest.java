package dev.faultline.diagnosis.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.ConfigurationException;
import dev.faultline.diagnosis.logs.TemplateMiner;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What each kind of signature matches, and the failure mode's component filter. */
class SignatureTest {
  private static final Instant T = Instant.parse("2026-03-01T10:00:00Z");

  private static Observation line(String text) {
    return Observation.of("db", T).withLogLine(text);
  }

  @Test
  void aLogTemplateMatchesLinesWordForWordWithWildcardsInsideWords() {
    Signature.LogTemplate t = new Signature.LogTemplate("Connection to <*> refused (id=<*>) after <*> ms");
    assertTrue(t.matches(line("Connection to 10.0.0.7:5432 refused (id=42) after 3000 ms")));
    assertTrue(t.matches(line("  Connection to db-1 refused (id=x-9)\tafter 12 ms ")));
    assertTrue(t.matches(line("Connection to <*> refused (id=<*>) after <*> ms")));
    assertFalse(t.matches(line("Connection to db-1 refused (id=) after 12 ms")), "a wildcard needs a character");
    assertFalse(t.matches(line("Connection to db 1 refused (id=4) after 12 ms")), "a wildcard is one word");
    assertFalse(t.matches(line("Connection to db-1 refused [id=4] after 12 ms")), "literals are quoted, not regex");
    assertFalse(t.matches(Observation.of("db", T)));
    assertTrue(new Signature.LogTemplate("Disk at 9.5% (a+b)*").matches(line("Disk at 9.5% (a+b)*")));
    assertFalse(new Signature.LogTemplate("Disk at 9.5% (a+b)*").matches(line("Disk at 9x5% (a+b)*")));
  }

  @Test
  void aLineBuiltToStallABacktrackingMatcherIsJudgedInLinearTime() {
    // Several wildcards in one word with literals between them, and a long word that almost fits: a backtracking
    // regex tries every way to cut the word (36 s at 400 pairs, growing as their cube); this line has 20,000.
    Signature.LogTemplate t = new Signature.LogTemplate("Connect to <*>.<*>.<*>.<*> failed");
    String word = "1.".repeat(20_000);
    assertFalse(t.matches(line("Connect to " + word + " refused")));
    assertTrue(t.matches(line("Connect to " + word + " failed")));
    assertTrue(t.matches(line("Connect to 10.0.0.7 failed")));
    assertFalse(t.matches(line("Connect to 10.0.0. failed")), "each wildcard needs a character");
    assertFalse(t.matches(line("Connect to 10.0.7 failed")));
    Signature.LogTemplate glued = new Signature.LogTemplate("id <*><*>x<*>");
    assertTrue(glued.matches(line("id abxc")));
    assertFalse(glued.matches(line("id axc")), "two wildcards side by side need two characters");
    assertFalse(glued.matches(line("id abx")));
    assertFalse(glued.matches(line("id abxc extra")), "as many words as the template");
  }

  @Test
  void aTemplateMatchesTheLinesItWasMinedFromWhateverTheirWhiteSpace() {
    // The miners split words at Python's white space, which holds no-break and typographic spaces.
    TemplateMiner miner = TemplateMiner.drain().build();
    miner.add("Disk\u00a0full on sda");
    String template = miner.add("Disk full\u2003on sdb").template();
    assertEquals("Disk full on <*>", template);
    Signature.LogTemplate t = new Signature.LogTemplate(template);
    assertTrue(t.matches(line("Disk\u00a0full on sda")));
    assertTrue(t.matches(line("Disk full\u2003on sdb")));
    assertTrue(t.matches(line("\u3000Disk full on sdc\u00a0")));
    assertFalse(t.matches(line("Disk full on sd\u00a0c")), "a wildcard is one word");
  }

  @Test
  void fingerprintsAndMetricConditionsMatchExactly() {
    Signature.Fingerprint f = new Signature.Fingerprint("c0ffee");
    assertTrue(f.matches(Observation.of("db", T).withFingerprint("c0ffee")));
    assertFalse(f.matches(Observation.of("db", T).withFingerprint("c0ffe")));
    Signature.MetricCondition low = Signature.MetricCondition.atMost("disk.free.ratio", 0.05);
    assertTrue(low.matches(Observation.of("db", T).withMetric("disk.free.ratio", 0.05)));
    assertFalse(low.matches(Observation.of("db", T).withMetric("disk.free.ratio", 0.06)));
    assertFalse(low.matches(Observation.of("db", T).withMetric("disk.used", 0.01)));
    assertEquals("metric disk.free.ratio <= 0.05", low.describe());
    assertThrows(ConfigurationException.class, () -> new Signature.Fingerprint(""));
  }

  @Test
  void aFailureModeOfOneComponentIgnoresOthers() {
    FailureMode mode = new FailureMode("disk full", "db", Signature.MetricCondition.atMost("disk.free.ratio", 0.05),
        List.of("delete old segments"));
    assertTrue(mode.matches(Observation.of("db", T).withMetric("disk.free.ratio", 0.01)));
    assertFalse(mode.matches(Observation.of("cache", T).withMetric("disk.free.ratio", 0.01)));
    assertEquals("failure mode disk full signature", assertThrows(ConfigurationException.class,
        () -> new FailureMode("disk full", "db", null, List.of())).field());
  }
}
