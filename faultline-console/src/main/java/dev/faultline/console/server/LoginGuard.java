package dev.faultline.console.server;

import dev.faultline.core.Clock;
import dev.faultline.core.registry.Registry;
import java.time.Duration;

/**
 * Login lockout with exponential backoff, per user name and per client address.
 *
 * <p>After {@code threshold} consecutive failed logins for a key (a user name or an address), the key is locked for
 * {@code baseLock}, and every further failure doubles the lock, up to {@code maxLock}. While a user or the address is
 * locked, logins are refused without checking the password, so a locked account gives no password oracle. A success
 * clears the user's count (not the address's, so that one valid account cannot be used to reset an address that is
 * guessing others). Addresses get a higher threshold than users, since several users may share one.
 *
 * <p>The per-key state lives in bounded {@link Registry registries}, so guessing many names cannot exhaust memory.
 *
 * <h2>Concurrency design</h2>
 * Each {@link Attempts} guards its own fields with its monitor; the registries are thread-safe. Thread-safe.
 */
final class LoginGuard {
  private final Clock clock;
  private final int userThreshold;
  private final int addressThreshold;
  private final long baseLockNanos;
  private final long maxLockNanos;
  private final Registry<String, Attempts> byUser;
  private final Registry<String, Attempts> byAddress;

  LoginGuard(Clock clock, int userThreshold, int addressThreshold, Duration baseLock, Duration maxLock) {
    this.clock = clock;
    this.userThreshold = userThreshold;
    this.addressThreshold = addressThreshold;
    this.baseLockNanos = baseLock.toNanos();
    this.maxLockNanos = maxLock.toNanos();
    this.byUser = Registry.builder((String key) -> new Attempts()).maximumSize(100_000).clock(clock)
        .expireAfterAccess(Duration.ofDays(1)).build();
    this.byAddress = Registry.builder((String key) -> new Attempts()).maximumSize(100_000).clock(clock)
        .expireAfterAccess(Duration.ofDays(1)).build();
  }

  /** Nanoseconds until {@code user} from {@code address} may try again; 0 when not locked. */
  long lockedFor(String user, String address) {
    long now = clock.nanoTime();
    long userWait = byUser.getIfPresent(user).map(a -> a.remaining(now)).orElse(0L);
    long addressWait = byAddress.getIfPresent(address).map(a -> a.remaining(now)).orElse(0L);
    return Math.max(userWait, addressWait);
  }

  /** Records a failed login; {@code user} is null when the name given could not be a user's. */
  void failed(String user, String address) {
    long now = clock.nanoTime();
    if (user != null) {
      byUser.get(user).fail(now, userThreshold);
    }
    byAddress.get(address).fail(now, addressThreshold);
  }

  /** Records a successful login. */
  void succeeded(String user) {
    byUser.remove(user);
  }

  /** The failures of one key and its lock; guarded by its monitor. */
  private final class Attempts {
    private int failures;
    private long lockedUntil;
    private boolean locked;

    synchronized long remaining(long now) {
      return locked && lockedUntil - now > 0 ? lockedUntil - now : 0;
    }

    synchronized void fail(long now, int threshold) {
      failures++;
      if (failures >= threshold) {
        int doublings = Math.min(failures - threshold, 30);
        long lock = baseLockNanos << doublings;
        if (lock <= 0 || lock > maxLockNanos) {
          lock = maxLockNanos;
        }
        lockedUntil = now + lock;
        locked = true;
      }
    }
  }
}
