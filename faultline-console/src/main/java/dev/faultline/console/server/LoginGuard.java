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
 * guessing others). Addresses get a higher threshold than users, since several users may share one. Password checks
 * in flight count against the threshold ({@link #admit}), so a burst of concurrent guesses gets no more checks than
 * sequential ones would.
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

  /**
   * Asks to check a password of {@code user} from {@code address}. The attempt is refused ({@link Attempt#waitNanos()}
   * above 0) while the user or the address is locked, or while as many of its checks are in flight as failures it may
   * still make before the lock: otherwise concurrent guesses would all pass this check before the first failure is
   * recorded, and a burst would get as many password checks as it has requests. An admitted attempt counts as in
   * flight until it ends with {@link Attempt#failed()} or {@link Attempt#succeeded()}, once.
   */
  Attempt admit(String user, String address) {
    long now = clock.nanoTime();
    Attempts userAttempts = byUser.get(user);
    long wait = userAttempts.admit(now, userThreshold);
    if (wait > 0) {
      return new Attempt(wait, null, null);
    }
    Attempts addressAttempts = byAddress.get(address);
    wait = addressAttempts.admit(now, addressThreshold);
    if (wait > 0) {
      userAttempts.end(false, now, userThreshold);
      return new Attempt(wait, null, null);
    }
    return new Attempt(0, userAttempts, addressAttempts);
  }

  /** Records a failed login of a name that cannot be a user's: only the address pays (the name is not kept). */
  void failedInvalidName(String address) {
    byAddress.get(address).fail(clock.nanoTime(), addressThreshold);
  }

  /** One login attempt: refused, or admitted and then ended once. Not thread-safe (one request's). */
  final class Attempt {
    private final long waitNanos;
    private final Attempts user;
    private final Attempts address;
    private boolean ended;

    private Attempt(long waitNanos, Attempts user, Attempts address) {
      this.waitNanos = waitNanos;
      this.user = user;
      this.address = address;
    }

    /** Nanoseconds until the user from the address may try again; 0 when this attempt was admitted. */
    long waitNanos() {
      return waitNanos;
    }

    /** Ends an admitted attempt as a failed login. */
    void failed() {
      end(true);
    }

    /** Ends an admitted attempt as a success: clears the user's failures (not the address's). */
    void succeeded() {
      end(false);
      user.clear();
    }

    /** Ends an admitted attempt that was neither (the check itself failed): it only leaves the in-flight count. */
    void abandon() {
      end(false);
    }

    private void end(boolean failed) {
      if (user == null || ended) {
        return;
      }
      ended = true;
      long now = clock.nanoTime();
      user.end(failed, now, userThreshold);
      address.end(failed, now, addressThreshold);
    }
  }

  /** The failures of one key and its lock; guarded by its monitor. */
  private final class Attempts {
    private int failures;
    private int inFlight;
    private long lockedUntil;
    private boolean locked;

    synchronized long remaining(long now) {
      return locked && lockedUntil - now > 0 ? lockedUntil - now : 0;
    }

    /** 0 and one more in flight, or the wait: the lock's, or the first lock's when the checks in flight could reach it. */
    synchronized long admit(long now, int threshold) {
      long remaining = remaining(now);
      if (remaining > 0) {
        return remaining;
      }
      if (failures < threshold && failures + inFlight >= threshold) {
        return Math.min(baseLockNanos, maxLockNanos);
      }
      if (failures >= threshold && inFlight > 0) {
        // Past the threshold every failure locks at once: one check at a time.
        return Math.min(baseLockNanos, maxLockNanos);
      }
      inFlight++;
      return 0;
    }

    synchronized void end(boolean failed, long now, int threshold) {
      inFlight = Math.max(0, inFlight - 1);
      if (failed) {
        fail(now, threshold);
      }
    }

    synchronized void clear() {
      failures = 0;
      locked = false;
    }

    synchronized void fail(long now, int threshold) {
      failures++;
      if (failures >= threshold) {
        int doublings = Math.min(failures - threshold, 30);
        lockedUntil = now + Doubling.doubled(baseLockNanos, doublings, maxLockNanos);
        locked = true;
      }
    }
  }
}
