package dev.faultline.diagnosis.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.faultline.core.ConfigurationException;
import dev.faultline.core.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * The workbook burn-rate alerts firing and clearing at exact minutes on a fake clock: target 99.9%, one-minute
 * buckets, a 30-day period. Each scenario records one bucket's events, checks the alerts, then advances one minute;
 * the expected minute of each change follows from the window sums worked out in the comments.
 */
class SloMonitorTest {
  private final FakeClock clock = new FakeClock();
  private final SloMonitor slo = SloMonitor.builder(clock).build();

  /** Records one minute of traffic, returns which alerts fire (fast, medium, slow), then moves to the next minute. */
  private String minute(long good, long bad) {
    slo.record(good, bad);
    StringBuilder firing = new StringBuilder();
    for (AlertStatus status : slo.alerts()) {
      firing.append(status.firing() ? status.alert().name().charAt(0) : '-');
    }
    clock.advance(Duration.ofMinutes(1));
    return firing.toString();
  }

  private void minutes(int count, long good, long bad) {
    for (int i = 0; i < count; i++) {
      slo.record(good, bad);
      clock.advance(Duration.ofMinutes(1));
    }
  }

  @Test
  void fastBurnPagesAfter44MinutesAtTwentyTimesAndClearsTwoMinutesAfterIt() {
    minutes(360, 1000, 0);
    // Burning at 20x (2% bad): after k minutes the 1 h window burns k/3, reaching 14.4 at k = 44; the 6 h window
    // (60 of 360 minutes bad at most) stays below 6; the 3 d and 6 h windows pass 1 from k = 19.
    List<String> states = new ArrayList<>();
    for (int k = 1; k <= 60; k++) {
      states.add(minute(980, 20));
    }
    assertEquals("--s", states.get(42), "k = 43: 1 h burns 14.33");
    assertEquals("f-s", states.get(43), "k = 44: 1 h burns 14.67");
    assertEquals("f-s", states.get(59));
    assertEquals("---", states.get(17), "k = 18: 3 d burns 20 * 18 / 378 = 0.95");
    assertEquals("--s", states.get(18), "k = 19: 3 d burns 1.003, 6 h burns 1.06");
    // Good again: the 5 min window burns 4 * (5 - j) after j good minutes: 16 at j = 1, 12 at j = 2.
    assertEquals("f-s", minute(1000, 0));
    assertEquals("--s", minute(1000, 0));
  }

  @Test
  void mediumBurnPagesWhenSixHoursBurnSixTimesAndClearsWithTheHalfHourWindow() {
    minutes(360, 1000, 0);
    // Burning at 7x: the 6 h window burns 7k/360, reaching 6 at k = 309; the 1 h window never reaches 14.4.
    for (int k = 1; k <= 307; k++) {
      minute(993, 7);
    }
    assertEquals("--s", minute(993, 7), "k = 308: 6 h burns 5.99");
    assertEquals("-ms", minute(993, 7), "k = 309: 6 h burns 6.01");
    // Good again: the 30 min window burns 7 (30 - j) / 30: 6.07 at j = 4, 5.83 at j = 5.
    for (int j = 1; j <= 3; j++) {
      assertEquals("-ms", minute(1000, 0));
    }
    assertEquals("-ms", minute(1000, 0), "j = 4");
    assertEquals("--s", minute(1000, 0), "j = 5");
  }

  @Test
  void slowBurnOpensATicketWhenThreeDaysBurnTheBudgetAndClearsWithTheSixHourWindow() {
    minutes(4320, 2000, 0);
    // Burning at 3.5x: the 3 d window burns 7k/8640, reaching 1 at k = 1235; the shorter pairs never fire.
    minutes(1233, 1993, 7);
    assertEquals("---", minute(1993, 7), "k = 1234: 3 d burns 0.9998");
    assertEquals("--s", minute(1993, 7), "k = 1235: 3 d burns 1.0006");
    // Good again: the 6 h window burns 3.5 (360 - j) / 360: 1.0014 at j = 257, 0.9917 at j = 258.
    minutes(256, 2000, 0);
    assertEquals("--s", minute(2000, 0), "j = 257");
    assertEquals("---", minute(2000, 0), "j = 258");
  }

  @Test
  void anAlertFiresWhenTheBurnRateIsExactlyItsThreshold() {
    // 144 bad in 10 000 is 1.44%, 14.4 times the 0.1% allowed: exactly the fast-burn threshold ("at least 14.4").
    assertEquals("fms", minute(9_856, 144));
    // 1 bad in 1 000 burns the budget exactly as fast as it allows: exactly the slow-burn threshold, 1.
    SloMonitor fresh = SloMonitor.builder(clock).build();
    fresh.record(999, 1);
    assertEquals(List.of("slow-burn"), fresh.firing().stream().map(s -> s.alert().name()).toList());
    assertEquals(1.0, fresh.burnRate(Duration.ofHours(6)));
    assertEquals(1.0, fresh.budget().consumed());
  }

  @Test
  void aWindowIsItsLastBucketsTheCurrentOneIncluded() {
    slo.recordBad();
    slo.recordGood();
    assertEquals(500.0, slo.burnRate(Duration.ofMinutes(1)), 1e-9);
    clock.advance(Duration.ofSeconds(59));
    assertEquals(500.0, slo.burnRate(Duration.ofMinutes(1)), 1e-9);
    clock.advance(Duration.ofSeconds(1));
    assertEquals(0.0, slo.burnRate(Duration.ofMinutes(1)));
    assertEquals(500.0, slo.burnRate(Duration.ofMinutes(2)), 1e-9);
    clock.advance(Duration.ofMinutes(3));
    assertEquals(500.0, slo.burnRate(Duration.ofMinutes(5)), 1e-9);
    clock.advance(Duration.ofMinutes(1));
    assertEquals(0.0, slo.burnRate(Duration.ofMinutes(5)));
  }

  @Test
  void theBudgetCountsThePeriodAndForgetsWhatLeftIt() {
    slo.record(99_950, 50);
    ErrorBudget budget = slo.budget();
    assertEquals(100.0, budget.allowedBad(), 1e-6);
    assertEquals(0.5, budget.consumed(), 1e-9);
    assertEquals(0.5, budget.remaining(), 1e-9);
    assertEquals(0.9995, budget.compliance(), 1e-12);
    clock.advance(Duration.ofDays(15));
    slo.record(0, 150);
    assertEquals(200 / 100.15, slo.budget().consumed(), 1e-9);
    clock.advance(Duration.ofDays(15));
    ErrorBudget later = slo.budget();
    assertEquals(0, later.good());
    assertEquals(150, later.bad());
    assertEquals(1000.0, later.consumed(), 1e-6);
    clock.advance(Duration.ofDays(30));
    assertEquals(0.0, slo.budget().consumed());
    assertEquals(1.0, slo.budget().compliance());
  }

  @Test
  void concurrentRecordersLoseNoEvent() throws Exception {
    int threads = 4;
    int perThread = 2000;
    CountDownLatch start = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(threads);
    for (int t = 0; t < threads; t++) {
      boolean goodOnly = t % 2 == 0;
      Thread thread = new Thread(() -> {
        try {
          start.await();
          for (int i = 0; i < perThread; i++) {
            if (goodOnly || i % 4 != 0) {
              slo.recordGood();
            } else {
              slo.recordBad();
            }
            if (i % 100 == 0) {
              slo.alerts();
            }
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } finally {
          done.countDown();
        }
      });
      thread.start();
    }
    start.countDown();
    done.await();
    ErrorBudget budget = slo.budget();
    assertEquals(2 * perThread / 4, budget.bad());
    assertEquals(threads * perThread - 2 * perThread / 4, budget.good());
  }

  @Test
  void invalidSettingsAreNamed() {
    assertEquals("target", assertThrows(ConfigurationException.class,
        () -> SloMonitor.builder(clock).target(1.0)).field());
    assertEquals("period", assertThrows(ConfigurationException.class,
        () -> SloMonitor.builder(clock).period(Duration.ofSeconds(90)).build()).field());
    assertEquals("period", assertThrows(ConfigurationException.class,
        () -> SloMonitor.builder(clock).bucket(Duration.ofSeconds(1)).build()).field());
    assertEquals("alert fast-burn longWindow", assertThrows(ConfigurationException.class,
        () -> SloMonitor.builder(clock).period(Duration.ofMinutes(30)).build()).field());
    assertEquals("alert x shortWindow", assertThrows(ConfigurationException.class,
        () -> new BurnRateAlert("x", BurnRateAlert.Severity.PAGE, 2, Duration.ofHours(1), Duration.ofHours(1)))
        .field());
    assertEquals("window", assertThrows(ConfigurationException.class,
        () -> slo.burnRate(Duration.ofSeconds(30))).field());
    assertThrows(IllegalArgumentException.class, () -> slo.record(-1, 0));
  }
}
