package dev.faultline.core.timeout;

import dev.faultline.core.Clock;
import dev.faultline.core.Scheduler;
import dev.faultline.core.event.FaultEventListener;
import java.time.Duration;
import java.util.List;

/** The immutable configuration of a {@link Timeout}, as checked by {@link Timeout.Builder#build()}. Thread-safe. */
public final class TimeoutConfig {
  private final String name;
  private final Duration timeout;
  private final boolean interruptOnTimeout;
  private final Clock clock;
  private final Scheduler scheduler;
  private final List<FaultEventListener> listeners;

  TimeoutConfig(String name, Duration timeout, boolean interruptOnTimeout, Clock clock, Scheduler scheduler,
      List<FaultEventListener> listeners) {
    this.name = name;
    this.timeout = timeout;
    this.interruptOnTimeout = interruptOnTimeout;
    this.clock = clock;
    this.scheduler = scheduler;
    this.listeners = List.copyOf(listeners);
  }

  /** The name of the timeout. */
  public String name() {
    return name;
  }

  /** The longest a call may take. */
  public Duration timeout() {
    return timeout;
  }

  /** Whether a synchronous call's thread is interrupted at the deadline. */
  public boolean interruptOnTimeout() {
    return interruptOnTimeout;
  }

  /** The clock that stamps events. */
  public Clock clock() {
    return clock;
  }

  /** The scheduler that runs the deadline tasks. */
  public Scheduler scheduler() {
    return scheduler;
  }

  /** The listeners of the timeout's events. */
  public List<FaultEventListener> listeners() {
    return listeners;
  }

  @Override
  public String toString() {
    return "TimeoutConfig[name=" + name + ", timeout=" + timeout + ", interruptOnTimeout=" + interruptOnTimeout + "]";
  }
}
