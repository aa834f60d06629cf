package dev.faultline.core.ratelimiter;

import dev.faultline.core.AsyncChain;
import dev.faultline.core.Chain;
import dev.faultline.core.Clock;
import dev.faultline.core.PolicyKind;
import dev.faultline.core.Scheduler;
import dev.faultline.core.event.PolicyEvent;
import dev.faultline.core.internal.Durations;
import dev.faultline.core.internal.Events;
import dev.faultline.core.internal.Exceptions;
import dev.faultline.core.internal.Stages;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The implementation of {@link RateLimiter}: a token bucket kept as one number, like the generic cell rate algorithm.
 *
 * <p>The state is {@code emptyAt}, the clock reading at which the bucket holds no permit. At time {@code now} it holds
 * {@code min(burst, (now - emptyAt) / interval)} permits (negative: permits reserved ahead by waiting callers). Taking a
 * permit moves {@code emptyAt} one interval later, from no earlier than {@code now - burst * interval} (a full bucket
 * does not fill further); the permit is ready when the clock reaches the new {@code emptyAt}, so the caller waits
 * {@code max(0, newEmptyAt - now)}.
 *
 * <p>Concurrency: {@code emptyAt} is the only mutable state and is changed only by compare-and-set, so every permit
 * is reserved exactly once and no lock is taken. Counters are {@link LongAdder}s; everything else is final.
 */
final class DefaultRateLimiter implements RateLimiter {
  private static final VarHandle EMPTY_AT;

  static {
    try {
      EMPTY_AT = MethodHandles.lookup().findVarHandle(DefaultRateLimiter.class, "emptyAt", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final RateLimiterConfig config;
  private final String name;
  private final long intervalNanos;
  private final long burstNanos;
  private final int burst;
  private final long maxWaitNanos;
  private final Clock clock;
  private final Scheduler scheduler;
  private final Events events;
  private final LongAdder calls = new LongAdder();
  private final LongAdder waits = new LongAdder();
  private final LongAdder rejections = new LongAdder();

  private volatile long emptyAt;

  DefaultRateLimiter(RateLimiterConfig config) {
    this.config = config;
    this.name = config.name();
    this.intervalNanos = RateLimiterConfig.interval(config.period().toNanos(), config.permits());
    this.burst = config.burst();
    this.burstNanos = burst * intervalNanos;
    this.maxWaitNanos = Durations.toNanosSaturated(config.maxWait());
    this.clock = config.clock();
    this.scheduler = config.scheduler();
    this.events = new Events(clock, config.listeners());
    this.emptyAt = clock.nanoTime() - burstNanos; // starts full
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public PolicyKind kind() {
    return PolicyKind.RATE_LIMITER;
  }

  @Override
  public RateLimiterConfig config() {
    return config;
  }

  @Override
  public Metrics metrics() {
    long stored = Math.floorDiv(clock.nanoTime() - emptyAt, intervalNanos);
    return new Metrics(Math.min(burst, stored), calls.sum(), waits.sum(), rejections.sum());
  }

  @Override
  public <T> T call(Callable<? extends T> call) throws Exception {
    awaitPermit();
    return call.call();
  }

  @Override
  public <T> T execute(Chain<T> chain) throws Exception {
    awaitPermit();
    return chain.proceed();
  }

  @Override
  public <T> CompletionStage<T> callAsync(Supplier<? extends CompletionStage<T>> call) {
    return executeAsync(AsyncChain.of(clock, call));
  }

  @Override
  public <T> CompletionStage<T> executeAsync(AsyncChain<T> chain) {
    calls.increment();
    long wait = reserve();
    if (wait < 0) {
      return CompletableFuture.failedFuture(rejected(-wait));
    }
    if (wait == 0) {
      return start(chain);
    }
    waits.increment();
    CompletableFuture<T> result = new CompletableFuture<>();
    Scheduler.Task task = scheduler.schedule(() -> {
      if (result.isDone()) {
        return; // cancelled by the caller while waiting
      }
      CompletionStage<T> stage = start(chain);
      stage.whenComplete((value, failure) -> Stages.complete(result, value, failure));
      Stages.cancelWith(result, stage);
    }, wait);
    result.whenComplete((value, failure) -> {
      if (result.isCancelled()) {
        task.cancel();
      }
    });
    return result;
  }

  /**
   * Starts an async call that has its permit. A chain that breaks its contract by throwing gives a failed stage, so
   * that a call started by the scheduler after its wait still completes its caller's result.
   */
  private static <T> CompletionStage<T> start(AsyncChain<T> chain) {
    try {
      return chain.proceed();
    } catch (Throwable t) {
      Exceptions.rethrowIfFatal(t);
      return CompletableFuture.failedFuture(t);
    }
  }

  /** Reserves a permit for a synchronous call and sleeps on the clock until it is ready, or throws if too far. */
  private void awaitPermit() throws InterruptedException {
    calls.increment();
    long wait = reserve();
    if (wait < 0) {
      throw rejected(-wait);
    }
    if (wait > 0) {
      waits.increment();
      clock.sleep(wait);
    }
  }

  /**
   * Reserves one permit. Returns the wait until it is ready (0: now), or, when it is further away than maxWait, the
   * negated wait it would have needed, and reserves nothing.
   */
  private long reserve() {
    while (true) {
      long current = emptyAt;
      long now = clock.nanoTime();
      long from = now - current > burstNanos ? now - burstNanos : current;
      // Compared before adding the interval: with a maxWait near Long.MAX_VALUE, from + interval could wrap around
      // and turn a wait of centuries into a negative one, admitting the call at once.
      long ahead = from - now;
      if (ahead > maxWaitNanos - intervalNanos) {
        return -(ahead > Long.MAX_VALUE - intervalNanos ? Long.MAX_VALUE : ahead + intervalNanos);
      }
      long next = from + intervalNanos;
      if (EMPTY_AT.compareAndSet(this, current, next)) {
        return Math.max(0, next - now);
      }
    }
  }

  private RateLimitedException rejected(long waitNanos) {
    rejections.increment();
    if (events.enabled()) {
      events.publish(new PolicyEvent.CallRejected(name, events.now(), PolicyKind.RATE_LIMITER,
          "next permit in " + Duration.ofNanos(waitNanos) + ", more than maxWait " + config.maxWait()));
    }
    return new RateLimitedException(name, Duration.ofNanos(waitNanos), config.maxWait());
  }
}
