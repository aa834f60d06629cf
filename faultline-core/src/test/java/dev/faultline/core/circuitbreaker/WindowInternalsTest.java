package dev.faultline.core.circuitbreaker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The arithmetic under the lock-free windows: the division-free slot index and the packed counters. */
class WindowInternalsTest {
  private static final Thresholds ANY = new Thresholds(1, 1.0, 1.0);

  @Test
  void divisorTakesTheRemainderOfEvery32BitValue() {
    int[] sizes = {1, 2, 3, 7, 10, 64, 100, 1000, 65_537, 999_999, 1_000_000};
    long[] edges = {0, 1, 2, 99, 100, 101, (1L << 31) - 1, 1L << 31, (1L << 32) - 2, (1L << 32) - 1, 1L << 32,
        Long.MAX_VALUE, -1L};
    SplittableRandom random = new SplittableRandom(42);
    for (int size : sizes) {
      Divisor divisor = new Divisor(size);
      for (long value : edges) {
        assertEquals(Long.remainderUnsigned(value & 0xFFFF_FFFFL, size), divisor.remainder(value),
            "value " + value + " size " + size);
      }
      for (int i = 0; i < 100_000; i++) {
        long value = random.nextLong();
        assertEquals(Long.remainderUnsigned(value & 0xFFFF_FFFFL, size), divisor.remainder(value),
            "value " + value + " size " + size);
      }
    }
    assertEquals(3, new CountWindow(7, new Sequence(), ANY).slot(10), "a count window's slot is its position mod size");
    assertEquals("divisor must be at least 1, but was 0",
        assertThrows(IllegalArgumentException.class, () -> new Divisor(0)).getMessage());
  }

  @Test
  void packedCountersAddAndDecodeExactlyIncludingNegativeTransients() {
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 100_000; i++) {
      long calls = random.nextLong(-(1 << 20), 1 << 20);
      long failures = random.nextLong(-(1 << 20), 1 << 20);
      long slow = random.nextLong(-(1 << 20), 1 << 20);
      long packed = calls * Packed.CALL + failures * Packed.FAILURE + slow * Packed.SLOW;
      assertEquals(calls, Packed.calls(packed));
      assertEquals(failures, Packed.failures(packed));
      assertEquals(slow, Packed.slowCalls(packed));
    }
    long packed = Packed.of(Window.FAILURE | Window.SLOW) - Packed.of(0) - Packed.of(0);
    assertEquals(-1, Packed.calls(packed));
    assertEquals(1, Packed.failures(packed));
    assertEquals(1, Packed.slowCalls(packed));
    assertEquals(new WindowCounts(0, 1, 1), Packed.counts(packed), "negative transients read as 0");
  }

  @Test
  void countWindowsOfOneBreakerShareTheirSequence() {
    Sequence sequence = new Sequence();
    CountWindow first = new CountWindow(3, sequence, ANY);
    first.record(0, 0);
    first.record(Window.FAILURE, 0);
    CountWindow second = new CountWindow(3, sequence, ANY);
    second.record(0, 0);
    assertEquals(3, sequence.get(), "the sequence counts every outcome of every window");
    assertEquals(new WindowCounts(1, 0, 0), second.snapshot(0), "a new window starts empty wherever it starts");
    assertEquals(new WindowCounts(2, 1, 0), first.snapshot(0));
  }

  /**
   * A reader paused between two reads of a bucket (here: the hook records 20 failures there, as other threads would
   * meanwhile) must not see more failures than calls: with calls read first it saw 10 calls and then 21 failures,
   * a 100% failure rate, and opened a breaker that had 21 failures in 30 calls.
   */
  @Test
  void aReaderPausedBetweenItsReadsNeverSeesMoreFailuresThanCalls() {
    TimeWindow[] window = new TimeWindow[1];
    boolean[] armed = new boolean[1];
    window[0] = new TimeWindow(10, 0, new Thresholds(10, 1.0, 1.0), () -> {
      if (armed[0]) {
        armed[0] = false; // the 20 records below judge too, without pausing
        for (int i = 0; i < 20; i++) {
          assertEquals(false, window[0].record(Window.FAILURE, 0), (i + 2) + " failures in " + (i + 11) + " calls");
        }
      }
    });
    for (int i = 0; i < 9; i++) {
      window[0].record(0, 0);
    }
    armed[0] = true;
    assertEquals(false, window[0].record(Window.FAILURE, 0), "1 failure in 10 calls, and 20 more during the read");
    assertEquals(false, armed[0], "the judgement paused between its reads");
    WindowCounts counts = window[0].snapshot(0);
    assertEquals(30, counts.calls());
    assertEquals(21, counts.failures());
  }

  /**
   * A bucket reset for a new second between a reader's reads: the reader read the failures of the bucket's old second
   * and then the calls of its new one. Second 0 had 9 failures in 19 calls, second 1 has 10 calls (one slow, which
   * judges the window of seconds 0 and 1): 9 failures in 29 calls, 31%. While the judgement reads bucket 0, a call of
   * second 2 resets it; the old read counted second 0's 9 failures against second 2's single call, 9 failures in 11
   * calls (82%), and opened a breaker with a 50% threshold that never saw more than 47% of failures. A snapshot read
   * across the same reset showed that 82% as the window's failure rate.
   */
  @Test
  void aBucketResetForANewSecondBetweenTwoReadsIsNotMixedWithItsOldSecond() {
    TimeWindow judged = windowResetDuringItsNextRead();
    assertEquals(false, judged.record(Window.SLOW, SECOND),
        "9 failures in 29 calls, or none in 11 once second 0 left the window");
    assertEquals(new WindowCounts(11, 0, 1), judged.snapshot(2 * SECOND), "second 1 and the first call of second 2");

    TimeWindow read = windowResetDuringItsNextRead();
    read.record(0, SECOND); // a fast success of an established second: no judgement, so the reset waits for the read
    WindowCounts counts = read.snapshot(SECOND);
    assertEquals(0, counts.failures(), "second 0's failures are not counted against second 2's call: " + counts);
    assertEquals(11, counts.calls(), counts.toString());
  }

  private static final long SECOND = 1_000_000_000L;

  /**
   * A 2-second window with 9 failures in 19 calls in second 0 and 9 successes in second 1, whose next read of bucket 0
   * is interrupted (after its first read) by a call of second 2, which resets that bucket.
   */
  private static TimeWindow windowResetDuringItsNextRead() {
    TimeWindow[] window = new TimeWindow[1];
    boolean[] armed = new boolean[1];
    window[0] = new TimeWindow(2, 0, new Thresholds(10, 0.5, 1.0), () -> {
      if (armed[0]) {
        armed[0] = false;
        window[0].record(0, 2 * SECOND);
      }
    });
    for (int i = 0; i < 10; i++) {
      window[0].record(0, 0);
    }
    for (int i = 0; i < 9; i++) {
      assertEquals(false, window[0].record(Window.FAILURE, 0), "at most 9 failures in 19 calls");
    }
    for (int i = 0; i < 9; i++) {
      window[0].record(0, SECOND);
    }
    armed[0] = true;
    return window[0];
  }
}
