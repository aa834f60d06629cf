package dev.faultline.core.circuitbreaker;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A counter that hands out positions by atomic add, padded on both sides so that its writes do not invalidate the
 * cache line of neighbouring read-mostly fields. Thread-safe, lock-free.
 *
 * <p>Superclass fields are laid out before subclass fields, so the padding classes surround {@code value}.
 */
final class Sequence extends SequencePaddingAfter {
  /** Returns the current value and adds one. */
  long getAndIncrement() {
    return (long) VALUE.getAndAdd(this, 1L);
  }

  /** The current value. */
  long get() {
    return (long) VALUE.getVolatile(this);
  }
}

/** Padding before the value. */
abstract class SequencePaddingBefore {
  long p00, p01, p02, p03, p04, p05, p06, p07;
  long p08, p09, p10, p11, p12, p13, p14, p15;
}

/** The value. */
abstract class SequenceValue extends SequencePaddingBefore {
  static final VarHandle VALUE;

  static {
    try {
      VALUE = MethodHandles.lookup().findVarHandle(SequenceValue.class, "value", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  @SuppressWarnings("unused") // updated through VALUE
  private volatile long value;
}

/** Padding after the value. */
abstract class SequencePaddingAfter extends SequenceValue {
  long q00, q01, q02, q03, q04, q05, q06, q07;
  long q08, q09, q10, q11, q12, q13, q14, q15;
}
