package dev.faultline.core.bulkhead;

import dev.faultline.core.AsyncChain;
import dev.faultline.core.Chain;
import dev.faultline.core.Clock;
import dev.faultline.core.PolicyKind;
import dev.faultline.core.Scheduler;
import dev.faultline.core.internal.Durations;
import dev.faultline.core.internal.Events;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The implementation of {@link Bulkhead}: a counting semaphore with a lock-free fast path and a FIFO queue of waiters.
 * A bulkhead that never waits and has at most {@link SlotBulkhead#MAX_PERMITS} permits is built as a
 * {@link SlotBulkhead} instead (one atomic instruction per call instead of two).
 *
 * <p>Concurrency:
 * <ul>
 *   <li>{@code state} packs two counters in one word: the permits in use (low 32 bits) and the calls completed,
 *       modulo 2^32 (high 32 bits). A permit is taken only by compare-and-set while fewer than
 *       {@code maxConcurrentCalls} are in use, and given back by one atomic add that also counts the completed call
 *       ({@link #RELEASE}); a release that wraps the completed count around adds one to {@code completedWraps}. The path
 *       without waiting is these two atomic operations and two volatile reads of {@code queued}: no lock, no
 *       allocation, no other counter. {@code calls} is derived (completed + in use + queued + rejected + withdrawn);
 *       a metrics snapshot taken within nanoseconds of a wrap may be 2^32 short.
 *   <li>{@code lock} guards {@code waiters} (sync and async waiters, in arrival order) and each waiter's
 *       {@code granted} flag. A permit is handed to a waiter only under {@code lock}, head first.
 *   <li>{@code queued} mirrors {@code waiters.size()}: written under {@code lock}, read without it. A releaser gives its
 *       permit back to {@code state} and then reads {@code queued}; a waiter publishes {@code queued} and then tries
 *       {@code state}. All four accesses are volatile (sequentially consistent), so at least one of the two sees
 *       the other and the permit reaches the waiter: no lost wake-up. While {@code queued > 0}, new calls queue
 *       behind the waiters instead of barging in.
 *   <li>Async waiters are started, and listeners called, after {@code lock} is released.
 * </ul>
 */
final class DefaultBulkhead implements Bulkhead {
  private static final VarHandle STATE;
  /** Added to {@code state} to give a permit back: in use - 1, completed + 1, in one atomic add. */
  private static final long RELEASE = (1L << 32) - 1;
  private static final long MAX_COMPLETED = 0xFFFF_FFFFL;
  /** The async waiters the current thread has yet to start, while it is starting some (see {@link #startAll}). */
  private static final ThreadLocal<ArrayDeque<AsyncWaiter<?>>> STARTING = new ThreadLocal<>();

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(DefaultBulkhead.class, "state", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final BulkheadConfig config;
  private final String name;
  private final int maxConcurrentCalls;
  private final long maxWaitNanos;
  private final Clock clock;
  private final Scheduler scheduler;
  private final Events events;
  private final LongAdder rejections = new LongAdder();
  private final LongAdder withdrawn = new LongAdder();
  private final AtomicLong completedWraps = new AtomicLong();

  private volatile long state;
  private volatile int queued;
  private final ReentrantLock lock = new ReentrantLock();
  private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();

  DefaultBulkhead(BulkheadConfig config) {
    this.config = config;
    this.name = config.name();
    this.maxConcurrentCalls = config.maxConcurrentCalls();
    this.maxWaitNanos = Durations.toNanosSaturated(config.maxWait());
    this.clock = config.clock();
    this.scheduler = config.scheduler();
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
    long current = state;
    int inUse = (int) current;
    long completed = (completedWraps.get() << 32) + (current >>> 32);
    long calls = completed + inUse + queued + rejections.sum() + withdrawn.sum();
    return new Metrics(maxConcurrentCalls - inUse, maxConcurrentCalls, calls, rejections.sum());
  }

  /** The calls queued for a permit now (for tests: they wait for a waiter to be parked without sleeping). */
  int queuedCalls() {
    return queued;
  }

  @Override
  public <T> T call(Callable<? extends T> call) throws Exception {
    acquire();
    try {
      return call.call();
    } finally {
      release();
    }
  }

  @Override
  public <T> T execute(Chain<T> chain) throws Exception {
    acquire();
    try {
      return chain.proceed();
    } finally {
      release();
    }
  }

  @Override
  public <T> CompletionStage<T> callAsync(Supplier<? extends CompletionStage<T>> call) {
    return executeAsync(AsyncChain.of(clock, call));
  }

  @Override
  public <T> CompletionStage<T> executeAsync(AsyncChain<T> chain) {
    if (queued == 0 && tryTake()) {
      return runWithPermit(chain, new CompletableFuture<>());
    }
    if (maxWaitNanos == 0) {
      return CompletableFuture.failedFuture(rejected());
    }
    AsyncWaiter<T> waiter = new AsyncWaiter<>(chain);
    List<AsyncWaiter<?>> starts;
    lock.lock();
    try {
      waiters.addLast(waiter);
      queued = waiters.size();
      starts = grantLocked();
    } finally {
      lock.unlock();
    }
    startAll(starts);
    if (!waiter.granted) {
      Scheduler.Task timer = scheduler.schedule(() -> expire(waiter), maxWaitNanos);
      waiter.timer = timer;
      if (waiter.granted) {
        timer.cancel();
      }
    }
    waiter.result.whenComplete((value, failure) -> {
      if (waiter.result.isCancelled()) {
        withdraw(waiter);
      }
    });
    return waiter.result;
  }

  /** Takes a permit for a synchronous call, waiting up to maxWait; throws if none was free in time. */
  private void acquire() throws InterruptedException {
    if (queued == 0 && tryTake()) {
      return;
    }
    if (maxWaitNanos == 0 || !awaitPermit()) {
      throw rejected();
    }
  }

  /** Takes a free permit if there is one. */
  private boolean tryTake() {
    long current;
    while ((int) (current = state) < maxConcurrentCalls) {
      if (STATE.compareAndSet(this, current, current + 1)) {
        return true;
      }
    }
    return false;
  }

  /** Gives a permit back to {@code state}, counting the call as completed. */
  private void givePermitBack() {
    long previous = (long) STATE.getAndAdd(this, RELEASE);
    if (previous >>> 32 == MAX_COMPLETED) {
      completedWraps.incrementAndGet();
    }
  }

  /** Gives a permit back and hands it to the first waiter, if any. */
  private void release() {
    givePermitBack();
    if (queued != 0) {
      List<AsyncWaiter<?>> starts;
      lock.lock();
      try {
        starts = grantLocked();
      } finally {
        lock.unlock();
      }
      startAll(starts);
    }
  }

  /** Hands free permits to waiters, head first. Returns the async waiters to start once the lock is released. */
  private List<AsyncWaiter<?>> grantLocked() {
    List<AsyncWaiter<?>> starts = null;
    Waiter head;
    while ((head = waiters.peekFirst()) != null && tryTake()) {
      waiters.pollFirst();
      head.granted = true;
      if (head instanceof SyncWaiter) {
        ((SyncWaiter) head).condition.signal();
      } else {
        if (starts == null) {
          starts = new ArrayList<>(2);
        }
        starts.add((AsyncWaiter<?>) head);
      }
    }
    queued = waiters.size();
    return starts;
  }

  /**
   * Starts async waiters that were granted permits. An async call whose stage completes at once gives its permit back
   * inside {@code start}, which may grant and start the next waiter, and so on: to keep that chain from growing the
   * stack, a thread that is already starting waiters queues new ones for its outer loop (a trampoline).
   */
  private static void startAll(List<AsyncWaiter<?>> starts) {
    if (starts == null) {
      return;
    }
    ArrayDeque<AsyncWaiter<?>> pending = STARTING.get();
    if (pending != null) {
      pending.addAll(starts);
      return;
    }
    pending = new ArrayDeque<>(starts);
    STARTING.set(pending);
    try {
      AsyncWaiter<?> next;
      while ((next = pending.poll()) != null) {
        next.start();
      }
    } finally {
      STARTING.remove();
    }
  }

  /**
   * Waits in the calling thread for a permit, FIFO, until the injected clock passes the deadline or the thread has
   * been parked for maxWait (a fake clock cannot wake a parked thread). Returns whether a permit was taken.
   */
  private boolean awaitPermit() throws InterruptedException {
    long start = clock.nanoTime();
    List<AsyncWaiter<?>> starts = null;
    lock.lockInterruptibly();
    try {
      if (waiters.isEmpty() && tryTake()) {
        return true;
      }
      SyncWaiter me = new SyncWaiter(lock.newCondition());
      waiters.addLast(me);
      queued = waiters.size();
      // A permit given back before `queued` was visible is free in `state`: hand it over now.
      starts = grantLocked();
      long parkBudget = maxWaitNanos;
      while (!me.granted) {
        long remaining = Math.min(parkBudget, maxWaitNanos - (clock.nanoTime() - start));
        if (remaining <= 0) {
          waiters.remove(me);
          queued = waiters.size();
          return false;
        }
        try {
          parkBudget -= remaining - me.condition.awaitNanos(remaining);
        } catch (InterruptedException e) {
          if (me.granted) {
            // The permit arrived with the interrupt: pass it on, since this call will not run.
            givePermitBack();
            starts = merge(starts, grantLocked());
          } else {
            waiters.remove(me);
            queued = waiters.size();
            withdrawn.increment();
          }
          throw e;
        }
      }
      return true;
    } finally {
      lock.unlock();
      startAll(starts);
    }
  }

  private static List<AsyncWaiter<?>> merge(List<AsyncWaiter<?>> a, List<AsyncWaiter<?>> b) {
    if (a == null) {
      return b;
    }
    if (b != null) {
      a.addAll(b);
    }
    return a;
  }

  /** The maximum wait of a queued async call ended: reject it unless it got a permit. */
  private void expire(AsyncWaiter<?> waiter) {
    boolean expired;
    lock.lock();
    try {
      expired = !waiter.granted && waiters.remove(waiter);
      if (expired) {
        queued = waiters.size();
      }
    } finally {
      lock.unlock();
    }
    if (expired) {
      waiter.result.completeExceptionally(rejected());
    }
  }

  /** A queued async call was cancelled by its caller: take it out of the queue. */
  private void withdraw(AsyncWaiter<?> waiter) {
    lock.lock();
    try {
      if (!waiter.granted && waiters.remove(waiter)) {
        queued = waiters.size();
        withdrawn.increment();
      }
    } finally {
      lock.unlock();
    }
    Scheduler.Task timer = waiter.timer;
    if (timer != null) {
      timer.cancel();
    }
  }

  /** Runs an async call that holds a permit; the permit is given back when its stage completes. */
  private <T> CompletableFuture<T> runWithPermit(AsyncChain<T> chain, CompletableFuture<T> result) {
    return Permits.runHolding(chain, result, this::release);
  }

  private BulkheadFullException rejected() {
    return Permits.rejected(config, events, rejections);
  }

  /** A call waiting for a permit. */
  private abstract static class Waiter {
    /** Whether a permit was handed to this waiter; written under the lock. */
    volatile boolean granted;
  }

  /** A synchronous call parked on its own condition of the lock. */
  private static final class SyncWaiter extends Waiter {
    final Condition condition;

    SyncWaiter(Condition condition) {
      this.condition = condition;
    }
  }

  /** A queued asynchronous call, started when it is granted a permit. */
  private final class AsyncWaiter<T> extends Waiter {
    final AsyncChain<T> chain;
    final CompletableFuture<T> result = new CompletableFuture<>();
    volatile Scheduler.Task timer;

    AsyncWaiter(AsyncChain<T> chain) {
      this.chain = chain;
    }

    /** Runs once, with a permit, outside the lock. Never throws: whatever happens, the permit is not lost. */
    void start() {
      try {
        Scheduler.Task task = timer;
        if (task != null) {
          task.cancel();
        }
      } catch (RuntimeException e) {
        // The timer will find this waiter granted and do nothing.
      }
      if (result.isDone()) {
        release(); // cancelled by the caller after the permit was handed over
        return;
      }
      runWithPermit(chain, result);
    }
  }
}
