package dev.faultline.supervisor.failover;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * A lease that at most one owner holds at a time, with a fencing epoch (the SPI behind {@link Replica}). Embedded:
 * {@link FileLease}; a PostgreSQL implementation (a lease row with an epoch) belongs with the PostgreSQL storage.
 *
 * <p>Implementations must be thread-safe and must make {@link #tryAcquire} atomic across every process sharing the
 * lease.
 */
public interface Lease {

  /**
   * Takes the lease for {@code owner} if it is free or expired (the epoch rises by one), or renews it if {@code owner}
   * holds it (same epoch); either way it then expires {@code ttl} from now.
   *
   * @return the grant if {@code owner} holds the lease now; empty if another owner holds an unexpired lease
   */
  Optional<LeaseGrant> tryAcquire(String owner, Duration ttl) throws IOException;

  /** Gives the lease up, if it is still held with {@code grant}'s owner and epoch, so a standby can take it at once. */
  void release(LeaseGrant grant) throws IOException;

  /** The unexpired lease, if any. */
  Optional<LeaseGrant> current() throws IOException;
}
