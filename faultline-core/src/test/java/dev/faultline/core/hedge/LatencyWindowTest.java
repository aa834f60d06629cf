package dev.faultline.core.hedge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The latency window: nearest-rank percentiles over the most recent samples, published once enough exist. */
class LatencyWindowTest {

  @Test
  void thePercentileIsUnsetUntilMinSamplesAreRecorded() {
    LatencyWindow window = new LatencyWindow(8, 50, 3);

    window.record(30);
    window.record(10);
    assertEquals(-1, window.percentileNanos());

    window.record(20);
    assertEquals(20, window.percentileNanos());
  }

  @Test
  void percentilesUseTheNearestRank() {
    LatencyWindow p95 = new LatencyWindow(20, 95, 20);
    LatencyWindow p100 = new LatencyWindow(20, 100, 20);
    LatencyWindow p1 = new LatencyWindow(20, 1, 20);
    for (int i = 20; i >= 1; i--) {
      p95.record(i);
      p100.record(i);
      p1.record(i);
    }

    assertEquals(19, p95.percentileNanos(), "rank ceil(0.95 * 20) = 19");
    assertEquals(20, p100.percentileNanos());
    assertEquals(1, p1.percentileNanos());
  }

  @Test
  void onlyTheMostRecentSamplesCount() {
    LatencyWindow window = new LatencyWindow(4, 100, 1);
    for (int i = 0; i < 4; i++) {
      window.record(1_000);
    }
    assertEquals(1_000, window.percentileNanos());

    for (int i = 0; i < 4; i++) {
      window.record(5);
    }

    assertEquals(5, window.percentileNanos(), "the old samples were overwritten");
    assertEquals(8, window.recorded());
  }

  @Test
  void largeWindowsRefreshEverySixteenthOfTheirSize() {
    LatencyWindow window = new LatencyWindow(64, 100, 2);
    window.record(10);
    window.record(20);
    assertEquals(20, window.percentileNanos(), "refreshed when minSamples is reached");

    window.record(30);
    assertEquals(20, window.percentileNanos(), "not yet: 64 / 16 = every 4 samples");
    window.record(40);
    assertEquals(40, window.percentileNanos(), "the 4th sample refreshes");

    window.record(50);
    window.record(60);
    window.record(70);
    assertEquals(40, window.percentileNanos());
    window.record(-5);
    assertEquals(70, window.percentileNanos(), "the 8th sample refreshes; a negative reading counts as zero");
  }

  @Test
  void concurrentWritersOnlyEverPublishRecordedLatencies() throws Exception {
    int threads = 4;
    int perThread = 2_000;
    LatencyWindow window = new LatencyWindow(16, 1, 1);
    CyclicBarrier start = new CyclicBarrier(threads);
    Thread[] writers = new Thread[threads];
    long[] outside = new long[threads];
    for (int t = 0; t < threads; t++) {
      int index = t;
      writers[t] = new Thread(() -> {
        try {
          start.await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
          throw new AssertionError(e);
        }
        for (int i = 0; i < perThread; i++) {
          window.record(100 + i % 7);
          long percentile = window.percentileNanos();
          // -1 may be seen only until the first refresh has been published.
          if (percentile != -1 && (percentile < 100 || percentile > 106)) {
            outside[index] = percentile;
          }
        }
      });
      writers[t].start();
    }
    for (Thread writer : writers) {
      writer.join(10_000);
      assertFalse(writer.isAlive());
    }

    assertEquals(threads * perThread, window.recorded());
    assertArrayEquals(new long[threads], outside, "a value that was never recorded was published");
    assertTrue(window.percentileNanos() >= 100 && window.percentileNanos() <= 106);
  }
}
