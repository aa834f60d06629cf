package dev.faultline.core.circuitbreaker;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A count-based sliding window: the outcomes of the last {@code size} calls, lock-free.
 *
 * <h2>Concurrency design</h2>
 * <ul>
 *   <li>{@code sequence} (atomic add) hands each record a unique position; the position modulo {@code size} is its
 *       slot in {@code ring}.
 *   <li>{@code ring} holds one byte per slot: 0 while empty, else {@code PRESENT | outcome}. A slot changes only by an
 *       atomic {@code getAndSet}, so every outcome that enters a slot leaves it exactly once.
 *   <li>{@code aggregate} holds the calls, failures and slow calls of the ring, {@link Packed packed} in one long. The
 *       thread that swapped a slot adds {@code contribution(new) - contribution(old)} with one atomic add, so once the
 *       writers in flight have finished, {@code aggregate} equals the sum over the ring exactly. While they run it may
 *       miss or hold twice at most one outcome per writer in flight; each writer judges the thresholds on the value
 *       its own add returned, so the last writer always judges the complete window.
 *   <li>A fast success whose slot already holds a fast success changes nothing: it takes its position and returns
 *       without writing, so the steady success path is one atomic add and one read. If another writer changes the slot
 *       meanwhile, the window stays consistent: it is as if that writer had come second.
 * </ul>
 * Writers that lap each other (more than {@code size} records in flight) may leave an older outcome in a slot instead of
 * a newer one; the window stays consistent and within one outcome per writer of the exact last {@code size} calls.
 * The hot {@code sequence} field is padded against false sharing with the breaker's read-mostly fields.
 */
final class CountWindow extends CountWindowPaddingAfter implements Window {
  private static final VarHandle RING = MethodHandles.arrayElementVarHandle(byte[].class);
  private static final VarHandle AGGREGATE;
  private static final byte PRESENT = 4;
  /** The packed contribution of each ring byte: nothing for an empty slot. */
  private static final long[] CONTRIBUTION = new long[8];

  static {
    try {
      AGGREGATE = MethodHandles.lookup().findVarHandle(CountWindow.class, "aggregate", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
    for (int outcome = 0; outcome < 4; outcome++) {
      CONTRIBUTION[PRESENT | outcome] = Packed.of(outcome);
    }
  }

  private final byte[] ring;
  private final int size;
  private final Thresholds thresholds;
  @SuppressWarnings("unused") // updated through AGGREGATE
  private volatile long aggregate;

  CountWindow(int size, Thresholds thresholds) {
    this.ring = new byte[size];
    this.size = size;
    this.thresholds = thresholds;
  }

  @Override
  public boolean record(int outcome, long nowNanos) {
    long position = (long) SEQUENCE.getAndAdd(this, 1L);
    int slot = (int) (position % size);
    byte stored = (byte) (PRESENT | outcome);
    if ((byte) RING.getOpaque(ring, slot) == stored) {
      return outcome != 0 && reached(aggregate);
    }
    byte previous = (byte) RING.getAndSet(ring, slot, stored);
    long delta = CONTRIBUTION[stored] - CONTRIBUTION[previous];
    if (delta == 0) {
      return outcome != 0 && reached(aggregate);
    }
    return reached((long) AGGREGATE.getAndAdd(this, delta) + delta);
  }

  private boolean reached(long packed) {
    return thresholds.reached(Packed.calls(packed), Packed.failures(packed), Packed.slowCalls(packed));
  }

  @Override
  public WindowCounts snapshot(long nowNanos) {
    return Packed.counts(aggregate);
  }

  /** The counts found by reading every slot; equals {@link #snapshot} when no writer is in flight. For tests. */
  WindowCounts recount() {
    long packed = 0;
    for (int slot = 0; slot < size; slot++) {
      packed += CONTRIBUTION[(byte) RING.getVolatile(ring, slot)];
    }
    return Packed.counts(packed);
  }
}

/** Padding before the hot sequence field. */
abstract class CountWindowPaddingBefore {
  long p00, p01, p02, p03, p04, p05, p06, p07;
  long p08, p09, p10, p11, p12, p13, p14, p15;
}

/** The hot sequence field; superclass fields are laid out first, so the padding classes surround it. */
abstract class CountWindowSequence extends CountWindowPaddingBefore {
  static final VarHandle SEQUENCE;

  static {
    try {
      SEQUENCE = MethodHandles.lookup().findVarHandle(CountWindowSequence.class, "sequence", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  @SuppressWarnings("unused") // updated through SEQUENCE
  private volatile long sequence;
}

/** Padding after the hot sequence field. */
abstract class CountWindowPaddingAfter extends CountWindowSequence {
  long q00, q01, q02, q03, q04, q05, q06, q07;
  long q08, q09, q10, q11, q12, q13, q14, q15;
}
