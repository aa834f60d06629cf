package dev.faultline.core.testing;

import dev.faultline.core.Clock;
import dev.faultline.core.Scheduler;
import dev.faultline.core.internal.Durations;
import java.time.Duration;
import java.time.Instant;
import java.util.PriorityQueue;

/**
 * A {@link Clock} and {@link Scheduler} whose time moves only when told to, for deterministic tests.
 *
 * <p>{@link #sleep(long)} advances time at once (and then throws {@link InterruptedException} if the sleeping thread
 * was interrupted, as a real sleep would). Scheduled tasks run in the thread that advances time past their due time,
 * in due-time order, outside the clock's lock.
 *
 * <p>Thread-safe: all state is guarded by {@code this}.
 */
public final class FakeClock implements Clock, Scheduler {
  private final long startWallMillis;
  private long nanos;
  private long sequence;
  private final PriorityQueue<Entry> tasks = new PriorityQueue<>();

  /** A fake clock starting at 2026-01-01T00:00:00Z, with a monotonic reading of zero. */
  public FakeClock() {
    this(Instant.parse("2026-01-01T00:00:00Z"));
  }

  /** A fake clock starting at {@code wallStart}. */
  public FakeClock(Instant wallStart) {
    this.startWallMillis = wallStart.toEpochMilli();
  }

  @Override
  public synchronized long nanoTime() {
    return nanos;
  }

  @Override
  public synchronized long wallMillis() {
    return startWallMillis + nanos / 1_000_000L;
  }

  /** The current wall time. */
  public Instant instant() {
    return Instant.ofEpochMilli(wallMillis());
  }

  @Override
  public void sleep(long sleepNanos) throws InterruptedException {
    if (sleepNanos > 0) {
      advance(sleepNanos);
    }
    if (Thread.interrupted()) {
      throw new InterruptedException("interrupted during fake sleep");
    }
  }

  /** Moves time forward by {@code duration}, running every task that falls due, in order. */
  public void advance(Duration duration) {
    advance(duration.toNanos());
  }

  /** Moves time forward by {@code delta} nanoseconds, running every task that falls due, in order. */
  public void advance(long delta) {
    long target;
    synchronized (this) {
      target = Durations.plusSaturated(nanos, Math.max(0, delta));
    }
    while (true) {
      Entry due;
      synchronized (this) {
        Entry head = tasks.peek();
        if (head == null || head.due > target) {
          nanos = Math.max(nanos, target);
          return;
        }
        due = tasks.poll();
        nanos = Math.max(nanos, due.due);
      }
      due.run();
    }
  }

  /**
   * Advances time to the next scheduled task and runs it (and any others due at the same time).
   *
   * @return false if no task was scheduled
   */
  public boolean runNext() {
    long due;
    synchronized (this) {
      Entry head = tasks.peek();
      if (head == null) {
        return false;
      }
      due = head.due;
    }
    advance(Math.max(0, due - nanoTime()));
    return true;
  }

  /** The number of tasks scheduled and not yet run or cancelled. */
  public synchronized int pendingTasks() {
    return tasks.size();
  }

  @Override
  public Task schedule(Runnable task, long delayNanos) {
    Entry entry;
    synchronized (this) {
      entry = new Entry(this, Durations.plusSaturated(nanos, Math.max(0, delayNanos)), sequence++, task);
      tasks.add(entry);
    }
    if (delayNanos <= 0) {
      advance(0);
    }
    return entry;
  }

  private static final class Entry implements Comparable<Entry>, Task {
    final FakeClock clock;
    final long due;
    final long order;
    final Runnable task;

    Entry(FakeClock clock, long due, long order, Runnable task) {
      this.clock = clock;
      this.due = due;
      this.order = order;
      this.task = task;
    }

    void run() {
      task.run();
    }

    @Override
    public boolean cancel() {
      synchronized (clock) {
        return clock.tasks.remove(this);
      }
    }

    @Override
    public int compareTo(Entry other) {
      int byDue = Long.compare(due, other.due);
      return byDue != 0 ? byDue : Long.compare(order, other.order);
    }
  }
}
