package dev.faultline.core.hedge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.event.PolicyEvent.HedgeWon;
import dev.faultline.core.support.Harness.Mode;
import dev.faultline.core.testing.EventRecorder;
import dev.faultline.core.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Hedges under real threads: attempts that end at the same moment, and a timer that fires while a failure starts the
 * same hedge. The invariants: one outcome per execution, every started attempt accounted for, each hedge started once.
 */
class HedgeConcurrencyTest {
  private static final int CALLERS = 2;
  private static final int CALLS_PER_CALLER = 100;
  private static final long WAIT_SECONDS = 10;

  private final ExecutorService attempts = Executors.newFixedThreadPool(8);
  private final ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
  private final FakeClock clock = new FakeClock();
  private final EventRecorder events = new EventRecorder();

  @AfterEach
  void stopThreads() throws InterruptedException {
    attempts.shutdownNow();
    callers.shutdownNow();
    assertTrue(attempts.awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS));
    assertTrue(callers.awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS));
  }

  /** How an attempt ends, given its hedge number (read while the attempt is being started). */
  @FunctionalInterface
  private interface End<T> {
    T end(int attempt) throws Exception;
  }

  /** Runs one call whose three attempts start at once and meet at {@code barrier} before ending as {@code end} says. */
  private <T> T runCall(Mode mode, Hedge hedge, CyclicBarrier barrier, End<T> end) throws Exception {
    if (mode == Mode.SYNC) {
      return hedge.call(() -> {
        int attempt = Hedge.currentAttempt();
        barrier.await(WAIT_SECONDS, TimeUnit.SECONDS);
        return end.end(attempt);
      });
    }
    try {
      return hedge.<T>callAsync(() -> {
        int attempt = Hedge.currentAttempt();
        return CompletableFuture.supplyAsync(() -> {
          try {
            barrier.await(WAIT_SECONDS, TimeUnit.SECONDS);
            return end.end(attempt);
          } catch (Exception e) {
            throw new CompletionException(e);
          }
        }, attempts);
      }).toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }

  private Hedge allAtOnce() {
    return Hedge.builder("race").delay(Duration.ZERO).maxHedges(2).clock(clock).executor(attempts).listener(events)
        .build();
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void attemptsSucceedingTogetherGiveExactlyOneWinnerPerExecution(Mode mode) throws Exception {
    Hedge hedge = allAtOnce();
    List<Future<List<Integer>>> results = new ArrayList<>();
    for (int c = 0; c < CALLERS; c++) {
      results.add(callers.submit(() -> {
        List<Integer> winners = new ArrayList<>();
        for (int i = 0; i < CALLS_PER_CALLER; i++) {
          CyclicBarrier barrier = new CyclicBarrier(3);
          winners.add(runCall(mode, hedge, barrier, attempt -> attempt));
        }
        return winners;
      }));
    }

    List<Integer> winners = new ArrayList<>();
    for (Future<List<Integer>> result : results) {
      winners.addAll(result.get(60, TimeUnit.SECONDS));
    }

    int calls = CALLERS * CALLS_PER_CALLER;
    assertEquals(calls, winners.size());
    assertTrue(winners.stream().allMatch(w -> w >= 0 && w <= 2), winners.toString());
    Hedge.Metrics metrics = hedge.metrics();
    assertEquals(calls, metrics.calls());
    assertEquals(calls, metrics.successes(), "every execution has exactly one winner");
    assertEquals(0, metrics.failures());
    assertEquals(2L * calls, metrics.hedgesStarted());
    assertEquals(calls, events.events(HedgeWon.class).size());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void attemptsFailingTogetherGiveOneFailureCarryingTheOtherTwo(Mode mode) throws Exception {
    Hedge hedge = allAtOnce();
    AtomicInteger sequence = new AtomicInteger();
    List<Future<Integer>> results = new ArrayList<>();
    for (int c = 0; c < CALLERS; c++) {
      results.add(callers.submit(() -> {
        int checked = 0;
        for (int i = 0; i < CALLS_PER_CALLER; i++) {
          CyclicBarrier barrier = new CyclicBarrier(3);
          try {
            runCall(mode, hedge, barrier, attempt -> {
              throw new IllegalStateException("failure " + sequence.incrementAndGet());
            });
            throw new AssertionError("an execution whose attempts all failed succeeded");
          } catch (IllegalStateException last) {
            Throwable[] others = last.getSuppressed();
            assertEquals(2, others.length, "the other two failures are attached");
            Set<String> messages = new HashSet<>();
            messages.add(last.getMessage());
            for (Throwable other : others) {
              assertInstanceOf(IllegalStateException.class, other);
              assertNotSame(last, other);
              messages.add(other.getMessage());
            }
            assertEquals(3, messages.size(), "three distinct failures");
            checked++;
          }
        }
        return checked;
      }));
    }

    int checked = 0;
    for (Future<Integer> result : results) {
      checked += result.get(60, TimeUnit.SECONDS);
    }

    int calls = CALLERS * CALLS_PER_CALLER;
    assertEquals(calls, checked);
    assertEquals(calls, hedge.metrics().failures());
    assertEquals(0, hedge.metrics().successes());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aTimerFiringWhileAFailureStartsTheSameHedgeStartsItOnce(Mode mode) throws Exception {
    Hedge hedge = Hedge.builder("timer-race").delay(Duration.ofMillis(10)).maxHedges(1).clock(clock)
        .executor(attempts).build();
    int iterations = 200;
    for (int i = 0; i < iterations; i++) {
      CyclicBarrier race = new CyclicBarrier(2);
      AtomicInteger started = new AtomicInteger();
      Future<Object> call = callers.submit(() -> {
        if (mode == Mode.SYNC) {
          return hedge.call(() -> {
            if (started.incrementAndGet() == 1) {
              race.await(WAIT_SECONDS, TimeUnit.SECONDS);
              throw new IllegalStateException("primary fails as the timer fires");
            }
            return "hedge";
          });
        }
        return hedge.<String>callAsync(() -> {
          if (started.incrementAndGet() == 1) {
            return CompletableFuture.supplyAsync(() -> {
              try {
                race.await(WAIT_SECONDS, TimeUnit.SECONDS);
              } catch (Exception e) {
                throw new AssertionError(e);
              }
              throw new IllegalStateException("primary fails as the timer fires");
            }, attempts);
          }
          return CompletableFuture.completedFuture("hedge");
        }).toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
      });

      race.await(WAIT_SECONDS, TimeUnit.SECONDS);
      clock.advance(Duration.ofMillis(10));

      assertEquals("hedge", call.get(WAIT_SECONDS, TimeUnit.SECONDS));
      assertEquals(2, started.get(), "hedge 1 started once, by the timer or by the failure");
    }
    Hedge.Metrics metrics = hedge.metrics();
    assertEquals(iterations, metrics.hedgesStarted());
    assertEquals(iterations, metrics.hedgeWins());
  }
}
