package dev.faultline.diagnosis.metrics;

import dev.faultline.core.internal.Validate;
import dev.faultline.core.Clock;
import dev.faultline.core.ConfigurationException;
import dev.faultline.core.circuitbreaker.CircuitState;
import dev.faultline.core.event.ComponentEvent;
import dev.faultline.core.event.FaultEvent;
import dev.faultline.core.event.FaultEventListener;
import dev.faultline.core.event.PolicyEvent;
import dev.faultline.core.event.StateEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Reliability metrics derived from the {@link FaultEvent} stream: per component and per declared service, failures,
 * failure rate, MTBF, MTTR, MTTD, availability and data loss over a window ending now; thread-safe.
 *
 * <p><b>From events to down and up.</b> Each component is keyed by its name: a {@link ComponentEvent}'s source, a
 * circuit breaker's name (or the downstream it is {@linkplain Builder#downstream(String, String) declared to guard}),
 * a {@link StateEvent}'s store.
 * <ul>
 *   <li>{@code ComponentFailed} starts a down interval (the failure); one already open is not restarted.</li>
 *   <li>{@code ComponentRecovered} and {@code ComponentStarted} end it as a recovery (its length is a time to recover).
 *       A {@code ComponentRecovered} for a failure that was not seen adds the interval its {@code downtime} describes,
 *       clipped so as not to overlap what was seen; one whose downtime reaches back into the last down interval
 *       seen reports that failure (as the supervisor's {@code ComponentRecovered} right after its
 *       {@code ComponentStarted} does) and adds nothing.</li>
 *   <li>{@code ComponentStopped} ends the observation of the component: an open down interval ends without a recovery,
 *       and the time until the next {@code ComponentStarted} counts neither as up nor as down.</li>
 *   <li>{@code CircuitStateChanged} to {@code OPEN} or {@code FORCED_OPEN} counts as a failure of the downstream the
 *       breaker guards; to {@code CLOSED} or {@code DISABLED} as its recovery; {@code HALF_OPEN} changes nothing (it
 *       is still down). This can be {@linkplain Builder#circuitBreakers(boolean) turned off}.</li>
 *   <li>{@code ComponentRestarted} changes nothing: the component stays down until it is started or recovers.</li>
 * </ul>
 * A component is observed from its first event among these. <b>Detection:</b> a down interval starts when the failure
 * is detected. Its first symptom, when known, is the earliest of a {@code HealthChanged} to a status that is not
 * healthy ({@code UP}, {@code HEALTHY}, {@code OK}, {@code PASS}, {@code PASSING}, {@code SERVING}, any case) and a
 * {@code PeerSuspected} naming the component as the peer, seen while it was up and no longer ago than the
 * {@linkplain Builder#detectionHorizon(Duration) detection horizon}; a health change back to healthy clears it. The time
 * from symptom to failure is its time to detect. Availability counts downtime from detection, not from the symptom.
 *
 * <p><b>Data loss.</b> Records lost are {@code DataLost.records}, {@code StateRolledBack.discarded} and
 * {@code StateRecovered.discarded}. The span of lost data of one such event is an upper bound: from the last durable
 * point before the loss — the checkpoint named by a rollback's target when its {@code CheckpointWritten} was seen, else
 * the store's latest {@code CheckpointWritten} — to the loss, which is the start of the store's down interval when
 * the store is down at the event and failed after the checkpoint (the crash being recovered from), else the event's
 * time. Without a checkpoint seen the
 * span is unknown. The RPO of a window is the largest span of its losses.
 *
 * <p><b>Services.</b> A {@linkplain Builder#service(String, String...) declared service} is observed when any of its
 * components is observed and down when any is down (its components are in series); its losses are theirs.
 *
 * <p>History older than the {@linkplain Builder#retention(Duration) retention} before the injected clock's wall time
 * is dropped as events arrive (at most once per minute of that time); windows longer than it see only what is kept. Event times are the publishers' wall-clock stamps; the end of a window is the
 * injected {@link Clock}'s wall time.
 */
public final class ReliabilityMetrics implements FaultEventListener {
  /*
   * Concurrency: every field below `lock` is guarded by `lock`. onEvent takes it briefly to update one timeline (and,
   * at most once per minute of clock time, to drop history older than the retention) and calls nothing outside this
   * class; snapshots compute under it. No listener is ever called. The configuration fields are final and immutable.
   */
  private static final Set<String> HEALTHY = Set.of("UP", "HEALTHY", "OK", "PASS", "PASSING", "SERVING");
  private static final int CHECKPOINTS_KEPT = 256;
  private static final long PRUNE_INTERVAL_MILLIS = 60_000;

  private final Clock clock;
  private final long retentionMillis;
  private final long horizonMillis;
  private final boolean circuitBreakers;
  private final Map<String, String> downstreams;
  private final Map<String, List<String>> services;

  private final Object lock = new Object();
  private final Map<String, Timeline> timelines = new HashMap<>();
  private final Map<String, Long> symptoms = new HashMap<>();
  private final Map<String, LinkedHashMap<String, Long>> checkpoints = new HashMap<>();
  private long lastPrune = Long.MIN_VALUE / 2;

  private ReliabilityMetrics(Builder b) {
    this.clock = b.clock;
    this.retentionMillis = b.retention.toMillis();
    this.horizonMillis = b.detectionHorizon.toMillis();
    this.circuitBreakers = b.circuitBreakers;
    this.downstreams = Map.copyOf(b.downstreams);
    Map<String, List<String>> copy = new LinkedHashMap<>();
    b.services.forEach((name, parts) -> copy.put(name, List.copyOf(parts)));
    this.services = copy;
  }

  /** A builder of metrics on {@code clock}; not thread-safe. */
  public static Builder builder(Clock clock) {
    return new Builder(clock);
  }

  /**
   * Updates the metrics with {@code event}. Events that say nothing about failures, recoveries or data (most policy
   * events) return before taking the lock; an event without a source or time is ignored.
   */
  @Override
  public void onEvent(FaultEvent event) {
    boolean relevant = event instanceof ComponentEvent || event instanceof StateEvent
        || (circuitBreakers && event instanceof PolicyEvent.CircuitStateChanged);
    if (!relevant || event.time() == null || event.source() == null) {
      return;
    }
    long t = event.time().toEpochMilli();
    synchronized (lock) {
      if (event instanceof ComponentEvent c) {
        onComponent(c, t);
      } else if (event instanceof PolicyEvent.CircuitStateChanged c) {
        onCircuit(c, t);
      } else {
        onState((StateEvent) event, t);
      }
      // Pruning follows the injected clock, not the event's stamp: an event from a clock far ahead must neither make
      // all history "old" nor, once seen, stop pruning until real time catches up with it.
      long now = clock.wallMillis();
      if (now - lastPrune >= PRUNE_INTERVAL_MILLIS || now < lastPrune) {
        lastPrune = now;
        long horizon = now - retentionMillis;
        for (Timeline timeline : timelines.values()) {
          timeline.prune(horizon);
        }
      }
    }
  }

  private Timeline timeline(String name) {
    return timelines.computeIfAbsent(name, n -> new Timeline());
  }

  private long takeSymptom(String name, long t) {
    Long symptom = symptoms.remove(name);
    if (symptom == null || symptom > t || t - symptom > horizonMillis) {
      return Timeline.UNKNOWN;
    }
    return symptom;
  }

  private void symptom(String name, long t) {
    Timeline timeline = timelines.get(name);
    if (timeline != null && timeline.isDown()) {
      return;
    }
    Long earlier = symptoms.get(name);
    if (earlier == null || t - earlier > horizonMillis) {
      symptoms.put(name, t);
    }
  }

  private void onComponent(ComponentEvent event, long t) {
    String name = event.source();
    if (event instanceof ComponentEvent.ComponentFailed) {
      timeline(name).goDown(t, takeSymptom(name, t));
    } else if (event instanceof ComponentEvent.ComponentStarted) {
      Timeline timeline = timeline(name);
      timeline.goUp(t, true);
      timeline.observe(t);
      symptoms.remove(name);
    } else if (event instanceof ComponentEvent.ComponentRecovered r) {
      Timeline timeline = timeline(name);
      if (timeline.isDown()) {
        timeline.goUp(t, true);
      } else if (r.downtime() != null && !r.downtime().isNegative() && !r.downtime().isZero()) {
        long reported = t - r.downtime().toMillis();
        Timeline.Down last = timeline.lastDown();
        // Downtime reaching into the last down interval seen reports that failure (the supervisor publishes its
        // recovery right after ComponentStarted, with a later reading of the clock): not a second outage.
        boolean seen = last != null && last.end != Timeline.OPEN && reported < last.end;
        long start = Math.max(reported, timeline.lastBoundary());
        if (!seen && start < t) {
          if (timeline.observing()) {
            Timeline.Period current = timeline.periods.get(timeline.periods.size() - 1);
            current.start = Math.min(current.start, start);
          } else {
            timeline.periods.add(new Timeline.Period(start));
          }
          timeline.goDown(start, Timeline.UNKNOWN);
          timeline.goUp(t, true);
        }
      }
      timeline.observe(t);
      symptoms.remove(name);
    } else if (event instanceof ComponentEvent.ComponentStopped) {
      Timeline timeline = timeline(name);
      timeline.observe(t);
      timeline.goUp(t, false);
      timeline.stopObserving(t);
      symptoms.remove(name);
    } else if (event instanceof ComponentEvent.ComponentRestarted) {
      timeline(name).observe(t);
    } else if (event instanceof ComponentEvent.HealthChanged h) {
      timeline(name).observe(t);
      if (isHealthy(h.to())) {
        symptoms.remove(name);
      } else {
        symptom(name, t);
      }
    } else if (event instanceof ComponentEvent.PeerSuspected p && p.peer() != null) {
      symptom(p.peer(), t);
    }
  }

  private static boolean isHealthy(String status) {
    return status != null && HEALTHY.contains(status.trim().toUpperCase(Locale.ROOT));
  }

  private void onCircuit(PolicyEvent.CircuitStateChanged event, long t) {
    String name = downstreams.getOrDefault(event.source(), event.source());
    CircuitState to = event.to();
    Timeline timeline = timeline(name);
    timeline.observe(t);
    if (to == CircuitState.OPEN || to == CircuitState.FORCED_OPEN) {
      timeline.goDown(t, takeSymptom(name, t));
    } else if (to == CircuitState.CLOSED || to == CircuitState.DISABLED) {
      timeline.goUp(t, true);
      symptoms.remove(name);
    }
  }

  private void onState(StateEvent event, long t) {
    String name = event.source();
    if (event instanceof StateEvent.CheckpointWritten c) {
      LinkedHashMap<String, Long> written = checkpoints.computeIfAbsent(name, n -> new LinkedHashMap<>());
      written.remove(String.valueOf(c.checkpointId()));
      written.put(String.valueOf(c.checkpointId()), t);
      if (written.size() > CHECKPOINTS_KEPT) {
        written.remove(written.keySet().iterator().next());
      }
      return;
    }
    long records;
    String target = null;
    if (event instanceof StateEvent.DataLost d) {
      records = d.records();
    } else if (event instanceof StateEvent.StateRolledBack r) {
      records = r.discarded();
      target = r.target();
    } else if (event instanceof StateEvent.StateRecovered r) {
      records = r.discarded();
    } else {
      return;
    }
    if (records <= 0) {
      return;
    }
    Timeline timeline = timeline(name);
    timeline.losses.add(new Timeline.Loss(t, records, lostSpan(name, timeline, target, t)));
  }

  private long lostSpan(String name, Timeline timeline, String target, long t) {
    LinkedHashMap<String, Long> written = checkpoints.get(name);
    if (written == null || written.isEmpty()) {
      return -1;
    }
    Long durable = target == null ? null : written.get(target);
    if (durable == null || durable > t) {
      durable = null;
      for (long time : written.values()) {
        if (time <= t && (durable == null || time > durable)) {
          durable = time;
        }
      }
    }
    if (durable == null) {
      return -1;
    }
    long end = t;
    Timeline.Down down = timeline.lastDown();
    if (down != null && down.start >= durable && down.start <= t && down.end >= t) {
      end = down.start;
    }
    return end - durable;
  }

  /** The components seen so far, sorted by name. */
  public SortedSet<String> components() {
    synchronized (lock) {
      return Collections.unmodifiableSortedSet(new TreeSet<>(timelines.keySet()));
    }
  }

  /**
   * The metrics of one component over the {@code window} ending now.
   *
   * @throws IllegalArgumentException if the component was never seen
   */
  public ComponentMetrics component(String name, Duration window) {
    long[] range = range(window);
    synchronized (lock) {
      Timeline timeline = timelines.get(name);
      if (timeline == null) {
        throw new IllegalArgumentException("component \"" + name + "\" was never seen; seen: "
            + new TreeMap<>(timelines).keySet());
      }
      return timeline.metrics(name, range[0], range[1]);
    }
  }

  /** The metrics of every component seen over the {@code window} ending now, sorted by name. */
  public Map<String, ComponentMetrics> components(Duration window) {
    long[] range = range(window);
    Map<String, ComponentMetrics> result = new TreeMap<>();
    synchronized (lock) {
      timelines.forEach((name, timeline) -> result.put(name, timeline.metrics(name, range[0], range[1])));
    }
    return result;
  }

  /**
   * The metrics of a declared service over the {@code window} ending now.
   *
   * @throws IllegalArgumentException if no service of that name was declared
   */
  public ComponentMetrics service(String name, Duration window) {
    List<String> parts = services.get(name);
    if (parts == null) {
      throw new IllegalArgumentException("service \"" + name + "\" was not declared; declared: " + services.keySet());
    }
    long[] range = range(window);
    synchronized (lock) {
      return serviceMetrics(name, parts, range);
    }
  }

  /** The metrics of every declared service over the {@code window} ending now, in declaration order. */
  public Map<String, ComponentMetrics> services(Duration window) {
    long[] range = range(window);
    Map<String, ComponentMetrics> result = new LinkedHashMap<>();
    synchronized (lock) {
      services.forEach((name, parts) -> result.put(name, serviceMetrics(name, parts, range)));
    }
    return result;
  }

  /** Caller holds the lock. */
  private ComponentMetrics serviceMetrics(String name, List<String> parts, long[] range) {
    List<Timeline> seen = new ArrayList<>();
    for (String part : parts) {
      Timeline timeline = timelines.get(part);
      if (timeline != null) {
        seen.add(timeline);
      }
    }
    return Timeline.union(seen).metrics(name, range[0], range[1]);
  }

  private long[] range(Duration window) {
    Validate.positive("window", window);
    long to = clock.wallMillis();
    return new long[] {to - window.toMillis(), to};
  }

  /** Configures {@link ReliabilityMetrics}; not thread-safe. */
  public static final class Builder {
    private final Clock clock;
    private Duration retention = Duration.ofDays(35);
    private Duration detectionHorizon = Duration.ofMinutes(30);
    private boolean circuitBreakers = true;
    private final Map<String, String> downstreams = new HashMap<>();
    private final Map<String, List<String>> services = new LinkedHashMap<>();

    private Builder(Clock clock) {
      this.clock = Validate.notNull("clock", clock);
    }

    /** How long history is kept (default 35 days, enough for a 30-day window). */
    public Builder retention(Duration retention) {
      this.retention = Validate.positive("retention", retention);
      return this;
    }

    /** How long before a failure a symptom may be to count as its onset (default 30 minutes). */
    public Builder detectionHorizon(Duration horizon) {
      this.detectionHorizon = Validate.positive("detectionHorizon", horizon);
      return this;
    }

    /** Whether circuit breakers opening and closing count as their downstream failing and recovering (default yes). */
    public Builder circuitBreakers(boolean enabled) {
      this.circuitBreakers = enabled;
      return this;
    }

    /** Counts the circuit breaker named {@code breaker} as guarding the component {@code component}. */
    public Builder downstream(String breaker, String component) {
      downstreams.put(Validate.notBlank("breaker", breaker), Validate.notBlank("component", component));
      return this;
    }

    /** Declares a service made of {@code components} in series: down when any of them is down. */
    public Builder service(String name, String... components) {
      Validate.notBlank("service", name);
      if (components == null || components.length == 0) {
        throw new ConfigurationException("service " + name + " components", "name at least one component", "none");
      }
      List<String> parts = new ArrayList<>();
      for (String component : components) {
        parts.add(Validate.notBlank("service " + name + " component", component));
      }
      if (services.putIfAbsent(name, parts) != null) {
        throw new ConfigurationException("service", "be declared once", name);
      }
      return this;
    }

    /** The metrics. */
    public ReliabilityMetrics build() {
      return new ReliabilityMetrics(this);
    }
  }
}
