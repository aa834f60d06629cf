package dev.faultline.supervisor;

import dev.faultline.core.internal.Durations;
import dev.faultline.core.internal.Exceptions;
import dev.faultline.core.internal.Validate;
import dev.faultline.core.Clock;
import dev.faultline.core.FaultlineException;
import dev.faultline.core.Scheduler;
import dev.faultline.core.event.ComponentEvent;
import dev.faultline.core.event.FaultEventListener;
import dev.faultline.core.internal.Events;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.DoubleSupplier;

/**
 * Starts a list of children, watches them, and restarts them when they fail, as an Erlang/OTP supervisor does; it is
 * itself a {@link Component}, so supervisors nest into trees and a supervisor that gives up fails in its parent.
 *
 * <p><b>Decisions.</b> When a child fails (its {@code start} throws, it reports {@link ChildContext#failed}, or someone
 * calls {@link #restart(String, Throwable)}) or exits, the supervisor stops what is left of it and, per the child's
 * {@link RestartType}, either ends it for good or restarts it together with the siblings its
 * {@link RestartStrategy} names (siblings are stopped in reverse start order, restarted in start order; a temporary
 * sibling is stopped and not restarted, as in OTP). Each restart
 * is counted in a sliding window: more than {@code maxRestarts} within {@code period} (the window is closed, as in
 * OTP: a restart exactly {@code period} before the current one still counts) and the supervisor stops every
 * child and escalates, failing with a {@link RestartIntensityExceededException} in its parent (or, at the root,
 * ending). Restarts wait a {@link RestartBackoff} delay on the injected {@link Scheduler}. Stopping a child waits up to
 * the shutdown timeout, then interrupts it.
 *
 * <p><b>Events</b>, in this order per decision: {@code ComponentFailed} (the cause), then either {@code
 * ComponentStopped} (not restarted, or escalation) or one {@code ComponentRestarted} per child of the restart group
 * (its delay and the cause; for a sibling whose stop failed or outlived the shutdown timeout, that problem too);
 * then, when the delay has passed, {@code ComponentStarted} per restarted child and
 * {@code ComponentRecovered} (with the downtime since the failure) for each that had failed. Shutdown publishes a
 * {@code ComponentStopped} per running child, in reverse start order.
 *
 * <p>Thread-safe. Concurrency design: every decision runs in a serial mailbox ({@code mailbox} + {@code draining}):
 * whichever thread submits work while no other drains it runs the queued tasks one at a time, so all supervisor state
 * ({@code children}, {@code restartTimes}, {@code state}, {@code parent}) is touched by one thread at a time with
 * happens-before between tasks (the CAS on {@code draining}). No lock is held while children start or stop or while
 * listeners run. Reports from a child carry its incarnation; reports from an incarnation that was already stopped or
 * restarted are ignored.
 */
public final class Supervisor implements Component {
  private enum State { NEW, RUNNING, ESCALATED, STOPPED }

  private enum Status { STOPPED, RUNNING, PENDING_RESTART, TERMINATED }

  private final String name;
  private final RestartStrategy strategy;
  private final int maxRestarts;
  private final Duration period;
  private final long periodNanos;
  private final RestartBackoff backoff;
  private final Duration shutdownTimeout;
  private final Clock clock;
  private final Scheduler scheduler;
  private final DoubleSupplier random;
  private final Events events;
  private final List<Child> children = new ArrayList<>();
  private final Map<String, Child> byName = new LinkedHashMap<>();
  private final ArrayDeque<Long> restartTimes = new ArrayDeque<>();
  private final ConcurrentLinkedQueue<Runnable> mailbox = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean draining = new AtomicBoolean();
  private final AtomicReference<Thread> drainer = new AtomicReference<>();
  /** The end of the current (or last) run; a start after it ended begins a new one. Written under the mailbox. */
  private volatile CompletableFuture<Throwable> terminated = new CompletableFuture<>();
  private volatile State state = State.NEW;
  private ChildContext parent;

  private Supervisor(Builder b) {
    this.name = b.name;
    this.strategy = b.strategy;
    this.maxRestarts = b.maxRestarts;
    this.period = b.period;
    this.periodNanos = Durations.toNanosSaturated(b.period);
    this.backoff = b.backoff;
    this.shutdownTimeout = b.shutdownTimeout;
    this.clock = b.clock;
    this.scheduler = b.scheduler;
    this.random = b.random;
    this.events = new Events(b.clock, List.copyOf(b.listeners));
    for (ChildSpec spec : b.children) {
      Child c = new Child(spec);
      children.add(c);
      byName.put(spec.name(), c);
    }
  }

  /** A builder for a supervisor named {@code name}. */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** This supervisor's name, the source of its own events. */
  public String name() {
    return name;
  }

  /**
   * Starts every child in order, as the root of a tree.
   *
   * @throws FaultlineException with code {@code "child-start-failed"} if a child could not start (the children started
   *     before it are stopped again)
   */
  public void start() {
    start(null);
  }

  /**
   * Starts every child in order as a child of the supervisor behind {@code parentContext} (null at the root). A
   * {@link #stop()} called from inside a child's start ends the start there: no later child is started.
   */
  @Override
  public void start(ChildContext parentContext) {
    call(() -> {
      if (state == State.RUNNING) {
        throw new IllegalStateException("supervisor '" + name + "' is already running");
      }
      parent = parentContext;
      restartTimes.clear();
      if (terminated.isDone()) {
        terminated = new CompletableFuture<>(); // a new run (a parent restarting this supervisor, or a start again)
      }
      state = State.RUNNING;
      for (Child c : children) {
        c.status = Status.STOPPED;
        c.attempts = 0;
        c.restarts = 0;
        Throwable failure = startChild(c);
        if (state != State.RUNNING) {
          return null; // stopped from inside this child's start (a re-entrant stop()): start no more children
        }
        if (failure != null) {
          if (events.enabled()) {
            events.publish(new ComponentEvent.ComponentFailed(c.spec.name(), events.now(), summary(failure), failure));
          }
          stopAll("supervisor '" + name + "' could not start child '" + c.spec.name() + "'", null);
          state = State.STOPPED;
          throw new FaultlineException("child-start-failed",
              "supervisor '" + name + "' could not start child '" + c.spec.name() + "': " + summary(failure), failure);
        }
      }
      if (parentContext == null && events.enabled()) {
        events.publish(new ComponentEvent.ComponentStarted(name, events.now()));
      }
      return null;
    });
  }

  /** Stops every child in reverse start order (each within the shutdown timeout, then interrupted). Idempotent. */
  @Override
  public void stop() {
    call(() -> {
      if (state == State.RUNNING) {
        stopAll("shutdown", null);
        state = State.STOPPED;
        if (parent == null && events.enabled()) {
          events.publish(new ComponentEvent.ComponentStopped(name, events.now(), "shutdown"));
        }
        terminated.complete(null);
      }
      return null;
    });
  }

  /**
   * Treats child {@code child} as failed with {@code cause} and applies the restart strategy; used by watchdogs and
   * health checks. Ignored if the child is not running. {@code child} may be a path through nested supervisors,
   * {@code "orders/db"}: the child {@code db} of the running supervisor that is this one's child {@code orders}.
   *
   * @throws IllegalArgumentException if there is no such child, or a path leads through a child that is not a running
   *     supervisor; the message names the path and where it stopped
   */
  public void restart(String child, Throwable cause) {
    int slash = child.indexOf('/');
    if (slash >= 0) {
      String head = child.substring(0, slash);
      String rest = child.substring(slash + 1);
      Child c = lookUp(head, child);
      Component instance = call(() -> c.status == Status.RUNNING ? c.instance : null);
      if (!(instance instanceof Supervisor)) {
        throw new IllegalArgumentException("cannot restart '" + child + "' from supervisor '" + name + "': its child '"
            + head + "' is " + (instance == null ? "not running" : "not a supervisor (" + instance.getClass()
            .getName() + ")"));
      }
      ((Supervisor) instance).restart(rest, cause);
      return;
    }
    Child c = lookUp(child, child);
    Throwable why = cause != null ? cause : new IllegalStateException("restart requested");
    submit(() -> {
      if (c.status == Status.RUNNING) {
        childEnded(c, c.incarnation, why);
      }
    });
  }

  private Child lookUp(String child, String path) {
    Child c = byName.get(child);
    if (c == null) {
      throw new IllegalArgumentException("supervisor '" + name + "' has no child '" + child + "'"
          + (path.equals(child) ? "" : " (restarting '" + path + "')") + "; children: " + byName.keySet());
    }
    return c;
  }

  /** Whether the supervisor is running (started, not stopped, not escalated). */
  public boolean isRunning() {
    return state == State.RUNNING;
  }

  /**
   * Completes when this run of the supervisor ends: with null after {@link #stop()}, with the
   * {@link RestartIntensityExceededException} after it escalated. A start after that (a parent supervisor restarting
   * this one, or a start by hand) begins a new run, whose end the futures this returns from then on give.
   */
  public CompletableFuture<Throwable> terminated() {
    return terminated.copy();
  }

  /** The names of the children running now, in start order. */
  public List<String> running() {
    return call(() -> {
      List<String> out = new ArrayList<>();
      for (Child c : children) {
        if (c.status == Status.RUNNING) {
          out.add(c.spec.name());
        }
      }
      return out;
    });
  }

  /** How many times child {@code child} was restarted since this supervisor started. */
  public int restarts(String child) {
    return call(() -> {
      Child c = byName.get(child);
      if (c == null) {
        throw new IllegalArgumentException("supervisor '" + name + "' has no child '" + child + "'");
      }
      return c.restarts;
    });
  }

  // ---- decisions (all in the mailbox) ----

  private Throwable startChild(Child c) {
    c.incarnation++;
    int incarnation = c.incarnation;
    c.pending = null;
    try {
      Component instance = c.spec.create();
      c.instance = instance;
      c.status = Status.RUNNING;
      instance.start(new Context(c, incarnation));
      if (c.incarnation != incarnation) {
        return null; // stopped while it started (a stop() called from inside it, on this thread): not running
      }
    } catch (Throwable t) {
      Exceptions.rethrowIfFatal(t);
      c.status = Status.STOPPED;
      c.startedAt = -1; // it never ran: no healthy period that could reset its backoff
      String problem = stopInstance(c);
      if (problem != null) {
        t.addSuppressed(new IllegalStateException(problem));
      }
      if (c.failedAt < 0) {
        c.failedAt = clock.nanoTime();
      }
      return t;
    }
    long now = clock.nanoTime();
    c.startedAt = now;
    if (events.enabled()) {
      events.publish(new ComponentEvent.ComponentStarted(c.spec.name(), events.now()));
      if (c.failedAt >= 0) {
        events.publish(new ComponentEvent.ComponentRecovered(c.spec.name(), events.now(),
            Duration.ofNanos(now - c.failedAt)));
      }
    }
    c.failedAt = -1;
    return null;
  }

  /** A child's incarnation ended: failed ({@code cause} non-null) or exited normally. */
  private void childEnded(Child c, int incarnation, Throwable cause) {
    if (state != State.RUNNING || c.incarnation != incarnation || c.status != Status.RUNNING) {
      return; // a stale report: that incarnation was already stopped or replaced
    }
    long now = clock.nanoTime();
    boolean failed = cause != null;
    if (failed) {
      c.failedAt = now;
      if (events.enabled()) {
        events.publish(new ComponentEvent.ComponentFailed(c.spec.name(), events.now(), summary(cause), cause));
      }
    }
    c.status = Status.STOPPED;
    String problem = stopInstance(c);
    if (problem != null && failed) {
      cause.addSuppressed(new IllegalStateException(problem));
    }
    decide(c, cause, now);
  }

  private void decide(Child c, Throwable cause, long now) {
    boolean failed = cause != null;
    boolean restart = c.spec.restart() == RestartType.PERMANENT
        || (c.spec.restart() == RestartType.TRANSIENT && failed);
    if (!restart) {
      c.status = Status.TERMINATED;
      if (events.enabled()) {
        events.publish(new ComponentEvent.ComponentStopped(c.spec.name(), events.now(), failed
            ? "failed and not restarted (" + c.spec.restart() + "): " + summary(cause)
            : "exited normally (" + c.spec.restart() + ")"));
      }
      return;
    }
    restartTimes.addLast(now);
    // As OTP's add_restart (keeps R >= Now - Period): a restart exactly one period ago still counts.
    while (!restartTimes.isEmpty() && now - restartTimes.peekFirst() > periodNanos) {
      restartTimes.pollFirst();
    }
    if (restartTimes.size() > maxRestarts) {
      escalate(c, cause != null ? cause : new IllegalStateException("child '" + c.spec.name() + "' exited"));
      return;
    }
    if (c.startedAt >= 0 && now - c.startedAt >= Durations.toNanosSaturated(backoff.resetAfter())) {
      c.attempts = 0; // it had run healthy long enough: start the backoff over
    }
    c.attempts++;
    long delay = backoff.delayNanos(c.attempts, random.getAsDouble());
    List<Child> group = group(c);
    Map<Child, String> stopProblems = new HashMap<>(); // reported with the sibling's own event below
    for (int i = group.size() - 1; i >= 0; i--) {
      Child sibling = group.get(i);
      if (sibling != c && sibling.status == Status.RUNNING) {
        sibling.status = Status.STOPPED;
        String problem = stopInstance(sibling);
        if (problem != null) {
          stopProblems.put(sibling, problem);
        }
      }
    }
    Object token = new Object();
    String why = failed ? summary(cause) : "exited normally";
    List<Child> restarting = new ArrayList<>();
    for (Child member : group) {
      if (member != c && member.spec.restart() == RestartType.TEMPORARY) {
        member.status = Status.TERMINATED; // stopped with its siblings, and never restarted (as in OTP)
        if (events.enabled()) {
          events.publish(new ComponentEvent.ComponentStopped(member.spec.name(), events.now(), "stopped with '"
              + c.spec.name() + "' (" + strategy + ") and not restarted (TEMPORARY) after: " + why
              + problemSuffix(stopProblems.get(member))));
        }
        continue;
      }
      restarting.add(member);
      if (member.status != Status.PENDING_RESTART) {
        member.restarts++; // (one already waiting for a restart is only rescheduled: it will start once)
      }
      member.status = Status.PENDING_RESTART;
      if (member.task != null) {
        member.task.cancel();
        member.task = null;
      }
      member.pending = token;
      if (events.enabled()) {
        String memberCause = member == c ? why
            : "restarted with '" + c.spec.name() + "' (" + strategy + ") after: " + why
                + problemSuffix(stopProblems.get(member));
        events.publish(new ComponentEvent.ComponentRestarted(member.spec.name(), events.now(), member.restarts,
            Duration.ofNanos(delay), memberCause));
      }
    }
    Scheduler.Task task = scheduler.schedule(() -> submit(() -> restartGroup(restarting, token)), delay);
    for (Child member : restarting) {
      if (member.pending == token) {
        member.task = task;
      }
    }
  }

  private List<Child> group(Child failed) {
    List<Child> group = new ArrayList<>();
    int index = children.indexOf(failed);
    for (int i = 0; i < children.size(); i++) {
      Child c = children.get(i);
      boolean member = c == failed
          || (c.status != Status.TERMINATED && (strategy == RestartStrategy.ONE_FOR_ALL
              || (strategy == RestartStrategy.REST_FOR_ONE && i > index)));
      if (member) {
        group.add(c);
      }
    }
    return group;
  }

  private void restartGroup(List<Child> group, Object token) {
    for (Child c : group) {
      if (state != State.RUNNING) {
        return;
      }
      if (c.pending != token || c.status != Status.PENDING_RESTART) {
        continue; // a later decision took this child over
      }
      c.task = null;
      Throwable failure = startChild(c);
      if (failure != null) {
        if (events.enabled()) {
          events.publish(new ComponentEvent.ComponentFailed(c.spec.name(), events.now(), summary(failure), failure));
        }
        decide(c, failure, clock.nanoTime());
      }
    }
  }

  private void escalate(Child last, Throwable lastFailure) {
    state = State.ESCALATED;
    RestartIntensityExceededException gaveUp = new RestartIntensityExceededException(name, maxRestarts, period,
        lastFailure);
    stopAll("supervisor '" + name + "' gave up: " + gaveUp.getMessage(), last);
    ChildContext p = parent;
    if (p != null) {
      p.failed(gaveUp);
    } else if (events.enabled()) {
      events.publish(new ComponentEvent.ComponentFailed(name, events.now(), gaveUp.getMessage(), gaveUp));
      events.publish(new ComponentEvent.ComponentStopped(name, events.now(), "escalation: " + gaveUp.getMessage()));
    }
    terminated.complete(gaveUp);
  }

  /** Stops every child in reverse start order; {@code ended}, already stopped, is reported stopped as well. */
  private void stopAll(String reason, Child ended) {
    for (int i = children.size() - 1; i >= 0; i--) {
      Child c = children.get(i);
      if (c.task != null) {
        c.task.cancel();
        c.task = null;
      }
      c.pending = null;
      boolean wasRunning = c.status == Status.RUNNING;
      boolean wasPending = c.status == Status.PENDING_RESTART;
      if (c.status != Status.TERMINATED) {
        c.status = Status.STOPPED;
      }
      String problem = wasRunning ? stopInstance(c) : null;
      if ((wasRunning || wasPending || c == ended) && events.enabled()) {
        events.publish(new ComponentEvent.ComponentStopped(c.spec.name(), events.now(),
            problem == null ? reason : reason + "; " + problem));
      }
    }
  }

  /**
   * Stops the child's current instance within the shutdown timeout, interrupting this thread's {@code stop()} call
   * once the timeout (timed on the scheduler) has passed; returns a description of what went wrong, or null. The
   * stop runs with the calling thread's own interrupt status cleared, and that status is restored afterwards.
   */
  private String stopInstance(Child c) {
    Component instance = c.instance;
    c.instance = null;
    c.incarnation++; // anything the stopped instance reports from now on is stale
    if (instance == null) {
      return null;
    }
    Thread stopper = Thread.currentThread();
    // An interrupt this thread already has, or one that reaches it during the stop while our timer has not fired, is
    // the caller's (a cancelled task, an executor's shutdownNow): it must not cut this child's stop short, and the
    // caller gets it back once the stop is over (as Agrona's AgentRunner.close keeps an interrupt it waited through).
    boolean callerInterrupted = Thread.interrupted();
    AtomicBoolean armed = new AtomicBoolean(true);
    // The interrupt and the clearing below hold armed's monitor: else the timer could win the CAS, the stopper clear
    // its flag, and only then the interrupt land, left pending on this (mailbox-draining, possibly caller's) thread.
    Scheduler.Task interrupt = scheduler.schedule(() -> {
      synchronized (armed) {
        if (armed.compareAndSet(true, false)) {
          stopper.interrupt();
        }
      }
    }, Durations.toNanosSaturated(shutdownTimeout));
    String problem = null;
    boolean stopInterrupted = false;
    try {
      instance.stop();
    } catch (InterruptedException e) {
      stopInterrupted = true;
    } catch (Throwable t) {
      Exceptions.rethrowIfFatal(t);
      problem = "stop of '" + c.spec.name() + "' failed: " + summary(t);
    } finally {
      synchronized (armed) {
        if (!armed.compareAndSet(true, false)) {
          Thread.interrupted(); // the interrupt was ours, for the stop call only
          if (problem == null) {
            problem = "stop of '" + c.spec.name() + "' took longer than " + shutdownTimeout + " and was interrupted";
          }
        } else if (stopInterrupted || Thread.interrupted()) {
          callerInterrupted = true;
          if (stopInterrupted) {
            problem = "stop of '" + c.spec.name() + "' was interrupted by its caller's interrupt";
          }
        }
      }
      interrupt.cancel();
      if (callerInterrupted) {
        stopper.interrupt();
      }
    }
    return problem;
  }

  private static String problemSuffix(String problem) {
    return problem == null ? "" : "; " + problem;
  }

  static String summary(Throwable t) {
    String message = t.getMessage();
    return t.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }

  // ---- the serial mailbox ----

  private void submit(Runnable task) {
    mailbox.add(task);
    drain();
  }

  private void drain() {
    while (!mailbox.isEmpty() && draining.compareAndSet(false, true)) {
      drainer.set(Thread.currentThread());
      try {
        Runnable task;
        while ((task = mailbox.poll()) != null) {
          try {
            task.run();
          } catch (Throwable t) {
            Exceptions.rethrowIfFatal(t);
          }
        }
      } finally {
        drainer.set(null);
        draining.set(false);
      }
    }
  }

  private <T> T call(java.util.concurrent.Callable<T> work) {
    if (drainer.get() == Thread.currentThread()) {
      try {
        return work.call();
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new FaultlineException("supervisor-call-failed", e.toString(), e);
      }
    }
    CompletableFuture<T> result = new CompletableFuture<>();
    submit(() -> {
      try {
        result.complete(work.call());
      } catch (Throwable t) {
        result.completeExceptionally(t);
      }
    });
    try {
      return result.join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException) {
        throw (RuntimeException) cause;
      }
      if (cause instanceof Error) {
        throw (Error) cause;
      }
      throw e;
    }
  }

  /** One child: its spec and the state of its current incarnation; touched only in the mailbox. */
  private static final class Child {
    final ChildSpec spec;
    Component instance;
    int incarnation;
    Status status = Status.STOPPED;
    int attempts;
    int restarts;
    long startedAt = -1;
    long failedAt = -1;
    Object pending;
    Scheduler.Task task;

    Child(ChildSpec spec) {
      this.spec = spec;
    }
  }

  /** The context of one incarnation of a child. */
  private final class Context implements ChildContext {
    private final Child child;
    private final int incarnation;

    Context(Child child, int incarnation) {
      this.child = child;
      this.incarnation = incarnation;
    }

    @Override
    public String name() {
      return child.spec.name();
    }

    @Override
    public void failed(Throwable cause) {
      Throwable why = cause != null ? cause : new IllegalStateException("child '" + name() + "' reported a failure");
      submit(() -> childEnded(child, incarnation, why));
    }

    @Override
    public void exited() {
      submit(() -> childEnded(child, incarnation, null));
    }
  }

  /** Builds a {@link Supervisor}; not thread-safe. */
  public static final class Builder {
    private final String name;
    private RestartStrategy strategy = RestartStrategy.ONE_FOR_ONE;
    private int maxRestarts = 3;
    private Duration period = Duration.ofSeconds(5);
    private RestartBackoff backoff = RestartBackoff.none();
    private Duration shutdownTimeout = Duration.ofSeconds(5);
    private Clock clock = Clock.system();
    private Scheduler scheduler = Scheduler.system();
    private DoubleSupplier random = () -> ThreadLocalRandom.current().nextDouble();
    private final List<FaultEventListener> listeners = new ArrayList<>();
    private final List<ChildSpec> children = new ArrayList<>();

    private Builder(String name) {
      this.name = name;
    }

    /** Sets the restart strategy (default one-for-one). */
    public Builder strategy(RestartStrategy strategy) {
      this.strategy = strategy;
      return this;
    }

    /**
     * Sets the restart intensity: at most {@code maxRestarts} (0 or more) within {@code period} (default 3 in 5 s); a
     * restart exactly {@code period} before the current one is still within it, as in OTP.
     */
    public Builder intensity(int maxRestarts, Duration period) {
      this.maxRestarts = maxRestarts;
      this.period = period;
      return this;
    }

    /** Sets the delay between restarts (default none). */
    public Builder backoff(RestartBackoff backoff) {
      this.backoff = backoff;
      return this;
    }

    /** Sets how long a child's {@code stop()} may take before it is interrupted (positive; default 5 s). */
    public Builder shutdownTimeout(Duration shutdownTimeout) {
      this.shutdownTimeout = shutdownTimeout;
      return this;
    }

    /** Sets the clock (default the system clock). */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** Sets the scheduler on which restart delays and shutdown timeouts run (default the system scheduler). */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = scheduler;
      return this;
    }

    /** Sets the source of jitter, values in {@code [0, 1)} (default a thread-local random). */
    public Builder random(DoubleSupplier random) {
      this.random = random;
      return this;
    }

    /** Adds a listener for this supervisor's events. */
    public Builder listener(FaultEventListener listener) {
      listeners.add(Validate.notNull("listener", listener));
      return this;
    }

    /** Adds a child; children start in the order added. */
    public Builder child(ChildSpec child) {
      children.add(Validate.notNull("child", child));
      return this;
    }

    /**
     * Checks the settings and builds the supervisor (not started).
     *
     * @throws dev.faultline.core.ConfigurationException naming the field, the rule and the value when invalid
     */
    public Supervisor build() {
      Validate.notBlank("name", name);
      Validate.notNull("strategy", strategy);
      Validate.atLeast("maxRestarts", maxRestarts, 0);
      Validate.positive("period", period);
      Validate.notNull("backoff", backoff);
      Validate.positive("shutdownTimeout", shutdownTimeout);
      Validate.notNull("clock", clock);
      Validate.notNull("scheduler", scheduler);
      Validate.notNull("random", random);
      Set<String> names = new HashSet<>();
      for (ChildSpec c : children) {
        if (!names.add(c.name())) {
          throw new dev.faultline.core.ConfigurationException("children", "have unique names", c.name());
        }
      }
      return new Supervisor(this);
    }
  }
}
