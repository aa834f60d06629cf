package dev.faultline.core.retry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.ConfigurationException;
import dev.faultline.core.PolicyKind;
import dev.faultline.core.testing.FakeClock;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Configuration of retries, backoffs and budgets: defaults, copies, and every rule naming field, rule and value. */
class RetryConfigTest {

  private static void rejects(String field, String rule, Object value, Executable build) {
    ConfigurationException e = assertThrows(ConfigurationException.class, build);
    assertEquals(field, e.field());
    assertEquals(rule, e.rule());
    assertEquals(String.valueOf(value), String.valueOf(e.value()));
    assertEquals(field + " must " + rule + ", but was " + value, e.getMessage());
  }

  @Test
  void defaultsAreResolvedAndTheListsAreCopies() {
    FakeClock clock = new FakeClock();
    Retry.Builder builder = Retry.builder("orders").clock(clock).scheduler(clock).retryOn(IOException.class);
    Retry retry = builder.build();
    builder.retryOn(IllegalStateException.class);

    RetryConfig config = retry.config();
    assertEquals("orders", retry.name());
    assertEquals(PolicyKind.RETRY, retry.kind());
    assertEquals(3, config.maxAttempts());
    assertEquals(Optional.empty(), config.maxDuration());
    assertEquals(Backoff.exponential(Duration.ofMillis(100), 2.0, Duration.ofSeconds(10)).withFullJitter(),
        config.backoff());
    assertEquals(List.of(IOException.class), config.retryOn(), "later builder changes do not reach the config");
    assertSame(clock, config.clock());
    assertSame(clock, config.scheduler());
    assertEquals(Optional.empty(), config.budget());
    assertThrows(UnsupportedOperationException.class, () -> config.retryOn().add(Exception.class));
  }

  @Test
  void retryRules() {
    rejects("name", "not be blank", "\" \"", () -> Retry.builder(" ").build());
    rejects("maxAttempts", "be at least 1", 0, () -> Retry.builder("r").maxAttempts(0).build());
    rejects("maxDuration", "be a positive duration", "PT0S",
        () -> Retry.builder("r").maxDuration(Duration.ZERO).build());
    rejects("maxDuration", "be a positive duration", "PT-1S",
        () -> Retry.builder("r").maxDuration(Duration.ofSeconds(-1)).build());
    rejects("backoff", "not be null", "null", () -> Retry.builder("r").backoff(null).build());
    rejects("clock", "not be null", "null", () -> Retry.builder("r").clock(null).build());
    rejects("scheduler", "not be null", "null", () -> Retry.builder("r").scheduler(null).build());
    rejects("retryOn", "not list a fatal error type (fatal errors are never retried)", "java.lang.OutOfMemoryError",
        () -> Retry.builder("r").retryOn(OutOfMemoryError.class).build());
    rejects("ignore", "not list a type that retryOn lists", "java.io.IOException",
        () -> Retry.builder("r").retryOn(IOException.class).ignore(IOException.class).build());
    rejects("abortOn[]", "not be null", "null", () -> Retry.builder("r").abortOn((Class<? extends Throwable>) null)
        .build());
  }

  @Test
  void backoffRules() {
    rejects("backoff.delay", "be a duration of zero or more", "PT-0.001S",
        () -> Backoff.fixed(Duration.ofMillis(-1)));
    rejects("backoff.initial", "be a positive duration", "PT0S",
        () -> Backoff.exponential(Duration.ZERO, 2, Duration.ofSeconds(1)));
    rejects("backoff.multiplier", "be between 1.0 and 1000.0", 0.5,
        () -> Backoff.exponential(Duration.ofMillis(1), 0.5, Duration.ofSeconds(1)));
    rejects("backoff.multiplier", "be between 1.0 and 1000.0", Double.NaN,
        () -> Backoff.exponential(Duration.ofMillis(1), Double.NaN, Duration.ofSeconds(1)));
    rejects("backoff.max", "be at least backoff.initial (2000000000)", 1000000000L,
        () -> Backoff.exponential(Duration.ofSeconds(2), 2, Duration.ofSeconds(1)));
    rejects("backoff.base", "be a positive duration", "null", () -> Backoff.decorrelatedJitter(null,
        Duration.ofSeconds(1)));
    rejects("backoff.max", "be at least backoff.base (2000000000)", 1000000000L,
        () -> Backoff.decorrelatedJitter(Duration.ofSeconds(2), Duration.ofSeconds(1)));
    rejects("backoff.jitter", "apply only to a fixed or exponential backoff", "NONE",
        () -> Backoff.none().withFullJitter());
    rejects("backoff.jitter", "apply only to a fixed or exponential backoff", "DECORRELATED_JITTER",
        () -> Backoff.decorrelatedJitter(Duration.ofMillis(1), Duration.ofSeconds(1)).withFullJitter());
  }

  @Test
  void budgetRules() {
    rejects("ratio", "be between 0.0 and 1.0", 1.5, () -> RetryBudget.builder().ratio(1.5).build());
    rejects("ratio", "be between 0.0 and 1.0", Double.NaN, () -> RetryBudget.builder().ratio(Double.NaN).build());
    rejects("minRetriesPerSecond", "be between 0.0 and 1000000.0", -1.0,
        () -> RetryBudget.builder().minRetriesPerSecond(-1).build());
    rejects("window", "be a positive duration", "PT0S", () -> RetryBudget.builder().window(Duration.ZERO).build());
    rejects("buckets", "be at least 1", 0, () -> RetryBudget.builder().buckets(0).build());
    rejects("buckets", "be at most 1000", 1001, () -> RetryBudget.builder().buckets(1001).build());
    rejects("buckets", "divide window (PT10S) into whole nanoseconds", 3,
        () -> RetryBudget.builder().buckets(3).build());
    rejects("window", "be at least 1 ms per bucket (10 buckets)", "PT0.005S",
        () -> RetryBudget.builder().window(Duration.ofMillis(5)).build());
    rejects("clock", "not be null", "null", () -> RetryBudget.builder().clock(null).build());
    rejects("window", "be at most PT2562047H47M16.854775807S", "PT8760000H",
        () -> RetryBudget.builder().window(Duration.ofDays(365_000)).build());

    RetryBudget budget = RetryBudget.builder().build();
    assertEquals(0.2, budget.ratio());
    assertEquals(10.0, budget.minRetriesPerSecond());
    assertEquals(Duration.ofSeconds(10), budget.window());
    assertEquals(10, budget.buckets());
    assertTrue(budget.metrics().allowed() == 100, "the reserve alone: 10/s over 10 s");
  }
}
