package dev.faultline.diagnosis.logs;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Loghub-2k samples and the reference Drain settings in the shared test data folder, which is never copied into
 * the repository: tests that need it are skipped, saying so, when it is absent.
 */
final class LoghubData {
  /** Strings that pandas' {@code read_csv} reads as a missing value. */
  private static final Set<String> PANDAS_NA = Set.of("", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN",
      "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null");

  /** One system's sample and settings. */
  record Sample(String system, Path log, Path structured, String logFormat, List<String> regexes, double threshold,
      int depth, int maxChildren, double referenceF1, double referenceAccuracy) {

    /** The true event id of each line, null where missing. */
    List<String> truth() throws IOException {
      try (Reader in = Files.newBufferedReader(structured, StandardCharsets.UTF_8)) {
        List<List<String>> rows = Csv.read(in);
        int column = rows.get(0).indexOf("EventId");
        if (column < 0) {
          throw new IllegalStateException(structured + " has no EventId column");
        }
        List<String> ids = new ArrayList<>();
        for (List<String> row : rows.subList(1, rows.size())) {
          String id = row.get(column);
          ids.add(PANDAS_NA.contains(id) ? null : id);
        }
        return ids;
      }
    }
  }

  private LoghubData() {}

  /**
   * The shared data folder: the {@code faultline.shared.data} system property when that folder exists, else the
   * nearest {@code shared/data} folder above the working directory; the calling test is skipped when neither exists.
   */
  static Path sharedData() {
    String property = System.getProperty("faultline.shared.data");
    if (property != null && Files.isDirectory(Path.of(property))) {
      return Path.of(property);
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("shared").resolve("data");
      if (Files.isDirectory(candidate.resolve("loghub-2k"))) {
        return candidate;
      }
    }
    assumeTrue(false, "skipped: the shared test data folder (system property faultline.shared.data = " + property
        + ", or shared/data above " + Path.of("").toAbsolutePath() + ") is absent");
    throw new AssertionError("unreachable");
  }

  /** Every system whose sample is present, in the order of the settings file; skips the test when there is none. */
  @SuppressWarnings("unchecked")
  static List<Sample> samples() throws IOException {
    Path root = sharedData().resolve("loghub-2k");
    Path settingsFile = root.resolve("drain-benchmark-settings.json");
    assumeTrue(Files.isRegularFile(settingsFile), "skipped: " + settingsFile + " is absent");
    Map<String, Object> settings = (Map<String, Object>) MiniJson.parse(Files.readString(settingsFile));
    List<Sample> samples = new ArrayList<>();
    for (Map.Entry<String, Object> e : settings.entrySet()) {
      String system = e.getKey();
      Path log = root.resolve(system).resolve(system + "_2k.log");
      Path structured = root.resolve(system).resolve(system + "_2k.log_structured.csv");
      if (!Files.isRegularFile(log) || !Files.isRegularFile(structured)) {
        continue;
      }
      Map<String, Object> s = (Map<String, Object>) e.getValue();
      List<String> regexes = new ArrayList<>();
      for (Object r : (List<Object>) s.get("regex")) {
        regexes.add((String) r);
      }
      samples.add(new Sample(system, log, structured, (String) s.get("log_format"), regexes,
          (Double) s.get("similarity_threshold"), ((Double) s.get("depth")).intValue(),
          ((Double) s.get("max_children")).intValue(), (Double) s.get("reference_drain_pairwise_f1"),
          (Double) s.get("reference_drain_grouping_accuracy")));
    }
    assumeTrue(!samples.isEmpty(), "skipped: no Loghub-2k sample under " + root);
    return samples;
  }
}
