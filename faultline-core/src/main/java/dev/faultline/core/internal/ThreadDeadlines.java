package dev.faultline.core.internal;

import dev.faultline.core.Clock;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Deadlines of synchronous calls on the system clock without a timer entry per call: each thread owns one reusable
 * {@link Slot}, armed when a call starts and disarmed when it ends, and one daemon thread ("faultline-deadlines")
 * scans the armed slots every tick and expires those that stayed armed past their timeout.
 *
 * <p>A call costs a thread-local lookup, a release store to arm and one compare-and-set to disarm: no allocation and
 * no clock read in the calling thread. The watcher times each arming from the scan that first sees it, at most one
 * tick after the arming, so a deadline never expires early and expires at most two ticks late (one tick is 1 ms).
 * After a second without any armed slot the watcher scans every {@link #IDLE_SCAN_NANOS} only, and a thread that arms
 * while it does so wakes it; a thread that arms during the watcher's switch to idle may see its deadline expire up to
 * one idle period (10 ms) late, never early.
 *
 * <p>{@link #arm} returns null, and the caller falls back to a scheduled timer, when the thread's slot is already armed
 * (a nested deadline on the same thread) or when {@link #MAX_SLOTS} threads hold live slots.
 *
 * <pre>
 * Slot.state (long, VarHandle): generation &lt;&lt; 2 | phase, phase IDLE, ARMED, FIRING or FIRED.
 *   owner thread: IDLE(g) -arm, release store-&gt; ARMED(g+1) -disarm, CAS-&gt; IDLE(g+1)          the call ended in time
 *   watcher:                        ARMED(g) -CAS-&gt; FIRING(g) -expiry ran-&gt; FIRED(g)        the deadline passed
 *   owner thread, after losing its CAS: waits while FIRING, then stores IDLE(g).
 *   Slot.timeoutNanos and Slot.expiry are written by the owner before its release store and read by the watcher after
 *   an acquire load of ARMED; the watcher's CAS on the exact generation it read makes a stale read harmless.
 *   Slot.seenGeneration and Slot.seenAtNanos belong to the watcher alone.
 * slots (array of weak references) and slotCount are guarded by this object's monitor: a slot is registered once per
 *   thread, and slots of dead threads are cleared by the garbage collector and pruned when the array is full. The
 *   watcher reads the array reference and count under the monitor once per scan.
 * idle (volatile) is set by the watcher before an idle wait and read by arming threads, which then unpark it.
 * </pre>
 * Thread-safe.
 */
public final class ThreadDeadlines {
  /** The instance every policy on the system scheduler uses: 1 ms tick; events run on the common pool. */
  public static final ThreadDeadlines INSTANCE =
      new ThreadDeadlines(TimeUnit.MILLISECONDS.toNanos(1), ForkJoinPool.commonPool(), SystemClock.INSTANCE, true);

  /** Threads with a live slot beyond which {@link #arm} returns null (bounds the watcher's scan). */
  public static final int MAX_SLOTS = 4096;
  /** The scan period of an idle watcher. */
  public static final long IDLE_SCAN_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private static final long IDLE = 0;
  private static final long ARMED = 1;
  private static final long FIRING = 2;
  private static final long FIRED = 3;
  private static final long PHASE = 3;
  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(Slot.class, "state", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** What a deadline does when it passes; runs on the watcher thread, so it must be short and never block. */
  public interface Expiry {
    /** The call running on {@code thread} passed its deadline. */
    void expired(Thread thread);
  }

  private final long tickNanos;
  private final Executor executor;
  private final Clock clock;
  private final ThreadLocal<Slot> local = ThreadLocal.withInitial(this::register);
  private final Thread watcher;
  @SuppressWarnings({"unchecked", "rawtypes"})
  private WeakReference<Slot>[] slots = new WeakReference[64];
  private int slotCount;
  private volatile boolean idle;

  /**
   * Deadlines watched on {@code clock}, every {@code tickNanos}; without {@code startWatcher} nothing scans until
   * {@link #scanOnce} is called (for tests that drive time themselves).
   */
  ThreadDeadlines(long tickNanos, Executor executor, Clock clock, boolean startWatcher) {
    this.tickNanos = tickNanos;
    this.executor = executor;
    this.clock = clock;
    this.watcher = new Thread(this::watch, "faultline-deadlines");
    watcher.setDaemon(true);
    if (startWatcher) {
      watcher.start();
    }
  }

  /** The executor for work an expiry hands off (event listeners), so that the watcher never runs user code. */
  public Executor executor() {
    return executor;
  }

  /**
   * Arms the calling thread's slot: unless {@link Slot#disarm() disarmed} first, {@code expiry} runs once about
   * {@code timeoutNanos} from now. Returns null if the thread's slot is in use or no slot is available.
   */
  public Slot arm(long timeoutNanos, Expiry expiry) {
    Slot slot = local.get();
    if (slot == null) {
      return null;
    }
    long state = (long) STATE.getOpaque(slot);
    if ((state & PHASE) != IDLE) {
      return null;
    }
    slot.timeoutNanos = timeoutNanos;
    slot.expiry = expiry;
    STATE.setRelease(slot, ((state >>> 2) + 1) << 2 | ARMED);
    if (idle) {
      LockSupport.unpark(watcher);
    }
    return slot;
  }

  private Slot register() {
    Slot slot = new Slot(Thread.currentThread());
    synchronized (this) {
      if (slotCount == slots.length) {
        prune();
      }
      if (slotCount == slots.length) {
        if (slots.length >= MAX_SLOTS) {
          return null;
        }
        slots = java.util.Arrays.copyOf(slots, Math.min(MAX_SLOTS, slots.length * 2));
      }
      slots[slotCount++] = new WeakReference<>(slot);
    }
    return slot;
  }

  /** Drops the references the collector cleared (their threads died). Called under the monitor. */
  private void prune() {
    int kept = 0;
    for (int i = 0; i < slotCount; i++) {
      if (slots[i].get() != null) {
        slots[kept++] = slots[i];
      }
    }
    java.util.Arrays.fill(slots, kept, slotCount, null);
    slotCount = kept;
  }

  /** The watcher's loop. */
  private void watch() {
    long quietSince = clock.nanoTime();
    while (true) {
      long now = clock.nanoTime();
      boolean armed;
      try {
        armed = scanOnce(now);
      } catch (Throwable t) {
        // Even an Error (out of memory) must not end the one watcher every synchronous deadline of the JVM relies on:
        // reported, and the next tick scans again.
        report(t);
        armed = true;
      }
      if (armed) {
        quietSince = now;
        LockSupport.parkNanos(this, tickNanos);
      } else if (now - quietSince < TimeUnit.SECONDS.toNanos(1)) {
        LockSupport.parkNanos(this, tickNanos);
      } else {
        idle = true;
        LockSupport.parkNanos(this, IDLE_SCAN_NANOS);
        idle = false;
      }
      Thread.interrupted();
    }
  }

  /** Scans every slot at time {@code now}, expiring those due; returns true if any is still armed. */
  boolean scanOnce(long now) {
    WeakReference<Slot>[] snapshot;
    int count;
    synchronized (this) {
      snapshot = slots;
      count = slotCount;
    }
    boolean anyArmed = false;
    for (int i = 0; i < count; i++) {
      Slot slot = snapshot[i].get();
      if (slot != null && scan(slot, now)) {
        anyArmed = true;
      }
    }
    return anyArmed;
  }

  /** Looks at one slot; returns true if it is armed (and not yet expired). */
  private static boolean scan(Slot slot, long now) {
    long state = (long) STATE.getAcquire(slot);
    if ((state & PHASE) != ARMED) {
      return false;
    }
    long generation = state >>> 2;
    if (slot.seenGeneration != generation) {
      slot.seenGeneration = generation;
      slot.seenAtNanos = now;
      return true;
    }
    if (now - slot.seenAtNanos < slot.timeoutNanos) {
      return true;
    }
    Expiry expiry = slot.expiry;
    if (STATE.compareAndSet(slot, state, generation << 2 | FIRING)) {
      try {
        expiry.expired(slot.thread);
      } catch (Throwable t) {
        // An expiry must not throw; if one does (even an Error), the slot still ends FIRED so that its owner is not
        // left waiting, and the scan goes on to the other threads' slots. Reported, not rethrown.
        report(t);
      } finally {
        STATE.setRelease(slot, generation << 2 | FIRED);
      }
    }
    return false;
  }

  /** Reports {@code t} to the current thread's uncaught-exception handler, without ending the thread. */
  private static void report(Throwable t) {
    Thread self = Thread.currentThread();
    try {
      self.getUncaughtExceptionHandler().uncaughtException(self, t);
    } catch (Throwable ignored) {
      // The handler failed too (it may be what ran out of memory): nothing more can report it.
    }
  }

  /** One thread's reusable deadline; see the class comment. Used by its owner thread only, apart from the watcher. */
  public static final class Slot {
    final Thread thread;
    @SuppressWarnings("unused")
    private volatile long state;
    long timeoutNanos;
    Expiry expiry;
    long seenGeneration = -1;
    long seenAtNanos;

    Slot(Thread thread) {
      this.thread = thread;
    }

    /**
     * Ends the armed deadline. Returns true if the call ended before it (the expiry will not run); false if the
     * deadline passed, after the expiry has finished running.
     */
    public boolean disarm() {
      long state = (long) STATE.getOpaque(this);
      long generation = state >>> 2;
      if (STATE.compareAndSet(this, generation << 2 | ARMED, generation << 2 | IDLE)) {
        return true;
      }
      while (((long) STATE.getAcquire(this) & PHASE) == FIRING) {
        Thread.onSpinWait();
      }
      STATE.setRelease(this, generation << 2 | IDLE);
      return false;
    }
  }
}
