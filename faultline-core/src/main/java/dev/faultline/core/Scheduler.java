package dev.faultline.core;

import dev.faultline.core.internal.SystemScheduler;

/**
 * Runs a task after a delay; used by asynchronous executions (backoff, timeouts, hedges) and injected so that tests
 * control when tasks run.
 *
 * <p>Tasks must be short; the system scheduler hands them to the common fork-join pool so that user code never runs
 * on its timer thread. Implementations must be thread-safe.
 */
public interface Scheduler {

  /** Schedules {@code task} to run once after {@code delayNanos} (0 or less: as soon as possible). */
  Task schedule(Runnable task, long delayNanos);

  /** A scheduled task. */
  interface Task {
    /** Cancels the task if it has not started yet; returns whether it was cancelled by this call. */
    boolean cancel();
  }

  /** The shared system scheduler: one daemon timer thread that dispatches to {@link java.util.concurrent.ForkJoinPool#commonPool()}. */
  static Scheduler system() {
    return SystemScheduler.INSTANCE;
  }
}
