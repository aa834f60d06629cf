package dev.faultline.core.retry;

import dev.faultline.core.Clock;
import dev.faultline.core.Scheduler;
import dev.faultline.core.event.FaultEventListener;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * The resolved configuration of a {@link Retry}, built only by {@link Retry.Builder#build()}.
 *
 * <p>Immutable and thread-safe (the predicates, random source, budget, clock, scheduler and listeners it refers to
 * must be thread-safe themselves).
 */
public final class RetryConfig {
  private final String name;
  private final int maxAttempts;
  private final Duration maxDuration;
  private final Backoff backoff;
  private final RandomGenerator random;
  private final List<Class<? extends Throwable>> retryOn;
  private final List<Class<? extends Throwable>> ignore;
  private final Predicate<? super Throwable> retryIf;
  private final Predicate<Object> retryOnResult;
  private final List<Class<? extends Throwable>> abortOn;
  private final Predicate<? super Throwable> abortIf;
  private final Predicate<Object> abortOnResult;
  private final RetryBudget budget;
  private final Clock clock;
  private final Scheduler scheduler;
  private final List<FaultEventListener> listeners;

  RetryConfig(String name, int maxAttempts, Duration maxDuration, Backoff backoff, RandomGenerator random,
      List<Class<? extends Throwable>> retryOn, List<Class<? extends Throwable>> ignore,
      Predicate<? super Throwable> retryIf, Predicate<Object> retryOnResult, List<Class<? extends Throwable>> abortOn,
      Predicate<? super Throwable> abortIf, Predicate<Object> abortOnResult, RetryBudget budget, Clock clock,
      Scheduler scheduler, List<FaultEventListener> listeners) {
    this.name = name;
    this.maxAttempts = maxAttempts;
    this.maxDuration = maxDuration;
    this.backoff = backoff;
    this.random = random;
    this.retryOn = List.copyOf(retryOn);
    this.ignore = List.copyOf(ignore);
    this.retryIf = retryIf;
    this.retryOnResult = retryOnResult;
    this.abortOn = List.copyOf(abortOn);
    this.abortIf = abortIf;
    this.abortOnResult = abortOnResult;
    this.budget = budget;
    this.clock = clock;
    this.scheduler = scheduler;
    this.listeners = List.copyOf(listeners);
  }

  /** The retry's name. */
  public String name() {
    return name;
  }

  /** The most attempts an execution makes, the first included. */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** The longest an execution may take before its last attempt starts, if limited. */
  public Optional<Duration> maxDuration() {
    return Optional.ofNullable(maxDuration);
  }

  /** The wait before each retry. */
  public Backoff backoff() {
    return backoff;
  }

  /** The source of jitter draws, if one was given (otherwise a thread-local one is used). */
  public Optional<RandomGenerator> random() {
    return Optional.ofNullable(random);
  }

  /** The exception types retried (empty: every type, unless {@link #retryIf()} is set). */
  public List<Class<? extends Throwable>> retryOn() {
    return retryOn;
  }

  /** The exception types never retried. */
  public List<Class<? extends Throwable>> ignore() {
    return ignore;
  }

  /** The predicate of exceptions retried, if one was given. */
  public Optional<Predicate<? super Throwable>> retryIf() {
    return Optional.ofNullable(retryIf);
  }

  /** The predicate of results treated as failed attempts, if one was given. */
  public Optional<Predicate<Object>> retryOnResult() {
    return Optional.ofNullable(retryOnResult);
  }

  /** The exception types that stop retrying at once. */
  public List<Class<? extends Throwable>> abortOn() {
    return abortOn;
  }

  /** The predicate of exceptions that stop retrying at once, if one was given. */
  public Optional<Predicate<? super Throwable>> abortIf() {
    return Optional.ofNullable(abortIf);
  }

  /** The predicate of results that stop retrying at once, if one was given. */
  public Optional<Predicate<Object>> abortOnResult() {
    return Optional.ofNullable(abortOnResult);
  }

  /** The budget that limits retries, if one was given. */
  public Optional<RetryBudget> budget() {
    return Optional.ofNullable(budget);
  }

  /** The clock that times executions and synchronous waits. */
  public Clock clock() {
    return clock;
  }

  /** The scheduler of asynchronous retries. */
  public Scheduler scheduler() {
    return scheduler;
  }

  /** The event listeners. */
  public List<FaultEventListener> listeners() {
    return listeners;
  }

  @Override
  public String toString() {
    return "RetryConfig[name=" + name + ", maxAttempts=" + maxAttempts + ", maxDuration=" + maxDuration + ", backoff="
        + backoff + ", retryOn=" + retryOn + ", ignore=" + ignore + ", abortOn=" + abortOn + ", budget=" + budget + "]";
  }
}
