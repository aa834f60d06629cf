package dev.faultline.core.retry;

import static dev.faultline.core.support.Harness.Behavior.fail;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.event.PolicyEvent.RetriesExhausted;
import dev.faultline.core.support.Harness;
import dev.faultline.core.support.Harness.Mode;
import dev.faultline.core.testing.EventRecorder;
import dev.faultline.core.testing.FakeClock;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The retry budget: its bound, its sliding window, and its use by retries, alone and from many threads. */
class RetryBudgetTest {
  private final FakeClock clock = new FakeClock();
  private final EventRecorder events = new EventRecorder();

  private RetryBudget.Builder budget() {
    return RetryBudget.builder().clock(clock);
  }

  private Retry retryWith(RetryBudget budget) {
    return Retry.builder("budgeted").clock(clock).scheduler(clock).listener(events).maxAttempts(2)
        .backoff(Backoff.none()).budget(budget).build();
  }

  private static Harness.Behavior<String> failing(int attempt) {
    return fail(new IOException("attempt " + attempt));
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aBurstSpendsTheFractionAndTheReserveThenTheWindowSlides(Mode mode) {
    // 10 s window: the reserve is 1 retry/s * 10 s = 10; with k calls, floor(0.2 k) + 10 retries are allowed.
    RetryBudget budget = budget().ratio(0.2).minRetriesPerSecond(1).window(Duration.ofSeconds(10)).buckets(10).build();
    Retry retry = retryWith(budget);

    List<Integer> attempts = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      attempts.add(Harness.run(mode, clock, retry, RetryBudgetTest::failing).attempts());
    }

    // Executions 1..12 fit in the reserve plus fraction; after that one more retry every 5 calls (k = 15, 20, ...).
    for (int k = 1; k <= 100; k++) {
      boolean retried = k <= 12 || k % 5 == 0;
      assertEquals(retried ? 2 : 1, attempts.get(k - 1), "execution " + k);
    }
    assertEquals(new Retry.Metrics(100, 0, 0, 70, 30, 30, 70), retry.metrics());
    assertEquals(new RetryBudget.Metrics(100, 30, 30, 70), budget.metrics());
    Map<String, Long> reasons = events.events(RetriesExhausted.class).stream()
        .collect(Collectors.groupingBy(RetriesExhausted::reason, Collectors.counting()));
    assertEquals(Map.of("budget", 70L, "attempts", 30L), reasons);

    clock.advance(Duration.ofSeconds(9));
    assertEquals(1, Harness.run(mode, clock, retry, RetryBudgetTest::failing).attempts(),
        "at 9 s the burst's bucket is still in the window");
    clock.advance(Duration.ofSeconds(1));
    assertEquals(2, Harness.run(mode, clock, retry, RetryBudgetTest::failing).attempts(),
        "at 10 s the burst's bucket has left the window");
    assertEquals(new RetryBudget.Metrics(2, 1, 10, 71), budget.metrics());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void theMinimumPerSecondIsAllowedEvenWithoutAnyFraction(Mode mode) {
    RetryBudget budget = budget().ratio(0).minRetriesPerSecond(2).window(Duration.ofSeconds(1)).buckets(10).build();
    Retry retry = retryWith(budget);

    int total = 0;
    for (int i = 0; i < 10; i++) {
      total += Harness.run(mode, clock, retry, RetryBudgetTest::failing).attempts();
    }
    assertEquals(12, total, "10 calls and the 2 retries of the reserve");

    clock.advance(Duration.ofMillis(900));
    assertEquals(1, Harness.run(mode, clock, retry, RetryBudgetTest::failing).attempts(), "still the same window");
    clock.advance(Duration.ofMillis(100));
    assertEquals(2, Harness.run(mode, clock, retry, RetryBudgetTest::failing).attempts());
    assertEquals(2, Harness.run(mode, clock, retry, RetryBudgetTest::failing).attempts());
    assertEquals(1, Harness.run(mode, clock, retry, RetryBudgetTest::failing).attempts(), "2 per window, no more");
  }

  @Test
  void grantsExactlyTheFractionOfCalls() {
    RetryBudget budget = budget().ratio(0.5).minRetriesPerSecond(0).build();
    for (int i = 0; i < 10; i++) {
      budget.recordCall();
    }
    for (int i = 0; i < 5; i++) {
      assertTrue(budget.tryAcquireRetry(), "retry " + (i + 1));
    }
    assertFalse(budget.tryAcquireRetry());
    assertEquals(new RetryBudget.Metrics(10, 5, 5, 1), budget.metrics());
  }

  @Test
  void eachBucketLeavesTheWindowOnItsOwn() {
    RetryBudget budget = budget().ratio(1).minRetriesPerSecond(0).window(Duration.ofSeconds(4)).buckets(4).build();
    budget.recordCall();
    clock.advance(Duration.ofSeconds(2));
    budget.recordCall();
    budget.recordCall();
    assertEquals(3, budget.metrics().calls());
    clock.advance(Duration.ofSeconds(2));
    assertEquals(2, budget.metrics().calls(), "the first bucket left at 4 s");
    assertTrue(budget.tryAcquireRetry());
    clock.advance(Duration.ofSeconds(1));
    assertEquals(new RetryBudget.Metrics(2, 1, 2, 0), budget.metrics());
    clock.advance(Duration.ofSeconds(1));
    assertEquals(new RetryBudget.Metrics(0, 1, 0, 0), budget.metrics(), "calls at 2 s left at 6 s; the retry stays");
    assertFalse(budget.tryAcquireRetry());
    clock.advance(Duration.ofSeconds(2));
    assertEquals(new RetryBudget.Metrics(0, 0, 0, 1), budget.metrics());
  }

  @Test
  void aBudgetIdleForMillionsOfBucketsStillCountsRight() {
    RetryBudget budget = budget().ratio(1).minRetriesPerSecond(0).window(Duration.ofSeconds(1)).buckets(1).build();
    budget.recordCall();
    assertTrue(budget.tryAcquireRetry());

    // More than 2^23 buckets later the retry counter's 24-bit tag looks newer than the clock; it must be reset.
    clock.advance(Duration.ofSeconds((1L << 23) + 5));
    assertFalse(budget.tryAcquireRetry(), "no calls in this window");
    budget.recordCall();
    assertTrue(budget.tryAcquireRetry());
    assertFalse(budget.tryAcquireRetry());
    assertEquals(new RetryBudget.Metrics(1, 1, 1, 2), budget.metrics());
  }

  @Test
  void threadsSharingABudgetNeverGetMoreRetriesThanItsBound() throws Exception {
    RetryBudget budget = budget().ratio(0.1).minRetriesPerSecond(5).window(Duration.ofSeconds(10)).buckets(10).build();
    int threads = 4;
    int callsPerThread = 20_000;
    CyclicBarrier start = new CyclicBarrier(threads);
    AtomicLong granted = new AtomicLong();
    AtomicReference<Throwable> error = new AtomicReference<>();
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread worker = new Thread(() -> {
        try {
          start.await();
          for (int i = 0; i < callsPerThread; i++) {
            budget.recordCall();
            for (int r = 0; r < 2; r++) {
              if (budget.tryAcquireRetry()) {
                granted.incrementAndGet();
              }
            }
          }
        } catch (Throwable e) {
          error.compareAndSet(null, e);
        }
      });
      worker.start();
      workers.add(worker);
    }
    for (Thread worker : workers) {
      worker.join();
    }
    assertEquals(null, error.get());

    long bound = (long) Math.floor(0.1 * (threads * callsPerThread) + 5 * 10);
    assertTrue(granted.get() <= bound, granted.get() + " retries granted, bound " + bound);
    for (long i = 0; i <= bound && budget.tryAcquireRetry(); i++) {
      granted.incrementAndGet();
    }
    assertEquals(bound, granted.get(), "refusals under contention lose nothing: a single thread gets the rest");
    assertEquals(new RetryBudget.Metrics(threads * callsPerThread, bound, bound, budget.metrics().rejections()),
        budget.metrics());
  }

  @Test
  void retriesSharingABudgetFromManyThreadsStayWithinIt() throws Exception {
    RetryBudget budget = budget().ratio(0.1).minRetriesPerSecond(5).window(Duration.ofSeconds(10)).buckets(10).build();
    List<Retry> retries = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      retries.add(Retry.builder("shared-" + i).clock(clock).scheduler(clock).maxAttempts(3).backoff(Backoff.none())
          .budget(budget).build());
    }
    int threads = 4;
    int executionsPerThread = 2_000;
    AtomicInteger attempts = new AtomicInteger();
    CyclicBarrier start = new CyclicBarrier(threads);
    AtomicReference<Throwable> error = new AtomicReference<>();
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      Thread worker = new Thread(() -> {
        try {
          start.await();
          for (int i = 0; i < executionsPerThread; i++) {
            Retry retry = retries.get((id + i) % retries.size());
            try {
              retry.call(() -> {
                attempts.incrementAndGet();
                throw new IOException("down");
              });
              throw new AssertionError("every attempt fails");
            } catch (IOException expected) {
              // given up, as it must
            }
          }
        } catch (Throwable e) {
          error.compareAndSet(null, e);
        }
      });
      worker.start();
      workers.add(worker);
    }
    for (Thread worker : workers) {
      worker.join();
    }
    assertEquals(null, error.get());

    long executions = (long) threads * executionsPerThread;
    long bound = (long) Math.floor(0.1 * executions + 5 * 10);
    Function<Retry, Long> retried = retry -> retry.metrics().retries();
    long totalRetries = retries.stream().map(retried).mapToLong(Long::longValue).sum();
    assertTrue(totalRetries <= bound, totalRetries + " retries, bound " + bound);
    assertTrue(totalRetries > 0);
    assertEquals(executions + totalRetries, attempts.get());
    assertEquals(totalRetries, budget.metrics().retries());
    assertEquals(executions, retries.stream().mapToLong(retry -> retry.metrics().calls()).sum());
  }
}
