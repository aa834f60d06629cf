package dev.faultline.core.bulkhead;

import dev.faultline.core.Clock;
import dev.faultline.core.Policy;
import dev.faultline.core.Scheduler;
import dev.faultline.core.event.FaultEventListener;
import dev.faultline.core.internal.Validate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A policy that bounds the number of calls running at once: a call takes one of {@code maxConcurrentCalls} permits
 * and gives it back when it ends, however it ends.
 *
 * <p>When every permit is taken, a call waits for one for at most {@linkplain Builder#maxWait maxWait} (default zero:
 * it is rejected at once) and is then rejected with {@link BulkheadFullException}, publishing
 * {@link dev.faultline.core.event.PolicyEvent.CallRejected}. Waiting calls get permits in arrival order.
 *
 * <p><b>Synchronous calls</b> wait in the calling thread, parked on a condition. The wait ends when the injected
 * {@link Clock} reaches the deadline <em>or</em> the thread has been parked for {@code maxWait}, whichever comes first:
 * a fake clock cannot wake a parked thread, so with one the wait is bounded by real parking time.
 *
 * <p><b>Asynchronous calls</b> never block: the call starts when a permit is free, else it is queued (with the
 * synchronous waiters, in the same order) until a permit frees, bounded by {@code maxWait} on the injected
 * {@link Scheduler}. The permit is given back when the call's stage completes. Cancelling the returned stage removes
 * a queued call from the queue, or cancels the running call's stage.
 *
 * <p>Thread-safe.
 */
public interface Bulkhead extends Policy {

  /** Starts a builder for a bulkhead named {@code name}. */
  static Builder builder(String name) {
    return new Builder(name);
  }

  /** The configuration of this bulkhead. */
  BulkheadConfig config();

  /** A snapshot of this bulkhead's state and counters. */
  Metrics metrics();

  /**
   * The state and counters of a bulkhead.
   *
   * @param availablePermits permits free now
   * @param maxConcurrentCalls the configured number of permits
   * @param calls calls submitted to the bulkhead, rejected ones included
   * @param rejections calls rejected because no permit was free in time
   */
  record Metrics(int availablePermits, int maxConcurrentCalls, long calls, long rejections) {}

  /** Builds a {@link Bulkhead}. Not thread-safe. */
  final class Builder {
    private final String name;
    private int maxConcurrentCalls = 25;
    private Duration maxWait = Duration.ZERO;
    private Clock clock = Clock.system();
    private Scheduler scheduler = Scheduler.system();
    private final List<FaultEventListener> listeners = new ArrayList<>();

    private Builder(String name) {
      this.name = name;
    }

    /** The number of calls that may run at once (default 25; at least 1). */
    public Builder maxConcurrentCalls(int maxConcurrentCalls) {
      this.maxConcurrentCalls = maxConcurrentCalls;
      return this;
    }

    /** How long a call may wait for a permit before it is rejected (default zero: rejected at once). */
    public Builder maxWait(Duration maxWait) {
      this.maxWait = maxWait;
      return this;
    }

    /** The clock that times waits and stamps events (default {@link Clock#system()}). */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** The scheduler that ends the waits of queued asynchronous calls (default {@link Scheduler#system()}). */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = scheduler;
      return this;
    }

    /** Adds a listener of this bulkhead's events; may be called several times. */
    public Builder listener(FaultEventListener listener) {
      listeners.add(Validate.notNull("listener", listener));
      return this;
    }

    /**
     * Checks the configuration and builds the bulkhead.
     *
     * @throws dev.faultline.core.ConfigurationException naming the field, the rule and the value that broke it
     */
    public Bulkhead build() {
      BulkheadConfig config = new BulkheadConfig(
          Validate.notBlank("name", name),
          Validate.atLeast("maxConcurrentCalls", maxConcurrentCalls, 1),
          Validate.notNegative("maxWait", maxWait),
          Validate.notNull("clock", clock),
          Validate.notNull("scheduler", scheduler),
          listeners);
      if (config.maxWait().isZero() && config.maxConcurrentCalls() <= SlotBulkhead.MAX_PERMITS) {
        return new SlotBulkhead(config);
      }
      return new DefaultBulkhead(config);
    }
  }
}
