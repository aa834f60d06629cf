package dev.faultline.core.internal;

import dev.faultline.core.Scheduler;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.PriorityQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The system scheduler: one daemon timer thread that only keeps time and hands due tasks to an executor, so that user
 * code never runs on (or blocks) the timer thread.
 *
 * <p>Built for the hot path of synchronous timeouts, where almost every task is cancelled long before it is due:
 * scheduling is one allocation and one CAS (a push onto a lock-free intake stack) and does not even read the clock,
 * cancelling is one CAS on the task's state, and nothing else is touched by the calling threads. The timer thread
 * times each task from the moment it takes it in, at most one tick after it was scheduled. Precision is therefore two
 * ticks (2 ms by default): a task runs at most two ticks after it is due, never before.
 *
 * <p>Concurrency design: producers push {@link Entry}s onto {@code intake} (a Treiber stack) and unpark the timer
 * thread only if it announced that it parks without a deadline ({@code idle}). Only the timer thread touches
 * {@code queue} (a priority queue by due time): each tick it takes the whole intake, runs what is due, drops what was
 * cancelled, and parks until the next tick, or without deadline when nothing is pending. Cancelled entries that wait
 * deep in the queue are purged each time the queue doubles, so a high rate of cancelled timeouts cannot grow it
 * without bound. {@link Entry#state} moves once, from PENDING to FIRED or CANCELLED, by CAS.
 */
public final class SystemScheduler implements Scheduler {
  /** The shared instance, dispatching to the common fork-join pool, with a 1 ms tick. */
  public static final SystemScheduler INSTANCE =
      new SystemScheduler(ForkJoinPool.commonPool(), TimeUnit.MILLISECONDS.toNanos(1));

  private static final int PENDING = 0;
  private static final int FIRED = 1;
  private static final int CANCELLED = 2;
  private static final int MIN_PURGE_SIZE = 1024;
  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(Entry.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Executor executor;
  private final long tickNanos;
  private final AtomicReference<Entry> intake = new AtomicReference<>();
  private final PriorityQueue<Entry> queue = new PriorityQueue<>((a, b) -> Long.compare(a.due, b.due));
  private final Thread timer;
  private volatile boolean idle;
  private int purgeAtSize = MIN_PURGE_SIZE;

  /** A scheduler with its own timer thread, ticking every {@code tickNanos}, that runs due tasks on {@code executor}. */
  public SystemScheduler(Executor executor, long tickNanos) {
    this.executor = executor;
    this.tickNanos = tickNanos;
    this.timer = new Thread(this::runTimer, "faultline-timer");
    timer.setDaemon(true);
    timer.start();
  }

  @Override
  public Task schedule(Runnable task, long delayNanos) {
    if (delayNanos <= 0) {
      executor.execute(task);
      return () -> false;
    }
    Entry entry = new Entry(task, delayNanos);
    Entry head;
    do {
      head = intake.get();
      entry.next = head;
    } while (!intake.compareAndSet(head, entry));
    if (idle) {
      LockSupport.unpark(timer);
    }
    return entry;
  }

  private void runTimer() {
    while (true) {
      // Take the batch first, then read the clock: every task in the batch was scheduled before this reading, so
      // timing it from the reading can only delay it.
      Entry batch = intake.getAndSet(null);
      long now = SystemClock.INSTANCE.nanoTime();
      admit(batch, now);
      fireDue(now);
      purgeIfMostlyCancelled();
      if (queue.isEmpty()) {
        idle = true;
        if (intake.get() == null) {
          LockSupport.park(this);
        }
        idle = false;
      } else {
        long wait = Math.min(tickNanos, queue.peek().due - now);
        LockSupport.parkNanos(this, Math.max(tickNanos / 4, wait));
      }
      Thread.interrupted();
    }
  }

  private void admit(Entry entry, long now) {
    for (Entry e = entry; e != null; ) {
      Entry next = e.next;
      e.next = null;
      if ((int) STATE.getAcquire(e) == PENDING) {
        // The task was scheduled at most one tick ago: timing it from now can only make it later, never earlier.
        // Saturated: a delay of centuries (a timeout or maxWait near Long.MAX_VALUE) would otherwise wrap around to
        // a due time in the past and fire at once.
        e.due = Durations.plusSaturated(now, e.delay);
        queue.add(e);
      }
      e = next;
    }
  }

  private void fireDue(long now) {
    Entry head;
    while ((head = queue.peek()) != null && head.due <= now) {
      queue.poll();
      fire(head);
    }
  }

  private void fire(Entry entry) {
    if (STATE.compareAndSet(entry, PENDING, FIRED)) {
      try {
        executor.execute(entry.task);
      } catch (RuntimeException rejected) {
        // The executor is shutting down: the task cannot run anywhere; dropping it is all that is left.
        Exceptions.rethrowIfFatal(rejected);
      }
    }
  }

  /**
   * Drops cancelled entries once the queue has doubled since the last purge: amortised, each entry is looked at a
   * constant number of times, and the queue holds at most about twice the live entries plus the minimum.
   */
  private void purgeIfMostlyCancelled() {
    if (queue.size() < purgeAtSize) {
      return;
    }
    queue.removeIf(e -> (int) STATE.getAcquire(e) == CANCELLED);
    purgeAtSize = Math.max(MIN_PURGE_SIZE, 2 * queue.size());
  }

  private static final class Entry implements Task {
    final Runnable task;
    final long delay;
    /** Set by the timer thread when it admits the entry; read only by the timer thread. */
    long due;
    Entry next;
    @SuppressWarnings("unused")
    volatile int state;

    Entry(Runnable task, long delay) {
      this.task = task;
      this.delay = delay;
    }

    @Override
    public boolean cancel() {
      return STATE.compareAndSet(this, PENDING, CANCELLED);
    }
  }
}
