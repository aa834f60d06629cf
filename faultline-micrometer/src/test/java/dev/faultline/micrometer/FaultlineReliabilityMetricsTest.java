package dev.faultline.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.ConfigurationException;
import dev.faultline.core.event.ComponentEvent.ComponentFailed;
import dev.faultline.core.event.ComponentEvent.ComponentRecovered;
import dev.faultline.core.event.ComponentEvent.ComponentStarted;
import dev.faultline.core.event.ComponentEvent.HealthChanged;
import dev.faultline.core.event.StateEvent.CheckpointWritten;
import dev.faultline.core.event.StateEvent.DataLost;
import dev.faultline.core.testing.FakeClock;
import dev.faultline.diagnosis.metrics.BurnRateAlert;
import dev.faultline.diagnosis.metrics.ReliabilityMetrics;
import dev.faultline.diagnosis.metrics.SloMonitor;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Reliability figures and SLO budgets as Micrometer gauges, checked against scripted event streams. */
class FaultlineReliabilityMetricsTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private final FakeClock clock = new FakeClock(T0);
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  private static Instant minutes(long m) {
    return T0.plus(Duration.ofMinutes(m));
  }

  double gauge(String name, String component) {
    return registry.get(name).tags("component", component).gauge().value();
  }

  double seconds(String name, String component) {
    return registry.get(name).tags("component", component).timeGauge().value(TimeUnit.SECONDS);
  }

  @Test
  void componentAndServiceFiguresOverTheWindow() {
    ReliabilityMetrics metrics = ReliabilityMetrics.builder(clock).service("checkout", "orders", "payments").build();
    FaultlineReliabilityMetrics binder = FaultlineReliabilityMetrics.of(metrics, Duration.ofHours(10), clock,
        Duration.ZERO, Tags.of("app", "shop"));
    binder.bindTo(registry);
    metrics.onEvent(new ComponentStarted("orders", minutes(0)));
    metrics.onEvent(new HealthChanged("orders", minutes(55), "db", "UP", "DOWN", "refused"));
    metrics.onEvent(new ComponentFailed("orders", minutes(60), "crash", null));
    metrics.onEvent(new ComponentRecovered("orders", minutes(70), Duration.ofMinutes(10)));
    metrics.onEvent(new ComponentStarted("journal", minutes(0)));
    metrics.onEvent(new CheckpointWritten("journal", minutes(10), "cp-1", 100));
    metrics.onEvent(new DataLost("journal", minutes(25), 3, "fsync disabled"));
    clock.advance(Duration.ofHours(10));
    binder.refresh();

    assertEquals(1, gauge("faultline.reliability.failures", "orders"));
    assertEquals(1, gauge("faultline.reliability.recoveries", "orders"));
    assertEquals(0.1, gauge("faultline.reliability.failure.rate", "orders"), 1e-12);
    assertEquals(590 * 60, seconds("faultline.reliability.mtbf", "orders"), 1e-6);
    assertEquals(600, seconds("faultline.reliability.mttr", "orders"), 1e-6);
    assertEquals(300, seconds("faultline.reliability.mttd", "orders"), 1e-6);
    assertEquals(590.0 / 600.0, gauge("faultline.reliability.availability", "orders"), 1e-12);
    assertEquals(600, seconds("faultline.reliability.downtime", "orders"), 1e-6);
    assertEquals(0, gauge("faultline.reliability.down", "orders"));
    assertEquals(3, gauge("faultline.reliability.records.lost", "journal"));
    assertEquals(15 * 60, seconds("faultline.reliability.rpo", "journal"), 1e-6);
    assertTrue(Double.isNaN(seconds("faultline.reliability.rpo", "orders")), "no loss: NaN");
    assertTrue(Double.isNaN(seconds("faultline.reliability.mtbf", "journal")), "no failure: NaN");

    assertEquals("service", registry.get("faultline.reliability.failures").tags("component", "checkout")
        .gauge().getId().getTag("scope"));
    assertEquals(1, gauge("faultline.reliability.failures", "checkout"), "the service fails when orders does");
    assertEquals("PT10H", registry.get("faultline.reliability.failures").tags("component", "orders").gauge().getId()
        .getTag("window"));
    assertEquals("shop", registry.get("faultline.reliability.failures").tags("component", "orders").gauge().getId()
        .getTag("app"));
    assertEquals(3, registry.get("faultline.reliability.components").gauge().value(), "orders, journal, checkout");
  }

  @Test
  void aComponentSeenLaterGetsMetersOnRefreshAndFiguresFollowTheClock() {
    ReliabilityMetrics metrics = ReliabilityMetrics.builder(clock).build();
    FaultlineReliabilityMetrics binder = FaultlineReliabilityMetrics.of(metrics, Duration.ofHours(1), clock,
        Duration.ofSeconds(30), Tags.empty());
    binder.bindTo(registry);
    SimpleMeterRegistry second = new SimpleMeterRegistry();
    metrics.onEvent(new ComponentStarted("cache", minutes(0)));
    metrics.onEvent(new ComponentFailed("cache", minutes(1), "evicted", null));
    clock.advance(Duration.ofSeconds(90));
    assertTrue(registry.find("faultline.reliability.down").tags("component", "cache").gauges().isEmpty());
    binder.refresh();
    binder.bindTo(second);
    assertEquals(1, gauge("faultline.reliability.down", "cache"));
    assertEquals(1, second.get("faultline.reliability.down").tags("component", "cache").gauge().value(),
        "a registry bound later gets the meters already made");
    metrics.onEvent(new ComponentRecovered("cache", minutes(2), Duration.ofMinutes(1)));
    assertEquals(1, gauge("faultline.reliability.down", "cache"), "figures are reused for the refresh interval");
    clock.advance(Duration.ofSeconds(30));
    assertEquals(0, gauge("faultline.reliability.down", "cache"));
  }

  @Test
  void sloBudgetBurnRatesAndAlerts() {
    SloMonitor slo = SloMonitor.builder(clock).target(0.99).build();
    FaultlineSloMetrics.of("checkout-availability", slo).bindTo(registry);
    slo.record(900, 100);
    assertEquals(0.99, registry.get("faultline.slo.target").gauge().value(), 1e-12);
    assertEquals(900, registry.get("faultline.slo.events").tags("outcome", "good").gauge().value());
    assertEquals(100, registry.get("faultline.slo.events").tags("outcome", "bad").gauge().value());
    assertEquals(0.9, registry.get("faultline.slo.compliance").gauge().value(), 1e-12);
    assertEquals(10, registry.get("faultline.slo.budget.consumed").gauge().value(), 1e-9);
    assertEquals(-9, registry.get("faultline.slo.budget.remaining").gauge().value(), 1e-9);
    assertEquals(10, registry.get("faultline.slo.burn.rate").tags("window", "PT1H").gauge().value(), 1e-9);
    assertEquals(10, registry.get("faultline.slo.burn.rate").tags("window", "PT5M").gauge().value(), 1e-9);
    int rules = BurnRateAlert.workbookDefaults().size();
    assertEquals(rules, registry.find("faultline.slo.alert.firing").gauges().size());
    String fastRule = BurnRateAlert.workbookDefaults().get(0).name();
    assertEquals(0, registry.get("faultline.slo.alert.firing").tags("alert", fastRule).gauge().value(),
        "10x is under the 14.4x of the fast-burn rule");
    double firing = registry.find("faultline.slo.alert.firing").gauges().stream().mapToDouble(g -> g.value()).sum();
    assertTrue(firing >= 1, "the 6x and 1x rules fire at 10x: " + firing);
    assertEquals("checkout-availability", registry.get("faultline.slo.target").gauge().getId().getTag("slo"));
  }

  /**
   * Two alert rules with the same name and severity would map to one {@code faultline.slo.alert.firing} meter (the
   * registry hands back the first gauge for the second), so the second rule was silently never reported: refused.
   */
  @Test
  void alertRulesSharingANameAndSeverityAreRefused() {
    SloMonitor slo = SloMonitor.builder(clock).target(0.99).alerts(List.of(
        new BurnRateAlert("burn", BurnRateAlert.Severity.PAGE, 14.4, Duration.ofHours(1), Duration.ofMinutes(5)),
        new BurnRateAlert("burn", BurnRateAlert.Severity.PAGE, 1, Duration.ofDays(3), Duration.ofHours(6)))).build();
    ConfigurationException e = assertThrows(ConfigurationException.class,
        () -> FaultlineSloMetrics.of("checkout-availability", slo));
    assertEquals("monitor", e.field());
    assertTrue(e.getMessage().contains("burn"), e.getMessage());
    // The same name with another severity is another meter: accepted, both reported.
    SloMonitor distinct = SloMonitor.builder(clock).target(0.99).alerts(List.of(
        new BurnRateAlert("burn", BurnRateAlert.Severity.PAGE, 14.4, Duration.ofHours(1), Duration.ofMinutes(5)),
        new BurnRateAlert("burn", BurnRateAlert.Severity.TICKET, 1, Duration.ofDays(3), Duration.ofHours(6)))).build();
    FaultlineSloMetrics.of("checkout-availability", distinct).bindTo(registry);
    assertEquals(2, registry.find("faultline.slo.alert.firing").gauges().size());
  }

  @Test
  void settingsAreCheckedNamingTheField() {
    ReliabilityMetrics metrics = ReliabilityMetrics.builder(clock).build();
    assertEquals("window", assertThrows(ConfigurationException.class, () -> FaultlineReliabilityMetrics.of(metrics,
        Duration.ZERO, clock, Duration.ZERO, Tags.empty())).field());
    assertEquals("refresh", assertThrows(ConfigurationException.class, () -> FaultlineReliabilityMetrics.of(metrics,
        Duration.ofHours(1), clock, Duration.ofSeconds(-1), Tags.empty())).field());
    assertEquals("slo", assertThrows(ConfigurationException.class,
        () -> FaultlineSloMetrics.of(" ", SloMonitor.builder(clock).build())).field());
  }
}
