package dev.faultline.diagnosis.logs;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The part of the prefix tree that holds the templates of one token count, with its own lock.
 *
 * <p>Concurrency: Drain's first tree level is the token count, and a line only ever reads or changes the subtree of
 * its own count, so each count is a lock stripe: every field here, and the mutable fields of the clusters listed in
 * {@link #clusters}, are guarded by this object's monitor. Lines of different lengths are mined in parallel.
 */
final class LengthBucket {
  /** A node of the fixed-depth prefix tree: inner nodes have children, nodes at the last level have clusters. */
  static final class Node {
    Map<String, Node> children;
    List<Cluster> clusters;

    Node child(String token) {
      return children == null ? null : children.get(token);
    }

    int childCount() {
      return children == null ? 0 : children.size();
    }

    Node addChild(String token) {
      if (children == null) {
        children = new HashMap<>();
      }
      Node node = new Node();
      children.put(token, node);
      return node;
    }
  }

  final int length;
  final Node root = new Node();
  /** Every cluster of this length, in order of creation. */
  final List<Cluster> clusters = new ArrayList<>();
  /** Drain mode: lines too short to reach a leaf of the tree, by their exact text; they are never generalised. */
  final Map<String, Cluster> shortLines = new HashMap<>();
  /** Default mode: the live templates by their leading token, in order of creation. */
  final Map<String, List<Cluster>> byLead = new HashMap<>();
  /** Default mode: the live templates whose leading token holds a wildcard (or that have no token), by creation. */
  final List<Cluster> wildLead = new ArrayList<>();

  LengthBucket(int length) {
    this.length = length;
  }

  /** Default mode: indexes a live template by its leading token. */
  void index(Cluster c) {
    String[] t = c.template;
    if (t.length == 0 || t[0].contains(TemplateMiner.WILDCARD)) {
      insertById(wildLead, c);
    } else {
      insertById(byLead.computeIfAbsent(t[0], k -> new ArrayList<>()), c);
    }
  }

  /** Default mode: drops a template from the index (it was merged, or its leading token is about to change). */
  void unindex(Cluster c) {
    String[] t = c.template;
    if (t.length == 0 || t[0].contains(TemplateMiner.WILDCARD)) {
      wildLead.remove(c);
    } else {
      List<Cluster> list = byLead.get(t[0]);
      list.remove(c);
      if (list.isEmpty()) {
        byLead.remove(t[0]);
      }
    }
  }

  /** Default mode: gives a live template a new template array, keeping the index right. */
  void retemplate(Cluster c, String[] template) {
    if (template == c.template) {
      return;
    }
    boolean leadChanges = template.length > 0 && !template[0].equals(c.template[0]);
    if (leadChanges) {
      unindex(c);
    }
    c.template = template;
    if (leadChanges) {
      index(c);
    }
  }

  private static void insertById(List<Cluster> list, Cluster c) {
    int i = list.size();
    while (i > 0 && list.get(i - 1).id > c.id) {
      i--;
    }
    list.add(i, c);
  }
}
