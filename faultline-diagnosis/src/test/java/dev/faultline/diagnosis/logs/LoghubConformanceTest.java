package dev.faultline.diagnosis.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Grouping accuracy on the Loghub-2k samples present in the shared data folder (skipped when it is absent): {@code drain}
 * mode reproduces the reference Drain's, and {@code default} mode, given only each log's header format, reaches at
 * least the reference on every system and a mean of at least 0.90. Each test prints its table.
 */
class LoghubConformanceTest {

  @Test
  void drainModeReproducesReferenceGroupingAccuracy() throws Exception {
    List<String> failures = new ArrayList<>();
    String table = table("drain mode", s -> TemplateMiner.drain(new DrainSettings(s.regexes(), s.threshold(), s.depth(),
        s.maxChildren())), (s, score) -> {
          if (Math.round(score.accuracy() * 10_000) != Math.round(s.referenceAccuracy() * 10_000)) {
            failures.add(s.system() + ": GA " + score.accuracy() + " but the reference has " + s.referenceAccuracy());
          }
        });
    assertTrue(failures.isEmpty(), failures + table);
  }

  @Test
  void defaultModeBeatsReferenceWithoutPerLogSettings() throws Exception {
    List<String> failures = new ArrayList<>();
    double[] sum = new double[2];
    String table = table("default mode", s -> TemplateMiner.standard(), (s, score) -> {
      sum[0] += score.accuracy();
      sum[1]++;
      if (score.accuracy() < s.referenceAccuracy()) {
        failures.add(s.system() + ": GA " + score.accuracy() + " below the reference " + s.referenceAccuracy());
      }
    });
    double mean = sum[0] / sum[1];
    System.out.printf("default mode mean GA %.4f over %d systems%n", mean, (int) sum[1]);
    assertTrue(failures.isEmpty(), failures + table);
    assertTrue(mean >= 0.90, "mean GA " + mean + table);
  }

  @Test
  void defaultModeDoesNotDependOnLineOrder() throws Exception {
    List<String> failures = new ArrayList<>();
    for (LoghubData.Sample sample : LoghubData.samples()) {
      LogFormat format = LogFormat.compile(sample.logFormat());
      List<String> contents = new ArrayList<>();
      for (String line : Files.readAllLines(sample.log())) {
        contents.add(format.parse(line).orElseThrow().content());
      }
      List<Integer> order = new ArrayList<>();
      for (int i = 0; i < contents.size(); i++) {
        order.add(i);
      }
      Collections.shuffle(order, new Random(1));
      TemplateMiner miner = TemplateMiner.standard();
      int[] ids = new int[contents.size()];
      for (int i : order) {
        ids[i] = miner.add(contents.get(i)).templateId();
      }
      List<String> parsed = new ArrayList<>();
      for (int id : ids) {
        parsed.add(miner.template(id).template());
      }
      double accuracy = GroupingScore.of(sample.truth(), parsed).accuracy();
      if (accuracy < sample.referenceAccuracy()) {
        failures.add(sample.system() + ": shuffled GA " + accuracy + " below " + sample.referenceAccuracy());
      }
    }
    assertTrue(failures.isEmpty(), failures.toString());
  }

  private interface Check {
    void accept(LoghubData.Sample sample, GroupingScore score);
  }

  private static String table(String title, Function<LoghubData.Sample, TemplateMiner> miners, Check check)
      throws Exception {
    StringBuilder table = new StringBuilder(String.format("%n%-12s %9s %9s %9s %9s%n", title, "ref GA", "GA", "ref F1",
        "F1"));
    for (LoghubData.Sample sample : LoghubData.samples()) {
      ParsedLog parsed = new LogFileParser(LogFormat.compile(sample.logFormat()), miners.apply(sample))
          .parse(sample.log());
      assertEquals(0, parsed.skippedCount(), sample.system() + ": lines not matching the format " + parsed.skippedLines());
      GroupingScore score = GroupingScore.of(sample.truth(), parsed.templates());
      table.append(String.format("%-12s %9.4f %9.4f %9.6f %9.6f%n", sample.system(), sample.referenceAccuracy(),
          score.accuracy(), sample.referenceF1(), score.f1()));
      check.accept(sample, score);
    }
    System.out.print(table);
    return table.toString();
  }
}
