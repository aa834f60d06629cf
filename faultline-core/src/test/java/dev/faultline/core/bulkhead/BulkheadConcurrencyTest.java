package dev.faultline.core.bulkhead;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The bulkhead's invariant under real contention: never more than maxConcurrentCalls calls run at once. */
class BulkheadConcurrencyTest {
  private static final int THREADS = 4;
  private static final int MAX = 2;

  private final FakeClock clock = new FakeClock();
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicInteger maxRunning = new AtomicInteger();
  private final AtomicLong ran = new AtomicLong();

  private String body() {
    int now = running.incrementAndGet();
    maxRunning.accumulateAndGet(now, Math::max);
    Thread.yield(); // widen the window in which another call could wrongly be admitted
    running.decrementAndGet();
    ran.incrementAndGet();
    return "ok";
  }

  private static void runThreads(int threads, ThrowingRunnable body) throws Exception {
    CyclicBarrier start = new CyclicBarrier(threads);
    List<Thread> workers = new ArrayList<>();
    List<Throwable> errors = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int index = t;
      Thread worker = new Thread(() -> {
        try {
          start.await(30, TimeUnit.SECONDS);
          body.run(index);
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
      worker.join(TimeUnit.MINUTES.toMillis(6));
      assertTrue(!worker.isAlive(), worker.getName() + " did not end");
    }
    assertEquals(List.of(), errors);
  }

  @FunctionalInterface
  private interface ThrowingRunnable {
    void run(int thread) throws Exception;
  }

  @ParameterizedTest
  @EnumSource(BulkheadTest.Impl.class)
  void neverAdmitsMoreThanItsLimitWithoutWaiting(BulkheadTest.Impl impl) throws Exception {
    Bulkhead bulkhead = impl.of(Bulkhead.builder("b").maxConcurrentCalls(MAX).clock(clock).scheduler(clock).build()
        .config());
    int perThread = 20_000;

    runThreads(THREADS, thread -> {
      for (int i = 0; i < perThread; i++) {
        try {
          bulkhead.call(this::body);
        } catch (BulkheadFullException expected) {
          // contention: rejected at once
        }
      }
    });

    Bulkhead.Metrics metrics = bulkhead.metrics();
    assertTrue(maxRunning.get() <= MAX, "ran " + maxRunning.get() + " at once");
    assertEquals(MAX, metrics.availablePermits());
    assertEquals(THREADS * perThread, metrics.calls());
    assertEquals(metrics.calls(), ran.get() + metrics.rejections());
  }

  @Test
  void neverAdmitsMoreThanItsLimitWhileWaitingAndLosesNoWakeUp() throws Exception {
    // The wait bound is real parking time; a lost wake-up would show up as a rejection.
    Bulkhead bulkhead = Bulkhead.builder("b").maxConcurrentCalls(MAX).maxWait(Duration.ofSeconds(20)).clock(clock)
        .scheduler(clock).build();
    int perThread = 3_000;

    runThreads(THREADS, thread -> {
      for (int i = 0; i < perThread; i++) {
        bulkhead.call(this::body);
      }
    });

    assertTrue(maxRunning.get() <= MAX, "ran " + maxRunning.get() + " at once");
    assertEquals(new Bulkhead.Metrics(MAX, MAX, THREADS * perThread, 0), bulkhead.metrics());
    assertEquals(THREADS * perThread, ran.get());
  }

  @Test
  void mixedSyncAndAsyncWaitersStayWithinTheLimitAndAllRun() throws Exception {
    // Async waits end on the fake clock, which nobody advances: every queued async call must get a permit. A sync
    // wait also ends after maxWait of real parking: a sync caller may queue behind thousands of async calls, each of
    // which yields, so on a loaded machine 20 s was once not enough; the bound only keeps a broken bulkhead from
    // hanging the build.
    Bulkhead bulkhead = Bulkhead.builder("b").maxConcurrentCalls(MAX).maxWait(Duration.ofMinutes(5)).clock(clock)
        .scheduler(clock).build();
    int perThread = 2_000;
    List<CompletableFuture<String>> asyncResults = new ArrayList<>();

    runThreads(THREADS, thread -> {
      List<CompletableFuture<String>> mine = new ArrayList<>();
      for (int i = 0; i < perThread; i++) {
        if (thread % 2 == 0) {
          bulkhead.call(this::body);
        } else {
          mine.add(bulkhead.callAsync(() -> CompletableFuture.completedFuture(body())).toCompletableFuture());
        }
      }
      synchronized (asyncResults) {
        asyncResults.addAll(mine);
      }
    });
    for (CompletableFuture<String> result : asyncResults) {
      assertEquals("ok", result.get(30, TimeUnit.SECONDS));
    }

    assertTrue(maxRunning.get() <= MAX, "ran " + maxRunning.get() + " at once");
    assertEquals(new Bulkhead.Metrics(MAX, MAX, THREADS * perThread, 0), bulkhead.metrics());
    assertEquals(THREADS * perThread, ran.get());
  }
}
