package dev.faultline.core.circuitbreaker;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A count-based sliding window: the outcomes of the last {@code size} calls, lock-free.
 *
 * <h2>Concurrency design</h2>
 * <ul>
 *   <li>{@code sequence} (atomic add, shared by every count window of a breaker so that it also counts the outcomes
 *       recorded) hands each record a unique position; the position modulo {@code size} is its slot in {@code ring}.
 *       The modulo is taken on the low 32 bits by multiplication ({@link Divisor}); once every 2^32 records this skips
 *       ahead in the ring, which only makes one slot keep an older outcome a little longer.
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
 */
final class CountWindow implements Window {
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

  private final Sequence sequence;
  private final byte[] ring;
  private final int size;
  private final Divisor slots;
  private final Thresholds thresholds;
  @SuppressWarnings("unused") // updated through AGGREGATE
  private volatile long aggregate;

  CountWindow(int size, Sequence sequence, Thresholds thresholds) {
    this.sequence = sequence;
    this.ring = new byte[size];
    this.size = size;
    this.slots = new Divisor(size);
    this.thresholds = thresholds;
  }

  /** The slot of {@code position}: {@code position mod 2^32 mod size}, by multiplication. */
  int slot(long position) {
    return slots.remainder(position);
  }

  @Override
  public boolean record(int outcome, long nowNanos) {
    int slot = slot(sequence.getAndIncrement());
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
