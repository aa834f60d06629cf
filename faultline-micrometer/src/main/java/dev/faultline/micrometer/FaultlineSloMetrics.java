package dev.faultline.micrometer;

import dev.faultline.core.ConfigurationException;
import dev.faultline.diagnosis.metrics.AlertStatus;
import dev.faultline.diagnosis.metrics.BurnRateAlert;
import dev.faultline.diagnosis.metrics.SloMonitor;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Binds a {@link SloMonitor} to a Micrometer {@link MeterRegistry}: its error budget, burn rates and multi-window
 * alerts; immutable and thread-safe (the monitor is).
 *
 * <p>Meters, tagged {@code slo} (the name given here):
 * <ul>
 *   <li>{@code faultline.slo.target}: the objective, such as 0.999;</li>
 *   <li>{@code faultline.slo.events} ({@code outcome} good or bad): events within the SLO's period;</li>
 *   <li>{@code faultline.slo.compliance}: good over all events in the period (1 without events);</li>
 *   <li>{@code faultline.slo.budget.consumed} and {@code faultline.slo.budget.remaining}: fractions of the error
 *       budget spent and left (consumed above 1, remaining below 0, when overspent);</li>
 *   <li>{@code faultline.slo.burn.rate} ({@code window}, ISO-8601): the burn rate over each window that an alert rule
 *       uses;</li>
 *   <li>{@code faultline.slo.alert.firing} ({@code alert}, {@code severity}): 1 while the rule fires (both its windows
 *       burn at or above its rate), else 0.</li>
 * </ul>
 */
public final class FaultlineSloMetrics implements MeterBinder {
  private final String slo;
  private final SloMonitor monitor;
  private final Tags tags;

  private FaultlineSloMetrics(String slo, SloMonitor monitor, Tags tags) {
    this.slo = slo;
    this.monitor = monitor;
    this.tags = tags;
  }

  /**
   * A binder of {@code monitor} under the name {@code slo}, with {@code extraTags} on every meter.
   *
   * @throws ConfigurationException if the name is blank, an argument null, or two alert rules of the monitor share a
   *     name and severity
   */
  public static FaultlineSloMetrics of(String slo, SloMonitor monitor, Iterable<Tag> extraTags) {
    if (slo == null || slo.isBlank()) {
      throw new ConfigurationException("slo", "not be blank", String.valueOf(slo));
    }
    if (monitor == null) {
      throw new ConfigurationException("monitor", "not be null", "null");
    }
    if (extraTags == null) {
      throw new ConfigurationException("extraTags", "not be null", "null");
    }
    // Each rule is one faultline.slo.alert.firing meter tagged with its name and severity; a second rule with the same
    // pair would get the first one's meter back from the registry and never be reported.
    Set<String> seen = new LinkedHashSet<>();
    for (BurnRateAlert rule : monitor.alertRules()) {
      if (!seen.add(rule.name() + '\0' + rule.severity())) {
        throw new ConfigurationException("monitor", "have alert rules of distinct name and severity (each is one"
            + " faultline.slo.alert.firing meter)", "two rules named '" + rule.name() + "' with severity "
            + rule.severity());
      }
    }
    return new FaultlineSloMetrics(slo, monitor, Tags.of(extraTags));
  }

  /** A binder of {@code monitor} under the name {@code slo}. */
  public static FaultlineSloMetrics of(String slo, SloMonitor monitor) {
    return of(slo, monitor, Tags.empty());
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    Tags t = tags.and("slo", slo);
    Gauge.builder("faultline.slo.target", monitor, SloMonitor::target).tags(t)
        .description("the fraction of events that must be good").register(registry);
    Gauge.builder("faultline.slo.events", monitor, m -> m.budget().good()).tags(t.and("outcome", "good"))
        .description("events within the SLO period").register(registry);
    Gauge.builder("faultline.slo.events", monitor, m -> m.budget().bad()).tags(t.and("outcome", "bad"))
        .description("events within the SLO period").register(registry);
    Gauge.builder("faultline.slo.compliance", monitor, m -> m.budget().compliance()).tags(t)
        .description("good events over all events in the period").register(registry);
    Gauge.builder("faultline.slo.budget.consumed", monitor, m -> m.budget().consumed()).tags(t)
        .description("fraction of the error budget spent").register(registry);
    Gauge.builder("faultline.slo.budget.remaining", monitor, m -> m.budget().remaining()).tags(t)
        .description("fraction of the error budget left").register(registry);
    Set<Duration> windows = new LinkedHashSet<>();
    List<BurnRateAlert> rules = monitor.alertRules();
    for (BurnRateAlert rule : rules) {
      windows.add(rule.longWindow());
      windows.add(rule.shortWindow());
    }
    for (Duration window : windows) {
      Gauge.builder("faultline.slo.burn.rate", monitor, m -> m.burnRate(window)).tags(t.and("window",
          window.toString())).description("bad fraction over allowed fraction in the window").register(registry);
    }
    for (int i = 0; i < rules.size(); i++) {
      int index = i;
      BurnRateAlert rule = rules.get(i);
      Gauge.builder("faultline.slo.alert.firing", monitor, m -> firing(m.alerts(), index))
          .tags(t.and("alert", rule.name(), "severity", rule.severity().name().toLowerCase(Locale.ROOT)))
          .description("1 while the burn-rate alert fires, else 0").register(registry);
    }
  }

  private static double firing(List<AlertStatus> alerts, int index) {
    return index < alerts.size() && alerts.get(index).firing() ? 1 : 0;
  }
}
