package dev.faultline.supervisor.failover;

import dev.faultline.core.internal.Durations;
import dev.faultline.core.internal.Exceptions;
import dev.faultline.core.internal.Validate;
import dev.faultline.core.Clock;
import dev.faultline.core.Scheduler;
import dev.faultline.core.event.ComponentEvent;
import dev.faultline.core.event.FaultEvent;
import dev.faultline.core.event.FaultEventListener;
import dev.faultline.supervisor.ChildContext;
import dev.faultline.supervisor.Component;
import dev.faultline.core.internal.Events;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongFunction;

/**
 * One replica of an active-passive group: it runs its component only while it holds the group's {@link Lease}, and
 * hands the lease's epoch to the component as its fencing token.
 *
 * <p>Every renew interval the replica ticks (on the injected {@link Scheduler}): a standby tries to take the lease and,
 * when it gets it, publishes {@code LeaderElected} and starts a component made for that epoch; the active replica
 * renews, and if the lease was taken over (or renewal failed for a whole time to live) it stops its component at once:
 * while renewals fail, it ticks no later than the moment its time to live runs out by its own clock, which is no later
 * than the lease's expiry in the store (the time to live counts from before the renewal was asked for). So after the
 * active replica dies, a standby takes over within one time to live plus one renew interval. A former
 * leader that was paused (GC, {@code SIGSTOP}) cannot act when it wakes: {@link #isLeaseValid()} is false as soon as
 * its own monotonic clock says the time to live has passed since the last renewal, and resources that check the
 * epoch with a {@link Fence} reject its older token. A component that reports a failure makes the replica step down
 * and release the lease, so a standby takes over at once; the replica then waits one time to live before it competes
 * again.
 *
 * <p>Thread-safe. Concurrency design: every transition ({@link #tick()}, a failure report, {@link #close()}) runs under
 * this object's monitor, which guards {@code grant}, {@code component}, {@code lastRenewNanos}, {@code quietUntil}
 * and {@code closed}; the component's start and stop run under it (they are the transition), but events are collected
 * and published after the monitor is released. {@link #isLeaseValid()} and {@link #epoch()} read volatile copies.
 */
public final class Replica implements AutoCloseable {
  private final String group;
  private final String owner;
  private final Lease lease;
  private final Duration ttl;
  private final long ttlNanos;
  private final long renewNanos;
  private final LongFunction<? extends Component> factory;
  private final Clock clock;
  private final Scheduler scheduler;
  private final Events events;
  private volatile LeaseGrant grant;
  private volatile long lastRenewNanos;
  private Component component;
  private long quietUntil = Long.MIN_VALUE;
  private boolean closed;
  private Scheduler.Task next;
  /** The events of the transition running under the monitor (null between transitions). */
  private List<FaultEvent> transition;

  private Replica(Builder b) {
    this.group = b.group;
    this.owner = b.owner;
    this.lease = b.lease;
    this.ttl = b.ttl;
    this.ttlNanos = Durations.toNanosSaturated(b.ttl);
    this.renewNanos = Durations.toNanosSaturated(b.renewEvery);
    this.factory = b.factory;
    this.clock = b.clock;
    this.scheduler = b.scheduler;
    this.events = new Events(b.clock, List.copyOf(b.listeners));
  }

  /** A builder for replica {@code owner} of group {@code group}. */
  public static Builder builder(String group, String owner) {
    return new Builder(group, owner);
  }

  /** Starts ticking: the first tick runs now. */
  public void start() {
    tick();
  }

  /** Whether this replica holds the lease and its time to live has not run out by its own clock. */
  public boolean isLeaseValid() {
    return grant != null && clock.nanoTime() - lastRenewNanos < ttlNanos;
  }

  /** The epoch this replica is active with, or 0 when it is a standby. */
  public long epoch() {
    LeaseGrant g = grant;
    return g == null ? 0 : g.epoch();
  }

  /** Runs one tick now: take, renew or give up the lease, and start or stop the component accordingly. */
  public void tick() {
    List<FaultEvent> out = new ArrayList<>();
    synchronized (this) {
      if (closed) {
        return;
      }
      if (next != null) {
        next.cancel();
      }
      transition = out;
      try {
        long now = clock.nanoTime();
        LeaseGrant held = grant;
        if (held != null) {
          renew(held, now, out);
        } else if (now >= quietUntil) {
          acquire(now, out);
        }
      } finally {
        transition = null;
      }
      next = scheduler.schedule(this::tick, nextTickNanos());
    }
    out.forEach(events::publish);
  }

  /**
   * The delay to the next tick: the renew interval, but no later than the moment the held lease runs out by this
   * replica's clock, so that a leader whose renewals fail stops its component then, not up to a renew interval after a
   * standby may have taken the lease over.
   */
  private long nextTickNanos() {
    if (grant == null) {
      return renewNanos;
    }
    long left = ttlNanos - (clock.nanoTime() - lastRenewNanos); // (ttlNanos may be saturated: no sum)
    return Math.max(1L, Math.min(renewNanos, left));
  }

  private void renew(LeaseGrant held, long now, List<FaultEvent> out) {
    Optional<LeaseGrant> renewed;
    String problem = null;
    try {
      renewed = lease.tryAcquire(owner, ttl);
    } catch (Exception e) {
      renewed = Optional.empty();
      problem = "could not renew the lease: " + e;
      if (now - lastRenewNanos < ttlNanos) {
        return; // try again next tick while the lease still runs
      }
    }
    if (renewed.isPresent() && renewed.get().epoch() == held.epoch()) {
      grant = renewed.get();
      lastRenewNanos = now;
      return;
    }
    String reason = problem != null ? problem
        : owner + " lost the lease of epoch " + held.epoch() + (renewed.isPresent()
            ? " (it expired; taken again as epoch " + renewed.get().epoch() + ")" : " to another replica");
    stepDown(reason, null, out);
    if (renewed.isPresent()) {
      releaseQuietly(renewed.get());
    }
  }

  private void acquire(long now, List<FaultEvent> out) {
    Optional<LeaseGrant> got;
    try {
      got = lease.tryAcquire(owner, ttl);
    } catch (Exception e) {
      return; // the lease store is unreachable: stay a standby
    }
    if (got.isEmpty()) {
      return;
    }
    LeaseGrant g = got.get();
    grant = g;
    lastRenewNanos = now;
    if (events.enabled()) {
      out.add(new ComponentEvent.LeaderElected(group, events.now(), owner, g.epoch()));
    }
    long epoch = g.epoch();
    try {
      Component c = factory.apply(epoch);
      component = c;
      c.start(new Context(epoch));
      if (grant == null || grant.epoch() != epoch) {
        return; // it reported a failure while starting and this replica already stepped down
      }
      if (events.enabled()) {
        out.add(new ComponentEvent.ComponentStarted(group, events.now()));
      }
    } catch (Throwable t) {
      Exceptions.rethrowIfFatal(t);
      if (grant != null && grant.epoch() == epoch) { // else it reported a failure first and was already stepped down
        stepDown(owner + " could not start its component", t, out);
      }
    }
  }

  /** Stops the component and releases the lease; with a failure, waits a time to live before competing again. */
  private void stepDown(String reason, Throwable failure, List<FaultEvent> out) {
    LeaseGrant held = grant;
    grant = null;
    Component c = component;
    component = null;
    if (failure != null) {
      quietUntil = clock.nanoTime() + ttlNanos;
      if (events.enabled()) {
        out.add(new ComponentEvent.ComponentFailed(group, events.now(), reason + ": " + failure, failure));
      }
    }
    if (c != null) {
      try {
        c.stop();
      } catch (Exception e) {
        reason = reason + "; its stop failed: " + e;
      }
    }
    if (held != null && failure != null) {
      releaseQuietly(held);
    }
    if (events.enabled()) {
      out.add(new ComponentEvent.ComponentStopped(group, events.now(), reason));
    }
  }

  private void releaseQuietly(LeaseGrant g) {
    try {
      lease.release(g);
    } catch (Exception e) {
      // the lease will expire on its own
    }
  }

  /** Stops ticking, stops the component if active and releases the lease so a standby takes over at once. */
  @Override
  public void close() {
    List<FaultEvent> out = new ArrayList<>();
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      if (next != null) {
        next.cancel();
      }
      transition = out;
      try {
        LeaseGrant held = grant;
        if (held != null) {
          stepDown(owner + " shut down", null, out);
          releaseQuietly(held);
        }
      } finally {
        transition = null;
      }
    }
    out.forEach(events::publish);
  }

  /** The context given to the component of one epoch. */
  private final class Context implements ChildContext {
    private final long epoch;

    Context(long epoch) {
      this.epoch = epoch;
    }

    @Override
    public String name() {
      return group;
    }

    @Override
    public void failed(Throwable cause) {
      end(cause != null ? cause : new IllegalStateException("component reported a failure"));
    }

    @Override
    public void exited() {
      end(new IllegalStateException("component exited while active"));
    }

    private void end(Throwable cause) {
      List<FaultEvent> out = new ArrayList<>();
      synchronized (Replica.this) {
        if (closed || grant == null || grant.epoch() != epoch) {
          return; // a report from an epoch already given up
        }
        if (transition != null) {
          // Reported from inside this thread's own transition (the component's start): its events go out with the
          // transition's, in order, after the monitor is released.
          stepDown(owner + " stepped down: its component failed", cause, transition);
          return;
        }
        stepDown(owner + " stepped down: its component failed", cause, out);
      }
      out.forEach(events::publish);
    }
  }

  /** Builds a {@link Replica}; not thread-safe. */
  public static final class Builder {
    private final String group;
    private final String owner;
    private Lease lease;
    private Duration ttl = Duration.ofSeconds(10);
    private Duration renewEvery = Duration.ofSeconds(3);
    private LongFunction<? extends Component> factory;
    private Clock clock = Clock.system();
    private Scheduler scheduler = Scheduler.system();
    private final List<FaultEventListener> listeners = new ArrayList<>();

    private Builder(String group, String owner) {
      this.group = group;
      this.owner = owner;
    }

    /** Sets the lease shared by the group (required). */
    public Builder lease(Lease lease) {
      this.lease = lease;
      return this;
    }

    /** Sets the lease's time to live (positive; default 10 s). */
    public Builder ttl(Duration ttl) {
      this.ttl = ttl;
      return this;
    }

    /** Sets how often the replica ticks (positive, shorter than the time to live; default 3 s). */
    public Builder renewEvery(Duration renewEvery) {
      this.renewEvery = renewEvery;
      return this;
    }

    /** Sets the factory of the component, given the epoch it is active with (required). */
    public Builder component(LongFunction<? extends Component> factory) {
      this.factory = factory;
      return this;
    }

    /** Sets the clock (default the system clock). */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** Sets the scheduler of the ticks (default the system scheduler). */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = scheduler;
      return this;
    }

    /** Adds a listener. */
    public Builder listener(FaultEventListener listener) {
      listeners.add(Validate.notNull("listener", listener));
      return this;
    }

    /**
     * Checks the settings and builds the replica (not yet ticking).
     *
     * @throws dev.faultline.core.ConfigurationException naming the field, the rule and the value when invalid
     */
    public Replica build() {
      Validate.notBlank("group", group);
      Validate.notBlank("owner", owner);
      Validate.notNull("lease", lease);
      Validate.positive("ttl", ttl);
      Validate.positive("renewEvery", renewEvery);
      if (renewEvery.compareTo(ttl) >= 0) {
        throw new dev.faultline.core.ConfigurationException("renewEvery", "be shorter than ttl (" + ttl + ")",
            renewEvery);
      }
      Validate.notNull("component", factory);
      Validate.notNull("clock", clock);
      Validate.notNull("scheduler", scheduler);
      return new Replica(this);
    }
  }
}
