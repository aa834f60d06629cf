package dev.faultline.core.circuitbreaker;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A time-based sliding window: the outcomes of the calls that ended in the last {@code size} seconds of the clock, in
 * one bucket per second, lock-free.
 *
 * <h2>Concurrency design</h2>
 * <ul>
 *   <li>Second {@code s} (counted from {@code originNanos}; 32 bits last 136 years) goes to bucket
 *       {@code s % size}, taken by multiplication ({@link Divisor}). Each bucket has three
 *       counters in {@code cells} (calls, failures, slow calls); each counter is one long stamped with the second it
 *       counts: {@code second << 32 | count}. Counters are independent: no invariant spans two of them.
 *   <li>A writer for second {@code s} adds 1 atomically if the stamp is {@code s}; replaces a stamp older than
 *       {@code s} with {@code s << 32 | 1} by compare-and-set (the first writer of a second resets the bucket, and no
 *       writer ever sees a half-reset bucket); and drops its outcome if the stamp is newer, because a stamp newer than
 *       {@code s} in the same bucket means second {@code s} has already left the window.
 *   <li>A reader sums the buckets whose calls are stamped within the last {@code size} seconds, reading each bucket's
 *       failures and slow calls before its calls: a writer adds the call first, so a reader paused between two reads
 *       sees at least the calls of the failures it counted, never a second's failures against an older count of its
 *       calls (which, with 100% failures as the threshold, opened a breaker that saw 20% of failures). It counts a
 *       bucket's failures and slow calls only when they carry the stamp of the calls it read: an older stamp means
 *       none yet in that second, or a bucket reset for a new second between the reads (whose old failures, counted
 *       against the new second's first calls, opened a breaker that never saw its threshold), or a writer of a second
 *       that had already left. The rates are still clamped to 1: a writer whose add of 1 follows its read of the stamp
 *       may, if a reset came between the two, count one outcome in the newer second.
 *   <li>The window is judged (a scan of every bucket) after a failure or a slow call, after a writer reset a bucket
 *       (a new second began, so old buckets left the window and a rate may have risen), and while the last judgement
 *       found fewer than the minimum number of calls ({@code belowMinimum}, a hint: a stale value only delays the
 *       judgement to the next failure or second). A fast success in an established second is one clock read, one read
 *       and one atomic add.
 * </ul>
 */
final class TimeWindow implements Window {
  private static final VarHandle CELLS = MethodHandles.arrayElementVarHandle(long[].class);
  private static final long NANOS_PER_SECOND = 1_000_000_000L;
  private static final long COUNT_MASK = 0xFFFF_FFFFL;

  private final long[] cells;
  private final int size;
  private final Divisor buckets;
  private final long originNanos;
  private final Thresholds thresholds;
  private volatile boolean belowMinimum = true;
  /** Run by a reader after each bucket's first read: a test's stand-in for a reader paused there; null otherwise. */
  private final Runnable afterFirstRead;

  TimeWindow(int size, long originNanos, Thresholds thresholds) {
    this(size, originNanos, thresholds, null);
  }

  TimeWindow(int size, long originNanos, Thresholds thresholds, Runnable afterFirstRead) {
    this.cells = new long[size * 3];
    this.size = size;
    this.buckets = new Divisor(size);
    this.originNanos = originNanos;
    this.thresholds = thresholds;
    this.afterFirstRead = afterFirstRead;
  }

  private long second(long nowNanos) {
    return Math.max(0L, (nowNanos - originNanos) / NANOS_PER_SECOND);
  }

  @Override
  public boolean record(int outcome, long nowNanos) {
    long second = second(nowNanos);
    int base = buckets.remainder(second) * 3;
    boolean reset = add(base, second);
    if ((outcome & FAILURE) != 0) {
      reset |= add(base + 1, second);
    }
    if ((outcome & SLOW) != 0) {
      reset |= add(base + 2, second);
    }
    if (outcome != 0 || reset || belowMinimum) {
      return judge(second);
    }
    return false;
  }

  /** Counts one in cell {@code index} for {@code second}; returns whether this call reset the cell to a new second. */
  private boolean add(int index, long second) {
    while (true) {
      long stamped = (long) CELLS.getVolatile(cells, index);
      long stamp = stamped >>> 32;
      if (stamp == second) {
        CELLS.getAndAdd(cells, index, 1L);
        return false;
      }
      if (stamp > second) {
        return false;
      }
      if (CELLS.compareAndSet(cells, index, stamped, (second << 32) | 1L)) {
        return true;
      }
    }
  }

  private boolean judge(long second) {
    WindowCounts counts = counts(second);
    belowMinimum = counts.calls() < thresholds.minimumCalls;
    return thresholds.reached(counts.calls(), counts.failures(), counts.slowCalls());
  }

  /**
   * The counts of the window ending with {@code second}: each bucket's failures and slow calls are read before its
   * calls, and counted only when stamped with the second of the calls read (see the class comment).
   */
  private WindowCounts counts(long second) {
    long oldest = second - size + 1;
    long calls = 0;
    long failures = 0;
    long slowCalls = 0;
    for (int i = 0; i < cells.length; i += 3) {
      long failed = (long) CELLS.getVolatile(cells, i + 1);
      if (afterFirstRead != null) {
        afterFirstRead.run();
      }
      long slow = (long) CELLS.getVolatile(cells, i + 2);
      long called = (long) CELLS.getVolatile(cells, i);
      long stamp = called >>> 32;
      if (stamp >= oldest) {
        calls += called & COUNT_MASK;
        failures += (failed >>> 32) == stamp ? failed & COUNT_MASK : 0L;
        slowCalls += (slow >>> 32) == stamp ? slow & COUNT_MASK : 0L;
      }
    }
    return new WindowCounts(calls, Math.min(calls, failures), Math.min(calls, slowCalls));
  }

  @Override
  public WindowCounts snapshot(long nowNanos) {
    return counts(second(nowNanos));
  }
}
