package dev.faultline.supervisor.heartbeat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.ConfigurationException;
import dev.faultline.core.testing.FakeClock;
import java.time.Duration;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;

/** The detector against the closed form of phi, its settings checks, and its lock-free updates under contention. */
class PhiAccrualDetectorTest {

  private static final PhiAccrualConfig CONFIG = PhiAccrualConfig.builder().threshold(8).maxSampleSize(1000)
      .minStdDeviation(Duration.ofMillis(100)).acceptableHeartbeatPause(Duration.ZERO)
      .firstHeartbeatEstimate(Duration.ofSeconds(1)).build();

  @Test
  void phiAtTheMeanIsMinusLog10OfOneHalf() {
    assertEquals(-Math.log10(0.5), PhiAccrualDetector.phi(1000, 1000, 100), 1e-9);
  }

  @Test
  void phiGrowsWithTheGapAndMatchesTheLogisticTail() {
    double y = 3.0; // three standard deviations late
    double e = Math.exp(-y * (1.5976 + 0.070566 * y * y));
    assertEquals(-Math.log10(e / (1 + e)), PhiAccrualDetector.phi(1300, 1000, 100), 1e-12);
    assertTrue(PhiAccrualDetector.phi(1200, 1000, 100) < PhiAccrualDetector.phi(1300, 1000, 100));
    // The approximation stays within 0.1 of the exact normal tail for a late heartbeat: P(Z > 3) = 0.0013499.
    assertEquals(-Math.log10(0.0013499), PhiAccrualDetector.phi(1300, 1000, 100), 0.1);
  }

  @Test
  void regularHeartbeatsKeepThePeerAvailableAndSilenceMakesItSuspected() {
    FakeClock clock = new FakeClock();
    PhiAccrualDetector detector = new PhiAccrualDetector(CONFIG, clock);
    assertFalse(detector.isMonitoring());
    assertEquals(0.0, detector.phi());
    for (int i = 0; i < 10; i++) {
      detector.heartbeat();
      clock.advance(Duration.ofSeconds(1));
    }
    assertTrue(detector.isAvailable());
    assertEquals(2 + 9, detector.sampleCount(), "two seeded samples plus nine intervals");
    // Mean 1 s; deviation floored at 100 ms. At 1.6 s (six deviations late) phi is past 8.
    clock.advance(Duration.ofMillis(600));
    assertFalse(detector.isAvailable(), "phi " + detector.phi());
  }

  @Test
  void anIntervalIsNotRecordedWhenThePeerWasAlreadySuspected() {
    FakeClock clock = new FakeClock();
    PhiAccrualDetector detector = new PhiAccrualDetector(CONFIG, clock);
    detector.heartbeat();
    clock.advance(Duration.ofSeconds(30));
    assertFalse(detector.isAvailable());
    detector.heartbeat();
    assertEquals(2, detector.sampleCount(), "the 30 s gap did not widen the distribution");
    assertTrue(detector.isAvailable());
  }

  /**
   * restartMonitoring promises that the next heartbeat starts monitoring again without recording the gap before it;
   * it recorded the part of that gap after the restart (a heartbeat read just after this process woke counted as an
   * interval of a few milliseconds), which shrank the mean and made later, normal gaps look suspicious.
   */
  @Test
  void theHeartbeatAfterARestartOfMonitoringRecordsNoInterval() {
    FakeClock clock = new FakeClock();
    PhiAccrualDetector detector = new PhiAccrualDetector(CONFIG, clock);
    long second = Duration.ofSeconds(1).toNanos();
    for (int i = 0; i <= 10; i++) {
      detector.heartbeat(i * second);
    }
    assertEquals(2 + 10, detector.sampleCount());
    detector.restartMonitoring(40 * second); // this process woke from a 30 s pause
    detector.heartbeat(40 * second + Duration.ofMillis(5).toNanos()); // queued while we were paused, read now
    assertEquals(2 + 10, detector.sampleCount(), "the 5 ms since the restart is no interval of the peer's");
    detector.heartbeat(41 * second + Duration.ofMillis(5).toNanos());
    assertEquals(2 + 11, detector.sampleCount(), "the next interval is recorded again");
  }

  /**
   * Two threads record heartbeats of one peer: the one that read the clock first can lose the CAS and retry with its
   * older reading after the later arrival was recorded (and a caller of {@code heartbeat(long)} can hand in a reading
   * taken before a concurrent one). That reading must neither record a negative interval nor move the last arrival
   * back, which would raise phi as if the peer had been silent longer than it was.
   */
  @Test
  void aHeartbeatReadingOlderThanTheLastArrivalMovesNothingBack() {
    FakeClock clock = new FakeClock();
    PhiAccrualDetector detector = new PhiAccrualDetector(CONFIG, clock);
    PhiAccrualDetector reference = new PhiAccrualDetector(CONFIG, clock);
    long second = Duration.ofSeconds(1).toNanos();
    for (int i = 0; i <= 10; i++) {
      detector.heartbeat(i * second);
      reference.heartbeat(i * second);
    }
    detector.heartbeat(10 * second - Duration.ofMillis(500).toNanos()); // read at 9.5 s, recorded after 10 s
    assertEquals(10 * second, detector.lastHeartbeatNanos(), "the last arrival stays the later one");
    assertEquals(2 + 10, detector.sampleCount(), "no interval of -500 ms");
    long at = 11 * second + Duration.ofMillis(300).toNanos();
    assertEquals(reference.phi(at), detector.phi(at), 1e-12);
    assertTrue(detector.isAvailable(at), "phi " + detector.phi(at));

    detector.restartMonitoring(10 * second - Duration.ofMillis(200).toNanos()); // a wake read before that arrival
    assertEquals(10 * second, detector.lastHeartbeatNanos(), "a restart does not move the last arrival back either");
  }

  @Test
  void oldSamplesAreDroppedBeyondMaxSampleSize() {
    FakeClock clock = new FakeClock();
    PhiAccrualDetector detector = new PhiAccrualDetector(
        PhiAccrualConfig.builder().maxSampleSize(3).acceptableHeartbeatPause(Duration.ZERO).build(), clock);
    for (int i = 0; i < 6; i++) {
      detector.heartbeat();
      clock.advance(Duration.ofMillis(500));
    }
    assertEquals(3, detector.sampleCount());
    // Only 500 ms intervals remain: a 1 s gap (five floored deviations late) is suspicious at threshold 8? phi ~ 5.6.
    clock.advance(Duration.ofMillis(500));
    assertTrue(detector.phi() > 5 && detector.phi() < 8, "phi " + detector.phi());
  }

  @Test
  void invalidSettingsAreRejectedNamingTheField() {
    ConfigurationException e = assertThrows(ConfigurationException.class,
        () -> PhiAccrualConfig.builder().threshold(0).build());
    assertEquals("threshold", e.field());
    assertEquals("maxSampleSize",
        assertThrows(ConfigurationException.class, () -> PhiAccrualConfig.builder().maxSampleSize(0).build()).field());
    assertEquals("minStdDeviation", assertThrows(ConfigurationException.class,
        () -> PhiAccrualConfig.builder().minStdDeviation(Duration.ZERO).build()).field());
    assertEquals("acceptableHeartbeatPause", assertThrows(ConfigurationException.class,
        () -> PhiAccrualConfig.builder().acceptableHeartbeatPause(Duration.ofMillis(-1)).build()).field());
    assertEquals("firstHeartbeatEstimate", assertThrows(ConfigurationException.class,
        () -> PhiAccrualConfig.builder().firstHeartbeatEstimate(null).build()).field());
    assertTrue(e.getMessage().contains("threshold must be greater than 0.0, but was 0.0"), e.getMessage());
  }

  @Test
  void concurrentHeartbeatsLoseNoUpdate() throws Exception {
    FakeClock clock = new FakeClock();
    PhiAccrualDetector detector = new PhiAccrualDetector(
        PhiAccrualConfig.builder().maxSampleSize(5_000).build(), clock);
    detector.heartbeat(0);
    int threads = 4;
    int each = 1_000;
    CyclicBarrier start = new CyclicBarrier(threads);
    Thread[] workers = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      workers[t] = new Thread(() -> {
        try {
          start.await();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
        for (int i = 0; i < each; i++) {
          detector.heartbeat(1_000_000L); // every interval is recorded: the gap is tiny, the peer available
        }
      });
      workers[t].start();
    }
    for (Thread w : workers) {
      w.join();
    }
    assertEquals(2 + threads * each, detector.sampleCount(), "every CAS retry kept every heartbeat");
  }
}
