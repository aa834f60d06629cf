package dev.faultline.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;

class ThreadCountersTest {

  @Test
  void sumsWhatEveryThreadAddedWhileTheyRunAndAfterTheyEnd() throws Exception {
    ThreadCounters counters = new ThreadCounters(2);
    int threads = 8;
    int perThread = 50_000;
    CyclicBarrier start = new CyclicBarrier(threads + 1);
    CyclicBarrier added = new CyclicBarrier(threads + 1);
    List<Thread> started = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread thread = new Thread(() -> {
        try {
          start.await();
          ThreadCounters.Cell cell = counters.cell();
          for (int i = 0; i < perThread; i++) {
            cell.increment(0);
            if (i % 2 == 0) {
              counters.increment(1);
            }
          }
          added.await();
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      });
      thread.start();
      started.add(thread);
    }
    start.await();
    added.await();
    assertEquals((long) threads * perThread, counters.sum(0), "every live thread's cell is summed");
    assertEquals((long) threads * perThread / 2, counters.sum(1));
    for (Thread thread : started) {
      thread.join();
    }
    assertEquals((long) threads * perThread, counters.sum(0));
  }

  @Test
  void keepsTheCountsOfEndedThreadsWhenTheirCellsAreRetired() throws Exception {
    ThreadCounters counters = new ThreadCounters(1);
    int threads = 300; // several times the initial array: cells of ended threads are folded and dropped
    for (int t = 0; t < threads; t++) {
      Thread thread = new Thread(() -> {
        counters.increment(0);
        counters.increment(0);
      });
      thread.start();
      thread.join();
    }
    assertEquals(2L * threads, counters.sum(0));
  }

  @Test
  void threadsBeyondTheLimitShareAnAtomicCell() throws Exception {
    ThreadCounters counters = new ThreadCounters(1);
    int threads = ThreadCounters.MAX_CELLS + 20;
    CyclicBarrier all = new CyclicBarrier(threads + 1);
    List<Thread> started = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread thread = new Thread(() -> {
        try {
          counters.increment(0);
          all.await(); // every thread stays alive until all have registered
          counters.increment(0);
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      });
      thread.start();
      started.add(thread);
    }
    all.await();
    for (Thread thread : started) {
      thread.join();
    }
    assertEquals(2L * threads, counters.sum(0));
  }

  @Test
  void refusesAWidthBelowOne() {
    assertThrows(IllegalArgumentException.class, () -> new ThreadCounters(0));
  }
}
