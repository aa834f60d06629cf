package dev.faultline.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.faultline.core.bulkhead.Bulkhead;
import dev.faultline.core.circuitbreaker.CallNotPermittedException;
import dev.faultline.core.circuitbreaker.CircuitBreaker;
import dev.faultline.core.fallback.Fallback;
import dev.faultline.core.retry.Backoff;
import dev.faultline.core.retry.Retry;
import dev.faultline.core.retry.RetryBudget;
import dev.faultline.core.testing.FakeClock;
import dev.faultline.core.timeout.Timeout;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The README's quick start, compiled and run on a fake clock so that it cannot rot. */
class ReadmeExampleTest {

  record Receipt(String status, int attempt) {
    static Receipt pending() {
      return new Receipt("pending", 0);
    }
  }

  @Test
  void quickStartRunsAsWritten() throws Exception {
    FakeClock clock = new FakeClock();
    CircuitBreaker breaker = CircuitBreaker.builder("payments").clock(clock)
        .failureRateThreshold(0.5).countBasedWindow(100).waitInOpen(Duration.ofSeconds(10)).build();
    Retry retry = Retry.builder("payments").clock(clock).scheduler(clock)
        .maxAttempts(3)
        .backoff(Backoff.exponential(Duration.ofMillis(50), 2.0, Duration.ofSeconds(2)).withFullJitter())
        .budget(RetryBudget.builder().clock(clock).ratio(0.2).minRetriesPerSecond(10).build())
        .ignore(CallNotPermittedException.class)
        .build();
    Pipeline pipeline = Pipeline.builder().name("payments").clock(clock)
        .add(Fallback.<Receipt>builder("payments").apply(failure -> Receipt.pending()).build(),
            retry, breaker,
            Timeout.builder("payments").clock(clock).scheduler(clock).timeout(Duration.ofSeconds(2)).build(),
            Bulkhead.builder("payments").maxConcurrentCalls(32).build())
        .build();

    Receipt receipt = pipeline.call(ctx -> {
      if (ctx.attempt() < 2) {
        throw new IOException("connection reset");
      }
      return new Receipt("charged", ctx.attempt());
    });
    assertEquals(new Receipt("charged", 2), receipt);

    CompletableFuture<Receipt> later = pipeline
        .<Receipt>callAsync(ctx -> CompletableFuture.failedFuture(new IOException("down")))
        .toCompletableFuture();
    // The async retries wait on the fake clock: advance it through each backoff until the outcome is known.
    while (!later.isDone() && clock.runNext()) {
      assertEquals(false, later.isCompletedExceptionally());
    }
    assertEquals(Receipt.pending(), later.join());
    assertEquals(3, retry.metrics().retries());
  }
}
