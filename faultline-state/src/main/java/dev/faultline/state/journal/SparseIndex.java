package dev.faultline.state.journal;

import java.util.Arrays;

/**
 * A sparse map from sequence to file offset inside one segment: one entry about every {@link #SPACING} bytes, so that
 * reading from a sequence skips most of a segment. Thread-safe: {@code this} guards the arrays and {@code size};
 * {@code lastOffset} (the offset of the last entry, written under the lock) lets {@link #maybeAdd} skip the lock for
 * the many frames that are too close to the last entry, as every append and every scanned frame asks.
 */
final class SparseIndex {
  static final long SPACING = 64 * 1024;

  private long[] sequences = new long[8];
  private long[] offsets = new long[8];
  private int size;
  private volatile long lastOffset = -SPACING;

  /** Records that {@code sequence} starts at {@code offset} if the last entry is far enough behind. */
  void maybeAdd(long sequence, long offset) {
    if (offset - lastOffset < SPACING) {
      return;
    }
    add(sequence, offset);
  }

  private synchronized void add(long sequence, long offset) {
    if (size > 0 && offset - offsets[size - 1] < SPACING) {
      return;
    }
    if (size == sequences.length) {
      sequences = Arrays.copyOf(sequences, size * 2);
      offsets = Arrays.copyOf(offsets, size * 2);
    }
    sequences[size] = sequence;
    offsets[size] = offset;
    size++;
    lastOffset = offset;
  }

  /** The entry with the greatest sequence at most {@code sequence}, as {sequence, offset}; null if none. */
  synchronized long[] floor(long sequence) {
    int low = 0;
    int high = size - 1;
    int found = -1;
    while (low <= high) {
      int mid = (low + high) >>> 1;
      if (sequences[mid] <= sequence) {
        found = mid;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return found < 0 ? null : new long[] {sequences[found], offsets[found]};
  }

  /** Forgets the entries for sequences above {@code sequence}. */
  synchronized void truncateAfter(long sequence) {
    while (size > 0 && sequences[size - 1] > sequence) {
      size--;
    }
    lastOffset = size > 0 ? offsets[size - 1] : -SPACING;
  }
}
