package dev.faultline.core.timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.faultline.core.ConfigurationException;
import dev.faultline.core.testing.FakeClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class TimeoutConfigTest {
  private final FakeClock clock = new FakeClock();

  private static void assertInvalid(String field, String rule, String value, Executable build) {
    ConfigurationException e = assertThrows(ConfigurationException.class, build);
    assertEquals(field, e.field());
    assertEquals(rule, e.rule());
    assertEquals(value, String.valueOf(e.value()));
    assertEquals(field + " must " + rule + ", but was " + value, e.getMessage());
  }

  @Test
  void timeoutIsRequired() {
    assertInvalid("timeout", "be a positive duration", "null", () -> Timeout.builder("t").build());
  }

  @Test
  void timeoutMustBePositive() {
    assertInvalid("timeout", "be a positive duration", "PT0S",
        () -> Timeout.builder("t").timeout(Duration.ZERO).build());
    assertInvalid("timeout", "be a positive duration", "PT-1S",
        () -> Timeout.builder("t").timeout(Duration.ofSeconds(-1)).build());
  }

  @Test
  void nameMustNotBeBlank() {
    assertInvalid("name", "not be blank", "\" \"", () -> Timeout.builder(" ").timeout(Duration.ofSeconds(1)).build());
    assertInvalid("name", "not be blank", "null", () -> Timeout.builder(null).timeout(Duration.ofSeconds(1)).build());
  }

  @Test
  void clockSchedulerAndListenersMustNotBeNull() {
    assertInvalid("clock", "not be null", "null",
        () -> Timeout.builder("t").timeout(Duration.ofSeconds(1)).clock(null).build());
    assertInvalid("scheduler", "not be null", "null",
        () -> Timeout.builder("t").timeout(Duration.ofSeconds(1)).clock(clock).scheduler(null).build());
    assertInvalid("listener", "not be null", "null", () -> Timeout.builder("t").listener(null));
  }

  @Test
  void hugeTimeoutsAreAccepted() {
    Timeout timeout = Timeout.builder("t").timeout(Duration.ofDays(365L * 1000)).clock(clock).scheduler(clock).build();
    assertEquals(Duration.ofDays(365L * 1000), timeout.config().timeout());
  }
}
