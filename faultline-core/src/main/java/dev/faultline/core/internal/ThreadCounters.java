package dev.faultline.core.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * A fixed number of counters that many threads add to and few read, without an atomic instruction on the adding
 * path: each thread adds to a {@link Cell} of its own with plain stores, and a {@linkplain #sum sum} reads every cell.
 *
 * <p>Why not {@link java.util.concurrent.atomic.LongAdder}: an uncontended adder still updates its base with a
 * compare-and-set (a locked instruction, several nanoseconds), and a policy's success path counts on every call. Here
 * a call costs a thread-local lookup and a store; the thread-local lookup is shared by the counters of one policy
 * ({@link #cell()} once, then {@link Cell#increment} for each counter).
 *
 * <pre>
 * Cell.counts[i] (long, array VarHandle): written by the cell's owner thread only (opaque load + opaque store);
 *   read by sums (opaque). The shared cell (owner null) is written by atomic add.
 * cells, count, retired: guarded by this object's monitor (sums hold it too, so that a cell is counted once
 *   whether or not it is being retired). A thread registers its cell on first use. When the array is full, the
 *   cells of threads that have ended are folded into retired and dropped (a thread's last action happens-before
 *   another thread sees isAlive() false); past MAX_CELLS live cells, new threads share one atomic cell.
 * </pre>
 * A sum is not atomic across cells or counters: it is exact once the adding threads are quiet, and otherwise some
 * value the counter had while the sum ran. Thread-safe.
 */
public final class ThreadCounters {
  /** Live cells beyond which new threads add to one shared, atomic cell (bounds memory and the cost of a sum). */
  public static final int MAX_CELLS = 1024;

  private static final VarHandle COUNTS = MethodHandles.arrayElementVarHandle(long[].class);

  private final int width;
  private final ThreadLocal<Cell> local = ThreadLocal.withInitial(this::register);
  private final Cell shared;
  private final long[] retired;
  private Cell[] cells = new Cell[8];
  private int count;

  /** {@code width} counters, numbered from 0, all zero. */
  public ThreadCounters(int width) {
    if (width < 1) {
      throw new IllegalArgumentException("width must be at least 1: " + width);
    }
    this.width = width;
    this.shared = new Cell(null, width);
    this.retired = new long[width];
  }

  /** The calling thread's cell; keep it in a local variable for the counts of one call. */
  public Cell cell() {
    return local.get();
  }

  /** Adds one to counter {@code index} in the calling thread's cell. */
  public void increment(int index) {
    local.get().increment(index);
  }

  /** The current value of counter {@code index}: the sum over every cell, see the class comment. */
  public synchronized long sum(int index) {
    long total = retired[index] + (long) COUNTS.getVolatile(shared.counts, index);
    for (int i = 0; i < count; i++) {
      total += (long) COUNTS.getOpaque(cells[i].counts, index);
    }
    return total;
  }

  private synchronized Cell register() {
    if (count == cells.length) {
      retireEnded();
      if (count > cells.length * 3 / 4) {
        if (cells.length >= MAX_CELLS) {
          return shared;
        }
        cells = Arrays.copyOf(cells, Math.min(MAX_CELLS, cells.length * 2));
      }
    }
    Cell cell = new Cell(Thread.currentThread(), width);
    cells[count++] = cell;
    return cell;
  }

  /** Folds the cells of threads that have ended into {@code retired}. Called under the monitor. */
  private void retireEnded() {
    int kept = 0;
    for (int i = 0; i < count; i++) {
      Cell cell = cells[i];
      if (cell.owner.isAlive()) {
        cells[kept++] = cell;
      } else {
        for (int c = 0; c < width; c++) {
          retired[c] += (long) COUNTS.getOpaque(cell.counts, c);
        }
      }
    }
    Arrays.fill(cells, kept, count, null);
    count = kept;
  }

  /** One thread's counters (or the shared, atomic ones). Thread-safe for its owner; see {@link ThreadCounters}. */
  public static final class Cell {
    private final Thread owner;
    private final long[] counts;

    private Cell(Thread owner, int width) {
      this.owner = owner;
      this.counts = new long[width];
    }

    /** Adds one to counter {@code index}; call only from the thread whose {@link ThreadCounters#cell()} this is. */
    public void increment(int index) {
      if (owner == null) {
        COUNTS.getAndAdd(counts, index, 1L);
      } else {
        COUNTS.setOpaque(counts, index, (long) COUNTS.getOpaque(counts, index) + 1);
      }
    }
  }
}
