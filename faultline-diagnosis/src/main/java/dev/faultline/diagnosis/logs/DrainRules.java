package dev.faultline.diagnosis.logs;

import dev.faultline.diagnosis.internal.PyText;
import java.util.ArrayList;
import java.util.List;

/**
 * The matching rules of {@code drain} mode, exactly those of the reference Drain (logpai/logparser); every method runs
 * under the lock of the bucket it is given.
 *
 * <p>Two behaviours of the reference are kept on purpose, because its published accuracy depends on them. A line
 * with fewer tokens than {@code depth - 2} never reaches a leaf of the tree, so it never joins a template: here such
 * lines share a template only when their tokens are identical, which gives the same grouping as the reference (whose
 * identical per-line templates share an event id). And a template's position in the tree stays where its first line
 * put it, however the template generalises afterwards.
 */
final class DrainRules {
  private static final String W = TemplateMiner.WILDCARD;

  private DrainRules() {}

  /** The template the tokens join, or null. */
  static Cluster search(LengthBucket bucket, String[] tokens, DrainSettings settings) {
    int leafDepth = settings.depth() - 2;
    if (tokens.length < leafDepth) {
      return bucket.shortLines.get(String.join(" ", tokens));
    }
    LengthBucket.Node node = bucket.root;
    for (int i = 0; i < leafDepth - 1; i++) {
      LengthBucket.Node next = node.child(tokens[i]);
      if (next == null) {
        next = node.child(W);
        if (next == null) {
          return null;
        }
      }
      node = next;
    }
    return node.clusters == null ? null : closest(node.clusters, tokens, settings.similarityThreshold());
  }

  /** The most similar template of a leaf (ties go to the one with more wildcards, then the older), if similar enough. */
  private static Cluster closest(List<Cluster> candidates, String[] tokens, double threshold) {
    double bestSimilarity = -1;
    int bestWildcards = -1;
    Cluster best = null;
    for (int c = 0, n = candidates.size(); c < n; c++) {
      Cluster cluster = candidates.get(c);
      String[] template = cluster.template;
      int same = 0;
      int wildcards = 0;
      for (int i = 0; i < template.length; i++) {
        String t = template[i];
        if (t.equals(W)) {
          wildcards++;
        } else if (t.equals(tokens[i])) {
          same++;
        }
      }
      double similarity = (double) same / template.length;
      if (similarity > bestSimilarity || (similarity == bestSimilarity && wildcards > bestWildcards)) {
        bestSimilarity = similarity;
        bestWildcards = wildcards;
        best = cluster;
      }
    }
    return bestSimilarity >= threshold ? best : null;
  }

  /** Puts a new cluster into its bucket's tree, exactly where the reference Drain would. */
  static void place(LengthBucket bucket, Cluster cluster, DrainSettings settings) {
    int leafDepth = settings.depth() - 2;
    String[] key = cluster.key;
    if (key.length < leafDepth) {
      bucket.shortLines.putIfAbsent(String.join(" ", key), cluster);
      return;
    }
    int maxChildren = settings.maxChildren();
    LengthBucket.Node node = bucket.root;
    for (int i = 0; i < leafDepth - 1; i++) {
      String token = key[i];
      LengthBucket.Node next = node.child(token);
      if (next == null) {
        LengthBucket.Node wildcard = node.child(W);
        if (PyText.hasDigit(token)) {
          next = wildcard != null ? wildcard : node.addChild(W);
        } else if (wildcard != null) {
          next = node.childCount() < maxChildren ? node.addChild(token) : wildcard;
        } else if (node.childCount() + 1 < maxChildren) {
          next = node.addChild(token);
        } else {
          next = node.addChild(W);
        }
      }
      node = next;
    }
    if (node.clusters == null) {
      node.clusters = new ArrayList<>();
    }
    node.clusters.add(cluster);
  }

  /** The template generalised to cover {@code tokens}: differing positions become wildcards; the same array if none. */
  static String[] generalise(String[] template, String[] tokens) {
    String[] out = null;
    for (int i = 0; i < template.length; i++) {
      String t = template[i];
      if (!t.equals(tokens[i]) && !t.equals(W)) {
        if (out == null) {
          out = template.clone();
        }
        out[i] = W;
      }
    }
    return out == null ? template : out;
  }
}
