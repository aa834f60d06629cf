package dev.faultline.core.retry;

import dev.faultline.core.AsyncChain;
import dev.faultline.core.CallContext;
import dev.faultline.core.Chain;
import dev.faultline.core.Clock;
import dev.faultline.core.PolicyKind;
import dev.faultline.core.Scheduler;
import dev.faultline.core.event.PolicyEvent;
import dev.faultline.core.internal.Durations;
import dev.faultline.core.internal.Events;
import dev.faultline.core.internal.Exceptions;
import dev.faultline.core.internal.ThreadCounters;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * The implementation of {@link Retry}.
 *
 * <p>Thread-safe. Concurrency design: the configuration is held in final fields; the only shared mutable state is the
 * metric counters ({@link ThreadCounters}: a thread adds to its own cell without an atomic instruction; a snapshot
 * is not atomic across counters) and the optional {@link RetryBudget} (lock-free, see there). Everything about one
 * execution lives in an {@link Execution} that only that execution touches, allocated at its first failed attempt;
 * the success path allocates nothing and takes no lock. Listeners are called in the deciding thread, holding no lock.
 */
final class DefaultRetry implements Retry {
  /** Verdict on an attempt: it succeeded. */
  static final int OK = 0;
  /** Verdict on an attempt: it failed and may be retried. */
  static final int RETRYABLE = 1;
  /** Verdict on an attempt: an abort condition matched. */
  static final int ABORT = 2;
  /** Verdict on an attempt: it threw an exception that is not retried. */
  static final int NOT_RETRYABLE = 3;
  /** Verdict on an attempt: it threw a fatal error. */
  static final int FATAL = 4;
  /** What {@link #decide} returns when the execution stops. */
  static final long STOP = -1L;

  private final RetryConfig config;
  private final String name;
  private final int maxAttempts;
  private final long maxDurationNanos;
  private final Backoff backoff;
  private final RandomGenerator random;
  private final Class<?>[] retryOn;
  private final Class<?>[] ignore;
  private final Class<?>[] abortOn;
  private final Predicate<? super Throwable> retryIf;
  private final Predicate<? super Throwable> abortIf;
  private final Predicate<Object> retryOnResult;
  private final Predicate<Object> abortOnResult;
  private final boolean retryAll;
  private final boolean resultRules;
  private final RetryBudget budget;
  private final Clock clock;
  private final Scheduler scheduler;
  private final Events events;
  private final boolean timed;

  /** Counter numbers in {@link #counters}. */
  private static final int SUCCESSES_WITHOUT_RETRY = 0;
  private static final int SUCCESSES_WITH_RETRY = 1;
  private static final int FAILURES_WITHOUT_RETRY = 2;
  private static final int FAILURES_WITH_RETRY = 3;
  private static final int RETRIES = 4;
  private static final int BUDGET_REJECTIONS = 5;
  private final ThreadCounters counters = new ThreadCounters(6);

  DefaultRetry(RetryConfig config) {
    this.config = config;
    this.name = config.name();
    this.maxAttempts = config.maxAttempts();
    this.maxDurationNanos = config.maxDuration().map(Durations::toNanosSaturated).orElse(0L);
    this.backoff = config.backoff();
    this.random = config.random().orElse(null);
    this.retryOn = types(config.retryOn());
    this.ignore = types(config.ignore());
    this.abortOn = types(config.abortOn());
    this.retryIf = config.retryIf().orElse(null);
    this.abortIf = config.abortIf().orElse(null);
    this.retryOnResult = config.retryOnResult().orElse(null);
    this.abortOnResult = config.abortOnResult().orElse(null);
    this.retryAll = retryOn.length == 0 && retryIf == null;
    this.resultRules = retryOnResult != null || abortOnResult != null;
    this.budget = config.budget().orElse(null);
    this.clock = config.clock();
    this.scheduler = config.scheduler();
    this.events = new Events(clock, config.listeners());
    this.timed = maxDurationNanos > 0 || events.enabled();
  }

  private static Class<?>[] types(List<Class<? extends Throwable>> types) {
    return types.toArray(new Class<?>[0]);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public PolicyKind kind() {
    return PolicyKind.RETRY;
  }

  @Override
  public RetryConfig config() {
    return config;
  }

  @Override
  public Metrics metrics() {
    long okFirst = counters.sum(SUCCESSES_WITHOUT_RETRY);
    long okLater = counters.sum(SUCCESSES_WITH_RETRY);
    long failedFirst = counters.sum(FAILURES_WITHOUT_RETRY);
    long failedLater = counters.sum(FAILURES_WITH_RETRY);
    return new Metrics(okFirst + okLater + failedFirst + failedLater, okFirst, okLater, failedFirst, failedLater,
        counters.sum(RETRIES), counters.sum(BUDGET_REJECTIONS));
  }

  Scheduler scheduler() {
    return scheduler;
  }

  // ---- synchronous ----

  @Override
  public <T> T call(Callable<? extends T> call) throws Exception {
    Objects.requireNonNull(call, "call");
    return run(null, call);
  }

  @Override
  public <T> T execute(Chain<T> chain) throws Exception {
    Objects.requireNonNull(chain, "chain");
    return run(chain, null);
  }

  /** Runs an execution of {@code chain} or else {@code call}; the first attempt's success allocates nothing. */
  private <T> T run(Chain<T> chain, Callable<? extends T> call) throws Exception {
    RetryBudget budget = this.budget;
    if (budget != null) {
      budget.recordCall();
    }
    long start = timed ? clock.nanoTime() : 0L;
    T result;
    try {
      result = chain != null ? chain.proceed() : call.call();
    } catch (Throwable failure) {
      return retry(chain, call, new Execution(start), failure, null, classify(failure, null));
    }
    int verdict = resultRules ? classifyResult(result) : OK;
    if (verdict == OK) {
      counters.increment(SUCCESSES_WITHOUT_RETRY);
      return result;
    }
    return retry(chain, call, new Execution(start), null, result, verdict);
  }

  private <T> T retry(Chain<T> chain, Callable<? extends T> call, Execution execution, Throwable failure, T result,
      int verdict) throws Exception {
    CallContext context = chain != null ? chain.context() : null;
    while (true) {
      long delay = decide(execution, failure, result, verdict, context);
      if (delay == STOP) {
        if (failure != null) {
          throw Exceptions.sneakyThrow(execution.withHistory(failure));
        }
        return result;
      }
      try {
        clock.sleep(delay);
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
        exhausted(execution, "interrupted", failure);
        if (failure != null) {
          Throwable last = execution.withHistory(failure);
          if (last != interrupted) {
            last.addSuppressed(interrupted);
          }
          throw Exceptions.sneakyThrow(last);
        }
        return result;
      }
      execution.attempt++;
      counters.increment(RETRIES);
      try {
        result = chain != null ? chain.proceed() : call.call();
        failure = null;
        verdict = resultRules ? classifyResult(result) : OK;
      } catch (Throwable t) {
        result = null;
        failure = t;
        verdict = classify(t, execution);
      }
      if (verdict == OK) {
        counters.increment(SUCCESSES_WITH_RETRY);
        return result;
      }
    }
  }

  // ---- asynchronous ----

  @Override
  public <T> CompletionStage<T> callAsync(Supplier<? extends CompletionStage<T>> call) {
    Objects.requireNonNull(call, "call");
    return runAsync(null, call);
  }

  @Override
  public <T> CompletionStage<T> executeAsync(AsyncChain<T> chain) {
    Objects.requireNonNull(chain, "chain");
    return runAsync(chain, null);
  }

  private <T> CompletionStage<T> runAsync(AsyncChain<T> chain, Supplier<? extends CompletionStage<T>> call) {
    RetryBudget budget = this.budget;
    if (budget != null) {
      budget.recordCall();
    }
    long start = timed ? clock.nanoTime() : 0L;
    CompletionStage<T> first = attemptAsync(chain, call);
    if (first instanceof CompletableFuture) {
      CompletableFuture<T> future = (CompletableFuture<T>) first;
      if (future.isDone() && !future.isCompletedExceptionally()) {
        // Already succeeded: hand the attempt's own future back without allocating an execution.
        T value = future.getNow(null);
        int verdict;
        try {
          verdict = resultRules ? classifyResult(value) : OK;
        } catch (Throwable t) {
          return CompletableFuture.failedFuture(t);
        }
        if (verdict == OK) {
          counters.increment(SUCCESSES_WITHOUT_RETRY);
          return first;
        }
        AsyncExecution<T> execution = new AsyncExecution<>(this, chain, call, start);
        execution.startFailed(first, value, verdict);
        return execution.promise();
      }
    }
    AsyncExecution<T> execution = new AsyncExecution<>(this, chain, call, start);
    execution.start(first);
    return execution.promise();
  }

  /** Starts one asynchronous attempt; never throws: a throwing or null-returning call gives a failed stage. */
  <T> CompletionStage<T> attemptAsync(AsyncChain<T> chain, Supplier<? extends CompletionStage<T>> call) {
    CompletionStage<T> stage;
    try {
      stage = chain != null ? chain.proceed() : call.get();
    } catch (Throwable t) {
      return CompletableFuture.failedFuture(t);
    }
    return stage != null ? stage
        : CompletableFuture.failedFuture(new NullPointerException("async call returned a null stage"));
  }

  void succeeded(Execution execution) {
    counters.increment(execution.attempt == 1 ? SUCCESSES_WITHOUT_RETRY : SUCCESSES_WITH_RETRY);
  }

  void retried() {
    counters.increment(RETRIES);
  }

  // ---- decisions, shared by both modes ----

  /**
   * Classifies an exception thrown by an attempt of {@code execution} (null before its first failed attempt). A
   * predicate that throws ends the execution with its own exception, carrying the failure it was judging (with the
   * earlier failures of the execution attached to that), so that no failure is lost.
   */
  int classify(Throwable failure, Execution execution) {
    if (Exceptions.isFatal(failure)) {
      return FATAL;
    }
    try {
      return classifyByRules(failure);
    } catch (RuntimeException | Error predicateFailure) {
      if (predicateFailure != failure) {
        predicateFailure.addSuppressed(execution != null ? execution.withHistory(failure) : failure);
      }
      throw predicateFailure;
    }
  }

  private int classifyByRules(Throwable failure) {
    if (instanceOfAny(abortOn, failure) || (abortIf != null && abortIf.test(failure))) {
      return ABORT;
    }
    if (failure instanceof InterruptedException || instanceOfAny(ignore, failure)) {
      return NOT_RETRYABLE;
    }
    if (retryAll || instanceOfAny(retryOn, failure) || (retryIf != null && retryIf.test(failure))) {
      return RETRYABLE;
    }
    return NOT_RETRYABLE;
  }

  /** Classifies a result returned by an attempt. */
  int classifyResult(Object result) {
    if (abortOnResult != null && abortOnResult.test(result)) {
      return ABORT;
    }
    if (retryOnResult != null && retryOnResult.test(result)) {
      return RETRYABLE;
    }
    return OK;
  }

  private static boolean instanceOfAny(Class<?>[] types, Throwable failure) {
    for (Class<?> type : types) {
      if (type.isInstance(failure)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Decides what follows a failed attempt (an exception {@code failure}, or else a {@code result} that failed):
   * returns the delay before the next attempt, after publishing {@code RetryScheduled} and advancing
   * {@code context}, or {@link #STOP} after counting the failed execution and publishing why it stopped.
   * Rethrows a fatal error.
   */
  long decide(Execution execution, Throwable failure, Object result, int verdict, CallContext context) {
    if (verdict == FATAL) {
      throw (Error) failure;
    }
    if (events.enabled()) {
      events.publish(new PolicyEvent.AttemptFailed(name, events.now(), PolicyKind.RETRY, execution.attempt, failure,
          Duration.ofNanos(clock.nanoTime() - execution.startNanos)));
    }
    if (verdict == ABORT) {
      countFailure(execution);
      if (events.enabled()) {
        events.publish(new PolicyEvent.RetryAborted(name, events.now(), execution.attempt, failure));
      }
      return STOP;
    }
    if (verdict == NOT_RETRYABLE) {
      countFailure(execution);
      return STOP;
    }
    if (execution.attempt >= maxAttempts) {
      return exhausted(execution, "attempts", failure);
    }
    long delay = backoff.delayNanos(execution.attempt, execution.previousDelayNanos,
        backoff.random() ? random() : null);
    if (maxDurationNanos > 0 && delay > maxDurationNanos - (clock.nanoTime() - execution.startNanos)) {
      return exhausted(execution, "duration", failure);
    }
    if (budget != null && !budget.tryAcquireRetry()) {
      counters.increment(BUDGET_REJECTIONS);
      return exhausted(execution, "budget", failure);
    }
    execution.previousDelayNanos = delay;
    if (failure != null) {
      execution.remember(failure);
    }
    if (events.enabled()) {
      events.publish(new PolicyEvent.RetryScheduled(name, events.now(), execution.attempt + 1,
          Duration.ofNanos(delay), failure));
    }
    if (context != null) {
      context.nextAttempt(failure);
    }
    return delay;
  }

  private long exhausted(Execution execution, String reason, Throwable failure) {
    countFailure(execution);
    if (events.enabled()) {
      events.publish(new PolicyEvent.RetriesExhausted(name, events.now(), execution.attempt, reason, failure));
    }
    return STOP;
  }

  private void countFailure(Execution execution) {
    counters.increment(execution.attempt == 1 ? FAILURES_WITHOUT_RETRY : FAILURES_WITH_RETRY);
  }

  private RandomGenerator random() {
    return random != null ? random : ThreadLocalRandom.current();
  }

  @Override
  public String toString() {
    return "Retry[" + name + "]";
  }
}
