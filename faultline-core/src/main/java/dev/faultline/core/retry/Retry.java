package dev.faultline.core.retry;

import dev.faultline.core.Clock;
import dev.faultline.core.ConfigurationException;
import dev.faultline.core.Policy;
import dev.faultline.core.Scheduler;
import dev.faultline.core.event.FaultEventListener;
import dev.faultline.core.internal.Validate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * A policy that runs a call again when an attempt fails, waiting a {@link Backoff} between attempts, until an attempt
 * succeeds or it gives up.
 *
 * <p><b>What counts as a failed attempt.</b> An attempt fails when it throws, or when it returns a result that matches
 * {@link Builder#retryOnResult}. {@linkplain dev.faultline.core.internal.Exceptions#isFatal Fatal errors} are never
 * retried, counted or published: they are rethrown at once. An {@link InterruptedException} thrown by an attempt is
 * never retried either: it means the calling thread was asked to stop.
 *
 * <p><b>Deciding, after a failed attempt, in this order:</b>
 * <ol>
 *   <li><i>abort</i> — the failure matches {@link Builder#abortOn}/{@link Builder#abortIf}, or the result matches
 *       {@link Builder#abortOnResult}: stop at once ({@code RetryAborted});
 *   <li><i>not retryable</i> — an exception that is an instance of an {@link Builder#ignore ignored} type, or, when
 *       {@link Builder#retryOn} types or a {@link Builder#retryIf} predicate were given, matches neither: rethrown at
 *       once, with no event but {@code AttemptFailed};
 *   <li><i>attempts</i> — {@code maxAttempts} attempts have run ({@code RetriesExhausted}, reason
 *       {@code "attempts"});
 *   <li><i>duration</i> — with a {@code maxDuration}, the next attempt would start after the deadline (time since the
 *       execution started plus the next delay exceeds {@code maxDuration}): give up now rather than wait
 *       ({@code RetriesExhausted}, reason {@code "duration"}). A retry is never scheduled past the deadline, and the
 *       policy never waits for a delay it cannot use;
 *   <li><i>budget</i> — the shared {@link RetryBudget} refuses the retry ({@code RetriesExhausted}, reason
 *       {@code "budget"});
 *   <li>otherwise: {@code RetryScheduled}, {@link dev.faultline.core.CallContext#nextAttempt} on the execution's
 *       context, wait the delay, run the next attempt.
 * </ol>
 *
 * <p><b>Giving up.</b> On an exception, the LAST failure is rethrown with the failures of earlier attempts attached
 * with {@link Throwable#addSuppressed}: at most {@value #MAX_SUPPRESSED} (the earliest), each distinct instance once,
 * never the thrown instance itself, and none that it already carries. On a result that matched
 * {@code retryOnResult}, the LAST result is returned. A result that matched {@code abortOnResult} is returned as it is.
 * If a {@code retryIf} or {@code abortIf} predicate throws, the execution ends with the predicate's exception, which
 * carries as suppressed the failure it was judging (itself carrying the earlier failures, as above).
 *
 * <p><b>Waiting.</b> Synchronous executions wait with {@link Clock#sleep}; if the thread is interrupted while waiting,
 * the retry stops, restores the interrupt flag, publishes {@code RetriesExhausted} with reason
 * {@code "interrupted"} and rethrows the last failure (with the {@link InterruptedException} attached as suppressed),
 * or returns the last result. Asynchronous executions never block: the next attempt is scheduled on the
 * {@link Scheduler}; cancelling the returned future cancels the pending retry and the attempt in flight.
 *
 * <p><b>Events</b> (built only when a listener is registered): {@code AttemptFailed} (kind {@code RETRY}, failure
 * null for a result) for each failed attempt; then {@code RetryScheduled}, or one {@code RetriesExhausted} or
 * {@code RetryAborted} (failure null for a result) when giving up. A cancelled asynchronous execution publishes
 * nothing more.
 *
 * <p>The success path of {@link #call} (first attempt succeeds) allocates nothing; with a budget it adds one atomic
 * increment on the budget's current bucket.
 *
 * <p>Thread-safe: one instance serves any number of concurrent executions.
 */
public interface Retry extends Policy {

  /** The most earlier failures attached as suppressed to the failure rethrown when giving up. */
  int MAX_SUPPRESSED = 10;

  /** Starts a builder for a retry named {@code name}. */
  static Builder builder(String name) {
    return new Builder(name);
  }

  /** The configuration this retry was built with. */
  RetryConfig config();

  /** A snapshot of this retry's counters. */
  Metrics metrics();

  /**
   * A snapshot of a retry's counters, each read separately. An execution is counted when it ends; a failure is an
   * execution that ended with an exception (other than a fatal error) or with a result that matched
   * {@code retryOnResult} or {@code abortOnResult}. Fatal errors and cancelled asynchronous executions are not
   * counted as outcomes. A retry is counted when its attempt starts; a budget grant is spent when the retry is
   * scheduled, even if the wait is then interrupted or cancelled.
   *
   * @param calls executions that ended: the sum of the four outcome counts
   * @param successesWithoutRetry executions whose first attempt succeeded
   * @param successesWithRetry executions that succeeded after at least one retry
   * @param failuresWithoutRetry executions that failed without being retried
   * @param failuresWithRetry executions that failed after at least one retry (given up)
   * @param retries retries made (attempts after the first)
   * @param budgetRejections retries refused by the {@link RetryBudget}
   */
  record Metrics(long calls, long successesWithoutRetry, long successesWithRetry, long failuresWithoutRetry,
      long failuresWithRetry, long retries, long budgetRejections) {}

  /**
   * Builds a {@link Retry}. Not thread-safe.
   *
   * <p>Defaults: 3 attempts, no maximum duration, exponential backoff from 100 ms doubling up to 10 s with full
   * jitter, retry on every exception, no result predicate, no abort condition, no budget, the system clock and
   * scheduler, and a thread-local random source.
   */
  final class Builder {
    private final String name;
    private int maxAttempts = 3;
    private Duration maxDuration;
    private Backoff backoff = Backoff.exponential(Duration.ofMillis(100), 2.0, Duration.ofSeconds(10)).withFullJitter();
    private RandomGenerator random;
    private final List<Class<? extends Throwable>> retryOn = new ArrayList<>();
    private final List<Class<? extends Throwable>> ignore = new ArrayList<>();
    private Predicate<? super Throwable> retryIf;
    private Predicate<Object> retryOnResult;
    private final List<Class<? extends Throwable>> abortOn = new ArrayList<>();
    private Predicate<? super Throwable> abortIf;
    private Predicate<Object> abortOnResult;
    private RetryBudget budget;
    private Clock clock = Clock.system();
    private Scheduler scheduler = Scheduler.system();
    private final List<FaultEventListener> listeners = new ArrayList<>();

    Builder(String name) {
      this.name = name;
    }

    /** The most attempts an execution makes, the first included (default 3; 1 disables retrying). */
    public Builder maxAttempts(int maxAttempts) {
      this.maxAttempts = maxAttempts;
      return this;
    }

    /**
     * The longest an execution may take, from its start to the start of its last attempt (default: no limit). A retry
     * whose delay would end after it is not made. A duration too long to count in nanoseconds (over about 292 years)
     * counts as {@link Long#MAX_VALUE} nanoseconds.
     */
    public Builder maxDuration(Duration maxDuration) {
      this.maxDuration = maxDuration;
      return this;
    }

    /** The wait before each retry. */
    public Builder backoff(Backoff backoff) {
      this.backoff = backoff;
      return this;
    }

    /**
     * The source of the jitter draws. It is called from every thread that runs an execution: give a thread-safe
     * generator when the retry is shared (default: {@link java.util.concurrent.ThreadLocalRandom}).
     */
    public Builder random(RandomGenerator random) {
      this.random = random;
      return this;
    }

    /** Retries only exceptions that are instances of these types (or match {@link #retryIf}); may be called again. */
    @SafeVarargs
    public final Builder retryOn(Class<? extends Throwable>... types) {
      for (Class<? extends Throwable> type : types) {
        retryOn.add(type);
      }
      return this;
    }

    /** Never retries exceptions that are instances of these types; takes precedence over {@link #retryOn}. */
    @SafeVarargs
    public final Builder ignore(Class<? extends Throwable>... types) {
      for (Class<? extends Throwable> type : types) {
        ignore.add(type);
      }
      return this;
    }

    /** Retries exceptions that match {@code predicate} (replacing an earlier one); ignored types still are not. */
    public Builder retryIf(Predicate<? super Throwable> predicate) {
      this.retryIf = predicate;
      return this;
    }

    /**
     * Treats a result that matches {@code predicate} as a failed attempt (replacing an earlier one). When giving up on
     * such a result, the retry returns the last result.
     */
    public Builder retryOnResult(Predicate<Object> predicate) {
      this.retryOnResult = predicate;
      return this;
    }

    /** Stops retrying at once when an attempt throws an instance of one of these types; may be called again. */
    @SafeVarargs
    public final Builder abortOn(Class<? extends Throwable>... types) {
      for (Class<? extends Throwable> type : types) {
        abortOn.add(type);
      }
      return this;
    }

    /** Stops retrying at once when an attempt throws an exception that matches {@code predicate}. */
    public Builder abortIf(Predicate<? super Throwable> predicate) {
      this.abortIf = predicate;
      return this;
    }

    /** Stops retrying at once, returning the result, when an attempt returns a result that matches {@code predicate}. */
    public Builder abortOnResult(Predicate<Object> predicate) {
      this.abortOnResult = predicate;
      return this;
    }

    /** Limits retries with {@code budget}, which may be shared with other retries (default: no budget). */
    public Builder budget(RetryBudget budget) {
      this.budget = budget;
      return this;
    }

    /** The clock that times executions and that synchronous executions wait on (default {@link Clock#system()}). */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** The scheduler that starts asynchronous retries (default {@link Scheduler#system()}). */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = scheduler;
      return this;
    }

    /** Adds a listener for this retry's events; may be called several times. */
    public Builder listener(FaultEventListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Builds the retry.
     *
     * @throws ConfigurationException naming the field, rule and value if the configuration is invalid
     */
    public Retry build() {
      Validate.notBlank("name", name);
      Validate.atLeast("maxAttempts", maxAttempts, 1);
      if (maxDuration != null) {
        Validate.positive("maxDuration", maxDuration);
      }
      Validate.notNull("backoff", backoff);
      checkTypes("retryOn", retryOn);
      for (Class<? extends Throwable> type : retryOn) {
        if (VirtualMachineError.class.isAssignableFrom(type) || LinkageError.class.isAssignableFrom(type)) {
          throw new ConfigurationException("retryOn", "not list a fatal error type (fatal errors are never retried)",
              type.getName());
        }
      }
      checkTypes("ignore", ignore);
      checkTypes("abortOn", abortOn);
      for (Class<? extends Throwable> type : ignore) {
        if (retryOn.contains(type)) {
          throw new ConfigurationException("ignore", "not list a type that retryOn lists", type.getName());
        }
      }
      Validate.notNull("clock", clock);
      Validate.notNull("scheduler", scheduler);
      return new DefaultRetry(new RetryConfig(name, maxAttempts, maxDuration, backoff, random, retryOn, ignore,
          retryIf, retryOnResult, abortOn, abortIf, abortOnResult, budget, clock, scheduler, listeners));
    }

    private static void checkTypes(String field, List<Class<? extends Throwable>> types) {
      for (Class<? extends Throwable> type : types) {
        Validate.notNull(field + "[]", type);
        if (!Throwable.class.isAssignableFrom(type)) {
          // Reachable only through raw types or unchecked casts.
          throw new ConfigurationException(field, "list only Throwable types", type.getName());
        }
      }
    }
  }
}
