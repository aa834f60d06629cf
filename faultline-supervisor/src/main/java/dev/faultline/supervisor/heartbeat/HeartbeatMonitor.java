package dev.faultline.supervisor.heartbeat;

import dev.faultline.core.internal.Durations;
import dev.faultline.core.internal.Validate;
import dev.faultline.core.Clock;
import dev.faultline.core.Scheduler;
import dev.faultline.core.event.ComponentEvent;
import dev.faultline.core.event.FaultEventListener;
import dev.faultline.core.internal.Events;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Watches the heartbeats of many peers, one {@link PhiAccrualDetector} each, and publishes
 * {@link ComponentEvent.PeerSuspected} when a peer's phi reaches the threshold; with a guard against this process's own
 * pauses.
 *
 * <p><b>The self-pause guard.</b> When this process is stopped (a long garbage collection, {@code SIGSTOP}, a suspended
 * VM), no heartbeat is read while the clock keeps running; on waking, every peer looks silent for the length of the
 * pause and a plain detector suspects them all at once. The monitor therefore ticks itself every
 * {@linkplain Builder#tickInterval tick interval} (via {@link #start(Scheduler)} or calls to {@link #tick()}) and
 * treats a gap since the last tick longer than the {@linkplain Builder#selfPauseThreshold self-pause threshold} as a
 * pause of its own. It then restarts each peer's measurement at the moment it woke (the gap is not recorded as an
 * interval) and suspects no peer until that peer sends a fresh heartbeat or the {@linkplain Builder#pauseGrace grace
 * period} passes. The gap is checked on every entry point, so a heartbeat read before the timer wakes cannot be
 * judged against the stale tick either. A threshold of zero disables the guard (and the need to tick).
 *
 * <p>Thread-safe. Concurrency design: {@code peers} is a concurrent map of immutable-per-peer holders; each
 * {@link PhiAccrualDetector} is lock-free (CAS on an immutable state). {@code lastTick} is advanced by CAS, so that
 * exactly one caller sees a given pause and opens the guard; the guard's end ({@code guardUntil}) is a single atomic
 * value. Each peer's {@code suspected} flag flips by CAS, so each suspicion is published exactly once, by the thread
 * that flipped it, outside any lock; {@code awaitingFresh} is a volatile flag set when a pause opens the guard and
 * cleared by the peer's next heartbeat.
 */
public final class HeartbeatMonitor implements AutoCloseable {
  private final String name;
  private final PhiAccrualConfig config;
  private final Clock clock;
  private final long tickNanos;
  private final long pauseThresholdNanos;
  private final long graceNanos;
  private final Events events;
  private final ConcurrentHashMap<String, Peer> peers = new ConcurrentHashMap<>();
  private final AtomicLong lastTick;
  private final AtomicLong guardUntil;
  private final AtomicLong pauses = new AtomicLong();
  private final AtomicReference<Scheduler.Task> timer = new AtomicReference<>();
  private volatile boolean closed;

  private HeartbeatMonitor(Builder b) {
    this.name = b.name;
    this.config = b.config;
    this.clock = b.clock;
    this.tickNanos = Durations.toNanosSaturated(b.tickInterval);
    this.pauseThresholdNanos = Durations.toNanosSaturated(b.selfPauseThreshold);
    this.graceNanos = Durations.toNanosSaturated(b.pauseGrace);
    this.events = new Events(b.clock, List.copyOf(b.listeners));
    long now = clock.nanoTime();
    this.lastTick = new AtomicLong(now);
    this.guardUntil = new AtomicLong(now);
  }

  /** A builder for a monitor named {@code name} (the source of its events). */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** The name of this monitor, the source of its events. */
  public String name() {
    return name;
  }

  /** Records a heartbeat from {@code peer} now, starting to monitor it if it is new. */
  public void heartbeat(String peer) {
    Validate.notBlank("peer", peer);
    long now = clock.nanoTime();
    observeSelf(now);
    Peer p = peers.computeIfAbsent(peer, k -> new Peer(new PhiAccrualDetector(config, clock)));
    if (p.awaitingFresh) {
      // The gap since our pause says nothing about the peer: this heartbeat records no interval, only its arrival.
      // (restartMonitoring does nothing for a peer a pause on another thread marked before its first heartbeat;
      // that heartbeat then starts monitoring it.)
      p.awaitingFresh = false;
      p.detector.restartMonitoring(now);
    }
    p.detector.heartbeat(now);
    if (p.detector.isAvailable(now)) {
      p.suspected.set(false);
    }
  }

  /** Stops monitoring {@code peer}; returns whether it was monitored. */
  public boolean remove(String peer) {
    return peers.remove(peer) != null;
  }

  /**
   * Checks this process for a pause and every peer for suspicion, publishing a {@code PeerSuspected} for each peer that
   * became suspected since the last check. Call it every tick interval (or let {@link #start(Scheduler)} do so).
   */
  public void tick() {
    long now = clock.nanoTime();
    observeSelf(now);
    lastTick.accumulateAndGet(now, Math::max);
    for (var entry : peers.entrySet()) {
      Peer p = entry.getValue();
      if (judge(p, now) && p.suspected.compareAndSet(false, true) && events.enabled()) {
        events.publish(new ComponentEvent.PeerSuspected(name, events.now(), entry.getKey(), p.detector.phi(now)));
      }
    }
  }

  /** Whether {@code peer} is monitored and not suspected now (an unknown peer is not available). */
  public boolean isAvailable(String peer) {
    Peer p = peers.get(peer);
    if (p == null) {
      return false;
    }
    long now = clock.nanoTime();
    observeSelf(now);
    return !judge(p, now);
  }

  /** The phi of {@code peer} now, or {@code NaN} if it is not monitored. */
  public double phi(String peer) {
    Peer p = peers.get(peer);
    if (p == null) {
      return Double.NaN;
    }
    long now = clock.nanoTime();
    observeSelf(now);
    return p.detector.phi(now);
  }

  /** The peers suspected now, sorted. */
  public Set<String> suspected() {
    long now = clock.nanoTime();
    observeSelf(now);
    Set<String> out = new TreeSet<>();
    peers.forEach((peer, p) -> {
      if (judge(p, now)) {
        out.add(peer);
      }
    });
    return out;
  }

  /** The peers monitored, sorted. */
  public Set<String> peers() {
    return new TreeSet<>(peers.keySet());
  }

  /** How many pauses of this process the guard has detected. */
  public long selfPauses() {
    return pauses.get();
  }

  /** Whether the guard is withholding suspicions now, after a pause of this process. */
  public boolean inPauseGrace() {
    long now = clock.nanoTime();
    observeSelf(now);
    return now < guardUntil.get();
  }

  /**
   * Ticks this monitor every tick interval on {@code scheduler} until {@link #close()}.
   *
   * @throws IllegalStateException if already started or closed
   */
  public void start(Scheduler scheduler) {
    Validate.notNull("scheduler", scheduler);
    if (closed) {
      throw new IllegalStateException("heartbeat monitor '" + name + "' is closed");
    }
    Scheduler.Task startingSentinel = () -> false;
    if (!timer.compareAndSet(null, startingSentinel)) {
      throw new IllegalStateException("heartbeat monitor '" + name + "' was already started");
    }
    lastTick.set(clock.nanoTime());
    scheduleTick(scheduler);
  }

  private void scheduleTick(Scheduler scheduler) {
    if (closed) {
      return;
    }
    Scheduler.Task task = scheduler.schedule(() -> {
      if (!closed) {
        tick();
        scheduleTick(scheduler);
      }
    }, tickNanos);
    timer.set(task);
    if (closed) {
      task.cancel(); // close() ran after the check above and cancelled the task before this one
    }
  }

  /** Stops ticking. Idempotent. */
  @Override
  public void close() {
    closed = true;
    Scheduler.Task task = timer.get();
    if (task != null) {
      task.cancel();
    }
  }

  private boolean judge(Peer p, long now) {
    if (p.awaitingFresh && now < guardUntil.get()) {
      return false;
    }
    return !p.detector.isAvailable(now);
  }

  /** Detects a pause of this process: a gap since the last tick longer than the threshold. */
  private void observeSelf(long now) {
    if (pauseThresholdNanos <= 0) {
      return;
    }
    long last = lastTick.get();
    if (now - last <= pauseThresholdNanos) {
      return;
    }
    if (!lastTick.compareAndSet(last, now)) {
      return; // another thread saw this pause first and opened the guard
    }
    pauses.incrementAndGet();
    guardUntil.accumulateAndGet(now + graceNanos, Math::max);
    for (Peer p : peers.values()) {
      p.awaitingFresh = true;
      p.detector.restartMonitoring(now);
    }
  }

  /** What the monitor holds for one peer. */
  private static final class Peer {
    final PhiAccrualDetector detector;
    final AtomicBoolean suspected = new AtomicBoolean();
    volatile boolean awaitingFresh;

    Peer(PhiAccrualDetector detector) {
      this.detector = detector;
    }
  }

  /** Builds a {@link HeartbeatMonitor}; not thread-safe. */
  public static final class Builder {
    private final String name;
    private PhiAccrualConfig config = PhiAccrualConfig.defaults();
    private Clock clock = Clock.system();
    private Duration tickInterval = Duration.ofMillis(100);
    private Duration selfPauseThreshold = Duration.ofSeconds(1);
    private Duration pauseGrace;
    private final List<FaultEventListener> listeners = new ArrayList<>();

    private Builder(String name) {
      this.name = name;
    }

    /** Sets the detector settings used for every peer (default {@link PhiAccrualConfig#defaults()}). */
    public Builder detector(PhiAccrualConfig config) {
      this.config = config;
      return this;
    }

    /** Sets the clock (default the system clock). */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** Sets how often the monitor ticks itself (positive; default 100 ms). */
    public Builder tickInterval(Duration tickInterval) {
      this.tickInterval = tickInterval;
      return this;
    }

    /**
     * Sets the gap since the last tick beyond which this process is taken to have been paused (zero disables the
     * guard; otherwise more than the tick interval; default 1 s).
     */
    public Builder selfPauseThreshold(Duration selfPauseThreshold) {
      this.selfPauseThreshold = selfPauseThreshold;
      return this;
    }

    /**
     * Sets how long after a pause of this process a peer without a fresh heartbeat is not suspected (zero or more;
     * default the detector's acceptable heartbeat pause plus its first-heartbeat estimate).
     */
    public Builder pauseGrace(Duration pauseGrace) {
      this.pauseGrace = pauseGrace;
      return this;
    }

    /** Adds a listener for {@code PeerSuspected} events. */
    public Builder listener(FaultEventListener listener) {
      listeners.add(Validate.notNull("listener", listener));
      return this;
    }

    /**
     * Checks the settings and builds the monitor (not yet ticking).
     *
     * @throws dev.faultline.core.ConfigurationException naming the field, the rule and the value when invalid
     */
    public HeartbeatMonitor build() {
      Validate.notBlank("name", name);
      Validate.notNull("detector", config);
      Validate.notNull("clock", clock);
      Validate.positive("tickInterval", tickInterval);
      Validate.notNegative("selfPauseThreshold", selfPauseThreshold);
      if (!selfPauseThreshold.isZero() && selfPauseThreshold.compareTo(tickInterval) <= 0) {
        throw new dev.faultline.core.ConfigurationException("selfPauseThreshold",
            "be zero or longer than tickInterval (" + tickInterval + ")", selfPauseThreshold);
      }
      if (pauseGrace == null) {
        pauseGrace = config.acceptableHeartbeatPause().plus(config.firstHeartbeatEstimate());
      }
      Validate.notNegative("pauseGrace", pauseGrace);
      return new HeartbeatMonitor(this);
    }
  }
}
