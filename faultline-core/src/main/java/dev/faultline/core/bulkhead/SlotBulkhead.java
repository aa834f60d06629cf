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
 * permits: each permit is a slot of its own, taken by one atomic exchange and given back by a plain release store.
 *
 * <p>Why: a counting semaphore gives a permit back with an atomic read-modify-write, because several holders update the
 * same counter. Here a slot has one holder at a time, so giving it back needs no atomic instruction; and since no call
 * ever waits, nobody has to be woken (the queue handshake of {@link DefaultBulkhead} needs a full fence on release). A
 * call costs one atomic instruction instead of two. The price is a scan of the slots to find a free one, which is why
 * this is used for small bulkheads only (the common case: a bulkhead guards one downstream with a few dozen calls),
 * and 64 bytes per permit (at most 4 KiB), so that threads holding different slots never write to one cache line.
 *
 * <pre>
 * cells (long[], array VarHandle), one 64-byte stride per slot i so that slots never share a cache line:
 *   cells[i*8]     inUse: 0 free, 1 taken
 *   cells[i*8 + 1] calls completed in slot i (written only by the slot's holder, while it holds the slot)
 *
 *   free  0  -getAndSet(1) by a taker, which holds the slot if it read 0-&gt;  1
 *   taken 1  -completed + 1 (opaque), then a release store of 0 by the holder-&gt;  0
 * A getAndSet on a taken slot reads 1 and writes 1: it changes nothing, so a taker may try a slot without reading it
 * first. A call first tries the slot chosen from its thread's id (the same one every time for a thread), without
 * reading it: the common case costs one exchange. Only when that fails does it scan the others once round, reading
 * each first and exchanging only free-looking ones, so a full bulkhead rejects without writing to held slots.
 * </pre>
 * The release store of the holder and the taker's exchange order a call's effects (and the completed count) before
 * the next holder's. A scan that finds no free slot rejects the call even if a slot behind it was given back meanwhile
 * (the same as a semaphore read a moment earlier). Metrics sum the cells without stopping them, so they are a moment's
 * approximation. Thread-safe.
 */
final class SlotBulkhead implements Bulkhead {
  /** The largest bulkhead built as slots; larger ones scan too long when nearly full and use a counter. */
  static final int MAX_PERMITS = 64;

  private static final VarHandle CELL = MethodHandles.arrayElementVarHandle(long[].class);
  /** log2 of the cells per slot: 8 longs, 64 bytes, one cache line's worth. */
  private static final int STRIDE_SHIFT = 3;
  /** Spreads thread ids over the slots (the golden ratio, as a multiplicative hash). */
  private static final long SPREAD = 0x9E3779B97F4A7C15L;

  private final BulkheadConfig config;
  private final String name;
  private final int permits;
  private final long[] cells;
  private final Clock clock;
  private final Events events;
  private final LongAdder rejections = new LongAdder();

  SlotBulkhead(BulkheadConfig config) {
    if (!config.maxWait().isZero() || config.maxConcurrentCalls() > MAX_PERMITS) {
      throw new IllegalArgumentException("a slot bulkhead never waits and has at most " + MAX_PERMITS + " permits");
    }
    this.config = config;
    this.name = config.name();
    this.permits = config.maxConcurrentCalls();
    this.cells = new long[permits << STRIDE_SHIFT];
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
    for (int i = 0; i < permits; i++) {
      int at = i << STRIDE_SHIFT;
      inUse += (int) (long) CELL.getAcquire(cells, at);
      completed += (long) CELL.getOpaque(cells, at + 1);
    }
    return new Metrics(permits - inUse, permits, completed + inUse + rejected, rejected);
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
   * Takes a free slot: first the calling thread's own slot (spread by thread id, so that threads seldom race for one
   * slot and no shared hint is written) by one exchange, then the others once round, exchanging only those that read
   * free; returns its index, or -1 if none was free.
   */
  private int tryTake() {
    long[] c = cells;
    int n = permits;
    int i = (int) (((Thread.currentThread().getId() * SPREAD) >>> 32) * n >>> 32);
    if ((long) CELL.getAndSet(c, i << STRIDE_SHIFT, 1L) == 0L) {
      return i;
    }
    for (int scanned = 1; scanned < n; scanned++) {
      if (++i == n) {
        i = 0;
      }
      int at = i << STRIDE_SHIFT;
      if ((long) CELL.getOpaque(c, at) == 0L && (long) CELL.getAndSet(c, at, 1L) == 0L) {
        return i;
      }
    }
    return -1;
  }

  /** Gives slot {@code i} back (called by its holder only), counting the call as completed. */
  private void give(int i) {
    int at = i << STRIDE_SHIFT;
    CELL.setOpaque(cells, at + 1, (long) CELL.getOpaque(cells, at + 1) + 1);
    CELL.setRelease(cells, at, 0L);
  }

  private BulkheadFullException rejected() {
    return Permits.rejected(config, events, rejections);
  }
}
