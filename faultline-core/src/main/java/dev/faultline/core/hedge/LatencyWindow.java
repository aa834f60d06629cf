package dev.faultline.core.hedge;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The last {@code size} latencies, in a lock-free ring, and a cached percentile of them.
 *
 * <p>Concurrency: any thread may {@link #record}. {@code recorded} hands out ring slots (getAndIncrement), so
 * concurrent writers never share a slot within one lap; {@code ring} slots are written and read atomically and start at
 * {@code -1}, "not written yet", which readers skip. {@code refreshing} is a try-lock (compareAndSet) that guards
 * {@code scratch}: the thread that takes it copies the ring into {@code scratch}, sorts it and publishes the percentile
 * through the volatile {@code percentile}; a thread that finds it taken skips its refresh, so under contention the
 * cached value may lag by a few samples. Readers only read {@code percentile}. Thread-safe.
 */
final class LatencyWindow {
  private static final long UNSET = -1;

  private final AtomicLongArray ring;
  private final AtomicLong recorded = new AtomicLong();
  private final AtomicBoolean refreshing = new AtomicBoolean();
  private final long[] scratch;
  private final double percentileOf100;
  private final int minSamples;
  private final int refreshEvery;
  private volatile long percentile = UNSET;

  /** A window of {@code size} latencies whose {@code percentile} (0 to 100] is used once {@code minSamples} exist. */
  LatencyWindow(int size, double percentile, int minSamples) {
    this.ring = new AtomicLongArray(size);
    for (int i = 0; i < size; i++) {
      ring.set(i, UNSET);
    }
    this.scratch = new long[size];
    this.percentileOf100 = percentile;
    this.minSamples = minSamples;
    this.refreshEvery = Math.max(1, size / 16);
  }

  /** Records one latency (negative readings count as zero). */
  void record(long nanos) {
    long index = recorded.getAndIncrement();
    ring.set((int) (index % ring.length()), Math.max(0, nanos));
    long count = index + 1;
    if (count == minSamples || (count > minSamples && count % refreshEvery == 0)) {
      refresh(count);
    }
  }

  /** The percentile of the window, or -1 until {@code minSamples} latencies were recorded. */
  long percentileNanos() {
    return percentile;
  }

  /** How many latencies were recorded in all. */
  long recorded() {
    return recorded.get();
  }

  private void refresh(long count) {
    if (!refreshing.compareAndSet(false, true)) {
      return;
    }
    try {
      int slots = (int) Math.min(count, ring.length());
      int n = 0;
      for (int i = 0; i < slots; i++) {
        long value = ring.get(i);
        if (value != UNSET) {
          scratch[n++] = value;
        }
      }
      if (n == 0) {
        return;
      }
      Arrays.sort(scratch, 0, n);
      // Nearest rank; multiplying before dividing keeps ranks such as 95 * 20 / 100 exact.
      int rank = (int) Math.ceil(percentileOf100 * n / 100.0);
      percentile = scratch[Math.min(n, Math.max(1, rank)) - 1];
    } finally {
      refreshing.set(false);
    }
  }
}
