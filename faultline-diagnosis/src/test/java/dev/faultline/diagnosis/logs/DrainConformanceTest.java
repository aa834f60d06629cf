package dev.faultline.diagnosis.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code drain} mode reproduces the reference Drain's grouping accuracy on every Loghub-2k sample present. */
class DrainConformanceTest {

  @Test
  void reproducesReferenceGroupingAccuracy() throws Exception {
    List<String> failures = new ArrayList<>();
    StringBuilder table = new StringBuilder(String.format("%n%-12s %9s %9s %9s %9s%n", "drain mode", "ref GA", "GA",
        "ref F1", "F1"));
    for (LoghubData.Sample sample : LoghubData.samples()) {
      TemplateMiner miner = TemplateMiner.drain().maskingRegexes(sample.regexes())
          .similarityThreshold(sample.threshold()).depth(sample.depth()).maxChildren(sample.maxChildren()).build();
      ParsedLog parsed = new LogFileParser(LogFormat.compile(sample.logFormat()), miner).parse(sample.log());
      assertEquals(0, parsed.skippedCount(), sample.system() + ": lines skipped " + parsed.skippedLines());
      GroupingScore score = GroupingScore.of(sample.truth(), parsed.templates());
      table.append(String.format("%-12s %9.4f %9.4f %9.6f %9.6f%n", sample.system(), sample.referenceAccuracy(),
          score.accuracy(), sample.referenceF1(), score.f1()));
      if (Math.round(score.accuracy() * 10_000) != Math.round(sample.referenceAccuracy() * 10_000)) {
        failures.add(sample.system() + " GA " + score.accuracy() + " != " + sample.referenceAccuracy());
      }
    }
    System.out.print(table);
    assertTrue(failures.isEmpty(), failures + table.toString());
  }
}
