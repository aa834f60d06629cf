package dev.faultline.supervisor.failover;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The check a resource makes on a fencing token: it admits work stamped with the highest epoch seen so far and rejects
 * work from an older epoch, so a former leader that wakes from a pause cannot act after a newer one has.
 *
 * <p>Thread-safe and lock-free: the highest epoch rises by CAS.
 */
public final class Fence {
  private final AtomicLong highest = new AtomicLong();

  /** Whether work stamped with {@code epoch} may act; records it as the highest if it is. */
  public boolean admit(long epoch) {
    long seen = highest.get();
    while (epoch >= seen) {
      if (highest.compareAndSet(seen, epoch)) {
        return true;
      }
      seen = highest.get();
    }
    return false;
  }

  /** The highest epoch admitted so far (0 before any). */
  public long highest() {
    return highest.get();
  }
}
