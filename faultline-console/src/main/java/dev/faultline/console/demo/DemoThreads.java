package dev.faultline.console.demo;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Daemon threads named after the demo service that runs them, so a thread dump reads like the demo. */
final class DemoThreads {
  private DemoThreads() {}

  /** A factory of daemon threads named {@code prefix-1}, {@code prefix-2}, ...; thread-safe. */
  static ThreadFactory named(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  /** Stops {@code pools} and waits up to 5 s for each; an interrupt while waiting is kept on the thread. */
  static void stop(ExecutorService... pools) {
    for (ExecutorService pool : pools) {
      pool.shutdownNow();
    }
    try {
      for (ExecutorService pool : pools) {
        pool.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
