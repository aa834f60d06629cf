package dev.faultline.core.circuitbreaker;

import dev.faultline.core.AsyncChain;
import dev.faultline.core.Chain;
import dev.faultline.core.Clock;
import dev.faultline.core.PolicyKind;
import dev.faultline.core.Scheduler;
import dev.faultline.core.circuitbreaker.CircuitBreaker.SlidingWindowType;
import dev.faultline.core.event.FaultEvent;
import dev.faultline.core.event.PolicyEvent.CallRejected;
import dev.faultline.core.event.PolicyEvent.CircuitStateChanged;
import dev.faultline.core.internal.Durations;
import dev.faultline.core.internal.Events;
import dev.faultline.core.internal.Exceptions;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The circuit breaker behind {@link CircuitBreaker#builder}.
 *
 * <h2>Concurrency design</h2>
 * <ul>
 *   <li><b>State.</b> {@code state} holds an immutable-identity {@link State} object: {@link Closed} (owning its
 *       sliding {@link Window}), {@link Open} (when it opened, its wait, the counts that opened it), {@link HalfOpen}
 *       (its trial permits and trial outcomes) or {@link Fixed} (forced open, disabled). Every transition builds a new
 *       object and installs it by compare-and-set on {@code state} from the object it was decided on, so a decision
 *       taken on a state that has meanwhile changed has no effect, and each transition happens exactly once. A new
 *       object is never equal to an old one, so there is no ABA.
 *   <li><b>Recording.</b> A call permitted by {@link #call}, {@link #callAsync} or {@link #execute} keeps the state
 *       object that permitted it and records its outcome there: a late outcome lands in a retired window or trial set,
 *       which no longer decides anything. The low-level {@code onSuccess}/{@code onError}/{@code onResult} record into
 *       the current state. Windows are lock-free (see {@link CountWindow} and {@link TimeWindow}).
 *   <li><b>Half-open.</b> {@code HalfOpen.issued} counts the permits handed out, raised by compare-and-set only while
 *       below {@code permittedCallsInHalfOpen}, so no more trials than that are ever in flight; a permit given back
 *       (ignored outcome, fatal error, {@link #releasePermission}) lowers it. {@code HalfOpen.outcomes} gathers the
 *       trial outcomes {@link Packed packed} in one long; the one add that brings the count to the number of permits
 *       decides, so exactly one thread takes the decision, after every trial has completed.
 *   <li><b>Events.</b> Each state object carries the sequence number of the transition that made it (its
 *       predecessor's plus one). After a successful compare-and-set the winner puts its event (or a placeholder when
 *       none is due) into {@code pendingEvents} under that number and drains: {@code drainers} lets one thread at a
 *       time deliver events strictly by number ({@code nextEventSeq} is touched only by that thread), so listeners see
 *       transitions once each, in transition order, outside any lock. A thread that finds a gap leaves the event to
 *       the thread of the missing transition.
 *   <li><b>Counters.</b> Cumulative counts are {@link LongAdder}s. Each recorded outcome adds one to exactly one
 *       of {@code successes} and {@code failures}, and {@link #metrics()} reports {@code calls} as their sum, so every
 *       snapshot has {@code calls = successes + failures} and no count goes down from one snapshot to the next (each
 *       adder only grows, and a later sum reads every cell later). A slow call is counted after its outcome and read
 *       before it, so {@code slowCalls <= calls}. Successes used to be derived as calls minus failures from two reads
 *       taken at different times, which showed failures recorded between the reads as successes that vanished again;
 *       the price is one adder increment on the count window's success path. Rejection exceptions are preallocated
 *       per breaker.
 *   <li><b>Scheduled half-open.</b> With a scheduler, entering open schedules the move to half-open; the task is kept
 *       in the {@code Open} object and cancelled by whichever transition leaves it (or by the scheduling thread if the
 *       state already changed), and does nothing if the state is no longer that {@code Open}.
 * </ul>
 * The closed-state success path reads {@code state}, takes a window position and, at most, reads the clock: no lock,
 * no allocation.
 */
final class DefaultCircuitBreaker implements CircuitBreaker {
  private static final VarHandle STATE;
  private static final int SUCCESS = 0;
  private static final int IGNORED = -1;
  /** Marks a transition that publishes no event, so that the drain does not wait for it. */
  private static final Object NO_EVENT = new Object();

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(DefaultCircuitBreaker.class, "state", State.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final CircuitBreakerConfig config;
  private final String name;
  private final Clock clock;
  private final Scheduler scheduler;
  private final Events events;
  private final boolean timed;
  private final long slowCallNanos;
  private final boolean timeWindow;
  private final boolean readEndTime;
  private final long originNanos;
  private final int permittedInHalfOpen;
  private final Thresholds thresholds;
  private final long waitInOpenNanos;
  private final long maxWaitInOpenNanos;
  private final double waitMultiplier;
  private final Class<?>[] recordTypes;
  private final Class<?>[] ignoreTypes;
  private final Predicate<? super Throwable> recordIf;
  private final Predicate<? super Throwable> ignoreIf;
  private final Predicate<Object> recordResultIf;

  /** Positions in the count windows, shared by the window of every closed state. */
  private final Sequence countWindowCalls = new Sequence();
  private final LongAdder successes = new LongAdder();
  private final LongAdder failures = new LongAdder();
  private final LongAdder slowCalls = new LongAdder();
  private final LongAdder ignored = new LongAdder();
  private final LongAdder rejections = new LongAdder();

  private final Rejection rejectOpen;
  private final Rejection rejectHalfOpen;
  private final Rejection rejectForcedOpen;

  private final ConcurrentSkipListMap<Long, Object> pendingEvents = new ConcurrentSkipListMap<>();
  private final AtomicInteger drainers = new AtomicInteger();
  private long nextEventSeq = 1;

  private volatile State state;

  DefaultCircuitBreaker(CircuitBreakerConfig config) {
    this.config = config;
    this.name = config.name();
    this.clock = config.clock();
    this.scheduler = config.schedulerOrNull();
    this.events = new Events(clock, config.listeners());
    Duration slow = config.slowCallDurationOrNull();
    this.timed = slow != null;
    this.slowCallNanos = slow == null ? Long.MAX_VALUE : Durations.toNanosSaturated(slow);
    this.timeWindow = config.slidingWindowType() == SlidingWindowType.TIME_BASED;
    this.readEndTime = timed || timeWindow;
    this.originNanos = clock.nanoTime();
    this.permittedInHalfOpen = config.permittedCallsInHalfOpen();
    this.thresholds = new Thresholds(config.minimumNumberOfCalls(), config.failureRateThreshold(),
        timed ? config.slowCallRateThreshold() : Double.POSITIVE_INFINITY);
    this.waitInOpenNanos = Durations.toNanosSaturated(config.waitInOpen());
    this.maxWaitInOpenNanos = Durations.toNanosSaturated(config.maxWaitInOpen());
    this.waitMultiplier = config.waitMultiplier();
    this.recordTypes = config.recordExceptions().toArray(new Class<?>[0]);
    this.ignoreTypes = config.ignoreExceptions().toArray(new Class<?>[0]);
    this.recordIf = config.recordIfOrNull();
    this.ignoreIf = config.ignoreIfOrNull();
    this.recordResultIf = config.recordResultIfOrNull();
    this.rejectOpen = new Rejection(CircuitState.OPEN, name);
    this.rejectHalfOpen = new Rejection(CircuitState.HALF_OPEN, name);
    this.rejectForcedOpen = new Rejection(CircuitState.FORCED_OPEN, name);
    this.state = new Closed(0, newWindow());
  }

  private Window newWindow() {
    return timeWindow ? new TimeWindow(config.slidingWindowSize(), originNanos, thresholds)
        : new CountWindow(config.slidingWindowSize(), countWindowCalls, thresholds);
  }

  // ---------------------------------------------------------------- Policy

  @Override
  public String name() {
    return name;
  }

  @Override
  public CircuitBreakerConfig config() {
    return config;
  }

  @Override
  public CircuitState state() {
    return state.kind;
  }

  @Override
  public <T> T execute(Chain<T> chain) throws Exception {
    return call(chain);
  }

  @Override
  public <T> CompletionStage<T> executeAsync(AsyncChain<T> chain) {
    return callAsync(chain::proceed);
  }

  @Override
  public <T> T call(Callable<? extends T> call) throws Exception {
    State permit = admit();
    if (permit instanceof Rejection) {
      throw ((Rejection) permit).exception;
    }
    if (permit.kind == CircuitState.DISABLED) {
      return call.call();
    }
    long start = timed ? clock.nanoTime() : 0L;
    T result;
    try {
      result = call.call();
    } catch (Throwable t) {
      long end = readEndTime ? clock.nanoTime() : 0L;
      throw Exceptions.sneakyThrow(failed(permit, end - start, end, t));
    }
    long end = readEndTime ? clock.nanoTime() : 0L;
    Throwable predicateFailure = succeeded(permit, end - start, end, result);
    if (predicateFailure != null) {
      throw Exceptions.sneakyThrow(predicateFailure);
    }
    return result;
  }

  @Override
  public <T> CompletionStage<T> callAsync(Supplier<? extends CompletionStage<T>> call) {
    Objects.requireNonNull(call, "call");
    State permit = admit();
    if (permit instanceof Rejection) {
      return CompletableFuture.failedFuture(((Rejection) permit).exception);
    }
    if (permit.kind == CircuitState.DISABLED) {
      return start(call);
    }
    long start = timed ? clock.nanoTime() : 0L;
    CompletionStage<T> stage;
    try {
      stage = call.get();
      if (stage == null) {
        throw new NullPointerException("async call returned a null stage");
      }
    } catch (Throwable t) {
      long end = readEndTime ? clock.nanoTime() : 0L;
      Throwable surfaced = failed(permit, end - start, end, t);
      Exceptions.rethrowIfFatal(surfaced);
      return CompletableFuture.failedFuture(surfaced);
    }
    CompletableFuture<T> result = new CompletableFuture<>();
    stage.whenComplete((value, error) -> {
      if (result.isCancelled()) {
        release(permit);
        return;
      }
      long end = readEndTime ? clock.nanoTime() : 0L;
      if (error != null) {
        result.completeExceptionally(failed(permit, end - start, end, Exceptions.unwrap(error)));
        return;
      }
      Throwable predicateFailure = succeeded(permit, end - start, end, value);
      if (predicateFailure != null) {
        result.completeExceptionally(predicateFailure);
      } else {
        result.complete(value);
      }
    });
    if (stage instanceof Future) {
      Future<?> inner = (Future<?>) stage;
      result.whenComplete((value, error) -> {
        if (result.isCancelled()) {
          inner.cancel(true);
        }
      });
    }
    return result;
  }

  private static <T> CompletionStage<T> start(Supplier<? extends CompletionStage<T>> call) {
    try {
      CompletionStage<T> stage = call.get();
      return stage != null ? stage
          : CompletableFuture.failedFuture(new NullPointerException("async call returned a null stage"));
    } catch (Throwable t) {
      Exceptions.rethrowIfFatal(t);
      return CompletableFuture.failedFuture(t);
    }
  }

  /**
   * Records a result returned after {@code durationNanos}, at {@code endNanos} (read only by a time-based window);
   * returns a predicate's exception to surface instead, or null.
   */
  private Throwable succeeded(State permit, long durationNanos, long endNanos, Object result) {
    int outcome = timed && durationNanos > slowCallNanos ? Window.SLOW : SUCCESS;
    if (recordResultIf != null) {
      try {
        if (recordResultIf.test(result)) {
          outcome |= Window.FAILURE;
        }
      } catch (Throwable t) {
        release(permit);
        return t;
      }
    }
    record(permit, outcome, endNanos);
    return null;
  }

  /**
   * Records a failure thrown after {@code durationNanos}, at {@code endNanos}; returns the throwable the caller should
   * see (the failure, or a predicate's exception).
   */
  private Throwable failed(State permit, long durationNanos, long endNanos, Throwable failure) {
    if (Exceptions.isFatal(failure)) {
      release(permit);
      return failure;
    }
    int classified;
    try {
      classified = classify(failure);
    } catch (Throwable t) {
      release(permit);
      if (t != failure) {
        t.addSuppressed(failure);
      }
      return t;
    }
    if (classified == IGNORED) {
      ignored.increment();
      release(permit);
      return failure;
    }
    record(permit, classified | (timed && durationNanos > slowCallNanos ? Window.SLOW : SUCCESS), endNanos);
    return failure;
  }

  private int classify(Throwable failure) {
    Throwable t = Exceptions.unwrap(failure);
    for (Class<?> type : ignoreTypes) {
      if (type.isInstance(t)) {
        return IGNORED;
      }
    }
    if (ignoreIf != null && ignoreIf.test(t)) {
      return IGNORED;
    }
    if (recordTypes.length == 0 && recordIf == null) {
      return Window.FAILURE;
    }
    for (Class<?> type : recordTypes) {
      if (type.isInstance(t)) {
        return Window.FAILURE;
      }
    }
    return recordIf != null && recordIf.test(t) ? Window.FAILURE : SUCCESS;
  }

  // ---------------------------------------------------------------- low-level API

  @Override
  public boolean tryAcquirePermission() {
    return !(admit() instanceof Rejection);
  }

  @Override
  public void acquirePermission() {
    State permit = admit();
    if (permit instanceof Rejection) {
      throw ((Rejection) permit).exception;
    }
  }

  @Override
  public void releasePermission() {
    release(state);
  }

  @Override
  public void onSuccess(long durationNanos) {
    State current = state;
    if (current.kind != CircuitState.DISABLED) {
      record(current, timed && durationNanos > slowCallNanos ? Window.SLOW : SUCCESS,
          timeWindow ? clock.nanoTime() : 0L);
    }
  }

  @Override
  public void onError(long durationNanos, Throwable error) {
    Objects.requireNonNull(error, "error");
    State current = state;
    if (current.kind == CircuitState.DISABLED) {
      return;
    }
    Throwable surfaced = failed(current, durationNanos, timeWindow ? clock.nanoTime() : 0L, error);
    if (surfaced != error) {
      throw unchecked(surfaced);
    }
  }

  @Override
  public void onResult(long durationNanos, Object result) {
    State current = state;
    if (current.kind == CircuitState.DISABLED) {
      return;
    }
    Throwable surfaced = succeeded(current, durationNanos, timeWindow ? clock.nanoTime() : 0L, result);
    if (surfaced != null) {
      throw unchecked(surfaced);
    }
  }

  // ---------------------------------------------------------------- admission and recording

  /** Returns the state that permits a call, or a {@link Rejection} (already counted and published). */
  private State admit() {
    State current = state;
    if (current.kind == CircuitState.CLOSED || current.kind == CircuitState.DISABLED) {
      return current;
    }
    return admitSlow(current);
  }

  private State admitSlow(State current) {
    while (true) {
      switch (current.kind) {
        case CLOSED:
        case DISABLED:
          return current;
        case OPEN: {
          Open open = (Open) current;
          if (clock.nanoTime() - open.openedAt < open.waitNanos) {
            return reject(rejectOpen);
          }
          halfOpenAfterWait(open);
          break;
        }
        case HALF_OPEN:
          return ((HalfOpen) current).tryAcquire(permittedInHalfOpen) ? current : reject(rejectHalfOpen);
        default:
          return reject(rejectForcedOpen);
      }
      current = state;
    }
  }

  private Rejection reject(Rejection rejection) {
    rejections.increment();
    if (events.enabled()) {
      events.publish(new CallRejected(name, events.now(), PolicyKind.CIRCUIT_BREAKER, rejection.reason));
    }
    return rejection;
  }

  private void release(State permit) {
    if (permit instanceof HalfOpen) {
      ((HalfOpen) permit).release();
    }
  }

  private void record(State permit, int outcome, long endNanos) {
    if (permit.kind == CircuitState.CLOSED) {
      Closed closed = (Closed) permit;
      boolean reached = closed.window.record(outcome, endNanos);
      countOutcome(outcome);
      if (reached) {
        openFromClosed(closed);
      }
      return;
    }
    countOutcome(outcome);
    if (permit.kind == CircuitState.HALF_OPEN) {
      HalfOpen halfOpen = (HalfOpen) permit;
      long trials = halfOpen.record(outcome);
      if (Packed.calls(trials) == permittedInHalfOpen) {
        decide(halfOpen, trials);
      }
    }
  }

  /**
   * Counts an outcome as exactly one success or failure, then a slow one as slow (read in the opposite order by
   * {@link #metrics()}, so that a snapshot never shows more slow calls than calls).
   */
  private void countOutcome(int outcome) {
    if ((outcome & Window.FAILURE) != 0) {
      failures.increment();
    } else {
      successes.increment();
    }
    if ((outcome & Window.SLOW) != 0) {
      slowCalls.increment();
    }
  }

  // ---------------------------------------------------------------- transitions

  private void openFromClosed(Closed closed) {
    long now = clock.nanoTime();
    WindowCounts counts = closed.window.snapshot(now);
    String reason = events.enabled() ? thresholds.describe(counts) : null;
    transition(closed, new Open(closed.seq + 1, now, waitInOpenNanos, counts), reason);
  }

  private void decide(HalfOpen halfOpen, long trials) {
    WindowCounts counts = Packed.counts(trials);
    if (thresholds.ratesReached(counts.calls(), counts.failures(), counts.slowCalls())) {
      String reason = events.enabled() ? "trial calls: " + thresholds.describe(counts) : null;
      transition(halfOpen, new Open(halfOpen.seq + 1, clock.nanoTime(), halfOpen.nextWaitNanos, counts), reason);
    } else {
      String reason = events.enabled() ? "trial calls: failure rate " + counts.failureRate() + " and slow-call rate "
          + counts.slowCallRate() + " below thresholds over " + counts.calls() + " calls" : null;
      transition(halfOpen, new Closed(halfOpen.seq + 1, newWindow()), reason);
    }
  }

  private void halfOpenAfterWait(Open open) {
    String reason = events.enabled() ? "wait in open of " + Duration.ofNanos(open.waitNanos) + " elapsed" : null;
    transition(open, new HalfOpen(open.seq + 1, grow(open.waitNanos)), reason);
  }

  private long grow(long waitNanos) {
    double grown = waitNanos * waitMultiplier;
    return grown >= maxWaitInOpenNanos ? maxWaitInOpenNanos : Math.max(waitNanos, (long) grown);
  }

  @Override
  public boolean transitionTo(CircuitState target) {
    Objects.requireNonNull(target, "target");
    while (true) {
      State current = state;
      if (current.kind == target) {
        return false;
      }
      long seq = current.seq + 1;
      State next;
      switch (target) {
        case CLOSED:
          next = new Closed(seq, newWindow());
          break;
        case OPEN:
          next = new Open(seq, clock.nanoTime(), waitInOpenNanos, WindowCounts.EMPTY);
          break;
        case HALF_OPEN:
          next = new HalfOpen(seq, current instanceof Open ? grow(((Open) current).waitNanos) : waitInOpenNanos);
          break;
        default:
          next = new Fixed(target, seq);
          break;
      }
      if (transition(current, next, events.enabled() ? "transition to " + target + " by hand" : null)) {
        return true;
      }
    }
  }

  @Override
  public void reset() {
    while (true) {
      State current = state;
      Closed next = new Closed(current.seq + 1, newWindow());
      if (transition(current, next, current.kind != CircuitState.CLOSED && events.enabled() ? "reset" : null)) {
        return;
      }
    }
  }

  /**
   * Installs {@code next} if the state is still {@code current}; then cancels and schedules wait tasks and publishes
   * the transition (when {@code reason} is not null). Returns whether this call made the transition.
   */
  private boolean transition(State current, State next, String reason) {
    if (!STATE.compareAndSet(this, current, next)) {
      return false;
    }
    if (current instanceof Open) {
      ((Open) current).cancelTask();
    }
    if (next instanceof Open && scheduler != null) {
      Open open = (Open) next;
      open.task = scheduler.schedule(() -> halfOpenAfterWait(open), open.waitNanos);
      if (state != open) {
        open.cancelTask();
      }
    }
    if (events.enabled()) {
      publishInOrder(current, next, reason);
    }
    return true;
  }

  private void publishInOrder(State current, State next, String reason) {
    Object event = NO_EVENT;
    try {
      if (reason != null) {
        event = new CircuitStateChanged(name, events.now(), current.kind, next.kind, reason);
      }
    } finally {
      pendingEvents.put(next.seq, event);
      drainEvents();
    }
  }

  private void drainEvents() {
    if (drainers.getAndIncrement() != 0) {
      return;
    }
    Throwable fatal = null;
    int missed = 1;
    do {
      while (true) {
        Map.Entry<Long, Object> head = pendingEvents.firstEntry();
        if (head == null || head.getKey() != nextEventSeq) {
          break;
        }
        pendingEvents.remove(head.getKey());
        nextEventSeq++;
        if (head.getValue() != NO_EVENT) {
          try {
            events.publish((FaultEvent) head.getValue());
          } catch (Throwable t) {
            fatal = fatal == null ? t : fatal;
          }
        }
      }
      missed = drainers.addAndGet(-missed);
    } while (missed != 0);
    if (fatal != null) {
      throw unchecked(fatal);
    }
  }

  /** Returns {@code t} as an unchecked exception to throw; throws it at once if it is an {@link Error}. */
  private static RuntimeException unchecked(Throwable t) {
    if (t instanceof Error) {
      throw (Error) t;
    }
    return Exceptions.unchecked((Exception) t);
  }

  // ---------------------------------------------------------------- metrics

  @Override
  public Metrics metrics() {
    State current = state;
    WindowCounts window;
    switch (current.kind) {
      case CLOSED:
        window = ((Closed) current).window.snapshot(timeWindow ? clock.nanoTime() : 0L);
        break;
      case OPEN:
        window = ((Open) current).counts;
        break;
      case HALF_OPEN:
        window = Packed.counts(((HalfOpen) current).outcomes);
        break;
      default:
        window = WindowCounts.EMPTY;
        break;
    }
    long slow = slowCalls.sum();
    long failed = failures.sum();
    long succeeded = successes.sum();
    return new Metrics(current.kind, succeeded + failed, succeeded, failed, slow, ignored.sum(),
        rejections.sum(), window.calls(), window.failures(), window.slowCalls(), window.failureRate(),
        window.slowCallRate());
  }

  /** The window of the current closed state, or null. For tests of window consistency. */
  Window currentWindow() {
    State current = state;
    return current instanceof Closed ? ((Closed) current).window : null;
  }

  @Override
  public String toString() {
    return "CircuitBreaker[" + name + ", " + state.kind + "]";
  }

  // ---------------------------------------------------------------- states

  /** A state; {@code seq} numbers the transition that installed it (0 for the initial state). */
  abstract static class State {
    final CircuitState kind;
    final long seq;

    State(CircuitState kind, long seq) {
      this.kind = kind;
      this.seq = seq;
    }
  }

  /** Closed: calls pass and go into the window. */
  static final class Closed extends State {
    final Window window;

    Closed(long seq, Window window) {
      super(CircuitState.CLOSED, seq);
      this.window = window;
    }
  }

  /** Open since {@code openedAt} for {@code waitNanos}; {@code counts} are the outcomes that opened it. */
  static final class Open extends State {
    final long openedAt;
    final long waitNanos;
    final WindowCounts counts;
    volatile Scheduler.Task task;

    Open(long seq, long openedAt, long waitNanos, WindowCounts counts) {
      super(CircuitState.OPEN, seq);
      this.openedAt = openedAt;
      this.waitNanos = waitNanos;
      this.counts = counts;
    }

    void cancelTask() {
      Scheduler.Task scheduled = task;
      if (scheduled != null) {
        scheduled.cancel();
      }
    }
  }

  /** Half-open: trial permits and trial outcomes; {@code nextWaitNanos} is the wait if the trials fail. */
  static final class HalfOpen extends State {
    private static final VarHandle ISSUED;
    private static final VarHandle OUTCOMES;

    static {
      try {
        ISSUED = MethodHandles.lookup().findVarHandle(HalfOpen.class, "issued", int.class);
        OUTCOMES = MethodHandles.lookup().findVarHandle(HalfOpen.class, "outcomes", long.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    final long nextWaitNanos;
    volatile int issued;
    volatile long outcomes;

    HalfOpen(long seq, long nextWaitNanos) {
      super(CircuitState.HALF_OPEN, seq);
      this.nextWaitNanos = nextWaitNanos;
    }

    boolean tryAcquire(int permitted) {
      while (true) {
        int taken = issued;
        if (taken >= permitted) {
          return false;
        }
        if (ISSUED.compareAndSet(this, taken, taken + 1)) {
          return true;
        }
      }
    }

    void release() {
      while (true) {
        int taken = issued;
        if (taken <= 0 || ISSUED.compareAndSet(this, taken, taken - 1)) {
          return;
        }
      }
    }

    /** Adds one trial outcome; returns the packed trial counts including it. */
    long record(int outcome) {
      long delta = Packed.of(outcome);
      return (long) OUTCOMES.getAndAdd(this, delta) + delta;
    }
  }

  /** Forced open or disabled: left only by hand. */
  static final class Fixed extends State {
    Fixed(CircuitState kind, long seq) {
      super(kind, seq);
    }
  }

  /** A refusal by a state, with its preallocated exception; never installed as the state. */
  static final class Rejection extends State {
    final CallNotPermittedException exception;
    final String reason;

    Rejection(CircuitState kind, String breaker) {
      super(kind, -1);
      this.exception = new CallNotPermittedException(breaker, kind);
      this.reason = exception.getMessage();
    }
  }
}
