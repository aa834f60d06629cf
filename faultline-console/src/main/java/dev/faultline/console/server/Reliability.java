package dev.faultline.console.server;

import dev.faultline.core.Clock;
import dev.faultline.core.event.FaultEvent;
import dev.faultline.diagnosis.metrics.ComponentMetrics;
import dev.faultline.diagnosis.metrics.ReliabilityMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reliability metrics of the services, computed with the library's {@link ReliabilityMetrics} from the stored events
 * (of the types in {@link JournalStore#RELIABILITY_TYPES}): a service's components are the sources of its events,
 * declared to the metrics as one service in series.
 *
 * <p>Each query replays the service's stored events of the last {@link #RETENTION} into a fresh
 * {@link ReliabilityMetrics} whose clock is the query's own, so that a series can move "now" to the end of each
 * bucket; nothing is shared between queries.
 *
 * <h2>Concurrency design</h2>
 * No mutable state: each query owns its metrics and clock; the store is thread-safe. Thread-safe.
 */
final class Reliability {
  /** How much history the metrics see: enough for a 30-day window. */
  static final Duration RETENTION = Duration.ofDays(35);

  /** The metrics of a service as a whole and of each of its components, over one window. */
  record ServiceMetrics(ComponentMetrics service, Map<String, ComponentMetrics> components) {}

  private final ConsoleStore store;
  private final Clock clock;

  Reliability(ConsoleStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  /** A clock that reads whatever time the query sets: the end of the window being computed. */
  private static final class QueryClock implements Clock {
    private long wallMillis;

    @Override
    public long nanoTime() {
      return wallMillis * 1_000_000L;
    }

    @Override
    public long wallMillis() {
      return wallMillis;
    }

    @Override
    public void sleep(long nanos) {
      throw new UnsupportedOperationException("a query clock does not sleep");
    }
  }

  private record Replayed(ReliabilityMetrics metrics, QueryClock clock, Set<String> components) {}

  /** Replays the service's events up to {@code to} (exclusive) into new metrics; null when there are none. */
  private Replayed replay(String service, long from, long to) {
    List<ConsoleStore.EventRecord> events = store.eventsInTimeOrder(service, JournalStore.RELIABILITY_TYPES,
        from, to);
    List<FaultEvent> faultEvents = new ArrayList<>(events.size());
    Set<String> components = new TreeSet<>();
    for (ConsoleStore.EventRecord event : events) {
      Optional<FaultEvent> read = FaultEventJson.read(event);
      if (read.isPresent()) {
        faultEvents.add(read.get());
        components.add(event.source());
      }
    }
    if (faultEvents.isEmpty()) {
      return null;
    }
    QueryClock queryClock = new QueryClock();
    ReliabilityMetrics metrics = ReliabilityMetrics.builder(queryClock).retention(RETENTION)
        .service(service, components.toArray(String[]::new)).build();
    faultEvents.forEach(metrics::onEvent);
    return new Replayed(metrics, queryClock, components);
  }

  /** The metrics of {@code service} over the {@code window} ending now; empty when it reported no such event. */
  Optional<ServiceMetrics> now(String service, Duration window) {
    long now = clock.wallMillis();
    Replayed replayed = replay(service, now - RETENTION.toMillis() - window.toMillis(), Long.MAX_VALUE);
    if (replayed == null) {
      return Optional.empty();
    }
    replayed.clock().wallMillis = now;
    return Optional.of(new ServiceMetrics(replayed.metrics().service(service, window),
        replayed.metrics().components(window)));
  }

  /** The components of {@code service} that are down now. */
  Set<String> down(String service) {
    Optional<ServiceMetrics> metrics = now(service, Duration.ofMinutes(1));
    Set<String> down = new LinkedHashSet<>();
    metrics.ifPresent(m -> m.components().forEach((name, c) -> {
      if (c.down()) {
        down.add(name);
      }
    }));
    return down;
  }

  /**
   * The metrics of {@code service} (or of one of its components) for each bucket {@code [from + i*step, from +
   * (i+1)*step)} up to {@code to}; empty when it reported no such event.
   */
  List<ComponentMetrics> series(String service, String component, long from, long to, long step) {
    Replayed replayed = replay(service, from - RETENTION.toMillis(), to);
    List<ComponentMetrics> points = new ArrayList<>();
    if (replayed == null || (component != null && !replayed.components().contains(component))) {
      return points;
    }
    Duration width = Duration.ofMillis(step);
    for (long end = from + step; end <= to; end += step) {
      replayed.clock().wallMillis = end;
      points.add(component == null ? replayed.metrics().service(service, width)
          : replayed.metrics().component(component, width));
    }
    return points;
  }
}
