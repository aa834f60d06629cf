package dev.faultline.core.ratelimiter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.faultline.core.ConfigurationException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class RateLimiterConfigTest {

  private static void assertInvalid(String field, String rule, String value, Executable build) {
    ConfigurationException e = assertThrows(ConfigurationException.class, build);
    assertEquals(field, e.field());
    assertEquals(rule, e.rule());
    assertEquals(value, String.valueOf(e.value()));
    assertEquals(field + " must " + rule + ", but was " + value, e.getMessage());
  }

  private static RateLimiter.Builder valid() {
    return RateLimiter.builder("r").rate(100, Duration.ofSeconds(1));
  }

  @Test
  void rateIsRequired() {
    assertInvalid("permits", "be at least 1", "0", () -> RateLimiter.builder("r").build());
  }

  @Test
  void permitsMustBePositive() {
    assertInvalid("permits", "be at least 1", "-1", () -> RateLimiter.builder("r").rate(-1, Duration.ofSeconds(1))
        .build());
  }

  @Test
  void periodMustBePositive() {
    assertInvalid("period", "be a positive duration", "null", () -> RateLimiter.builder("r").rate(1, null).build());
    assertInvalid("period", "be a positive duration", "PT0S",
        () -> RateLimiter.builder("r").rate(1, Duration.ZERO).build());
  }

  @Test
  void periodMustLeaveAtLeastANanosecondPerPermit() {
    assertInvalid("period", "be at least one nanosecond per permit (1000 ns)", "PT0.000000999S",
        () -> RateLimiter.builder("r").rate(1000, Duration.ofNanos(999)).build());
  }

  @Test
  void periodMustFitInNanoseconds() {
    assertInvalid("period", "be at most PT2562047H47M16.854775807S", "PT8760000H",
        () -> RateLimiter.builder("r").rate(1, Duration.ofDays(365_000)).build());
  }

  @Test
  void burstMustBePositiveAndBounded() {
    assertInvalid("burst", "be at least 1", "0", () -> valid().burst(0).build());
    assertInvalid("burst", "hold at most PT1281023H53M38.427387904S worth of permits (1)", "2",
        () -> RateLimiter.builder("r").rate(1, Duration.ofDays(36_500)).burst(2).build());
  }

  @Test
  void theLongestPeriodDividesWithoutOverflow() {
    // Long.MAX_VALUE ns over 2 permits: 2^62 ns each (rounded up), one of which fits in a bucket.
    RateLimiter limiter = RateLimiter.builder("r").rate(2, Duration.ofNanos(Long.MAX_VALUE)).burst(1).build();
    assertEquals(Duration.ofNanos(1L << 62), limiter.config().interval());
    assertInvalid("burst", "hold at most PT1281023H53M38.427387904S worth of permits (1)", "2",
        () -> RateLimiter.builder("r").rate(2, Duration.ofNanos(Long.MAX_VALUE)).build());
  }

  @Test
  void maxWaitMustNotBeNegative() {
    assertInvalid("maxWait", "be a duration of zero or more", "PT-1S",
        () -> valid().maxWait(Duration.ofSeconds(-1)).build());
  }

  @Test
  void nameClockSchedulerAndListenersAreChecked() {
    assertInvalid("name", "not be blank", "null", () -> RateLimiter.builder(null).rate(1, Duration.ofSeconds(1))
        .build());
    assertInvalid("clock", "not be null", "null", () -> valid().clock(null).build());
    assertInvalid("scheduler", "not be null", "null", () -> valid().scheduler(null).build());
    assertInvalid("listener", "not be null", "null", () -> valid().listener(null));
  }
}
