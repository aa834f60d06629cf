package dev.faultline.core.bulkhead;

import dev.faultline.core.AsyncChain;
import dev.faultline.core.Chain;
import dev.faultline.core.Clock;
import dev.faultline.core.PolicyKind;
import dev.faultline.core.internal.Events;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The implementation of a {@link Bulkhead} that never waits ({@code maxWait} zero) and has at most {@link #MAX_PERMITS}
 * permits: each permit is a slot of its own, taken by one compare-and-set and given back by a plain release store.
 *
 * <p>Why: a counting semaphore gives a permit back with an atomic read-modify-write, because several holders update the
 * same counter. Here a slot has one holder at a time, so giving it back needs no atomic instruction; and since no call
 * ever waits, nobody has to be woken (the queue handshake of {@link DefaultBulkhead} needs a full fence on release). A
 * call costs one atomic instruction instead of two. The price is a scan of the slots to find a free one, which is why
 * this is used for small bulkheads only (the common case: a bulkhead guards one downstream with a few dozen calls).
 *
 * <pre>
 * slots[i] (long, array VarHandle): completed &lt;&lt; 1 | inUse
 *   free     v (even)  -CAS by the taker-&gt;          v | 1      taken: one holder, the only writer while odd
 *   taken    v (odd)   -release store by holder-&gt;  v + 1      free again, one more completed call counted
 * A scan starts at a slot chosen from the thread's id (the same one every time for a thread) and goes once round.
 * </pre>
 * The release store of the holder and the taker's compare-and-set order a call's effects before the next holder's.
 * A scan that finds no free slot rejects the call even if a slot behind it was given back meanwhile (the same as a
 * semaphore read a moment earlier). Metrics sum the slots without stopping them, so they are a moment's approximation.
 * Thread-safe.
 */
final class SlotBulkhead implements Bulkhead {
  /** The largest bulkhead built as slots; larger ones scan too long when nearly full and use a counter. */
  static final int MAX_PERMITS = 64;

  private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);
  /** Spreads thread ids over the slots (the golden ratio, as a multiplicative hash). */
  private static final long SPREAD = 0x9E3779B97F4A7C15L;

  private final BulkheadConfig config;
  private final String name;
  private final long[] slots;
  private final Clock clock;
  private final Events events;
  private final LongAdder rejections = new LongAdder();

  SlotBulkhead(BulkheadConfig config) {
    if (!config.maxWait().isZero() || config.maxConcurrentCalls() > MAX_PERMITS) {
      throw new IllegalArgumentException("a slot bulkhead never waits and has at most " + MAX_PERMITS + " permits");
    }
    this.config = config;
    this.name = config.name();
    this.slots = new long[config.maxConcurrentCalls()];
    this.clock = config.clock();
    this.events = new Events(clock, config.listeners());
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public PolicyKind kind() {
    return PolicyKind.BULKHEAD;
  }

  @Override
  public BulkheadConfig config() {
    return config;
  }

  @Override
  public Metrics metrics() {
    long rejected = rejections.sum();
    int inUse = 0;
    long completed = 0;
    for (int i = 0; i < slots.length; i++) {
      long v = (long) SLOT.getAcquire(slots, i);
      inUse += (int) (v & 1);
      completed += v >>> 1;
    }
    return new Metrics(slots.length - inUse, slots.length, completed + inUse + rejected, rejected);
  }

  @Override
  public <T> T call(Callable<? extends T> call) throws Exception {
    int slot = take();
    try {
      return call.call();
    } finally {
      give(slot);
    }
  }

  @Override
  public <T> T execute(Chain<T> chain) throws Exception {
    int slot = take();
    try {
      return chain.proceed();
    } finally {
      give(slot);
    }
  }

  @Override
  public <T> CompletionStage<T> callAsync(Supplier<? extends CompletionStage<T>> call) {
    return executeAsync(AsyncChain.of(clock, call));
  }

  @Override
  public <T> CompletionStage<T> executeAsync(AsyncChain<T> chain) {
    int slot = tryTake();
    if (slot < 0) {
      return CompletableFuture.failedFuture(rejected());
    }
    return Permits.runHolding(chain, new CompletableFuture<>(), () -> give(slot));
  }

  /** Takes a free slot for a synchronous call or throws {@link BulkheadFullException}. */
  private int take() {
    int slot = tryTake();
    if (slot < 0) {
      throw rejected();
    }
    return slot;
  }

  /**
   * Takes a free slot, scanning once round from the calling thread's own starting slot (spread by thread id, so that
   * threads seldom race for one slot and no shared hint is written); returns its index, or -1 if none was free.
   */
  private int tryTake() {
    long[] s = slots;
    int n = s.length;
    int i = (int) (((Thread.currentThread().getId() * SPREAD) >>> 32) * n >>> 32);
    for (int scanned = 0; scanned < n; scanned++) {
      long v = (long) SLOT.getOpaque(s, i);
      if ((v & 1) == 0 && SLOT.compareAndSet(s, i, v, v | 1)) {
        return i;
      }
      if (++i == n) {
        i = 0;
      }
    }
    return -1;
  }

  /** Gives slot {@code i} back (called by its holder only), counting the call as completed. */
  private void give(int i) {
    SLOT.setRelease(slots, i, (long) SLOT.getOpaque(slots, i) + 1);
  }

  private BulkheadFullException rejected() {
    return Permits.rejected(config, events, rejections);
  }
}
