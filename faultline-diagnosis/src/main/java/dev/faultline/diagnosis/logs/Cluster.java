package dev.faultline.diagnosis.logs;

/**
 * One mined template and the lines it holds.
 *
 * <p>Concurrency: every field but {@link #id} and {@link #key} is written only under the lock of the
 * {@link LengthBucket} that owns the cluster; they are volatile so that readers outside the lock see a consistent
 * template (a new array is published on each change, never mutated in place).
 */
final class Cluster {
  final int id;
  /** The tokens of the line that founded the cluster: its path in the prefix tree. */
  final String[] key;
  volatile String[] template;
  volatile long size;
  /** The cluster this one was merged into, or null. */
  volatile Cluster mergedInto;

  Cluster(int id, String[] key, String[] template, long size) {
    this.id = id;
    this.key = key;
    this.template = template;
    this.size = size;
  }

  /** The cluster that now holds this one's lines: itself unless it was merged. */
  Cluster resolve() {
    Cluster c = this;
    Cluster next;
    while ((next = c.mergedInto) != null) {
      c = next;
    }
    return c;
  }
}
