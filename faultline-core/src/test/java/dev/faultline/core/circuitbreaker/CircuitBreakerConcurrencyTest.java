package dev.faultline.core.circuitbreaker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.circuitbreaker.CircuitBreaker.Metrics;
import dev.faultline.core.event.PolicyEvent.CircuitStateChanged;
import dev.faultline.core.testing.EventRecorder;
import dev.faultline.core.testing.FakeClock;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The invariants of the breaker under real threads: half-open never lets more than its permitted trials through
 * before deciding, counters and windows stay exact under contention, each transition is published once and in order.
 * No sleeps: barriers and latches order the threads, loops are bounded.
 */
class CircuitBreakerConcurrencyTest {
  private static final int THREADS = 4;

  private final FakeClock clock = new FakeClock();
  private final ExecutorService pool = Executors.newFixedThreadPool(THREADS + 2);

  @AfterEach
  void shutDown() throws InterruptedException {
    pool.shutdownNow();
    assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
  }

  private <T> List<T> runAll(List<Callable<T>> tasks) throws Exception {
    List<Future<T>> futures = new ArrayList<>();
    for (Callable<T> task : tasks) {
      futures.add(pool.submit(task));
    }
    List<T> results = new ArrayList<>();
    for (Future<T> future : futures) {
      results.add(future.get(60, TimeUnit.SECONDS));
    }
    return results;
  }

  @Test
  void halfOpenAdmitsExactlyThePermittedTrialsWhileTheyRun() throws Exception {
    int permitted = 3;
    int contenders = THREADS + 2;
    CircuitBreaker breaker = CircuitBreaker.builder("b").clock(clock).countBasedWindow(10)
        .permittedCallsInHalfOpen(permitted).build();
    for (int round = 0; round < 100; round++) {
      breaker.transitionTo(CircuitState.OPEN);
      breaker.transitionTo(CircuitState.HALF_OPEN);
      CyclicBarrier start = new CyclicBarrier(contenders);
      CountDownLatch attempted = new CountDownLatch(contenders);
      CountDownLatch release = new CountDownLatch(1);
      AtomicInteger admitted = new AtomicInteger();
      AtomicInteger rejected = new AtomicInteger();
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < contenders; t++) {
        futures.add(pool.submit(() -> {
          start.await();
          try {
            return breaker.call(() -> {
              admitted.incrementAndGet();
              attempted.countDown();
              assertTrue(release.await(60, TimeUnit.SECONDS));
              return "ok";
            });
          } catch (CallNotPermittedException e) {
            rejected.incrementAndGet();
            attempted.countDown();
            return "rejected";
          }
        }));
      }
      assertTrue(attempted.await(60, TimeUnit.SECONDS));
      assertEquals(permitted, admitted.get(), "round " + round + ": trials admitted while they run");
      assertEquals(contenders - permitted, rejected.get());
      assertEquals(CircuitState.HALF_OPEN, breaker.state(), "no decision before every trial completed");
      release.countDown();
      for (Future<?> future : futures) {
        future.get(60, TimeUnit.SECONDS);
      }
      assertEquals(CircuitState.CLOSED, breaker.state(), "round " + round);
    }
  }

  @Test
  void hammeredHalfOpenLetsThroughNoMoreThanThePermittedTrialsBeforeDeciding() throws Exception {
    int permitted = 5;
    CircuitBreaker breaker = CircuitBreaker.builder("b").clock(clock).countBasedWindow(10)
        .permittedCallsInHalfOpen(permitted).build();
    for (int round = 0; round < 200; round++) {
      breaker.transitionTo(CircuitState.OPEN);
      breaker.transitionTo(CircuitState.HALF_OPEN);
      CyclicBarrier start = new CyclicBarrier(THREADS);
      AtomicInteger admitted = new AtomicInteger();
      AtomicInteger inFlight = new AtomicInteger();
      AtomicInteger maxInFlight = new AtomicInteger();
      List<Callable<Integer>> tasks = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        tasks.add(() -> {
          start.await();
          int attempts = 0;
          while (breaker.state() != CircuitState.OPEN && attempts < 100_000) {
            attempts++;
            try {
              breaker.call(() -> {
                admitted.incrementAndGet();
                maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                inFlight.decrementAndGet();
                throw new IOException("trial fails");
              });
            } catch (IOException | CallNotPermittedException expected) {
              // a failed trial or a rejection: both are part of the run
            }
          }
          return attempts;
        });
      }
      runAll(tasks);
      assertEquals(CircuitState.OPEN, breaker.state(), "round " + round + ": the failed trials opened it");
      assertEquals(permitted, admitted.get(), "round " + round + ": calls let through before the decision");
      assertTrue(maxInFlight.get() <= permitted);
    }
  }

  @Test
  void closedCountersAndCountWindowStayExactUnderContention() throws Exception {
    int calls = 20_000;
    CircuitBreaker breaker = CircuitBreaker.builder("b").clock(clock).countBasedWindow(100).failureRateThreshold(1.0)
        .build();
    CyclicBarrier phase = new CyclicBarrier(THREADS);
    List<Callable<Long>> tasks = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      tasks.add(() -> {
        phase.await();
        long failed = 0;
        for (int i = 0; i < calls; i++) {
          boolean fail = i % 7 == 0;
          try {
            breaker.call(() -> {
              if (fail) {
                throw new IOException();
              }
              return "ok";
            });
          } catch (IOException expected) {
            failed++;
          }
        }
        phase.await();
        for (int i = 0; i < 100; i++) {
          breaker.call(() -> "ok");
        }
        return failed;
      });
    }
    long failed = runAll(tasks).stream().mapToLong(Long::longValue).sum();
    Metrics metrics = breaker.metrics();
    assertEquals(CircuitState.CLOSED, metrics.state());
    assertEquals(THREADS * (calls + 100L), metrics.calls());
    assertEquals(failed, metrics.failures());
    assertEquals(THREADS * (calls + 100L) - failed, metrics.successes());
    assertEquals(100, metrics.bufferedCalls());
    assertEquals(0, metrics.bufferedFailures(), "the last 100 calls all succeeded");
    CountWindow window = (CountWindow) ((DefaultCircuitBreaker) breaker).currentWindow();
    assertNotNull(window);
    assertEquals(window.recount(), window.snapshot(0));
  }

  /**
   * Metrics read while other threads record only failures: every snapshot must show no success and
   * {@code calls = failures}, and no count may go down from one snapshot to the next. Before successes were counted
   * on their own, they were derived as calls minus failures from two reads, so the failures recorded between the two
   * reads showed as successes that vanished in the next snapshot. The writers record until the reader is done, so
   * they cannot finish before it reads, and the reader goes on until 20,000 of its snapshots saw failures added since
   * the one before, however many reads that takes: a fixed budget of reads (10 million) ran out whenever a busy machine
   * left the writers off the CPU for most of it (6 runs in 40 under load). It stops early only if every writer has
   * ended, which only a writer's failure can do. A time window on a clock that never moves, with a minimum number of
   * calls never reached, keeps the breaker closed however many failures are recorded.
   */
  @Test
  void metricsSnapshotsAreConsistentAndMonotoneWhileOthersRecord() throws Exception {
    int writers = 2;
    CircuitBreaker breaker = CircuitBreaker.builder("b").clock(clock).timeBasedWindow(1)
        .minimumNumberOfCalls(Integer.MAX_VALUE).build();
    IOException failure = new IOException("scripted");
    java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicInteger writing = new java.util.concurrent.atomic.AtomicInteger(writers);
    List<Callable<String>> tasks = new ArrayList<>();
    for (int t = 0; t < writers; t++) {
      tasks.add(() -> {
        try {
          while (!done.get()) {
            breaker.onError(0, failure);
          }
        } finally {
          writing.decrementAndGet();
        }
        return "wrote";
      });
    }
    tasks.add(() -> {
      try {
        Metrics before = breaker.metrics();
        long progressed = 0;
        for (long n = 1; progressed < 20_000 && writing.get() > 0; n++) {
          Metrics now = breaker.metrics();
          if (now.successes() != 0 || now.calls() != now.successes() + now.failures()
              || now.calls() < before.calls() || now.failures() < before.failures()
              || now.successes() < before.successes() || now.slowCalls() > now.calls()) {
            return "snapshot " + n + ": " + now + " after " + before;
          }
          if (now.failures() > before.failures()) {
            progressed++;
          }
          before = now;
        }
        return progressed < 20_000 ? "only " + progressed + " snapshots saw failures added" : "consistent";
      } finally {
        done.set(true);
      }
    });
    List<String> results = runAll(tasks);
    assertEquals("consistent", results.get(writers));
    Metrics metrics = breaker.metrics();
    assertEquals(CircuitState.CLOSED, metrics.state());
    assertEquals(0, metrics.successes());
    assertEquals(metrics.failures(), metrics.calls());
  }

  @Test
  void countWindowAggregateEqualsItsSlotsAfterLappingWriters() throws Exception {
    CountWindow window = new CountWindow(64, new Sequence(), new Thresholds(1, 1.0, 1.0));
    CyclicBarrier start = new CyclicBarrier(THREADS);
    List<Callable<Void>> tasks = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      tasks.add(() -> {
        start.await();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < 50_000; i++) {
          window.record(random.nextInt(4), 0);
        }
        return null;
      });
    }
    runAll(tasks);
    WindowCounts counts = window.snapshot(0);
    assertEquals(window.recount(), counts);
    assertEquals(64, counts.calls());
  }

  @Test
  void timeWindowCountsExactlyUnderContention() throws Exception {
    int calls = 10_000;
    CircuitBreaker breaker = CircuitBreaker.builder("b").clock(clock).timeBasedWindow(10).failureRateThreshold(1.0)
        .build();
    CyclicBarrier phase = new CyclicBarrier(THREADS + 1);
    AtomicLong failed = new AtomicLong();
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      futures.add(pool.submit(() -> {
        for (int second = 0; second < 3; second++) {
          phase.await();
          for (int i = 0; i < calls; i++) {
            if (i % 5 == 0) {
              breaker.onError(0, new IOException());
              failed.incrementAndGet();
            } else {
              breaker.onSuccess(0);
            }
          }
          phase.await();
        }
        return null;
      }));
    }
    for (int second = 0; second < 3; second++) {
      phase.await(60, TimeUnit.SECONDS);
      phase.await(60, TimeUnit.SECONDS);
      clock.advance(Duration.ofSeconds(1));
    }
    for (Future<?> future : futures) {
      future.get(60, TimeUnit.SECONDS);
    }
    Metrics metrics = breaker.metrics();
    assertEquals(CircuitState.CLOSED, metrics.state());
    assertEquals(3L * THREADS * calls, metrics.bufferedCalls(), "three seconds of calls, none lost");
    assertEquals(failed.get(), metrics.bufferedFailures());
    clock.advance(Duration.ofSeconds(8));
    assertEquals(THREADS * (long) calls, breaker.metrics().bufferedCalls(), "only the last second is left");
  }

  @Test
  void racingFailuresOpenTheBreakerOnce() throws Exception {
    for (int round = 0; round < 50; round++) {
      EventRecorder recorder = new EventRecorder();
      CircuitBreaker breaker = CircuitBreaker.builder("b").clock(clock).countBasedWindow(20).listener(recorder)
          .build();
      CyclicBarrier start = new CyclicBarrier(THREADS);
      List<Callable<Void>> tasks = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        tasks.add(() -> {
          start.await();
          for (int i = 0; i < 200; i++) {
            breaker.tryAcquirePermission();
            breaker.onError(0, new IOException());
          }
          return null;
        });
      }
      runAll(tasks);
      assertEquals(CircuitState.OPEN, breaker.state());
      List<CircuitStateChanged> changes = recorder.events(CircuitStateChanged.class);
      assertEquals(1, changes.size(), "round " + round + ": " + changes);
      assertEquals(CircuitState.CLOSED, changes.get(0).from());
      assertEquals(CircuitState.OPEN, changes.get(0).to());
    }
  }

  @Test
  void racingTransitionsArePublishedOnceEachInTransitionOrder() throws Exception {
    EventRecorder recorder = new EventRecorder();
    CircuitBreaker breaker = CircuitBreaker.builder("b").clock(clock).countBasedWindow(10).listener(recorder)
        .scheduler(clock).build();
    CircuitState[] targets = CircuitState.values();
    CyclicBarrier start = new CyclicBarrier(THREADS);
    List<Callable<Integer>> tasks = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      tasks.add(() -> {
        start.await();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int made = 0;
        for (int i = 0; i < 2_000; i++) {
          if (breaker.transitionTo(targets[random.nextInt(targets.length)])) {
            made++;
          }
          if (breaker.tryAcquirePermission()) {
            breaker.onError(0, new IOException());
          }
        }
        return made;
      });
    }
    int byHand = runAll(tasks).stream().mapToInt(Integer::intValue).sum();
    List<CircuitStateChanged> changes = recorder.events(CircuitStateChanged.class);
    assertTrue(changes.size() >= byHand, changes.size() + " events for " + byHand + " transitions by hand");
    CircuitState expectedFrom = CircuitState.CLOSED;
    for (int i = 0; i < changes.size(); i++) {
      CircuitStateChanged change = changes.get(i);
      assertEquals(expectedFrom, change.from(), "event " + i + " starts where event " + (i - 1) + " ended");
      expectedFrom = change.to();
    }
    assertEquals(breaker.state(), expectedFrom, "the last event ends in the current state");
  }
}
