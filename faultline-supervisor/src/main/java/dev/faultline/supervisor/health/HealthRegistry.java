package dev.faultline.supervisor.health;

import dev.faultline.core.internal.Durations;
import dev.faultline.core.internal.Exceptions;
import dev.faultline.core.internal.Validate;
import dev.faultline.core.Clock;
import dev.faultline.core.Scheduler;
import dev.faultline.core.event.ComponentEvent;
import dev.faultline.core.event.FaultEventListener;
import dev.faultline.supervisor.Supervisor;
import dev.faultline.core.internal.Events;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;

/**
 * Runs health checks in parallel, each within its own timeout, caches their results for their refresh interval, turns
 * outcomes into statuses with Kubernetes-style thresholds, and aggregates them per kind and per group.
 *
 * <p>{@link #refresh()} starts every check whose cached result has expired (never a second run of a check while one
 * is running within its timeout) on the executor and completes when they have all finished or timed out; a run that
 * outlives its timeout (timed on the injected {@link Scheduler}) counts as DOWN and its thread is interrupted, and a
 * check that ignores the interrupt may still be running when the next refresh starts it again (so that its failures
 * go on being counted). {@link #report()} never runs a check.
 * Liveness and readiness checks of a component wait until its startup checks are UP; a startup check that is UP is not
 * run again. Each status change publishes {@code HealthChanged}; a liveness check with
 * {@linkplain CheckSpec.Builder#restartOnFailure restart on failure} that goes DOWN restarts its component through the
 * restarter (usually {@link Supervisor#restart}) and starts counting afresh, so that a component that stays broken is
 * restarted again after another {@code failureThreshold} failures (the supervisor's intensity bounds how often).
 *
 * <p>Thread-safe. Concurrency design: each check's counters, status and in-flight flag are guarded by its
 * {@code Entry}'s monitor, held only to read or update them, never while a check runs or an event is published. The
 * periodic task is one {@code AtomicReference}. A run's thread is published to its {@code Run} under the run's
 * monitor, so the timeout interrupts that run and never a later task of the same pool thread.
 */
public final class HealthRegistry implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(HealthRegistry.class.getName());

  private final String name;
  private final Clock clock;
  private final Scheduler scheduler;
  private final Executor executor;
  private final ExecutorService ownedExecutor;
  private final BiConsumer<String, Throwable> restarter;
  private final Events events;
  private final Duration interval;
  private final List<Entry> entries = new ArrayList<>();
  private final Map<String, List<String>> groups = new LinkedHashMap<>();
  private final AtomicReference<Scheduler.Task> timer = new AtomicReference<>();
  private volatile boolean closed;

  private HealthRegistry(Builder b) {
    this.name = b.name;
    this.clock = b.clock;
    this.scheduler = b.scheduler;
    this.restarter = b.restarter;
    this.events = new Events(b.clock, List.copyOf(b.listeners));
    this.interval = b.interval;
    if (b.executor != null) {
      this.executor = b.executor;
      this.ownedExecutor = null;
    } else {
      this.ownedExecutor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "faultline-health-" + b.name);
        t.setDaemon(true);
        return t;
      });
      this.executor = ownedExecutor;
    }
    for (CheckSpec spec : b.checks) {
      entries.add(new Entry(spec));
      for (String g : spec.groups()) {
        groups.computeIfAbsent(g, k -> new ArrayList<>()).add(spec.name());
      }
    }
  }

  /** A builder for a registry named {@code name} (the source of events of checks without a component). */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /**
   * Runs every check that is due, in parallel; completes with the report once they have all finished or timed out.
   * After {@link #close()} it runs no check and completes with the cached report: a check that could not run because
   * the registry was closed has not failed.
   */
  public CompletableFuture<HealthReport> refresh() {
    if (closed) {
      return CompletableFuture.completedFuture(report());
    }
    long now = clock.nanoTime();
    Set<String> started = startedComponents();
    List<CompletableFuture<Void>> runs = new ArrayList<>();
    for (Entry e : entries) {
      CheckSpec spec = e.spec;
      if (spec.kind() != ProbeKind.STARTUP && spec.component().isPresent()
          && hasStartupCheck(spec.component().get()) && !started.contains(spec.component().get())) {
        continue; // waits for its component's startup checks
      }
      synchronized (e) {
        if (e.inFlight || (spec.kind() == ProbeKind.STARTUP && e.status == Status.UP)
            || (e.ran && now - e.lastRunNanos < Durations.toNanosSaturated(spec.refresh()))) {
          continue;
        }
        e.inFlight = true;
      }
      runs.add(run(e).thenAccept(h -> record(e, h)));
    }
    return CompletableFuture.allOf(runs.toArray(new CompletableFuture<?>[0])).thenApply(v -> report());
  }

  /** The cached state of every check, without running any. */
  public HealthReport report() {
    List<CheckResult> results = new ArrayList<>();
    for (Entry e : entries) {
      synchronized (e) {
        results.add(new CheckResult(e.spec.name(), e.spec.kind(), e.status, e.detail, e.checkedAt));
      }
    }
    return new HealthReport(results, groups);
  }

  /**
   * Refreshes every interval on the scheduler until {@link #close()}.
   *
   * @throws IllegalStateException if already started or closed
   */
  public void start() {
    if (closed) {
      throw new IllegalStateException("health registry '" + name + "' is closed");
    }
    if (!timer.compareAndSet(null, () -> false)) {
      throw new IllegalStateException("health registry '" + name + "' was already started");
    }
    tick();
  }

  private void tick() {
    if (closed) {
      return;
    }
    refresh();
    timer.set(scheduler.schedule(this::tick, Durations.toNanosSaturated(interval)));
  }

  /** Stops the periodic refresh and shuts down the executor if the registry created it. Idempotent. */
  @Override
  public void close() {
    closed = true;
    Scheduler.Task t = timer.get();
    if (t != null) {
      t.cancel();
    }
    if (ownedExecutor != null) {
      ownedExecutor.shutdownNow();
    }
  }

  private CompletableFuture<Health> run(Entry e) {
    Run run = new Run();
    CheckSpec spec = e.spec;
    Scheduler.Task timeout = scheduler.schedule(() -> {
      if (run.result.complete(Health.down("timed out after " + spec.timeout()))) {
        run.interrupt();
      }
    }, Durations.toNanosSaturated(spec.timeout()));
    run.result.whenComplete((h, t) -> timeout.cancel());
    try {
      executor.execute(() -> {
        if (!run.enter()) {
          return; // timed out before it started
        }
        try {
          Health h = spec.check().check();
          run.result.complete(h != null ? h : Health.down("the check returned null"));
        } catch (Throwable t) {
          Exceptions.rethrowIfFatal(t);
          run.result.complete(Health.down(t.getClass().getSimpleName()
              + (t.getMessage() == null ? "" : ": " + t.getMessage())));
        } finally {
          run.leave();
        }
      });
    } catch (RuntimeException rejected) {
      // Rejected because close() shut the pool down while this refresh ran: no result (the check did not fail).
      run.result.complete(closed ? null : Health.down("could not be run: " + rejected));
    }
    return run.result;
  }

  private void record(Entry e, Health h) {
    Status from;
    Status to;
    boolean restart = false;
    synchronized (e) {
      e.inFlight = false;
      if (h == null) {
        return; // not run: the registry was closed
      }
      e.ran = true;
      e.lastRunNanos = clock.nanoTime();
      e.checkedAt = Instant.ofEpochMilli(clock.wallMillis());
      e.detail = h.detail();
      from = e.status;
      if (h.up()) {
        e.failures = 0;
        e.successes++;
        if (e.successes >= e.spec.successThreshold()) {
          e.status = Status.UP;
        }
      } else {
        e.successes = 0;
        e.failures++;
        if (e.failures >= e.spec.failureThreshold()) {
          e.status = Status.DOWN;
          if (e.spec.restartOnFailure()) {
            restart = true;
            e.failures = 0; // count afresh against the restarted component
          }
        }
      }
      to = e.status;
    }
    if (from != to && events.enabled()) {
      events.publish(new ComponentEvent.HealthChanged(e.spec.component().orElse(name), events.now(), e.spec.name(),
          from.name(), to.name(), h.detail()));
    }
    if (restart) {
      restart(e.spec.component().get(), new HealthCheckFailedException(e.spec.name(), h.detail()));
    }
  }

  /**
   * Restarts {@code component} through the restarter; a restarter that throws (an unknown component, a stopped
   * supervisor) is logged with the reason of the restart, and the refresh still reports every check's result.
   */
  private void restart(String component, HealthCheckFailedException why) {
    try {
      restarter.accept(component, why);
    } catch (RuntimeException failure) {
      failure.addSuppressed(why);
      LOG.log(System.Logger.Level.ERROR, "health registry '" + name + "' could not restart '" + component + "': "
          + failure, failure);
    }
  }

  private boolean hasStartupCheck(String component) {
    for (Entry e : entries) {
      if (e.spec.kind() == ProbeKind.STARTUP && e.spec.component().filter(component::equals).isPresent()) {
        return true;
      }
    }
    return false;
  }

  private Set<String> startedComponents() {
    Set<String> notStarted = new HashSet<>();
    Set<String> all = new HashSet<>();
    for (Entry e : entries) {
      if (e.spec.kind() == ProbeKind.STARTUP && e.spec.component().isPresent()) {
        all.add(e.spec.component().get());
        synchronized (e) {
          if (e.status != Status.UP) {
            notStarted.add(e.spec.component().get());
          }
        }
      }
    }
    all.removeAll(notStarted);
    return all;
  }

  /** One check and its cached state; fields other than {@code spec} guarded by the entry's monitor. */
  private static final class Entry {
    final CheckSpec spec;
    Status status = Status.UNKNOWN;
    int failures;
    int successes;
    String detail = "not run yet";
    Instant checkedAt;
    long lastRunNanos;
    boolean ran;
    boolean inFlight;

    Entry(CheckSpec spec) {
      this.spec = spec;
    }
  }

  /** One run of a check: its result and the thread running it; {@code thread} guarded by the run's monitor. */
  private static final class Run {
    final CompletableFuture<Health> result = new CompletableFuture<>();
    private Thread thread;

    synchronized boolean enter() {
      if (result.isDone()) {
        return false;
      }
      thread = Thread.currentThread();
      return true;
    }

    synchronized void leave() {
      thread = null;
      Thread.interrupted(); // an interrupt meant for this run must not leak into the pool thread's next task
    }

    synchronized void interrupt() {
      if (thread != null) {
        thread.interrupt();
      }
    }
  }

  /** Builds a {@link HealthRegistry}; not thread-safe. */
  public static final class Builder {
    private final String name;
    private Clock clock = Clock.system();
    private Scheduler scheduler = Scheduler.system();
    private Executor executor;
    private BiConsumer<String, Throwable> restarter;
    private Duration interval = Duration.ofSeconds(1);
    private final List<FaultEventListener> listeners = new ArrayList<>();
    private final List<CheckSpec> checks = new ArrayList<>();

    private Builder(String name) {
      this.name = name;
    }

    /** Sets the clock (default the system clock). */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** Sets the scheduler for timeouts and the periodic refresh (default the system scheduler). */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = scheduler;
      return this;
    }

    /** Sets the executor checks run on (default a cached pool of daemon threads, shut down by {@code close()}). */
    public Builder executor(Executor executor) {
      this.executor = executor;
      return this;
    }

    /** Restarts components whose liveness checks go DOWN through {@code supervisor}. */
    public Builder supervisor(Supervisor supervisor) {
      Validate.notNull("supervisor", supervisor);
      this.restarter = supervisor::restart;
      return this;
    }

    /** Sets what restarts a component (required if a check restarts on failure, unless {@link #supervisor} is set). */
    public Builder restarter(BiConsumer<String, Throwable> restarter) {
      this.restarter = restarter;
      return this;
    }

    /** Sets how often {@link #start()} refreshes (positive; default 1 s); each check still keeps its own refresh. */
    public Builder interval(Duration interval) {
      this.interval = interval;
      return this;
    }

    /** Adds a listener for {@code HealthChanged} events. */
    public Builder listener(FaultEventListener listener) {
      listeners.add(Validate.notNull("listener", listener));
      return this;
    }

    /** Adds a check. */
    public Builder check(CheckSpec check) {
      checks.add(Validate.notNull("check", check));
      return this;
    }

    /**
     * Checks the settings and builds the registry.
     *
     * @throws dev.faultline.core.ConfigurationException naming the field, the rule and the value when invalid
     */
    public HealthRegistry build() {
      Validate.notBlank("name", name);
      Validate.notNull("clock", clock);
      Validate.notNull("scheduler", scheduler);
      Validate.positive("interval", interval);
      Set<String> names = new HashSet<>();
      for (CheckSpec c : checks) {
        if (!names.add(c.name())) {
          throw new dev.faultline.core.ConfigurationException("checks", "have unique names", c.name());
        }
        if (c.restartOnFailure() && restarter == null) {
          throw new dev.faultline.core.ConfigurationException("restarter",
              "be set when check '" + c.name() + "' restarts on failure", "null");
        }
      }
      return new HealthRegistry(this);
    }
  }
}
