package dev.faultline.core.circuitbreaker;

import dev.faultline.core.Clock;
import dev.faultline.core.PolicyKind;
import dev.faultline.core.Policy;
import dev.faultline.core.Scheduler;
import dev.faultline.core.event.FaultEventListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A circuit breaker: a policy that stops calling a failing downstream for a while, then lets a few trial calls
 * decide whether it has recovered.
 *
 * <p><b>States.</b> {@link CircuitState#CLOSED}: calls pass and their outcomes go into a sliding window, either the
 * last N calls ({@link SlidingWindowType#COUNT_BASED}) or the last N seconds in per-second buckets
 * ({@link SlidingWindowType#TIME_BASED}, timed by the configured {@link Clock}). Once the window holds at least
 * {@code minimumNumberOfCalls} outcomes, the breaker opens when the failure rate reaches
 * {@code failureRateThreshold} or the rate of calls slower than {@code slowCallDuration} reaches
 * {@code slowCallRateThreshold}. {@link CircuitState#OPEN}: calls are rejected with {@link CallNotPermittedException}
 * until the wait in open has passed; then the breaker is {@link CircuitState#HALF_OPEN}: exactly
 * {@code permittedCallsInHalfOpen} trial calls pass, the others are rejected; when all trials have completed the
 * breaker closes if their failure and slow-call rates are below the thresholds, and opens again otherwise, with a wait
 * multiplied by {@code waitMultiplier} up to {@code maxWaitInOpen}. Closing resets the wait. Without a
 * {@linkplain Builder#scheduler scheduler} the move to half-open happens at the first call after the wait; with one,
 * at the end of the wait. {@link CircuitState#FORCED_OPEN} and {@link CircuitState#DISABLED} are set by hand.
 *
 * <p><b>Outcomes.</b> A thrown exception is ignored (neither success nor failure, and a half-open trial permit is
 * given back) when it matches {@code ignoreExceptions} or {@code ignoreIf}; otherwise it is a failure when
 * {@code recordExceptions} and {@code recordIf} are both unset or one of them matches, and a success otherwise. A
 * result is a failure when {@code recordResultIf} matches (the result is still returned). Fatal errors (see
 * {@code Exceptions.isFatal}: virtual machine and linkage errors) are never recorded: the permit is given back and the
 * error propagates. A predicate that throws is a bug: its exception propagates and the call is not recorded.
 *
 * <p><b>Events.</b> A {@code CircuitStateChanged} is published once per transition, in transition order, and a
 * {@code CallRejected} per rejection, only when listeners are registered. Listeners run outside any lock, usually in
 * the thread that made the transition; when two transitions race, the thread of the later one may deliver both.
 *
 * <p><b>Low-level use.</b> Integrations that cannot wrap a call use {@link #tryAcquirePermission()} (or
 * {@link #acquirePermission()}) and then exactly one of {@link #onSuccess}, {@link #onError}, {@link #onResult} or
 * {@link #releasePermission()}. Outcomes reported this way go into the state current when they are reported; outcomes
 * of calls wrapped by {@link #call}, {@link #callAsync} or a {@link dev.faultline.core.Pipeline} go into the state that
 * permitted the call, so a late outcome of a call permitted while closed never counts as a half-open trial.
 *
 * <p>Thread-safe. The closed-state success path takes no lock and allocates nothing.
 */
public interface CircuitBreaker extends Policy {

  /** Starts a builder for a breaker with the given name. */
  static Builder builder(String name) {
    return new Builder(name);
  }

  /** The immutable configuration of this breaker. */
  CircuitBreakerConfig config();

  /** The current state. An open breaker whose wait has passed stays {@code OPEN} until the next call or scheduled move. */
  CircuitState state();

  /** A snapshot of this breaker's counters and of its current window. */
  Metrics metrics();

  @Override
  default PolicyKind kind() {
    return PolicyKind.CIRCUIT_BREAKER;
  }

  /**
   * Asks to run one call; returns whether it may run. A refusal is counted and published as a rejection. A caller that
   * got {@code true} must report exactly one of {@link #onSuccess}, {@link #onError}, {@link #onResult} or
   * {@link #releasePermission()}.
   */
  boolean tryAcquirePermission();

  /**
   * Asks to run one call, like {@link #tryAcquirePermission()}, but throws on refusal.
   *
   * @throws CallNotPermittedException if the breaker refuses the call
   */
  void acquirePermission();

  /** Gives back a permission without recording an outcome (the call did not run, or its outcome does not count). */
  void releasePermission();

  /** Records that a permitted call succeeded after {@code durationNanos}. */
  void onSuccess(long durationNanos);

  /**
   * Records that a permitted call threw {@code error} after {@code durationNanos}, classified by the record and ignore
   * rules; a fatal error only gives the permission back.
   */
  void onError(long durationNanos, Throwable error);

  /**
   * Records that a permitted call returned {@code result} after {@code durationNanos}: a failure when the
   * {@code recordResultIf} predicate matches it, a success otherwise.
   */
  void onResult(long durationNanos, Object result);

  /**
   * Moves the breaker by hand to {@code target}, publishing the transition; returns false if it was already there.
   * {@code CLOSED} starts an empty window and resets the wait; {@code OPEN} waits the initial wait in open;
   * {@code HALF_OPEN} admits a new set of trial calls.
   */
  boolean transitionTo(CircuitState target);

  /** Rejects every call until the breaker is moved by hand or {@linkplain #reset() reset}. */
  default void forceOpen() {
    transitionTo(CircuitState.FORCED_OPEN);
  }

  /** Lets every call pass and records nothing until the breaker is moved by hand or {@linkplain #reset() reset}. */
  default void disable() {
    transitionTo(CircuitState.DISABLED);
  }

  /**
   * Returns the breaker to {@code CLOSED} with an empty window and the initial wait in open, from any state. A
   * transition event is published only if the state was not already closed. Cumulative counters are kept.
   */
  void reset();

  /** The kinds of sliding window. */
  enum SlidingWindowType {
    /** The outcomes of the last N calls. */
    COUNT_BASED,
    /** The outcomes of the calls of the last N seconds, in one bucket per second. */
    TIME_BASED
  }

  /**
   * A snapshot of a breaker's metrics.
   *
   * <p>{@code calls}, {@code successes}, {@code failures}, {@code slowCalls}, {@code ignored} and {@code rejections} are
   * cumulative since the breaker was built: {@code calls = successes + failures} counts the recorded outcomes (closed
   * and half-open; nothing is recorded while disabled), {@code slowCalls} counts recorded calls that were slow,
   * {@code ignored} the outcomes that matched an ignore rule, {@code rejections} the calls refused. Every snapshot has
   * {@code calls = successes + failures} and {@code slowCalls <= calls}, and no cumulative count is lower than in an
   * earlier snapshot, also while other threads record (the counts are read one after another, not at one instant). The
   * {@code buffered*} counts and the rates describe the current window: in closed state the sliding window, in
   * half-open the trial calls completed so far, in open the window (or trials) that opened the breaker, and nothing
   * in the forced states. A rate is 0 when nothing is buffered.
   *
   * @param state the state when the snapshot was taken
   * @param calls recorded outcomes
   * @param successes recorded successes
   * @param failures recorded failures
   * @param slowCalls recorded outcomes that were slow
   * @param ignored outcomes that matched an ignore rule
   * @param rejections calls refused
   * @param bufferedCalls outcomes in the current window
   * @param bufferedFailures failures in the current window
   * @param bufferedSlowCalls slow calls in the current window
   * @param failureRate {@code bufferedFailures / bufferedCalls}, or 0
   * @param slowCallRate {@code bufferedSlowCalls / bufferedCalls}, or 0
   */
  record Metrics(CircuitState state, long calls, long successes, long failures, long slowCalls, long ignored,
      long rejections, long bufferedCalls, long bufferedFailures, long bufferedSlowCalls, double failureRate,
      double slowCallRate) {}

  /**
   * Builds a {@link CircuitBreaker}. Setters only store values; {@link #build()} resolves defaults and checks every
   * rule, naming the field, the rule and the value.
   *
   * <p>Not thread-safe.
   */
  final class Builder {
    final String name;
    double failureRateThreshold = CircuitBreakerConfig.DEFAULT_FAILURE_RATE_THRESHOLD;
    Double slowCallRateThreshold;
    Duration slowCallDuration;
    SlidingWindowType slidingWindowType = SlidingWindowType.COUNT_BASED;
    int slidingWindowSize = CircuitBreakerConfig.DEFAULT_SLIDING_WINDOW_SIZE;
    Integer minimumNumberOfCalls;
    int permittedCallsInHalfOpen = CircuitBreakerConfig.DEFAULT_PERMITTED_CALLS_IN_HALF_OPEN;
    Duration waitInOpen = CircuitBreakerConfig.DEFAULT_WAIT_IN_OPEN;
    double waitMultiplier = 1.0;
    Duration maxWaitInOpen;
    final List<Class<? extends Throwable>> recordExceptions = new ArrayList<>();
    final List<Class<? extends Throwable>> ignoreExceptions = new ArrayList<>();
    Predicate<? super Throwable> recordIf;
    Predicate<? super Throwable> ignoreIf;
    Predicate<Object> recordResultIf;
    Clock clock = Clock.system();
    Scheduler scheduler;
    final List<FaultEventListener> listeners = new ArrayList<>();

    Builder(String name) {
      this.name = name;
    }

    /** The failure rate, in (0, 1], at which the breaker opens (default 0.5). */
    public Builder failureRateThreshold(double threshold) {
      this.failureRateThreshold = threshold;
      return this;
    }

    /**
     * The rate of slow calls, in (0, 1], at which the breaker opens (default 1.0 once {@link #slowCallDuration} is
     * set). Requires {@link #slowCallDuration}.
     */
    public Builder slowCallRateThreshold(double threshold) {
      this.slowCallRateThreshold = threshold;
      return this;
    }

    /** Calls that take longer than {@code duration} are slow (default: no call is slow, and no call is timed). */
    public Builder slowCallDuration(Duration duration) {
      this.slowCallDuration = duration;
      return this;
    }

    /** The window: the last {@code size} calls, or the last {@code size} seconds (default: the last 100 calls). */
    public Builder slidingWindow(SlidingWindowType type, int size) {
      this.slidingWindowType = type;
      this.slidingWindowSize = size;
      return this;
    }

    /** A window over the last {@code calls} calls (at most 1,000,000). */
    public Builder countBasedWindow(int calls) {
      return slidingWindow(SlidingWindowType.COUNT_BASED, calls);
    }

    /** A window over the last {@code seconds} seconds of the clock, one bucket per second (at most 3600). */
    public Builder timeBasedWindow(int seconds) {
      return slidingWindow(SlidingWindowType.TIME_BASED, seconds);
    }

    /**
     * The number of outcomes the window must hold before rates are evaluated, at least 1 (default: 100, or the window
     * size for a smaller count-based window).
     */
    public Builder minimumNumberOfCalls(int calls) {
      this.minimumNumberOfCalls = calls;
      return this;
    }

    /** The number of trial calls admitted in half-open, at least 1 (default 10). */
    public Builder permittedCallsInHalfOpen(int calls) {
      this.permittedCallsInHalfOpen = calls;
      return this;
    }

    /** How long the breaker stays open before admitting trial calls (default 60 seconds). */
    public Builder waitInOpen(Duration wait) {
      this.waitInOpen = wait;
      return this;
    }

    /**
     * Multiplies the wait in open each time the trial calls fail, at least 1 (default 1: a fixed wait). A multiplier
     * above 1 requires {@link #maxWaitInOpen}.
     */
    public Builder waitMultiplier(double multiplier) {
      this.waitMultiplier = multiplier;
      return this;
    }

    /** The longest wait in open that the multiplier may reach, at least {@link #waitInOpen} (default: the wait). */
    public Builder maxWaitInOpen(Duration max) {
      this.maxWaitInOpen = max;
      return this;
    }

    /** Exceptions of these types (and subtypes) are failures; once set, other exceptions are successes. */
    @SafeVarargs
    public final Builder recordExceptions(Class<? extends Throwable>... types) {
      for (Class<? extends Throwable> type : types) {
        this.recordExceptions.add(type);
      }
      return this;
    }

    /** Exceptions matching {@code predicate} are failures; once set, other exceptions are successes. */
    public Builder recordIf(Predicate<? super Throwable> predicate) {
      this.recordIf = predicate;
      return this;
    }

    /** Exceptions of these types (and subtypes) count as neither success nor failure; ignoring wins over recording. */
    @SafeVarargs
    public final Builder ignoreExceptions(Class<? extends Throwable>... types) {
      for (Class<? extends Throwable> type : types) {
        this.ignoreExceptions.add(type);
      }
      return this;
    }

    /** Exceptions matching {@code predicate} count as neither success nor failure; ignoring wins over recording. */
    public Builder ignoreIf(Predicate<? super Throwable> predicate) {
      this.ignoreIf = predicate;
      return this;
    }

    /** Results matching {@code predicate} are recorded as failures (and still returned to the caller). */
    public Builder recordResultIf(Predicate<Object> predicate) {
      this.recordResultIf = predicate;
      return this;
    }

    /** The clock that times slow calls, the time-based window and the wait in open (default: the system clock). */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /**
     * A scheduler that moves the breaker from open to half-open as soon as the wait has passed, instead of at the
     * first call after it (default: none).
     */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = scheduler;
      return this;
    }

    /** Adds a listener of this breaker's events; may be called several times. */
    public Builder listener(FaultEventListener listener) {
      this.listeners.add(listener);
      return this;
    }

    /**
     * Checks the configuration and builds the breaker.
     *
     * @throws dev.faultline.core.ConfigurationException naming the field, the rule and the value, if a value is invalid
     */
    public CircuitBreaker build() {
      return new DefaultCircuitBreaker(new CircuitBreakerConfig(this));
    }
  }
}
