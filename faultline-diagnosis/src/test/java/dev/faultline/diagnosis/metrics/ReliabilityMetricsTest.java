package dev.faultline.diagnosis.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.ConfigurationException;
import dev.faultline.core.PolicyKind;
import dev.faultline.core.circuitbreaker.CircuitState;
import dev.faultline.core.event.ComponentEvent.ComponentFailed;
import dev.faultline.core.event.ComponentEvent.ComponentRecovered;
import dev.faultline.core.event.ComponentEvent.ComponentRestarted;
import dev.faultline.core.event.ComponentEvent.ComponentStarted;
import dev.faultline.core.event.ComponentEvent.ComponentStopped;
import dev.faultline.core.event.ComponentEvent.HealthChanged;
import dev.faultline.core.event.ComponentEvent.LeaderElected;
import dev.faultline.core.event.ComponentEvent.PeerSuspected;
import dev.faultline.core.event.PolicyEvent.AttemptFailed;
import dev.faultline.core.event.PolicyEvent.CircuitStateChanged;
import dev.faultline.core.event.StateEvent.CheckpointWritten;
import dev.faultline.core.event.StateEvent.DataLost;
import dev.faultline.core.event.StateEvent.StateRecovered;
import dev.faultline.core.event.StateEvent.StateRolledBack;
import dev.faultline.core.testing.FakeClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** Metrics derived from scripted event streams on a fake clock, with every figure checked exactly. */
class ReliabilityMetricsTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private final FakeClock clock = new FakeClock(T0);
  private final ReliabilityMetrics metrics = ReliabilityMetrics.builder(clock)
      .downstream("payments-breaker", "payments")
      .service("checkout", "orders", "payments")
      .build();

  private static Instant at(Duration offset) {
    return T0.plus(offset);
  }

  private static Instant atMinutes(long minutes) {
    return at(Duration.ofMinutes(minutes));
  }

  @Test
  void twoFailuresAndRecoveriesGiveRateMtbfMttrAndAvailability() {
    metrics.onEvent(new ComponentStarted("orders", atMinutes(0)));
    metrics.onEvent(new ComponentFailed("orders", atMinutes(60), "crash", null));
    metrics.onEvent(new ComponentRestarted("orders", atMinutes(61), 1, Duration.ofSeconds(5), "crash"));
    metrics.onEvent(new ComponentRecovered("orders", atMinutes(70), Duration.ofMinutes(10)));
    metrics.onEvent(new ComponentFailed("orders", atMinutes(300), "watchdog", null));
    metrics.onEvent(new ComponentStarted("orders", atMinutes(330)));
    clock.advance(Duration.ofHours(10));

    ComponentMetrics all = metrics.component("orders", Duration.ofHours(10));
    assertEquals(Duration.ofHours(10), all.observed());
    assertEquals(Duration.ofMinutes(40), all.downtime());
    assertEquals(2, all.failures());
    assertEquals(2, all.recoveries());
    assertEquals(0.2, all.failuresPerHour(), 1e-12);
    assertEquals(Optional.of(Duration.ofMinutes(280)), all.mtbf());
    assertEquals(Optional.of(Duration.ofMinutes(20)), all.mttr());
    assertEquals(Optional.empty(), all.mttd());
    assertEquals(560.0 / 600.0, all.availability().orElseThrow(), 1e-12);
    assertFalse(all.down());

    ComponentMetrics last6h = metrics.component("orders", Duration.ofHours(6));
    assertEquals(at(Duration.ofHours(4)), last6h.from());
    assertEquals(1, last6h.failures());
    assertEquals(Optional.of(Duration.ofMinutes(30)), last6h.mttr());
    assertEquals(330.0 / 360.0, last6h.availability().orElseThrow(), 1e-12);
    assertEquals(Optional.of(Duration.ofMinutes(330)), last6h.mtbf());
  }

  @Test
  void anOpenFailureCountsDowntimeUntilNowButNoRecovery() {
    metrics.onEvent(new ComponentStarted("orders", atMinutes(0)));
    metrics.onEvent(new ComponentFailed("orders", atMinutes(30), "crash", null));
    metrics.onEvent(new ComponentFailed("orders", atMinutes(35), "still failing", null));
    clock.advance(Duration.ofMinutes(60));
    ComponentMetrics m = metrics.component("orders", Duration.ofHours(1));
    assertTrue(m.down());
    assertEquals(1, m.failures());
    assertEquals(Duration.ofMinutes(30), m.downtime());
    assertEquals(Optional.empty(), m.mttr());
    assertEquals(0.5, m.availability().orElseThrow(), 1e-12);
    // A window that starts inside the outage sees no failure begin, only downtime.
    ComponentMetrics tail = metrics.component("orders", Duration.ofMinutes(10));
    assertEquals(0, tail.failures());
    assertEquals(0.0, tail.availability().orElseThrow(), 1e-12);
  }

  @Test
  void aCircuitBreakerOpeningIsItsDownstreamFailingUntilItCloses() {
    metrics.onEvent(new ComponentStarted("orders", atMinutes(0)));
    metrics.onEvent(cb(1, CircuitState.CLOSED, CircuitState.OPEN));
    metrics.onEvent(cb(2, CircuitState.OPEN, CircuitState.HALF_OPEN));
    metrics.onEvent(cb(3, CircuitState.HALF_OPEN, CircuitState.OPEN));
    metrics.onEvent(cb(4, CircuitState.OPEN, CircuitState.HALF_OPEN));
    metrics.onEvent(cb(5, CircuitState.HALF_OPEN, CircuitState.CLOSED));
    clock.advance(Duration.ofMinutes(10));
    ComponentMetrics payments = metrics.component("payments", Duration.ofMinutes(10));
    assertEquals(1, payments.failures());
    assertEquals(Optional.of(Duration.ofMinutes(4)), payments.mttr());
    assertEquals(Duration.ofMinutes(9), payments.observed());
    assertEquals(5.0 / 9.0, payments.availability().orElseThrow(), 1e-12);
    assertEquals(List.of("orders", "payments"), List.copyOf(metrics.components()));

    ReliabilityMetrics ignoring = ReliabilityMetrics.builder(clock).circuitBreakers(false).build();
    ignoring.onEvent(cb(1, CircuitState.CLOSED, CircuitState.OPEN));
    assertTrue(ignoring.components().isEmpty());
  }

  private static CircuitStateChanged cb(long minute, CircuitState from, CircuitState to) {
    return new CircuitStateChanged("payments-breaker", atMinutes(minute), from, to, "test");
  }

  @Test
  void detectionTimeRunsFromTheFirstSymptomToTheFailure() {
    metrics.onEvent(new ComponentStarted("orders", atMinutes(0)));
    metrics.onEvent(new HealthChanged("orders", atMinutes(10), "db", "UP", "DEGRADED", "slow"));
    metrics.onEvent(new HealthChanged("orders", atMinutes(11), "db", "DEGRADED", "DOWN", "refused"));
    metrics.onEvent(new ComponentFailed("orders", atMinutes(14), "db", null));
    metrics.onEvent(new ComponentRecovered("orders", atMinutes(20), Duration.ofMinutes(6)));
    // A symptom that cleared before a failure is not its onset.
    metrics.onEvent(new HealthChanged("orders", atMinutes(30), "db", "UP", "DOWN", "blip"));
    metrics.onEvent(new HealthChanged("orders", atMinutes(31), "db", "DOWN", "up", "ok"));
    metrics.onEvent(new ComponentFailed("orders", atMinutes(40), "crash", null));
    metrics.onEvent(new ComponentStarted("orders", atMinutes(45)));
    // A peer suspicion names the suspected peer, not the detector, as the one failing.
    metrics.onEvent(new PeerSuspected("detector", atMinutes(50), "orders", 8.5));
    metrics.onEvent(new ComponentFailed("orders", atMinutes(58), "heartbeat", null));
    metrics.onEvent(new ComponentStarted("orders", atMinutes(59)));
    // A symptom older than the detection horizon (30 minutes) is not the onset.
    metrics.onEvent(new PeerSuspected("detector", atMinutes(60), "orders", 3.1));
    metrics.onEvent(new ComponentFailed("orders", atMinutes(100), "heartbeat", null));
    metrics.onEvent(new ComponentStarted("orders", atMinutes(101)));
    clock.advance(Duration.ofMinutes(120));
    ComponentMetrics m = metrics.component("orders", Duration.ofHours(2));
    assertEquals(4, m.failures());
    assertEquals(Optional.of(Duration.ofMinutes(6)), m.mttd()); // (4 + 8) / 2
    assertFalse(metrics.components().contains("detector"));
  }

  @Test
  void stoppingEndsObservationAndAnOpenFailureWithoutARecovery() {
    metrics.onEvent(new ComponentStarted("orders", atMinutes(0)));
    metrics.onEvent(new ComponentFailed("orders", atMinutes(10), "crash", null));
    metrics.onEvent(new ComponentStopped("orders", atMinutes(20), "restart intensity exceeded"));
    metrics.onEvent(new ComponentStarted("orders", atMinutes(40)));
    clock.advance(Duration.ofMinutes(60));
    ComponentMetrics m = metrics.component("orders", Duration.ofHours(1));
    assertEquals(Duration.ofMinutes(40), m.observed());
    assertEquals(Duration.ofMinutes(10), m.downtime());
    assertEquals(1, m.failures());
    assertEquals(0, m.recoveries());
    assertEquals(0.75, m.availability().orElseThrow(), 1e-12);
  }

  @Test
  void aRecoveryOfAnUnseenFailureAddsTheDowntimeItReports() {
    metrics.onEvent(new ComponentStarted("orders", atMinutes(0)));
    metrics.onEvent(new ComponentRecovered("orders", atMinutes(30), Duration.ofMinutes(5)));
    // Reported downtime reaching back into a failure that was seen reports that failure: nothing is added.
    metrics.onEvent(new ComponentFailed("orders", atMinutes(40), "crash", null));
    metrics.onEvent(new ComponentStarted("orders", atMinutes(42)));
    metrics.onEvent(new ComponentRecovered("orders", atMinutes(44), Duration.ofMinutes(10)));
    // Reported downtime reaching back before what was seen is clipped to the previous boundary (the stop at 50).
    metrics.onEvent(new ComponentStopped("orders", atMinutes(50), "shutdown"));
    metrics.onEvent(new ComponentStarted("orders", atMinutes(50)));
    metrics.onEvent(new ComponentRecovered("orders", atMinutes(56), Duration.ofMinutes(10)));
    clock.advance(Duration.ofMinutes(60));
    ComponentMetrics m = metrics.component("orders", Duration.ofHours(1));
    assertEquals(3, m.failures());
    assertEquals(Duration.ofMinutes(13), m.downtime());
    assertEquals(Optional.of(Duration.ofSeconds(260)), m.mttr()); // (5 + 2 + 6) / 3 minutes
  }

  @Test
  void aSupervisedRestartReportedAsStartedThenRecoveredIsOneOutage() {
    // The supervisor publishes ComponentStarted and then ComponentRecovered, each stamped with its own reading of the
    // wall clock: the second can be a millisecond (or a slow listener) later. That is one outage, not two.
    metrics.onEvent(new ComponentStarted("orders", atMinutes(0)));
    metrics.onEvent(new ComponentFailed("orders", atMinutes(10), "crash", null));
    metrics.onEvent(new ComponentRestarted("orders", atMinutes(11), 1, Duration.ofSeconds(5), "crash"));
    metrics.onEvent(new ComponentStarted("orders", atMinutes(12)));
    metrics.onEvent(new ComponentRecovered("orders", atMinutes(12).plusMillis(1), Duration.ofMinutes(2)));
    clock.advance(Duration.ofMinutes(60));
    ComponentMetrics m = metrics.component("orders", Duration.ofHours(1));
    assertEquals(1, m.failures());
    assertEquals(1, m.recoveries());
    assertEquals(Duration.ofMinutes(2), m.downtime());
    assertEquals(Optional.of(Duration.ofMinutes(2)), m.mttr());
    assertEquals(Optional.of(Duration.ofMinutes(58)), m.mtbf());
  }

  @Test
  void windowsAreHalfOpenSoAnEventOnTheEdgeOfTwoCountsOnceInTheLater() {
    metrics.onEvent(new ComponentStarted("orders", atMinutes(0)));
    metrics.onEvent(new ComponentFailed("orders", atMinutes(20), "crash", null));
    metrics.onEvent(new ComponentRecovered("orders", atMinutes(40), Duration.ofMinutes(20)));
    metrics.onEvent(new DataLost("orders", atMinutes(40), 5, "torn tail"));
    clock.advance(Duration.ofMinutes(20));
    ComponentMetrics first = metrics.component("orders", Duration.ofMinutes(20)); // [0, 20)
    clock.advance(Duration.ofMinutes(20));
    ComponentMetrics second = metrics.component("orders", Duration.ofMinutes(20)); // [20, 40)
    clock.advance(Duration.ofMinutes(20));
    ComponentMetrics third = metrics.component("orders", Duration.ofMinutes(20)); // [40, 60)
    assertEquals(List.of(0, 1, 0), List.of(first.failures(), second.failures(), third.failures()));
    assertEquals(List.of(0, 0, 1), List.of(first.recoveries(), second.recoveries(), third.recoveries()));
    assertEquals(List.of(0L, 0L, 5L), List.of(first.recordsLost(), second.recordsLost(), third.recordsLost()));
    assertEquals(Optional.empty(), second.mttr());
    assertEquals(Optional.of(Duration.ofMinutes(20)), third.mttr());
    assertEquals(Duration.ofMinutes(20), second.downtime());
    assertEquals(Duration.ZERO, third.downtime());
  }

  @Test
  void dataLossCountsRecordsAndBoundsTheLostSpanByTheLastCheckpoint() {
    metrics.onEvent(new ComponentStarted("journal", atMinutes(0)));
    metrics.onEvent(new StateRecovered("journal", atMinutes(1), null, 0, 7)); // no checkpoint yet: span unknown
    metrics.onEvent(new CheckpointWritten("journal", atMinutes(10), "cp-1", 100));
    metrics.onEvent(new CheckpointWritten("journal", atMinutes(30), "cp-2", 200));
    metrics.onEvent(new ComponentFailed("journal", atMinutes(42), "crash", null));
    metrics.onEvent(new StateRecovered("journal", atMinutes(45), "cp-2", 40, 5)); // lost from cp-2 to the crash: 12 min
    metrics.onEvent(new ComponentStarted("journal", atMinutes(45)));
    metrics.onEvent(new StateRolledBack("journal", atMinutes(50), "cp-1", 60)); // back to cp-1: 40 minutes
    metrics.onEvent(new DataLost("journal", atMinutes(55), 2, "fsync disabled")); // since cp-2: 25 minutes
    metrics.onEvent(new StateRecovered("journal", atMinutes(56), "cp-2", 10, 0)); // nothing lost
    clock.advance(Duration.ofMinutes(60));
    ComponentMetrics m = metrics.component("journal", Duration.ofHours(1));
    assertEquals(74, m.recordsLost());
    assertEquals(Optional.of(Duration.ofMinutes(40)), m.rpo());
    ComponentMetrics recent = metrics.component("journal", Duration.ofMinutes(8));
    assertEquals(2, recent.recordsLost());
    assertEquals(Optional.of(Duration.ofMinutes(25)), recent.rpo());
    ComponentMetrics first = metrics.component("journal", Duration.ofMinutes(60));
    assertEquals(74, first.recordsLost());

    ReliabilityMetrics fresh = ReliabilityMetrics.builder(clock).build();
    fresh.onEvent(new DataLost("cache", atMinutes(59), 3, "evicted"));
    assertEquals(3, fresh.component("cache", Duration.ofHours(1)).recordsLost());
    assertEquals(Optional.empty(), fresh.component("cache", Duration.ofHours(1)).rpo());
  }

  @Test
  void aServiceIsDownWhileAnyOfItsComponentsIs() {
    metrics.onEvent(new ComponentStarted("orders", atMinutes(0)));
    metrics.onEvent(new ComponentStarted("payments", atMinutes(0)));
    metrics.onEvent(new ComponentFailed("orders", atMinutes(10), "crash", null));
    metrics.onEvent(new ComponentFailed("payments", atMinutes(15), "crash", null));
    metrics.onEvent(new ComponentRecovered("orders", atMinutes(20), Duration.ofMinutes(10)));
    metrics.onEvent(new ComponentRecovered("payments", atMinutes(25), Duration.ofMinutes(10)));
    metrics.onEvent(new ComponentFailed("payments", atMinutes(40), "crash", null));
    metrics.onEvent(new ComponentRecovered("payments", atMinutes(45), Duration.ofMinutes(5)));
    clock.advance(Duration.ofMinutes(60));
    ComponentMetrics checkout = metrics.service("checkout", Duration.ofHours(1));
    assertEquals(2, checkout.failures());
    assertEquals(Duration.ofMinutes(20), checkout.downtime());
    assertEquals(Optional.of(Duration.ofMinutes(10)), checkout.mttr());
    assertEquals(40.0 / 60.0, checkout.availability().orElseThrow(), 1e-12);
    assertEquals(List.of("checkout"), List.copyOf(metrics.services(Duration.ofHours(1)).keySet()));
  }

  @Test
  void eventsThatSayNothingOfFailureOrDataAreIgnored() {
    metrics.onEvent(new AttemptFailed("retry", atMinutes(1), PolicyKind.RETRY, 1, new IllegalStateException(),
        Duration.ZERO));
    metrics.onEvent(new LeaderElected("elector", atMinutes(1), "node-1", 3));
    metrics.onEvent(new ComponentFailed("orders", null, "no time", null));
    assertTrue(metrics.components().isEmpty(), metrics.components().toString());
    metrics.onEvent(new ComponentFailed("orders", atMinutes(1), "crash", null));
    clock.advance(Duration.ofMinutes(2));
    assertEquals(List.of("orders"), List.copyOf(metrics.components()));
    assertEquals(1, metrics.component("orders", Duration.ofHours(1)).failures());
  }

  @Test
  void historyOlderThanTheRetentionIsDropped() {
    ReliabilityMetrics short1 = ReliabilityMetrics.builder(clock).retention(Duration.ofHours(1)).build();
    short1.onEvent(new ComponentStarted("orders", atMinutes(0)));
    short1.onEvent(new ComponentFailed("orders", atMinutes(1), "crash", null));
    short1.onEvent(new ComponentStarted("orders", atMinutes(2)));
    clock.advance(Duration.ofMinutes(200)); // events arrive when they happen: retention runs on the clock
    short1.onEvent(new ComponentFailed("orders", atMinutes(200), "crash", null));
    short1.onEvent(new ComponentStarted("orders", atMinutes(201)));
    clock.advance(Duration.ofMinutes(40));
    assertEquals(1, short1.component("orders", Duration.ofDays(1)).failures());
  }

  @Test
  void anEventStampedFarAheadNeitherDropsTheHistoryNorStopsPruning() {
    ReliabilityMetrics short1 = ReliabilityMetrics.builder(clock).retention(Duration.ofHours(1)).build();
    short1.onEvent(new ComponentStarted("orders", atMinutes(0)));
    short1.onEvent(new ComponentFailed("orders", atMinutes(1), "crash", null));
    short1.onEvent(new ComponentStarted("orders", atMinutes(2)));
    clock.advance(Duration.ofMinutes(3));
    // A publisher whose clock is a year ahead: its event must not make the history of the last minutes "old".
    short1.onEvent(new ComponentStarted("cache", at(Duration.ofDays(365))));
    assertEquals(1, short1.component("orders", Duration.ofHours(1)).failures(), "history kept");
    short1.onEvent(new ComponentFailed("orders", atMinutes(4), "crash", null));
    short1.onEvent(new ComponentStarted("orders", atMinutes(5)));
    // Events stamped normally again: history older than the retention is still dropped.
    clock.advance(Duration.ofMinutes(197));
    short1.onEvent(new ComponentFailed("orders", atMinutes(200), "crash", null));
    short1.onEvent(new ComponentStarted("orders", atMinutes(201)));
    clock.advance(Duration.ofMinutes(40));
    assertEquals(1, short1.component("orders", Duration.ofDays(1)).failures(), "the failures at minutes 1 and 4 dropped");
  }

  @Test
  void badQueriesAndConfigurationsAreNamed() {
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
        () -> metrics.component("nope", Duration.ofHours(1)));
    assertTrue(unknown.getMessage().contains("\"nope\""), unknown.getMessage());
    assertThrows(IllegalArgumentException.class, () -> metrics.service("nope", Duration.ofHours(1)));
    ConfigurationException window = assertThrows(ConfigurationException.class,
        () -> metrics.components(Duration.ZERO));
    assertEquals("window", window.field());
    ConfigurationException twice = assertThrows(ConfigurationException.class,
        () -> ReliabilityMetrics.builder(clock).service("a", "x").service("a", "y"));
    assertEquals("service", twice.field());
    assertThrows(ConfigurationException.class, () -> ReliabilityMetrics.builder(clock).service("a"));
    assertThrows(ConfigurationException.class, () -> ReliabilityMetrics.builder(null));
  }

  @Test
  void concurrentPublishersLoseNoFailure() throws Exception {
    int threads = 4;
    int perThread = 500;
    CountDownLatch start = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(threads);
    for (int t = 0; t < threads; t++) {
      String name = "c" + t;
      Thread thread = new Thread(() -> {
        try {
          start.await();
          for (int i = 0; i < perThread; i++) {
            metrics.onEvent(new ComponentFailed(name, at(Duration.ofSeconds(2L * i)), "x", null));
            metrics.onEvent(new ComponentRecovered(name, at(Duration.ofSeconds(2L * i + 1)), Duration.ofSeconds(1)));
            metrics.components(Duration.ofHours(1));
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
    clock.advance(Duration.ofSeconds(2L * perThread));
    for (int t = 0; t < threads; t++) {
      ComponentMetrics m = metrics.component("c" + t, Duration.ofHours(1));
      assertEquals(perThread, m.failures());
      assertEquals(Optional.of(Duration.ofSeconds(1)), m.mttr());
      assertEquals(0.5, m.availability().orElseThrow(), 1e-12);
    }
  }

  @Test
  void aRecoveryReportedAfterARestartDoesNotReachIntoTheTimeStopped() {
    metrics.onEvent(new ComponentStarted("orders", atMinutes(0)));
    metrics.onEvent(new ComponentStopped("orders", atMinutes(50), "shutdown"));
    metrics.onEvent(new ComponentStarted("orders", atMinutes(52)));
    // Ten minutes of reported downtime: clipped to the start at 52, since 50 to 52 is neither up nor down.
    metrics.onEvent(new ComponentRecovered("orders", atMinutes(56), Duration.ofMinutes(10)));
    clock.advance(Duration.ofMinutes(60));
    ComponentMetrics m = metrics.component("orders", Duration.ofHours(1));
    assertEquals(Duration.ofMinutes(58), m.observed());
    assertEquals(Duration.ofMinutes(4), m.downtime());
    assertEquals(1, m.failures());
    assertEquals(Optional.of(Duration.ofMinutes(4)), m.mttr());
  }
}
