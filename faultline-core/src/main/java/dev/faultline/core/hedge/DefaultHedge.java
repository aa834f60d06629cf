package dev.faultline.core.hedge;

import dev.faultline.core.AsyncChain;
import dev.faultline.core.Chain;
import dev.faultline.core.Clock;
import dev.faultline.core.PolicyKind;
import dev.faultline.core.Scheduler;
import dev.faultline.core.event.PolicyEvent;
import dev.faultline.core.internal.Durations;
import dev.faultline.core.internal.Events;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The {@link Hedge} implementation.
 *
 * <p>Concurrency: the configuration fields are final; the counters are {@link LongAdder}s, updated by whichever thread
 * decides; latencies go to the lock-free {@link LatencyWindow}. The state of one execution lives in its own
 * {@link HedgedExecution}, which documents its locking. {@code CURRENT} holds, per thread, the hedge number of the
 * attempt that thread is running. Thread-safe.
 */
final class DefaultHedge implements Hedge {
  private static final ThreadLocal<int[]> CURRENT = ThreadLocal.withInitial(() -> new int[] {-1});

  final String name;
  final HedgeConfig config;
  final Clock clock;
  final Scheduler scheduler;
  final int maxHedges;
  private final Events events;
  private final Executor executor;
  private final long fixedDelayNanos;
  private final LatencyWindow window;
  private final Predicate<? super Throwable> hedgeOnFailure;
  private final Predicate<Object> hedgeOnResult;

  private final LongAdder calls = new LongAdder();
  private final LongAdder primaryWins = new LongAdder();
  private final LongAdder hedgeWins = new LongAdder();
  private final LongAdder failures = new LongAdder();
  private final LongAdder hedgesStarted = new LongAdder();

  DefaultHedge(HedgeConfig config) {
    this.config = config;
    this.name = config.name();
    this.clock = config.clock();
    this.scheduler = config.scheduler();
    this.maxHedges = config.maxHedges();
    this.events = new Events(clock, config.listeners());
    this.executor = config.executor().orElse(null);
    this.fixedDelayNanos = Durations.toNanosSaturated(config.delay());
    this.window = config.delayPercentile().isPresent()
        ? new LatencyWindow(config.sampleWindow(), config.delayPercentile().getAsDouble(), config.minSamples())
        : null;
    this.hedgeOnFailure = config.hedgeOnFailure();
    this.hedgeOnResult = config.hedgeOnResult().orElse(null);
  }

  static int currentAttempt() {
    return CURRENT.get()[0];
  }

  /** Marks the current thread as running attempt {@code number}; returns the mark to restore with {@link #exit}. */
  static int enter(int number) {
    int[] current = CURRENT.get();
    int previous = current[0];
    current[0] = number;
    return previous;
  }

  static void exit(int previous) {
    CURRENT.get()[0] = previous;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public PolicyKind kind() {
    return PolicyKind.HEDGE;
  }

  @Override
  public HedgeConfig config() {
    return config;
  }

  @Override
  public Metrics metrics() {
    return new Metrics(calls.sum(), primaryWins.sum(), hedgeWins.sum(), failures.sum(), hedgesStarted.sum(),
        Duration.ofNanos(delayNanos()));
  }

  @Override
  public <T> T execute(Chain<T> chain) throws Exception {
    return callSync(number -> chain.proceed());
  }

  @Override
  public <T> CompletionStage<T> executeAsync(AsyncChain<T> chain) {
    return callAsyncInternal(number -> chain.proceed());
  }

  @Override
  public <T> T call(Callable<? extends T> call) throws Exception {
    return callSync(number -> call.call());
  }

  @Override
  public <T> CompletionStage<T> callAsync(Supplier<? extends CompletionStage<T>> call) {
    return callAsyncInternal(number -> call.get());
  }

  <T> T callSync(SyncExecution.Attempt<T> attempt) throws Exception {
    Executor attempts = executor;
    if (attempts == null) {
      throw new IllegalStateException("hedge " + name + " has no executor: synchronous calls run their attempts on the"
          + " executor set with Hedge.Builder.executor(Executor)");
    }
    calls.increment();
    SyncExecution<T> execution = new SyncExecution<>(this, attempt, attempts);
    execution.start();
    return execution.await();
  }

  <T> CompletionStage<T> callAsyncInternal(AsyncExecution.Attempt<T> attempt) {
    calls.increment();
    AsyncExecution<T> execution = new AsyncExecution<>(this, attempt);
    execution.start();
    return execution.result;
  }

  /** The delay an execution starting now uses. */
  long delayNanos() {
    if (window != null) {
      long percentile = window.percentileNanos();
      if (percentile >= 0) {
        return percentile;
      }
    }
    return fixedDelayNanos;
  }

  boolean hedgesOnResult(Object value) {
    return hedgeOnResult != null && hedgeOnResult.test(value);
  }

  boolean hedgesOnFailure(Throwable failure) {
    return hedgeOnFailure.test(failure);
  }

  void hedgeStarted(int hedge, long afterNanos) {
    hedgesStarted.increment();
    if (events.enabled()) {
      events.publish(new PolicyEvent.HedgeStarted(name, events.now(), hedge, Duration.ofNanos(afterNanos)));
    }
  }

  void attemptFailed(int hedge, Throwable failure, long elapsedNanos) {
    if (events.enabled()) {
      events.publish(new PolicyEvent.AttemptFailed(name, events.now(), PolicyKind.HEDGE, hedge, failure,
          Duration.ofNanos(elapsedNanos)));
    }
  }

  void succeeded(int winner, boolean hedged, long elapsedNanos) {
    if (window != null) {
      window.record(elapsedNanos);
    }
    (winner == 0 ? primaryWins : hedgeWins).increment();
    if (hedged && events.enabled()) {
      events.publish(new PolicyEvent.HedgeWon(name, events.now(), winner, Duration.ofNanos(elapsedNanos)));
    }
  }

  void failed() {
    failures.increment();
  }

  @Override
  public String toString() {
    return "Hedge[" + name + "]";
  }
}
