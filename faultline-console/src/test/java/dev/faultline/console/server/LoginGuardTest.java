package dev.faultline.console.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.faultline.core.testing.FakeClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The lock's doubling never wraps around to a shorter lock than the longest one. */
class LoginGuardTest {

  @Test
  void aDoubledLockPastTheRangeOfALongIsTheLongestLockNotAWrappedShortOne() {
    FakeClock clock = new FakeClock();
    Duration base = Duration.ofNanos((1L << 34) + 8); // about 17 s: 30 doublings pass 2^64
    Duration max = Duration.ofDays(7);
    LoginGuard guard = new LoginGuard(clock, 1, 1, base, max);
    for (int i = 0; i < 31; i++) {
      guard.failedInvalidName("192.0.2.1");
    }
    // Before: (2^34 + 8) << 30 wrapped to 2^33 ns, and the address was locked for 8.6 s instead of 7 days.
    assertEquals(max.toNanos(), guard.admit("alice", "192.0.2.1").waitNanos());
  }
}
