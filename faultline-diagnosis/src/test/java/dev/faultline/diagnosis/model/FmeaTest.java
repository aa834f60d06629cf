package dev.faultline.diagnosis.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.faultline.core.ConfigurationException;
import dev.faultline.core.event.ComponentEvent.ComponentFailed;
import dev.faultline.core.event.ComponentEvent.ComponentStarted;
import dev.faultline.core.event.ComponentEvent.HealthChanged;
import dev.faultline.core.testing.FakeClock;
import dev.faultline.diagnosis.metrics.ReliabilityMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** FMEA ratings at the edges of their scales, RPN order, and a row built from observed metrics. */
class FmeaTest {
  private final Fmea fmea = Fmea.withDefaultScales();

  private static FailureMode mode(String name) {
    return new FailureMode(name, null, new Signature.Fingerprint(name), List.of());
  }

  @Test
  void occurrenceAndDetectionFollowTheirScales() {
    assertEquals(1, fmea.occurrence(0));
    assertEquals(1, fmea.occurrence(0.9 / 8760));
    assertEquals(2, fmea.occurrence(1.0 / 8760));
    assertEquals(5, fmea.occurrence(1.0 / 168));
    assertEquals(6, fmea.occurrence(1.0 / 24));
    assertEquals(8, fmea.occurrence(1));
    assertEquals(10, fmea.occurrence(60));
    assertEquals(10, fmea.occurrence(1e9));
    assertThrows(IllegalArgumentException.class, () -> fmea.occurrence(-1));
    assertEquals(1, fmea.detection(Optional.of(Duration.ofMillis(999))));
    assertEquals(2, fmea.detection(Optional.of(Duration.ofSeconds(1))));
    assertEquals(5, fmea.detection(Optional.of(Duration.ofMinutes(5))));
    assertEquals(9, fmea.detection(Optional.of(Duration.ofDays(1))));
    assertEquals(10, fmea.detection(Optional.of(Duration.ofDays(30))));
    assertEquals(10, fmea.detection(Optional.empty()));
  }

  @Test
  void theTableIsSortedByRpnThenSeverityThenName() {
    List<Fmea.Row> rows = fmea.table(List.of(
        new Fmea.Entry(mode("disk full"), 8, 1.0 / 720, Optional.of(Duration.ofMinutes(20))), // 8*4*6 = 192
        new Fmea.Entry(mode("gc pause"), 3, 2, Optional.of(Duration.ofSeconds(2))), // 3*8*2 = 48
        new Fmea.Entry(mode("silent corruption"), 10, 0, Optional.empty()), // 10*1*10 = 100
        new Fmea.Entry(mode("bad deploy"), 6, 1.0 / 24, Optional.of(Duration.ofSeconds(30))), // 6*6*3 = 108
        new Fmea.Entry(mode("cert expiry"), 4, 1.0 / 24, Optional.of(Duration.ofSeconds(30))), // 4*6*3 = 72
        new Fmea.Entry(mode("alpha"), 2, 1.0 / 24, Optional.of(Duration.ofMinutes(2))), // 2*6*4 = 48
        new Fmea.Entry(mode("beta"), 3, 2, Optional.of(Duration.ofSeconds(2))))); // 48, ties gc pause
    assertEquals(List.of("disk full", "bad deploy", "silent corruption", "cert expiry", "beta", "gc pause", "alpha"),
        rows.stream().map(r -> r.mode().name()).collect(Collectors.toList()));
    assertEquals(List.of(192, 108, 100, 72, 48, 48, 48), rows.stream().map(Fmea.Row::rpn).collect(Collectors.toList()));
    Fmea.Row disk = rows.get(0);
    assertEquals(4, disk.occurrence());
    assertEquals(6, disk.detection());
  }

  @Test
  void anEntryTakesItsRateAndDetectionFromObservedMetrics() {
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    FakeClock clock = new FakeClock(t0);
    ReliabilityMetrics metrics = ReliabilityMetrics.builder(clock).build();
    metrics.onEvent(new ComponentStarted("db", t0));
    for (int hour = 1; hour <= 4; hour++) {
      Instant failed = t0.plus(Duration.ofHours(hour));
      metrics.onEvent(new HealthChanged("db", failed.minusSeconds(90), "ping", "UP", "DOWN", "timeout"));
      metrics.onEvent(new ComponentFailed("db", failed, "unreachable", null));
      metrics.onEvent(new ComponentStarted("db", failed.plusSeconds(60)));
    }
    clock.advance(Duration.ofHours(8));
    Fmea.Row row = fmea.row(Fmea.Entry.of(mode("db unreachable"), 7, metrics.component("db", Duration.ofHours(8))));
    assertEquals(0.5, row.failuresPerHour(), 1e-12);
    assertEquals(Optional.of(Duration.ofSeconds(90)), row.mttd());
    assertEquals(7, row.occurrence()); // at least every 8 hours, less than hourly
    assertEquals(4, row.detection()); // at least a minute, under five
    assertEquals(7 * 7 * 4, row.rpn());
  }

  @Test
  void badEntriesAndScalesAreNamed() {
    assertEquals("severity of x", assertThrows(ConfigurationException.class,
        () -> new Fmea.Entry(mode("x"), 11, 0, Optional.empty())).field());
    assertEquals("failuresPerHour of x", assertThrows(ConfigurationException.class,
        () -> new Fmea.Entry(mode("x"), 5, -1, Optional.empty())).field());
    assertEquals("occurrenceThresholds", assertThrows(ConfigurationException.class,
        () -> Fmea.withScales(new double[3], List.of())).field());
    double[] decreasing = {9, 8, 7, 6, 5, 4, 3, 2, 1};
    List<Duration> minutes = List.of(1, 2, 3, 4, 5, 6, 7, 8, 9).stream().map(Duration::ofMinutes)
        .collect(Collectors.toList());
    assertEquals("occurrenceThresholds[1]", assertThrows(ConfigurationException.class,
        () -> Fmea.withScales(decreasing, minutes)).field());
    // A negative time to detect is not a measurement: it rated detection 1 (the best), lowering the RPN.
    assertEquals("mttd of x", assertThrows(ConfigurationException.class,
        () -> new Fmea.Entry(mode("x"), 5, 0, Optional.of(Duration.ofMinutes(-5)))).field());
    assertThrows(IllegalArgumentException.class, () -> fmea.detection(Optional.of(Duration.ofSeconds(-1))));
    assertEquals(1, fmea.detection(Optional.of(Duration.ZERO)));
    Fmea custom = Fmea.withScales(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, minutes);
    assertEquals(4, custom.occurrence(3.5));
    assertEquals(3, custom.detection(Optional.of(Duration.ofSeconds(150))));
  }
}
