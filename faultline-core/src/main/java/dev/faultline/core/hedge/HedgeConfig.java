package dev.faultline.core.hedge;

import dev.faultline.core.Clock;
import dev.faultline.core.Scheduler;
import dev.faultline.core.event.FaultEventListener;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.Executor;
import java.util.function.Predicate;

/**
 * The validated, immutable configuration of a {@link Hedge}; built only by {@link Hedge.Builder}. Thread-safe.
 */
public final class HedgeConfig {
  private final String name;
  private final Duration delay;
  private final OptionalDouble delayPercentile;
  private final int minSamples;
  private final int sampleWindow;
  private final int maxHedges;
  private final Executor executor;
  private final Clock clock;
  private final Scheduler scheduler;
  private final List<FaultEventListener> listeners;
  private final Predicate<? super Throwable> hedgeOnFailure;
  private final Predicate<Object> hedgeOnResult;

  HedgeConfig(Hedge.Builder builder, Scheduler scheduler) {
    this.name = builder.name;
    this.delay = builder.delay;
    this.delayPercentile = builder.percentileSet ? OptionalDouble.of(builder.delayPercentile) : OptionalDouble.empty();
    this.minSamples = builder.minSamples;
    this.sampleWindow = builder.sampleWindow;
    this.maxHedges = builder.maxHedges;
    this.executor = builder.executor;
    this.clock = builder.clock;
    this.scheduler = scheduler;
    this.listeners = List.copyOf(builder.listeners);
    this.hedgeOnFailure = builder.hedgeOnFailure;
    this.hedgeOnResult = builder.hedgeOnResult;
  }

  /** The hedge's name. */
  public String name() {
    return name;
  }

  /** The fixed delay before the next hedge starts. */
  public Duration delay() {
    return delay;
  }

  /** The percentile of recent latencies used as the delay, if set. */
  public OptionalDouble delayPercentile() {
    return delayPercentile;
  }

  /** How many latencies must be recorded before the percentile is used. */
  public int minSamples() {
    return minSamples;
  }

  /** How many recent latencies the percentile is taken over. */
  public int sampleWindow() {
    return sampleWindow;
  }

  /** The most hedges an execution may start besides the primary. */
  public int maxHedges() {
    return maxHedges;
  }

  /** The executor that runs the attempts of synchronous calls, if one was set. */
  public Optional<Executor> executor() {
    return Optional.ofNullable(executor);
  }

  /** The clock that times delays, latencies and events. */
  public Clock clock() {
    return clock;
  }

  /** The scheduler that starts hedges. */
  public Scheduler scheduler() {
    return scheduler;
  }

  /** The listeners of this hedge's events. */
  public List<FaultEventListener> listeners() {
    return listeners;
  }

  /** Which failures start the next hedge at once. */
  public Predicate<? super Throwable> hedgeOnFailure() {
    return hedgeOnFailure;
  }

  /** Which results count as a failed attempt, if set. */
  public Optional<Predicate<Object>> hedgeOnResult() {
    return Optional.ofNullable(hedgeOnResult);
  }

  @Override
  public String toString() {
    return "HedgeConfig[name=" + name + ", delay=" + delay + ", delayPercentile=" + delayPercentile + ", minSamples="
        + minSamples + ", sampleWindow=" + sampleWindow + ", maxHedges=" + maxHedges + ", executor=" + executor
        + ", listeners=" + listeners.size() + "]";
  }
}
