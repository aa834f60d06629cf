package dev.faultline.diagnosis.logs;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How well a parse groups log lines compared with ground-truth event ids, scored as the Loghub benchmark scores it;
 * immutable and thread-safe.
 *
 * <p>Pairwise scores count the pairs of lines put in one group: precision is the share of parsed pairs that are also
 * true pairs, recall the share of true pairs that were found. Grouping accuracy is the share of lines whose parsed
 * group holds exactly the lines of their true group. Lines whose true event id is missing are left out. A score
 * whose denominator is zero (no pairs at all) is NaN, where the reference would divide by zero.
 *
 * @param precision pairwise precision
 * @param recall pairwise recall
 * @param f1 the harmonic mean of pairwise precision and recall
 * @param accuracy grouping accuracy
 */
public record GroupingScore(double precision, double recall, double f1, double accuracy) {

  /**
   * Scores a parse: {@code parsed.get(i)} is the event id given to line {@code i}, {@code truth.get(i)} its true one,
   * or null when the line has none.
   *
   * @throws IllegalArgumentException if the lists differ in length or a parsed id is null
   */
  public static GroupingScore of(List<String> truth, List<String> parsed) {
    if (truth.size() != parsed.size()) {
      throw new IllegalArgumentException("ground truth has " + truth.size() + " lines but the parse has "
          + parsed.size());
    }
    Map<String, Integer> trueSizes = new HashMap<>();
    Map<String, Map<String, Integer>> groups = new HashMap<>();
    int lines = 0;
    for (int i = 0; i < truth.size(); i++) {
      String t = truth.get(i);
      if (t == null) {
        continue;
      }
      String p = parsed.get(i);
      if (p == null) {
        throw new IllegalArgumentException("line " + (i + 1) + " has no parsed event id");
      }
      lines++;
      trueSizes.merge(t, 1, Integer::sum);
      groups.computeIfAbsent(p, k -> new HashMap<>()).merge(t, 1, Integer::sum);
    }
    double truePairs = 0;
    for (int size : trueSizes.values()) {
      truePairs += pairs(size);
    }
    double parsedPairs = 0;
    double correctPairs = 0;
    long correctLines = 0;
    for (Map<String, Integer> group : groups.values()) {
      int size = 0;
      for (Map.Entry<String, Integer> e : group.entrySet()) {
        size += e.getValue();
        correctPairs += pairs(e.getValue());
      }
      parsedPairs += pairs(size);
      if (group.size() == 1) {
        Map.Entry<String, Integer> only = group.entrySet().iterator().next();
        if (trueSizes.get(only.getKey()).intValue() == size) {
          correctLines += size;
        }
      }
    }
    double precision = correctPairs / parsedPairs;
    double recall = correctPairs / truePairs;
    double f1 = 2 * precision * recall / (precision + recall);
    double accuracy = lines == 0 ? Double.NaN : (double) correctLines / lines;
    return new GroupingScore(precision, recall, f1, accuracy);
  }

  private static double pairs(int n) {
    return n > 1 ? (double) n * (n - 1) / 2 : 0;
  }
}
