package dev.faultline.core.bulkhead;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.faultline.core.ConfigurationException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class BulkheadConfigTest {

  private static void assertInvalid(String field, String rule, String value, Executable build) {
    ConfigurationException e = assertThrows(ConfigurationException.class, build);
    assertEquals(field, e.field());
    assertEquals(rule, e.rule());
    assertEquals(value, String.valueOf(e.value()));
    assertEquals(field + " must " + rule + ", but was " + value, e.getMessage());
  }

  @Test
  void maxConcurrentCallsMustBePositive() {
    assertInvalid("maxConcurrentCalls", "be at least 1", "0",
        () -> Bulkhead.builder("b").maxConcurrentCalls(0).build());
    assertInvalid("maxConcurrentCalls", "be at least 1", "-3",
        () -> Bulkhead.builder("b").maxConcurrentCalls(-3).build());
  }

  @Test
  void maxWaitMustNotBeNegativeOrMissing() {
    assertInvalid("maxWait", "be a duration of zero or more", "PT-0.001S",
        () -> Bulkhead.builder("b").maxWait(Duration.ofMillis(-1)).build());
    assertInvalid("maxWait", "be a duration of zero or more", "null",
        () -> Bulkhead.builder("b").maxWait(null).build());
  }

  @Test
  void nameClockSchedulerAndListenersAreChecked() {
    assertInvalid("name", "not be blank", "\"\"", () -> Bulkhead.builder("").build());
    assertInvalid("clock", "not be null", "null", () -> Bulkhead.builder("b").clock(null).build());
    assertInvalid("scheduler", "not be null", "null", () -> Bulkhead.builder("b").scheduler(null).build());
    assertInvalid("listener", "not be null", "null", () -> Bulkhead.builder("b").listener(null));
  }

  @Test
  void buildCopiesTheConfiguration() {
    Bulkhead.Builder builder = Bulkhead.builder("b").maxConcurrentCalls(3);
    Bulkhead first = builder.build();
    builder.maxConcurrentCalls(9);

    assertEquals(3, first.config().maxConcurrentCalls());
    assertEquals(9, builder.build().config().maxConcurrentCalls());
  }
}
