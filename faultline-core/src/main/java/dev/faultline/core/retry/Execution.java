package dev.faultline.core.retry;

/**
 * The state of one execution of a {@link Retry} that has seen a failed attempt: when it started, which attempt ran
 * last, the previous delay (for decorrelated jitter) and the earlier failures to attach when giving up.
 *
 * <p>Not thread-safe: a synchronous execution confines it to the calling thread; an asynchronous one hands it from
 * one attempt's completion to the next attempt's start through the scheduler and the attempt's stage, which order
 * those accesses (see {@link AsyncExecution}).
 */
class Execution {
  final long startNanos;
  int attempt = 1;
  long previousDelayNanos;
  private Throwable[] earlier;
  private int earlierCount;

  Execution(long startNanos) {
    this.startNanos = startNanos;
  }

  /** Keeps {@code failure} to attach when giving up: distinct instances only, at most {@link Retry#MAX_SUPPRESSED}. */
  final void remember(Throwable failure) {
    if (earlier == null) {
      earlier = new Throwable[Retry.MAX_SUPPRESSED];
    }
    if (earlierCount == earlier.length) {
      return;
    }
    for (int i = 0; i < earlierCount; i++) {
      if (earlier[i] == failure) {
        return;
      }
    }
    earlier[earlierCount++] = failure;
  }

  /**
   * Attaches the remembered failures to {@code last} as suppressed, skipping {@code last} itself and any it already
   * carries (an exception instance thrown by many executions must not grow without bound), and returns it.
   */
  final Throwable withHistory(Throwable last) {
    if (earlierCount == 0) {
      return last;
    }
    Throwable[] carried = last.getSuppressed();
    for (int i = 0; i < earlierCount; i++) {
      Throwable failure = earlier[i];
      if (failure != last && !contains(carried, failure)) {
        last.addSuppressed(failure);
      }
    }
    return last;
  }

  private static boolean contains(Throwable[] failures, Throwable failure) {
    for (Throwable each : failures) {
      if (each == failure) {
        return true;
      }
    }
    return false;
  }
}
