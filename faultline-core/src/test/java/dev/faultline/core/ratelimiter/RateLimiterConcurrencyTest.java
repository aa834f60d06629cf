package dev.faultline.core.ratelimiter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.faultline.core.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/**
 * The rate limiter's invariant under real contention: while time stands still, exactly the stored permits are granted,
 * however many threads race for them.
 */
class RateLimiterConcurrencyTest {
  private static final int THREADS = 4;
  private static final int BURST = 50;
  private static final long INTERVAL = Duration.ofMillis(1).toNanos(); // 1000 per second

  private final FakeClock clock = new FakeClock();
  private final RateLimiter limiter = RateLimiter.builder("r").rate(1000, Duration.ofSeconds(1)).burst(BURST)
      .clock(clock).scheduler(clock).build();

  private static void runThreads(Runnable body) throws InterruptedException {
    List<Thread> workers = new ArrayList<>();
    List<Throwable> errors = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      Thread worker = new Thread(() -> {
        try {
          body.run();
        } catch (Throwable e) {
          synchronized (errors) {
            errors.add(e);
          }
        }
      }, "worker-" + t);
      workers.add(worker);
      worker.start();
    }
    for (Thread worker : workers) {
      worker.join(TimeUnit.SECONDS.toMillis(60));
      assertFalse(worker.isAlive(), worker.getName() + " did not end");
    }
    assertEquals(List.of(), errors);
  }

  /** Tries one call; returns whether it was granted. */
  private boolean tryCall(AtomicInteger granted) {
    try {
      limiter.call(granted::incrementAndGet);
      return true;
    } catch (RateLimitedException rejected) {
      return false;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void frozenClockGrantsExactlyTheBurstAcrossThreads() throws Exception {
    AtomicInteger granted = new AtomicInteger();
    CyclicBarrier start = new CyclicBarrier(THREADS);
    int perThread = 1_000;

    runThreads(() -> {
      try {
        start.await(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new AssertionError(e);
      }
      for (int i = 0; i < perThread; i++) {
        tryCall(granted);
      }
    });

    assertEquals(BURST, granted.get());
    RateLimiter.Metrics metrics = limiter.metrics();
    assertEquals(THREADS * perThread, metrics.calls());
    assertEquals(THREADS * perThread - BURST, metrics.rejections());
    assertEquals(0, metrics.availablePermits());
  }

  @Test
  void eachStillPhaseGrantsExactlyWhatTheBucketHolds() throws Exception {
    // Between phases the clock moves by these many intervals; during a phase it stands still while all threads race.
    long[] refills = {0, 3, 0, 17, 1, 1_000};
    int[] expected = {BURST, 3, 0, 17, 1, BURST};
    AtomicIntegerArray grantedPerPhase = new AtomicIntegerArray(refills.length);
    AtomicInteger phase = new AtomicInteger();
    CyclicBarrier between = new CyclicBarrier(THREADS, () -> {
      int next = phase.get() + 1;
      if (next < refills.length) {
        clock.advance(refills[next] * INTERVAL);
      }
    });
    CyclicBarrier start = new CyclicBarrier(THREADS);

    runThreads(() -> {
      try {
        start.await(30, TimeUnit.SECONDS);
        for (int p = 0; p < refills.length; p++) {
          AtomicInteger granted = new AtomicInteger();
          for (int i = 0; i < 300; i++) {
            tryCall(granted);
          }
          grantedPerPhase.addAndGet(p, granted.get());
          between.await(30, TimeUnit.SECONDS);
          phase.compareAndSet(p, p + 1);
        }
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    });

    int[] granted = new int[refills.length];
    for (int p = 0; p < refills.length; p++) {
      granted[p] = grantedPerPhase.get(p);
    }
    assertArrayEquals(expected, granted);
  }
}
