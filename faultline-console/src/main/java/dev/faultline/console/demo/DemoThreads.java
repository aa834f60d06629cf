package dev.faultline.console.demo;

import java.util.concurrent.ThreadFactory;
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
}
