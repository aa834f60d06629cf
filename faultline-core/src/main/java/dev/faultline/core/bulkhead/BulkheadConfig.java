package dev.faultline.core.bulkhead;

import dev.faultline.core.Clock;
import dev.faultline.core.Scheduler;
import dev.faultline.core.event.FaultEventListener;
import java.time.Duration;
import java.util.List;

/** The immutable configuration of a {@link Bulkhead}, as checked by {@link Bulkhead.Builder#build()}. Thread-safe. */
public final class BulkheadConfig {
  private final String name;
  private final int maxConcurrentCalls;
  private final Duration maxWait;
  private final Clock clock;
  private final Scheduler scheduler;
  private final List<FaultEventListener> listeners;

  BulkheadConfig(String name, int maxConcurrentCalls, Duration maxWait, Clock clock, Scheduler scheduler,
      List<FaultEventListener> listeners) {
    this.name = name;
    this.maxConcurrentCalls = maxConcurrentCalls;
    this.maxWait = maxWait;
    this.clock = clock;
    this.scheduler = scheduler;
    this.listeners = List.copyOf(listeners);
  }

  /** The name of the bulkhead. */
  public String name() {
    return name;
  }

  /** The number of calls that may run at once. */
  public int maxConcurrentCalls() {
    return maxConcurrentCalls;
  }

  /** How long a call may wait for a permit; zero rejects at once. */
  public Duration maxWait() {
    return maxWait;
  }

  /** The clock that times waits and stamps events. */
  public Clock clock() {
    return clock;
  }

  /** The scheduler that ends the waits of queued asynchronous calls. */
  public Scheduler scheduler() {
    return scheduler;
  }

  /** The listeners of the bulkhead's events. */
  public List<FaultEventListener> listeners() {
    return listeners;
  }

  @Override
  public String toString() {
    return "BulkheadConfig[name=" + name + ", maxConcurrentCalls=" + maxConcurrentCalls + ", maxWait=" + maxWait + "]";
  }
}
