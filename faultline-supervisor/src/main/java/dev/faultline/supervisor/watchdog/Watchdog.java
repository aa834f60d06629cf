package dev.faultline.supervisor.watchdog;

import dev.faultline.core.internal.Durations;
import dev.faultline.core.internal.Validate;
import dev.faultline.core.Clock;
import dev.faultline.core.Scheduler;
import dev.faultline.core.event.ComponentEvent;
import dev.faultline.core.event.FaultEventListener;
import dev.faultline.supervisor.Supervisor;
import dev.faultline.core.internal.Events;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * Puts deadlines on units of work and catches the work that hangs: past the soft limit the work is reported (a
 * {@code ComponentFailed} whose failure carries the stack of the worker thread) and its thread interrupted; past the
 * hard limit the component is restarted through the configured restarter (usually {@link Supervisor#restart}, which
 * reports that failure with the stack). {@link #checkDeadlocks()} finds deadlocked threads and restarts the same way
 * the components whose registered work they run (once: that work then counts as hung and is no longer watched).
 *
 * <p>Works for any thread that calls {@link #register}: platform threads and, on JDK 21 and later, virtual threads
 * (both can be interrupted and have their stacks read). Deadlines are timed on the injected {@link Scheduler}.
 *
 * <p>Thread-safe. Concurrency design: open tickets live in a concurrent map; each {@link Ticket}'s {@code state} moves
 * RUNNING → DONE by its owner's {@link Ticket#complete()}, or RUNNING → OVERDUE → HUNG by the scheduler's deadline
 * tasks (or to HUNG by {@link #checkDeadlocks()}), by CAS, so a ticket completed in time is never reported and each
 * stage is reported once. The soft limit's interrupt and the move to DONE happen under the ticket's monitor, so the
 * interrupt never reaches the thread once its work was completed. Events and the restarter run outside any lock.
 */
public final class Watchdog {
  private static final int RUNNING = 0;
  private static final int OVERDUE = 1;
  private static final int HUNG = 2;
  private static final int DONE = 3;

  private static final System.Logger LOG = System.getLogger(Watchdog.class.getName());
  private final String name;
  private final Clock clock;
  private final Scheduler scheduler;
  private final BiConsumer<String, Throwable> restarter;
  private final Events events;
  private final ConcurrentHashMap<Long, Ticket> open = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();

  private Watchdog(Builder b) {
    this.name = b.name;
    this.clock = b.clock;
    this.scheduler = b.scheduler;
    this.restarter = b.restarter;
    this.events = new Events(b.clock, List.copyOf(b.listeners));
  }

  /** A builder for a watchdog named {@code name}. */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /**
   * Starts the clock on a unit of work of {@code component} run by the calling thread.
   *
   * @param component the supervised component the work belongs to (the child name its supervisor restarts)
   * @param work what the work is, for reports
   * @param soft past this the work is reported and interrupted
   * @param hard past this the component is restarted (at least {@code soft})
   * @return the ticket to {@linkplain Ticket#complete() complete} when the work ends (try-with-resources)
   */
  public Ticket register(String component, String work, Duration soft, Duration hard) {
    Validate.notBlank("component", component);
    Validate.notBlank("work", work);
    Validate.positive("soft", soft);
    Validate.positive("hard", hard);
    if (hard.compareTo(soft) < 0) {
      throw new dev.faultline.core.ConfigurationException("hard", "be at least soft (" + soft + ")", hard);
    }
    Ticket t = new Ticket(ids.incrementAndGet(), component, work, Thread.currentThread(), clock.nanoTime(), soft, hard);
    open.put(t.id, t);
    t.softTask = scheduler.schedule(() -> overdue(t), Durations.toNanosSaturated(soft));
    t.hardTask = scheduler.schedule(() -> hung(t), Durations.toNanosSaturated(hard));
    return t;
  }

  /** How many units of work are registered and not completed. */
  public int openWork() {
    return open.size();
  }

  /**
   * Finds deadlocked threads now and restarts each component whose registered work runs on one of them, giving the
   * restarter a {@link HungWorkException} with code "deadlock" and the blocked thread's stack. That work then counts as
   * hung: it is no longer watched, so a deadlock the restart did not break does not restart the component again.
   *
   * @return every deadlocked thread found, registered or not
   */
  public List<DeadlockedThread> checkDeadlocks() {
    List<DeadlockedThread> found = Deadlocks.find();
    if (found.isEmpty()) {
      return found;
    }
    Map<Long, DeadlockedThread> byThread = new HashMap<>();
    for (DeadlockedThread d : found) {
      byThread.put(d.threadId(), d);
    }
    Map<String, HungWorkException> components = new LinkedHashMap<>();
    for (Ticket t : open.values()) {
      @SuppressWarnings("deprecation") // Thread.threadId() is JDK 19+; getId() is what JDK 17 has
      long threadId = t.thread.getId();
      DeadlockedThread d = byThread.get(threadId);
      if (d == null || !(t.state.compareAndSet(RUNNING, HUNG) || t.state.compareAndSet(OVERDUE, HUNG))) {
        continue; // not deadlocked, or completed meanwhile
      }
      // Handled once, as a hung ticket: a deadlock the restart does not break must not restart the next incarnation
      // on every later pass, nor again at the hard limit.
      open.remove(t.id);
      Scheduler.Task soft = t.softTask;
      Scheduler.Task hard = t.hardTask;
      if (soft != null) {
        soft.cancel();
      }
      if (hard != null) {
        hard.cancel();
      }
      if (!components.containsKey(t.component)) {
        components.put(t.component, new HungWorkException("deadlock", "work '" + t.work + "' of '" + t.component
            + "' is deadlocked: " + d.describe(), d.stack().toArray(new StackTraceElement[0])));
      }
    }
    components.forEach(this::restart);
    return found;
  }

  private void overdue(Ticket t) {
    if (!t.state.compareAndSet(RUNNING, OVERDUE)) {
      return;
    }
    HungWorkException failure = new HungWorkException("work-overdue", "work '" + t.work + "' of '" + t.component
        + "' on thread " + t.thread.getName() + " exceeded its soft limit of " + t.soft + "; interrupted",
        t.thread.getStackTrace());
    if (events.enabled()) {
      events.publish(new ComponentEvent.ComponentFailed(t.component, events.now(), failure.getMessage(), failure));
    }
    synchronized (t) {
      if (t.state.get() == OVERDUE) { // not completed meanwhile: the thread may have moved on to other work
        t.interruptSent = true;
        t.thread.interrupt();
      }
    }
  }

  private void hung(Ticket t) {
    if (!t.state.compareAndSet(OVERDUE, HUNG) && !t.state.compareAndSet(RUNNING, HUNG)) {
      return;
    }
    open.remove(t.id);
    HungWorkException failure = new HungWorkException("work-hung", "work '" + t.work + "' of '" + t.component
        + "' on thread " + t.thread.getName() + " exceeded its hard limit of " + t.hard + "; restarting '"
        + t.component + "'", t.thread.getStackTrace());
    restart(t.component, failure);
  }

  /**
   * Restarts {@code component} through the restarter; a restarter that throws (an unknown component, a stopped
   * supervisor) is logged with the reason of the restart, and the other restarts of the same pass still happen.
   */
  private void restart(String component, Throwable why) {
    try {
      restarter.accept(component, why);
    } catch (RuntimeException e) {
      e.addSuppressed(why);
      LOG.log(System.Logger.Level.ERROR, "watchdog " + name + " could not restart '" + component + "': " + e, e);
    }
  }

  /**
   * The deadline of one unit of work; {@link #complete()} it when the work ends. Thread-safe.
   */
  public final class Ticket implements AutoCloseable {
    final long id;
    final String component;
    final String work;
    final Thread thread;
    final long startNanos;
    final Duration soft;
    final Duration hard;
    final AtomicInteger state = new AtomicInteger(RUNNING);
    volatile Scheduler.Task softTask;
    volatile Scheduler.Task hardTask;
    /** Whether the soft limit interrupted {@code thread}; guarded by this ticket's monitor. */
    boolean interruptSent;

    Ticket(long id, String component, String work, Thread thread, long startNanos, Duration soft, Duration hard) {
      this.id = id;
      this.component = component;
      this.work = work;
      this.thread = thread;
      this.startNanos = startNanos;
      this.soft = soft;
      this.hard = hard;
    }

    /**
     * Marks the work done and cancels its deadlines; returns true if it finished before its soft limit was reported.
     * Idempotent. Called on the work's own thread, it also clears the soft limit's interrupt if the work did not
     * consume it, so that the interrupt does not reach the thread's next work (an interrupt from elsewhere that
     * arrived after the watchdog's cannot be told apart from it and is cleared with it).
     */
    public boolean complete() {
      boolean inTime;
      synchronized (this) { // with the soft limit's interrupt: none comes once this returns
        inTime = state.compareAndSet(RUNNING, DONE);
        if (!inTime) {
          state.compareAndSet(OVERDUE, DONE);
        }
        if (interruptSent && Thread.currentThread() == thread) {
          interruptSent = false;
          Thread.interrupted(); // the soft limit's interrupt, for the registered work only
        }
      }
      open.remove(id);
      Scheduler.Task s = softTask;
      Scheduler.Task h = hardTask;
      if (s != null) {
        s.cancel();
      }
      if (h != null) {
        h.cancel();
      }
      return inTime;
    }

    /** How long the work has run, by the watchdog's clock. */
    public Duration elapsed() {
      return Duration.ofNanos(clock.nanoTime() - startNanos);
    }

    /** Same as {@link #complete()}. */
    @Override
    public void close() {
      complete();
    }
  }

  /** Builds a {@link Watchdog}; not thread-safe. */
  public static final class Builder {
    private final String name;
    private Clock clock = Clock.system();
    private Scheduler scheduler = Scheduler.system();
    private BiConsumer<String, Throwable> restarter;
    private final List<FaultEventListener> listeners = new ArrayList<>();

    private Builder(String name) {
      this.name = name;
    }

    /** Sets the clock (default the system clock). */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** Sets the scheduler that times the deadlines (default the system scheduler). */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = scheduler;
      return this;
    }

    /** Restarts hung components through {@code supervisor}. */
    public Builder supervisor(Supervisor supervisor) {
      Validate.notNull("supervisor", supervisor);
      this.restarter = supervisor::restart;
      return this;
    }

    /** Sets what restarts a component given its name and the reason (required unless {@link #supervisor} is set). */
    public Builder restarter(BiConsumer<String, Throwable> restarter) {
      this.restarter = restarter;
      return this;
    }

    /** Adds a listener for the watchdog's reports. */
    public Builder listener(FaultEventListener listener) {
      listeners.add(Validate.notNull("listener", listener));
      return this;
    }

    /**
     * Checks the settings and builds the watchdog.
     *
     * @throws dev.faultline.core.ConfigurationException naming the field, the rule and the value when invalid
     */
    public Watchdog build() {
      Validate.notBlank("name", name);
      Validate.notNull("clock", clock);
      Validate.notNull("scheduler", scheduler);
      Validate.notNull("restarter", restarter);
      return new Watchdog(this);
    }
  }

  /** The watchdog's name. */
  public String name() {
    return name;
  }
}
