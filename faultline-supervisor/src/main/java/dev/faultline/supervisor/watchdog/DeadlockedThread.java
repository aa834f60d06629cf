package dev.faultline.supervisor.watchdog;

import java.util.List;

/**
 * One thread of a deadlock found by {@link Deadlocks#find()}: what it waits for, who holds it, and where it is stuck.
 *
 * @param threadId the id of the blocked thread
 * @param threadName its name
 * @param lock the lock it waits for
 * @param ownerId the id of the thread that holds that lock
 * @param ownerName that thread's name
 * @param stack where the blocked thread is
 */
public record DeadlockedThread(long threadId, String threadName, String lock, long ownerId, String ownerName,
    List<StackTraceElement> stack) {

  /** Copies the stack. */
  public DeadlockedThread {
    stack = List.copyOf(stack);
  }

  /** A one-line description, for example {@code "worker-1 waits for ReentrantLock$NonfairSync@1f held by worker-2"}. */
  public String describe() {
    return threadName + " waits for " + lock + " held by " + ownerName;
  }
}
