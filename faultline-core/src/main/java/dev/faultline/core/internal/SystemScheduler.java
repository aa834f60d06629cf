package dev.faultline.core.internal;

import dev.faultline.core.Scheduler;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The system scheduler: one daemon timer thread that only keeps time and hands due tasks to an executor, so that user
 * code never runs on (or blocks) the timer thread.
 */
public final class SystemScheduler implements Scheduler {
  /** The shared instance, dispatching to the common fork-join pool. */
  public static final SystemScheduler INSTANCE = new SystemScheduler(ForkJoinPool.commonPool());

  private final ScheduledThreadPoolExecutor timer;
  private final Executor executor;

  /** A scheduler with its own timer thread that runs due tasks on {@code executor}. */
  public SystemScheduler(Executor executor) {
    this.executor = executor;
    this.timer = new ScheduledThreadPoolExecutor(1, runnable -> {
      Thread thread = new Thread(runnable, "faultline-timer");
      thread.setDaemon(true);
      return thread;
    });
    timer.setRemoveOnCancelPolicy(true);
  }

  @Override
  public Task schedule(Runnable task, long delayNanos) {
    if (delayNanos <= 0) {
      executor.execute(task);
      return () -> false;
    }
    ScheduledFuture<?> future = timer.schedule(() -> executor.execute(task), delayNanos, TimeUnit.NANOSECONDS);
    return () -> future.cancel(false);
  }
}
