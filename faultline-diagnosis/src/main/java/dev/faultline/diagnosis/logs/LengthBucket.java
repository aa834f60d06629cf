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
  /** Lines too short to reach a leaf of the tree, by their exact text: they are never generalised. */
  final Map<String, Cluster> shortLines = new HashMap<>();

  LengthBucket(int length) {
    this.length = length;
  }
}
