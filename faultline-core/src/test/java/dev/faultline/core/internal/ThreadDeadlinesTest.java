package dev.faultline.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.TimeoutExceededException;
import dev.faultline.core.testing.FakeClock;
import dev.faultline.core.timeout.Timeout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The per-thread deadline slots: driven by hand on a fake clock (no watcher thread) for the timing rules, and through
 * the system instance for the race between a call ending and its deadline.
 */
class ThreadDeadlinesTest {
  private static final long TICK = TimeUnit.MILLISECONDS.toNanos(1);
  private final FakeClock clock = new FakeClock();
  private final ThreadDeadlines deadlines = new ThreadDeadlines(TICK, Runnable::run, clock, false);
  private final List<Thread> expired = new ArrayList<>();
  private final ThreadDeadlines.Expiry record = expired::add;

  @Test
  void aDeadlineIsTimedFromTheFirstScanThatSeesItSoItNeverExpiresEarly() {
    ThreadDeadlines.Slot slot = deadlines.arm(TimeUnit.MILLISECONDS.toNanos(5), record);
    assertNotNull(slot);
    clock.advance(Duration.ofMillis(3));
    assertTrue(deadlines.scanOnce(clock.nanoTime()), "first seen now: the 5 ms start here");
    clock.advance(Duration.ofMillis(4));
    assertTrue(deadlines.scanOnce(clock.nanoTime()));
    assertTrue(expired.isEmpty(), "4 ms after it was first seen: not yet");
    clock.advance(Duration.ofMillis(1));
    assertFalse(deadlines.scanOnce(clock.nanoTime()));
    assertEquals(List.of(Thread.currentThread()), expired);
    assertFalse(slot.disarm(), "the deadline won");
    deadlines.scanOnce(clock.nanoTime());
    assertEquals(1, expired.size(), "an expiry runs once");
  }

  @Test
  void aCallThatEndsInTimeDisarmsAndItsSlotServesTheNextCall() {
    for (int call = 0; call < 3; call++) {
      ThreadDeadlines.Slot slot = deadlines.arm(TimeUnit.MILLISECONDS.toNanos(5), record);
      deadlines.scanOnce(clock.nanoTime());
      clock.advance(Duration.ofMillis(4));
      deadlines.scanOnce(clock.nanoTime());
      assertTrue(slot.disarm());
      clock.advance(Duration.ofMillis(10));
      assertFalse(deadlines.scanOnce(clock.nanoTime()), "nothing armed");
    }
    assertTrue(expired.isEmpty());
  }

  @Test
  void aReArmedSlotIsTimedAfreshNotFromThePreviousCall() {
    ThreadDeadlines.Slot slot = deadlines.arm(TimeUnit.MILLISECONDS.toNanos(5), record);
    deadlines.scanOnce(clock.nanoTime());
    clock.advance(Duration.ofMillis(4));
    assertTrue(slot.disarm());
    deadlines.arm(TimeUnit.MILLISECONDS.toNanos(5), record);
    clock.advance(Duration.ofMillis(2));
    deadlines.scanOnce(clock.nanoTime());
    assertTrue(expired.isEmpty(), "6 ms after the first arming, but the second was only just seen");
  }

  /**
   * Regression: an expiry throwing an Error ended the scan there (and, on the watcher, the watcher itself: every later
   * synchronous deadline of the JVM then never fired). Now it is reported, its slot still ends fired, and the scan
   * goes on to the other threads' slots.
   */
  @Test
  void anExpiryThatThrowsAnErrorEndsNeitherTheScanNorTheOtherDeadlines() throws Exception {
    ExecutorService other = Executors.newSingleThreadExecutor();
    try {
      ThreadDeadlines.Slot failing = other.submit(() -> deadlines.arm(TimeUnit.MILLISECONDS.toNanos(5), thread -> {
        throw new Error("an expiry that fails");
      })).get();
      ThreadDeadlines.Slot mine = deadlines.arm(TimeUnit.MILLISECONDS.toNanos(5), record);
      deadlines.scanOnce(clock.nanoTime());
      clock.advance(Duration.ofMillis(5));

      List<Throwable> reported = new ArrayList<>();
      Thread.currentThread().setUncaughtExceptionHandler((thread, failure) -> reported.add(failure));
      deadlines.scanOnce(clock.nanoTime());
      assertEquals(List.of(Thread.currentThread()), expired, "the slot scanned after the failing one expired too");
      assertEquals(1, reported.size(), "reported to the scanning thread's handler");
      assertEquals("an expiry that fails", reported.get(0).getMessage());
      assertFalse(other.submit(failing::disarm).get(), "the failing expiry's slot ended fired");
      assertFalse(mine.disarm());
    } finally {
      Thread.currentThread().setUncaughtExceptionHandler(null);
      other.shutdownNow();
    }
  }

  @Test
  void aNestedDeadlineOnTheSameThreadGetsNoSlot() {
    ThreadDeadlines.Slot outer = deadlines.arm(TimeUnit.SECONDS.toNanos(1), record);
    assertNull(deadlines.arm(TimeUnit.SECONDS.toNanos(1), record));
    assertTrue(outer.disarm());
    assertSame(outer, deadlines.arm(TimeUnit.SECONDS.toNanos(1), record), "free again after disarming");
  }

  @Test
  void eachThreadHasItsOwnSlot() throws Exception {
    ThreadDeadlines.Slot mine = deadlines.arm(TimeUnit.SECONDS.toNanos(1), record);
    ExecutorService other = Executors.newSingleThreadExecutor();
    try {
      ThreadDeadlines.Slot theirs = other.submit(() -> deadlines.arm(TimeUnit.SECONDS.toNanos(1), record)).get();
      assertNotNull(theirs);
      assertTrue(mine != theirs);
    } finally {
      other.shutdownNow();
    }
  }

  /** The real watcher: a call blocked past its deadline is interrupted, and its thread's flag is cleared after. */
  @Test
  void aSystemTimeoutInterruptsABlockedCallAndClearsTheFlag() {
    Timeout timeout = Timeout.builder("blocked").timeout(Duration.ofMillis(5)).interruptOnTimeout(true).build();
    assertThrows(TimeoutExceededException.class, () -> timeout.call(() -> {
      new CountDownLatch(1).await();
      return "never";
    }));
    assertFalse(Thread.currentThread().isInterrupted());
    assertEquals(1, timeout.metrics().timeouts());
    assertEquals("ok", assertDoesNotTimeOut(timeout), "the thread's slot serves the next call");
  }

  private static String assertDoesNotTimeOut(Timeout timeout) {
    try {
      return timeout.call(() -> "ok");
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /**
   * Many threads race calls that end around their deadline against the real watcher: every call ends exactly one
   * way, the counters add up, and no interrupt leaks out of a call into the thread's next one.
   */
  @Test
  void callsRacingTheirDeadlinesEndExactlyOneWay() throws Exception {
    Timeout timeout = Timeout.builder("race").timeout(Duration.ofMillis(1)).interruptOnTimeout(true).build();
    int threads = 4;
    int calls = 300;
    CyclicBarrier start = new CyclicBarrier(threads);
    AtomicInteger timedOut = new AtomicInteger();
    AtomicInteger leaked = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < calls; i++) {
            int spin = i % 7 == 0 ? 20_000 : 10;
            try {
              timeout.call(() -> {
                long x = 0;
                for (int k = 0; k < spin * 100; k++) {
                  x += k ^ (x >>> 3);
                }
                return x;
              });
            } catch (TimeoutExceededException e) {
              timedOut.incrementAndGet();
            }
            if (Thread.interrupted()) {
              leaked.incrementAndGet();
            }
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    Timeout.Metrics m = timeout.metrics();
    assertEquals(threads * calls, m.calls());
    assertEquals(m.calls(), m.successes() + m.failures() + m.timeouts(), m.toString());
    assertEquals(timedOut.get(), m.timeouts());
    assertEquals(0, leaked.get(), "an interrupt meant for a timed-out call reached the thread afterwards");
  }
}
