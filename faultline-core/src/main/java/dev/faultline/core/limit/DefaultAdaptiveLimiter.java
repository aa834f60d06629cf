package dev.faultline.core.limit;

import dev.faultline.core.AsyncChain;
import dev.faultline.core.Chain;
import dev.faultline.core.Clock;
import dev.faultline.core.PolicyKind;
import dev.faultline.core.event.PolicyEvent;
import dev.faultline.core.internal.Events;
import dev.faultline.core.internal.Exceptions;
import dev.faultline.core.internal.Stages;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The implementation of {@link AdaptiveLimiter}.
 *
 * <p>Concurrency:
 * <ul>
 *   <li>{@code inflight} is raised only by compare-and-set from a value below the {@code limit} just read (so no call
 *       is admitted with {@code inflight > limit}), and lowered by an atomic add when a call ends.
 *   <li>{@code updating} is a try-lock flag, taken by compare-and-set and released with a release store. It guards
 *       {@code estimator} (plain mutable state) and is the only writer of {@code limit}; the flag's acquire/release
 *       order every update after the previous one. A thread that finds it taken skips its sample and never waits.
 *   <li>{@code limit} is volatile: admission reads the latest published value. Events are published after the flag
 *       is released.
 * </ul>
 */
final class DefaultAdaptiveLimiter implements AdaptiveLimiter {
  private static final VarHandle INFLIGHT;
  private static final VarHandle UPDATING;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      INFLIGHT = lookup.findVarHandle(DefaultAdaptiveLimiter.class, "inflight", int.class);
      UPDATING = lookup.findVarHandle(DefaultAdaptiveLimiter.class, "updating", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final AdaptiveLimiterConfig config;
  private final String name;
  private final Clock clock;
  private final Events events;
  private final LimitEstimator estimator;
  private final LongAdder calls = new LongAdder();
  private final LongAdder rejections = new LongAdder();

  private volatile int limit;
  private volatile int inflight;
  private volatile int updating;

  DefaultAdaptiveLimiter(AdaptiveLimiterConfig config) {
    this.config = config;
    this.name = config.name();
    this.clock = config.clock();
    this.events = new Events(clock, config.listeners());
    this.estimator = LimitEstimator.of(config);
    this.limit = config.initialLimit();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public PolicyKind kind() {
    return PolicyKind.ADAPTIVE_LIMITER;
  }

  @Override
  public AdaptiveLimiterConfig config() {
    return config;
  }

  @Override
  public Metrics metrics() {
    return new Metrics(limit, inflight, calls.sum(), rejections.sum());
  }

  @Override
  public <T> T call(Callable<? extends T> call) throws Exception {
    int admitted = admit();
    if (admitted < 0) {
      throw rejected(-admitted);
    }
    long start = clock.nanoTime();
    T result;
    try {
      result = call.call();
    } catch (Throwable t) {
      complete(start, admitted, t);
      throw t;
    }
    complete(start, admitted, null);
    return result;
  }

  @Override
  public <T> T execute(Chain<T> chain) throws Exception {
    return call(chain);
  }

  @Override
  public <T> CompletionStage<T> callAsync(Supplier<? extends CompletionStage<T>> call) {
    return executeAsync(AsyncChain.of(clock, call));
  }

  @Override
  public <T> CompletionStage<T> executeAsync(AsyncChain<T> chain) {
    int admitted = admit();
    if (admitted < 0) {
      return CompletableFuture.failedFuture(rejected(-admitted));
    }
    long start = clock.nanoTime();
    CompletionStage<T> stage;
    try {
      stage = chain.proceed();
    } catch (Throwable t) {
      // Only a chain that breaks its contract gets here; its slot must still come back, or the limit shrinks for good.
      complete(start, admitted, t);
      Exceptions.rethrowIfFatal(t);
      return CompletableFuture.failedFuture(t);
    }
    CompletableFuture<T> result = new CompletableFuture<>();
    stage.whenComplete((value, failure) -> {
      try {
        complete(start, admitted, failure == null ? null : Exceptions.unwrap(failure));
      } finally {
        Stages.complete(result, value, failure);
      }
    });
    Stages.cancelWith(result, stage);
    return result;
  }

  /**
   * Admits a call if fewer than {@code limit} are in flight. Returns the number in flight with it (at least 1), or,
   * when rejected, the negated limit that was reached.
   */
  private int admit() {
    calls.increment();
    while (true) {
      int current = inflight;
      int max = limit;
      if (current >= max) {
        return -max;
      }
      if (INFLIGHT.compareAndSet(this, current, current + 1)) {
        return current + 1;
      }
    }
  }

  /** Ends an admitted call and feeds its sample to the algorithm, unless it ended with a fatal error. */
  private void complete(long start, int admitted, Throwable failure) {
    INFLIGHT.getAndAdd(this, -1);
    if (failure != null && Exceptions.isFatal(failure)) {
      return;
    }
    long rtt = Math.max(1, clock.nanoTime() - start);
    if (!UPDATING.compareAndSet(this, 0, 1)) {
      return; // another thread is updating the limit: skip this sample rather than wait
    }
    int from;
    int to;
    try {
      from = limit;
      to = estimator.update(rtt, admitted, failure != null);
      limit = to;
    } finally {
      UPDATING.setRelease(this, 0);
    }
    if (from != to && events.enabled()) {
      events.publish(new PolicyEvent.LimitChanged(name, events.now(), from, to));
    }
  }

  private LimitExceededException rejected(int reachedLimit) {
    rejections.increment();
    if (events.enabled()) {
      events.publish(new PolicyEvent.CallRejected(name, events.now(), PolicyKind.ADAPTIVE_LIMITER,
          reachedLimit + " calls in flight, the current limit"));
    }
    return new LimitExceededException(name, reachedLimit);
  }
}
