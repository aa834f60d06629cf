package dev.faultline.supervisor.watchdog;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Finds threads deadlocked on monitors or on ownable synchronizers such as
 * {@link java.util.concurrent.locks.ReentrantLock}, through {@link ThreadMXBean#findDeadlockedThreads()}.
 *
 * <p>Thread-safe (stateless). Each call walks every thread of the JVM: run it every few seconds, not on a hot path.
 */
public final class Deadlocks {
  private Deadlocks() {}

  /** The threads deadlocked now, sorted by thread id; empty if none. */
  public static List<DeadlockedThread> find() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long[] ids = threads.isSynchronizerUsageSupported() ? threads.findDeadlockedThreads()
        : threads.findMonitorDeadlockedThreads();
    if (ids == null) {
      return List.of();
    }
    Arrays.sort(ids);
    List<DeadlockedThread> out = new ArrayList<>();
    for (ThreadInfo info : threads.getThreadInfo(ids, Integer.MAX_VALUE)) {
      if (info != null) {
        out.add(new DeadlockedThread(info.getThreadId(), info.getThreadName(), String.valueOf(info.getLockName()),
            info.getLockOwnerId(), String.valueOf(info.getLockOwnerName()), Arrays.asList(info.getStackTrace())));
      }
    }
    return out;
  }
}
