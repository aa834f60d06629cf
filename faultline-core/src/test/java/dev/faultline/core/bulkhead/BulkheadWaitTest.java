package dev.faultline.core.bulkhead;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.support.Await;
import dev.faultline.core.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Synchronous waiting for a permit, with real threads: a parked thread can only be woken by another thread (or by its
 * real park time running out), never by a fake clock. Assertions are on behaviour, never on elapsed time.
 */
class BulkheadWaitTest {
  private final FakeClock clock = new FakeClock();
  private final List<Thread> threads = new ArrayList<>();

  @AfterEach
  void joinThreads() throws InterruptedException {
    for (Thread thread : threads) {
      thread.join(TimeUnit.SECONDS.toMillis(30));
      assertFalse(thread.isAlive(), thread.getName() + " did not end");
    }
  }

  private DefaultBulkhead bulkhead(Duration maxWait) {
    return (DefaultBulkhead) Bulkhead.builder("b").maxConcurrentCalls(1).maxWait(maxWait).clock(clock)
        .scheduler(clock).build();
  }

  private Thread start(String name, Runnable body) {
    Thread thread = new Thread(body, name);
    threads.add(thread);
    thread.start();
    return thread;
  }

  /** Starts a thread that takes the only permit and holds it until {@code release} opens. */
  private void hold(Bulkhead bulkhead, CountDownLatch release) throws InterruptedException {
    CountDownLatch holding = new CountDownLatch(1);
    start("holder", () -> {
      try {
        bulkhead.call(() -> {
          holding.countDown();
          return release.await(30, TimeUnit.SECONDS);
        });
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    });
    assertTrue(holding.await(30, TimeUnit.SECONDS));
  }

  @Test
  void waiterGetsThePermitWhenTheHolderReturns() throws Exception {
    DefaultBulkhead bulkhead = bulkhead(Duration.ofMinutes(1));
    CountDownLatch release = new CountDownLatch(1);
    hold(bulkhead, release);
    AtomicReference<Object> outcome = new AtomicReference<>();

    start("waiter", () -> {
      try {
        outcome.set(bulkhead.call(() -> "waited"));
      } catch (Exception e) {
        outcome.set(e);
      }
    });
    Await.until("the waiter is queued", () -> bulkhead.queuedCalls() == 1);
    assertEquals(null, outcome.get(), "the waiter is parked, not rejected");
    release.countDown();
    joinThreads();

    assertEquals("waited", outcome.get());
    assertEquals(new Bulkhead.Metrics(1, 1, 2, 0), bulkhead.metrics());
  }

  @Test
  void waitEndsAfterMaxWaitOfParkingEvenOnAFrozenFakeClock() throws Exception {
    DefaultBulkhead bulkhead = bulkhead(Duration.ofMillis(5));
    CountDownLatch release = new CountDownLatch(1);
    hold(bulkhead, release);

    BulkheadFullException exception = assertThrows(BulkheadFullException.class, () -> bulkhead.call(() -> "never"));

    assertEquals(Duration.ofMillis(5), exception.maxWait());
    assertTrue(exception.getMessage().contains("none was freed within maxWait PT0.005S"), exception.getMessage());
    assertEquals(0, bulkhead.queuedCalls());
    release.countDown();
    joinThreads();
    assertEquals(new Bulkhead.Metrics(1, 1, 2, 1), bulkhead.metrics());
  }

  @Test
  void interruptedWaiterLeavesTheQueue() throws Exception {
    DefaultBulkhead bulkhead = bulkhead(Duration.ofMinutes(1));
    CountDownLatch release = new CountDownLatch(1);
    hold(bulkhead, release);
    AtomicReference<Throwable> thrown = new AtomicReference<>();

    Thread waiter = start("waiter", () -> {
      try {
        bulkhead.call(() -> "never");
      } catch (Throwable t) {
        thrown.set(t);
      }
    });
    Await.until("the waiter is queued", () -> bulkhead.queuedCalls() == 1);
    waiter.interrupt();
    waiter.join(TimeUnit.SECONDS.toMillis(30));

    assertInstanceOf(InterruptedException.class, thrown.get());
    assertEquals(0, bulkhead.queuedCalls());
    release.countDown();
    joinThreads();
    assertEquals(1, bulkhead.metrics().availablePermits());
  }

  @Test
  void syncAndAsyncWaitersShareOneQueueInArrivalOrder() throws Exception {
    DefaultBulkhead bulkhead = bulkhead(Duration.ofMinutes(1));
    CompletableFuture<String> holder = new CompletableFuture<>();
    bulkhead.callAsync(() -> holder);
    CountDownLatch syncRunning = new CountDownLatch(1);
    CountDownLatch syncRelease = new CountDownLatch(1);

    start("sync waiter", () -> {
      try {
        bulkhead.call(() -> {
          syncRunning.countDown();
          return syncRelease.await(30, TimeUnit.SECONDS);
        });
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    });
    Await.until("the sync waiter is queued", () -> bulkhead.queuedCalls() == 1);
    CompletableFuture<String> asyncWaiter = bulkhead.callAsync(() -> CompletableFuture.completedFuture("async"))
        .toCompletableFuture();
    assertEquals(2, bulkhead.queuedCalls());

    holder.complete("done");
    assertTrue(syncRunning.await(30, TimeUnit.SECONDS), "the first waiter (sync) gets the permit");
    assertFalse(asyncWaiter.isDone(), "the second waiter (async) still waits");
    syncRelease.countDown();

    assertEquals("async", asyncWaiter.get(30, TimeUnit.SECONDS));
    joinThreads();
    assertEquals(new Bulkhead.Metrics(1, 1, 3, 0), bulkhead.metrics());
  }
}
