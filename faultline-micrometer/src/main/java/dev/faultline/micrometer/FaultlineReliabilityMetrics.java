package dev.faultline.micrometer;

import dev.faultline.core.Clock;
import dev.faultline.core.ConfigurationException;
import dev.faultline.diagnosis.metrics.ComponentMetrics;
import dev.faultline.diagnosis.metrics.ReliabilityMetrics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Binds {@link ReliabilityMetrics} to a Micrometer {@link MeterRegistry}: for every component seen and every declared
 * service, its figures over a sliding window ending at each read; thread-safe.
 *
 * <p>Meters, tagged {@code component} (the component's or service's name), {@code scope} ({@code component} or
 * {@code service}) and {@code window} (the window as ISO-8601, such as {@code PT720H}):
 * <ul>
 *   <li>{@code faultline.reliability.failures}, {@code .recoveries}: down intervals begun, and ended by a recovery, in
 *       the window (gauges: windowed counts go down as the window slides);</li>
 *   <li>{@code faultline.reliability.failure.rate}: failures per hour of observed time;</li>
 *   <li>{@code faultline.reliability.mtbf}, {@code .mttr}, {@code .mttd}: mean time between failures, to recover and
 *       to detect (time gauges; NaN when there is nothing to average);</li>
 *   <li>{@code faultline.reliability.availability}: uptime over observed time, 0..1 (NaN when nothing was
 *       observed); {@code faultline.reliability.downtime} (time gauge);</li>
 *   <li>{@code faultline.reliability.records.lost} and {@code faultline.reliability.rpo} (time gauge, NaN when no loss
 *       could be placed in time): data lost in the window;</li>
 *   <li>{@code faultline.reliability.down}: 1 when down now, else 0.</li>
 * </ul>
 * A registry reads many gauges at once, so the figures are computed once per {@code refresh} interval of the injected
 * clock and shared by every gauge of a component. Components first seen after {@link #bindTo} get their meters on the
 * next {@link #refresh()}: call it on a schedule, or after the components have announced themselves (meters are not
 * registered from inside a registry's read, which some registries do not allow). The gauge
 * {@code faultline.reliability.components} counts the components and services with meters.
 *
 * <p>Concurrency: {@code registering} guards {@code registries} and {@code bound} (the names with meters) and is held
 * while meters are registered; gauges never take it (they read the volatile {@code boundCount}), so a registry that
 * holds a lock of its own while reading gauges cannot deadlock with a registration. The cached snapshot is guarded by
 * this object's monitor, which gauges take and which is never held while calling Micrometer.
 */
public final class FaultlineReliabilityMetrics implements MeterBinder {
  private final ReliabilityMetrics metrics;
  private final Duration window;
  private final Clock clock;
  private final long refreshNanos;
  private final Tags tags;
  private final Object registering = new Object();
  private final List<MeterRegistry> registries = new ArrayList<>();
  private final Set<String> bound = new LinkedHashSet<>();
  private volatile int boundCount;
  private Map<String, ComponentMetrics> components = Map.of();
  private Map<String, ComponentMetrics> services = Map.of();
  private long computedAt;
  private boolean computed;

  private FaultlineReliabilityMetrics(ReliabilityMetrics metrics, Duration window, Clock clock, Duration refresh,
      Iterable<Tag> tags) {
    this.metrics = metrics;
    this.window = window;
    this.clock = clock;
    this.refreshNanos = refresh.toNanos();
    this.tags = Tags.of(tags);
  }

  /**
   * A binder of {@code metrics} over the sliding {@code window}, computed at most once per {@code refresh} of
   * {@code clock} (zero: at every read), with {@code extraTags} on every meter.
   *
   * @throws ConfigurationException if the window is not positive, the refresh negative, or an argument null
   */
  public static FaultlineReliabilityMetrics of(ReliabilityMetrics metrics, Duration window, Clock clock,
      Duration refresh, Iterable<Tag> extraTags) {
    if (metrics == null) {
      throw new ConfigurationException("metrics", "not be null", "null");
    }
    if (window == null || window.isNegative() || window.isZero()) {
      throw new ConfigurationException("window", "be a positive duration", String.valueOf(window));
    }
    if (refresh == null || refresh.isNegative()) {
      throw new ConfigurationException("refresh", "be a duration of zero or more", String.valueOf(refresh));
    }
    if (clock == null) {
      throw new ConfigurationException("clock", "not be null", "null");
    }
    if (extraTags == null) {
      throw new ConfigurationException("extraTags", "not be null", "null");
    }
    return new FaultlineReliabilityMetrics(metrics, window, clock, refresh, extraTags);
  }

  /** A binder over a 30-day window, refreshed at most once a second by the system clock. */
  public static FaultlineReliabilityMetrics of(ReliabilityMetrics metrics) {
    return of(metrics, Duration.ofDays(30), Clock.system(), Duration.ofSeconds(1), Tags.empty());
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    synchronized (registering) {
      registries.add(registry);
      Gauge.builder("faultline.reliability.components", this, b -> b.boundCount)
          .tags(tags.and("window", window.toString())).description("components and services with reliability meters")
          .strongReference(true).register(registry);
      for (String key : bound) {
        int slash = key.indexOf('/');
        register(registry, key.substring(0, slash), key.substring(slash + 1));
      }
      refreshRegistering();
    }
  }

  /** Gives meters to the components seen since the last refresh, in every registry bound. */
  public void refresh() {
    synchronized (registering) {
      refreshRegistering();
    }
  }

  /** Caller holds {@code registering}. */
  private void refreshRegistering() {
    List<String> names = new ArrayList<>();
    synchronized (this) {
      snapshot(true);
      components.keySet().forEach(n -> names.add("component/" + n));
      services.keySet().forEach(n -> names.add("service/" + n));
    }
    for (String key : names) {
      if (bound.add(key)) {
        int slash = key.indexOf('/');
        for (MeterRegistry registry : registries) {
          register(registry, key.substring(0, slash), key.substring(slash + 1));
        }
      }
    }
    boundCount = bound.size();
  }

  /** Caller holds the monitor. Recomputes the snapshot when it is older than the refresh interval (or forced). */
  private void snapshot(boolean force) {
    long now = clock.nanoTime();
    if (!computed || force || now - computedAt >= refreshNanos) {
      components = metrics.components(window);
      services = metrics.services(window);
      computedAt = now;
      computed = true;
    }
  }

  private synchronized Optional<ComponentMetrics> current(String scope, String name) {
    snapshot(false);
    return Optional.ofNullable((scope.equals("service") ? services : components).get(name));
  }

  private void register(MeterRegistry registry, String scope, String name) {
    Tags t = tags.and("component", name, "scope", scope, "window", window.toString());
    gauge(registry, "faultline.reliability.failures", "down intervals begun in the window", t, scope, name,
        m -> m.failures());
    gauge(registry, "faultline.reliability.recoveries", "down intervals ended by a recovery in the window", t, scope,
        name, m -> m.recoveries());
    gauge(registry, "faultline.reliability.failure.rate", "failures per hour of observed time", t, scope, name,
        ComponentMetrics::failuresPerHour);
    time(registry, "faultline.reliability.mtbf", "mean time between failures", t, scope, name,
        m -> seconds(m.mtbf()));
    time(registry, "faultline.reliability.mttr", "mean time to recover", t, scope, name, m -> seconds(m.mttr()));
    time(registry, "faultline.reliability.mttd", "mean time to detect", t, scope, name, m -> seconds(m.mttd()));
    gauge(registry, "faultline.reliability.availability", "uptime over observed time (0..1)", t, scope, name,
        m -> m.availability().orElse(Double.NaN));
    time(registry, "faultline.reliability.downtime", "time down in the window", t, scope, name,
        m -> m.downtime().toNanos() / 1e9);
    gauge(registry, "faultline.reliability.records.lost", "records lost in the window", t, scope, name,
        m -> m.recordsLost());
    time(registry, "faultline.reliability.rpo", "largest span of time whose data was lost in the window", t, scope,
        name, m -> seconds(m.rpo()));
    gauge(registry, "faultline.reliability.down", "1 when down now, else 0", t, scope, name, m -> m.down() ? 1 : 0);
  }

  private static double seconds(Optional<Duration> d) {
    return d.map(x -> x.toNanos() / 1e9).orElse(Double.NaN);
  }

  private void gauge(MeterRegistry registry, String meter, String description, Tags t, String scope, String name,
      ToDoubleFunction<ComponentMetrics> value) {
    Gauge.builder(meter, this, b -> b.current(scope, name).map(value::applyAsDouble).orElse(Double.NaN)).tags(t)
        .description(description).strongReference(true).register(registry);
  }

  private void time(MeterRegistry registry, String meter, String description, Tags t, String scope, String name,
      ToDoubleFunction<ComponentMetrics> seconds) {
    TimeGauge.builder(meter, this, TimeUnit.SECONDS,
            b -> b.current(scope, name).map(seconds::applyAsDouble).orElse(Double.NaN))
        .tags(t).description(description).strongReference(true).register(registry);
  }
}
