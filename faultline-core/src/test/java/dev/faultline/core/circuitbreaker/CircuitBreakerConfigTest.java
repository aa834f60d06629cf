package dev.faultline.core.circuitbreaker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.ConfigurationException;
import dev.faultline.core.circuitbreaker.CircuitBreaker.SlidingWindowType;
import dev.faultline.core.testing.EventRecorder;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Every configuration rule fails naming its field, its rule and the value; defaults resolve as documented. */
class CircuitBreakerConfigTest {

  private static ConfigurationException invalid(UnaryOperator<CircuitBreaker.Builder> change) {
    return assertThrows(ConfigurationException.class, () -> change.apply(CircuitBreaker.builder("b")).build());
  }

  private static void assertInvalid(String field, String rule, Object value, UnaryOperator<CircuitBreaker.Builder> c) {
    ConfigurationException e = invalid(c);
    assertEquals(field, e.field(), e.getMessage());
    assertEquals(rule, e.rule(), e.getMessage());
    assertEquals(String.valueOf(value), String.valueOf(e.value()), e.getMessage());
    assertEquals(field + " must " + rule + ", but was " + value, e.getMessage());
    assertEquals("invalid-configuration", e.code());
  }

  @Test
  void name() {
    assertInvalid("name", "not be blank", "\" \"", b -> CircuitBreaker.builder(" "));
    assertInvalid("name", "not be blank", "null", b -> CircuitBreaker.builder(null));
  }

  @Test
  void failureRateThresholdIsAboveZeroAndAtMostOne() {
    String rule = "be greater than 0 and at most 1";
    assertInvalid("failureRateThreshold", rule, 0.0, b -> b.failureRateThreshold(0));
    assertInvalid("failureRateThreshold", rule, 1.5, b -> b.failureRateThreshold(1.5));
    assertInvalid("failureRateThreshold", rule, -0.1, b -> b.failureRateThreshold(-0.1));
    assertInvalid("failureRateThreshold", rule, Double.NaN, b -> b.failureRateThreshold(Double.NaN));
    assertEquals(1.0, CircuitBreaker.builder("b").failureRateThreshold(1).build().config().failureRateThreshold());
  }

  @Test
  void slowCalls() {
    assertInvalid("slowCallRateThreshold", "be greater than 0 and at most 1", 0.0,
        b -> b.slowCallDuration(Duration.ofSeconds(1)).slowCallRateThreshold(0));
    assertInvalid("slowCallDuration", "be set when slowCallRateThreshold is set", "null",
        b -> b.slowCallRateThreshold(0.5));
    assertInvalid("slowCallDuration", "be a positive duration", "PT0S", b -> b.slowCallDuration(Duration.ZERO));
    assertInvalid("slowCallDuration", "be a positive duration", "PT-1S",
        b -> b.slowCallDuration(Duration.ofSeconds(-1)));
    CircuitBreakerConfig config = CircuitBreaker.builder("b").slowCallDuration(Duration.ofSeconds(2)).build().config();
    assertEquals(1.0, config.slowCallRateThreshold(), "default slow-call rate threshold");
    assertEquals(Optional.of(Duration.ofSeconds(2)), config.slowCallDuration());
  }

  @Test
  void slidingWindow() {
    assertInvalid("slidingWindowSize", "be at least 1", 0, b -> b.countBasedWindow(0));
    assertInvalid("slidingWindowSize", "be at least 1", -3, b -> b.timeBasedWindow(-3));
    assertInvalid("slidingWindowSize", "be at most 1000000 for a COUNT_BASED window", 1_000_001,
        b -> b.countBasedWindow(1_000_001));
    assertInvalid("slidingWindowSize", "be at most 3600 for a TIME_BASED window", 3601, b -> b.timeBasedWindow(3601));
    assertInvalid("slidingWindowType", "not be null", "null", b -> b.slidingWindow(null, 10));
  }

  @Test
  void minimumNumberOfCalls() {
    assertInvalid("minimumNumberOfCalls", "be at least 1", 0, b -> b.minimumNumberOfCalls(0));
    assertInvalid("minimumNumberOfCalls", "be at most slidingWindowSize (10) for a COUNT_BASED window", 11,
        b -> b.countBasedWindow(10).minimumNumberOfCalls(11));
    assertEquals(500, CircuitBreaker.builder("b").timeBasedWindow(10).minimumNumberOfCalls(500).build().config()
        .minimumNumberOfCalls(), "a time-based window may require more calls than it has seconds");
  }

  @Test
  void permittedCallsInHalfOpen() {
    assertInvalid("permittedCallsInHalfOpen", "be at least 1", 0, b -> b.permittedCallsInHalfOpen(0));
    assertInvalid("permittedCallsInHalfOpen", "be at most 1000000", 1_000_001,
        b -> b.permittedCallsInHalfOpen(1_000_001));
  }

  @Test
  void waitInOpen() {
    assertInvalid("waitInOpen", "be a positive duration", "PT0S", b -> b.waitInOpen(Duration.ZERO));
    assertInvalid("waitInOpen", "be a positive duration", "null", b -> b.waitInOpen(null));
    assertInvalid("waitMultiplier", "be a finite number of at least 1.0", 0.5, b -> b.waitMultiplier(0.5));
    assertInvalid("waitMultiplier", "be a finite number of at least 1.0", Double.NaN,
        b -> b.waitMultiplier(Double.NaN));
    assertInvalid("waitMultiplier", "be a finite number of at least 1.0", Double.POSITIVE_INFINITY,
        b -> b.waitMultiplier(Double.POSITIVE_INFINITY));
    assertInvalid("maxWaitInOpen", "be set when waitMultiplier is above 1.0 (2.0)", "null",
        b -> b.waitMultiplier(2));
    assertInvalid("maxWaitInOpen", "be at least waitInOpen (PT10S)", "PT5S",
        b -> b.waitInOpen(Duration.ofSeconds(10)).maxWaitInOpen(Duration.ofSeconds(5)));
  }

  @Test
  void exceptionRules() {
    assertInvalid("ignoreExceptions", "not contain a type also in recordExceptions", "java.io.IOException",
        b -> b.recordExceptions(IOException.class).ignoreExceptions(IOException.class));
    assertInvalid("recordExceptions[1]", "not be null", "null",
        b -> b.recordExceptions(IOException.class, null));
  }

  @Test
  void clockAndListeners() {
    assertInvalid("clock", "not be null", "null", b -> b.clock(null));
    assertInvalid("listeners[1]", "not be null", "null", b -> b.listener(new EventRecorder()).listener(null));
  }

  @Test
  void defaults() {
    CircuitBreakerConfig config = CircuitBreaker.builder("b").build().config();
    assertEquals("b", config.name());
    assertEquals(0.5, config.failureRateThreshold());
    assertEquals(Optional.empty(), config.slowCallDuration());
    assertEquals(SlidingWindowType.COUNT_BASED, config.slidingWindowType());
    assertEquals(100, config.slidingWindowSize());
    assertEquals(100, config.minimumNumberOfCalls());
    assertEquals(10, config.permittedCallsInHalfOpen());
    assertEquals(Duration.ofSeconds(60), config.waitInOpen());
    assertEquals(1.0, config.waitMultiplier());
    assertEquals(Duration.ofSeconds(60), config.maxWaitInOpen(), "a fixed wait by default");
    assertEquals(List.of(), config.recordExceptions());
    assertEquals(Optional.empty(), config.scheduler());
    assertEquals(10, CircuitBreaker.builder("b").countBasedWindow(10).build().config().minimumNumberOfCalls(),
        "the default minimum shrinks to a smaller count window");
    assertEquals(100, CircuitBreaker.builder("b").timeBasedWindow(10).build().config().minimumNumberOfCalls());
    assertTrue(config.toString().contains("slidingWindow=COUNT_BASED/100"));
  }

  @Test
  void buildCopiesTheBuilder() {
    CircuitBreaker.Builder builder = CircuitBreaker.builder("b").recordExceptions(IOException.class);
    CircuitBreakerConfig config = builder.build().config();
    builder.recordExceptions(IllegalStateException.class).failureRateThreshold(0.9);
    assertEquals(List.of(IOException.class), config.recordExceptions());
    assertEquals(0.5, config.failureRateThreshold());
    assertThrows(UnsupportedOperationException.class, () -> config.recordExceptions().add(Exception.class));
  }
}
