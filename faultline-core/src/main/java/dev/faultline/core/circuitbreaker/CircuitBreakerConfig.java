package dev.faultline.core.circuitbreaker;

import dev.faultline.core.Clock;
import dev.faultline.core.ConfigurationException;
import dev.faultline.core.Scheduler;
import dev.faultline.core.circuitbreaker.CircuitBreaker.SlidingWindowType;
import dev.faultline.core.event.FaultEventListener;
import dev.faultline.core.internal.Validate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The configuration of a {@link CircuitBreaker}, checked and copied by {@link CircuitBreaker.Builder#build()}.
 *
 * <p>Immutable and thread-safe (the predicates and listeners it holds must be thread-safe too).
 */
public final class CircuitBreakerConfig {
  static final double DEFAULT_FAILURE_RATE_THRESHOLD = 0.5;
  static final int DEFAULT_SLIDING_WINDOW_SIZE = 100;
  static final int DEFAULT_MINIMUM_NUMBER_OF_CALLS = 100;
  static final int DEFAULT_PERMITTED_CALLS_IN_HALF_OPEN = 10;
  static final Duration DEFAULT_WAIT_IN_OPEN = Duration.ofSeconds(60);
  /** The largest count-based window; keeps the packed window counters far from overflow. */
  static final int MAX_COUNT_WINDOW = 1_000_000;
  /** The largest time-based window in seconds; a window evaluation scans every bucket. */
  static final int MAX_TIME_WINDOW_SECONDS = 3600;
  /** The most trial calls in half-open; keeps the packed trial counters far from overflow. */
  static final int MAX_PERMITTED_CALLS_IN_HALF_OPEN = 1_000_000;

  private final String name;
  private final double failureRateThreshold;
  private final double slowCallRateThreshold;
  private final Duration slowCallDuration;
  private final SlidingWindowType slidingWindowType;
  private final int slidingWindowSize;
  private final int minimumNumberOfCalls;
  private final int permittedCallsInHalfOpen;
  private final Duration waitInOpen;
  private final double waitMultiplier;
  private final Duration maxWaitInOpen;
  private final List<Class<? extends Throwable>> recordExceptions;
  private final List<Class<? extends Throwable>> ignoreExceptions;
  private final Predicate<? super Throwable> recordIf;
  private final Predicate<? super Throwable> ignoreIf;
  private final Predicate<Object> recordResultIf;
  private final Clock clock;
  private final Scheduler scheduler;
  private final List<FaultEventListener> listeners;

  CircuitBreakerConfig(CircuitBreaker.Builder b) {
    this.name = Validate.notBlank("name", b.name);
    this.failureRateThreshold = rate("failureRateThreshold", b.failureRateThreshold);
    if (b.slowCallRateThreshold != null && b.slowCallDuration == null) {
      throw new ConfigurationException("slowCallDuration", "be set when slowCallRateThreshold is set", "null");
    }
    this.slowCallDuration = b.slowCallDuration == null ? null
        : Validate.positive("slowCallDuration", b.slowCallDuration);
    this.slowCallRateThreshold = b.slowCallRateThreshold == null ? 1.0
        : rate("slowCallRateThreshold", b.slowCallRateThreshold);
    this.slidingWindowType = Validate.notNull("slidingWindowType", b.slidingWindowType);
    Validate.atLeast("slidingWindowSize", b.slidingWindowSize, 1);
    int maxWindow = slidingWindowType == SlidingWindowType.COUNT_BASED ? MAX_COUNT_WINDOW : MAX_TIME_WINDOW_SECONDS;
    if (b.slidingWindowSize > maxWindow) {
      throw new ConfigurationException("slidingWindowSize",
          "be at most " + maxWindow + " for a " + slidingWindowType + " window", b.slidingWindowSize);
    }
    this.slidingWindowSize = b.slidingWindowSize;
    if (b.minimumNumberOfCalls == null) {
      this.minimumNumberOfCalls = slidingWindowType == SlidingWindowType.COUNT_BASED
          ? Math.min(DEFAULT_MINIMUM_NUMBER_OF_CALLS, slidingWindowSize) : DEFAULT_MINIMUM_NUMBER_OF_CALLS;
    } else {
      this.minimumNumberOfCalls = Validate.atLeast("minimumNumberOfCalls", b.minimumNumberOfCalls.intValue(), 1);
      if (slidingWindowType == SlidingWindowType.COUNT_BASED && minimumNumberOfCalls > slidingWindowSize) {
        throw new ConfigurationException("minimumNumberOfCalls",
            "be at most slidingWindowSize (" + slidingWindowSize + ") for a COUNT_BASED window", minimumNumberOfCalls);
      }
    }
    Validate.atLeast("permittedCallsInHalfOpen", b.permittedCallsInHalfOpen, 1);
    if (b.permittedCallsInHalfOpen > MAX_PERMITTED_CALLS_IN_HALF_OPEN) {
      throw new ConfigurationException("permittedCallsInHalfOpen", "be at most " + MAX_PERMITTED_CALLS_IN_HALF_OPEN,
          b.permittedCallsInHalfOpen);
    }
    this.permittedCallsInHalfOpen = b.permittedCallsInHalfOpen;
    this.waitInOpen = Validate.positive("waitInOpen", b.waitInOpen);
    if (!(b.waitMultiplier >= 1.0) || Double.isInfinite(b.waitMultiplier)) {
      throw new ConfigurationException("waitMultiplier", "be a finite number of at least 1.0", b.waitMultiplier);
    }
    this.waitMultiplier = b.waitMultiplier;
    if (b.maxWaitInOpen == null) {
      if (waitMultiplier > 1.0) {
        throw new ConfigurationException("maxWaitInOpen", "be set when waitMultiplier is above 1.0 (" + waitMultiplier
            + ")", "null");
      }
      this.maxWaitInOpen = waitInOpen;
    } else {
      Validate.positive("maxWaitInOpen", b.maxWaitInOpen);
      if (b.maxWaitInOpen.compareTo(waitInOpen) < 0) {
        throw new ConfigurationException("maxWaitInOpen", "be at least waitInOpen (" + waitInOpen + ")",
            b.maxWaitInOpen);
      }
      this.maxWaitInOpen = b.maxWaitInOpen;
    }
    this.recordExceptions = types("recordExceptions", b.recordExceptions);
    this.ignoreExceptions = types("ignoreExceptions", b.ignoreExceptions);
    for (Class<? extends Throwable> type : ignoreExceptions) {
      if (recordExceptions.contains(type)) {
        throw new ConfigurationException("ignoreExceptions", "not contain a type also in recordExceptions",
            type.getName());
      }
    }
    this.recordIf = b.recordIf;
    this.ignoreIf = b.ignoreIf;
    this.recordResultIf = b.recordResultIf;
    this.clock = Validate.notNull("clock", b.clock);
    this.scheduler = b.scheduler;
    for (int i = 0; i < b.listeners.size(); i++) {
      Validate.notNull("listeners[" + i + "]", b.listeners.get(i));
    }
    this.listeners = List.copyOf(b.listeners);
  }

  private static double rate(String field, double value) {
    if (!(value > 0.0 && value <= 1.0)) {
      throw new ConfigurationException(field, "be greater than 0 and at most 1", value);
    }
    return value;
  }

  private static List<Class<? extends Throwable>> types(String field, List<Class<? extends Throwable>> types) {
    for (int i = 0; i < types.size(); i++) {
      Validate.notNull(field + "[" + i + "]", types.get(i));
    }
    return List.copyOf(types);
  }

  /** The breaker's name. */
  public String name() {
    return name;
  }

  /** The failure rate, in (0, 1], at which the breaker opens. */
  public double failureRateThreshold() {
    return failureRateThreshold;
  }

  /** The slow-call rate, in (0, 1], at which the breaker opens; meaningful only with a {@link #slowCallDuration()}. */
  public double slowCallRateThreshold() {
    return slowCallRateThreshold;
  }

  /** The duration beyond which a call is slow; empty if no call is slow. */
  public Optional<Duration> slowCallDuration() {
    return Optional.ofNullable(slowCallDuration);
  }

  /** The kind of sliding window. */
  public SlidingWindowType slidingWindowType() {
    return slidingWindowType;
  }

  /** The size of the sliding window, in calls or in seconds. */
  public int slidingWindowSize() {
    return slidingWindowSize;
  }

  /** The number of outcomes the window must hold before rates are evaluated. */
  public int minimumNumberOfCalls() {
    return minimumNumberOfCalls;
  }

  /** The number of trial calls admitted in half-open. */
  public int permittedCallsInHalfOpen() {
    return permittedCallsInHalfOpen;
  }

  /** The initial wait in open. */
  public Duration waitInOpen() {
    return waitInOpen;
  }

  /** The factor applied to the wait in open each time the trial calls fail. */
  public double waitMultiplier() {
    return waitMultiplier;
  }

  /** The longest wait in open. */
  public Duration maxWaitInOpen() {
    return maxWaitInOpen;
  }

  /** Exception types recorded as failures; empty means every exception not ignored (unless {@link #recordIf()}). */
  public List<Class<? extends Throwable>> recordExceptions() {
    return recordExceptions;
  }

  /** Exception types that count as neither success nor failure. */
  public List<Class<? extends Throwable>> ignoreExceptions() {
    return ignoreExceptions;
  }

  /** The predicate that records an exception as a failure, if set. */
  public Optional<Predicate<? super Throwable>> recordIf() {
    return Optional.ofNullable(recordIf);
  }

  /** The predicate that ignores an exception, if set. */
  public Optional<Predicate<? super Throwable>> ignoreIf() {
    return Optional.ofNullable(ignoreIf);
  }

  /** The predicate that records a result as a failure, if set. */
  public Optional<Predicate<Object>> recordResultIf() {
    return Optional.ofNullable(recordResultIf);
  }

  /** The clock. */
  public Clock clock() {
    return clock;
  }

  /** The scheduler that ends the wait in open, if set. */
  public Optional<Scheduler> scheduler() {
    return Optional.ofNullable(scheduler);
  }

  /** The event listeners. */
  public List<FaultEventListener> listeners() {
    return listeners;
  }

  // Package-private raw accessors for the implementation, avoiding Optional on hot paths.

  Duration slowCallDurationOrNull() {
    return slowCallDuration;
  }

  Predicate<? super Throwable> recordIfOrNull() {
    return recordIf;
  }

  Predicate<? super Throwable> ignoreIfOrNull() {
    return ignoreIf;
  }

  Predicate<Object> recordResultIfOrNull() {
    return recordResultIf;
  }

  Scheduler schedulerOrNull() {
    return scheduler;
  }

  @Override
  public String toString() {
    return "CircuitBreakerConfig[name=" + name + ", failureRateThreshold=" + failureRateThreshold
        + ", slowCallRateThreshold=" + slowCallRateThreshold + ", slowCallDuration=" + slowCallDuration
        + ", slidingWindow=" + slidingWindowType + "/" + slidingWindowSize + ", minimumNumberOfCalls="
        + minimumNumberOfCalls + ", permittedCallsInHalfOpen=" + permittedCallsInHalfOpen + ", waitInOpen="
        + waitInOpen + ", waitMultiplier=" + waitMultiplier + ", maxWaitInOpen=" + maxWaitInOpen + "]";
  }
}
