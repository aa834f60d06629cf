package dev.faultline.core.timeout;

import dev.faultline.core.Clock;
import dev.faultline.core.Policy;
import dev.faultline.core.Scheduler;
import dev.faultline.core.TimeoutExceededException;
import dev.faultline.core.event.FaultEventListener;
import dev.faultline.core.internal.Validate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A policy that bounds the duration of one call: a call still running at its deadline fails with
 * {@link TimeoutExceededException}.
 *
 * <p><b>Synchronous calls</b> run in the calling thread. At the deadline the call is marked timed out and, with {@linkplain Builder#interruptOnTimeout interruptOnTimeout}, interrupts the
 * calling thread (only while that call is still running). When the call then returns or throws, the caller gets
 * {@code TimeoutExceededException} instead of its outcome, and an interrupt caused by the timeout is cleared. Without
 * interruption the call runs to its end and only then is the timeout reported. On {@link Scheduler#system()} the
 * deadline is the calling thread's reusable slot, watched by one daemon thread with a 1 ms tick (no allocation and
 * no clock read per call; never early, at most two ticks late, up to 10 ms late when a call starts just as the
 * watcher goes idle after a quiet second); on any other scheduler (a test's fake clock, or a second timeout nested
 * on the same thread) it is a task scheduled at the deadline.
 *
 * <p><b>Asynchronous calls</b>: at the deadline the returned stage fails with {@code TimeoutExceededException} and the
 * call's own stage is cancelled; its later completion is ignored. Cancelling the returned stage cancels the call's
 * stage and the deadline.
 *
 * <p>Each timeout publishes {@link dev.faultline.core.event.PolicyEvent.TimeoutExceeded} at the deadline.
 *
 * <p>Thread-safe.
 */
public interface Timeout extends Policy {

  /** Starts a builder for a timeout named {@code name}. */
  static Builder builder(String name) {
    return new Builder(name);
  }

  /** The configuration of this timeout. */
  TimeoutConfig config();

  /** A snapshot of this timeout's counters. */
  Metrics metrics();

  /**
   * Counters of a timeout since it was built. Once every call has ended,
   * {@code calls == successes + failures + timeouts}, fatal errors aside.
   *
   * @param calls calls started
   * @param successes calls that returned a value before their deadline
   * @param failures calls that failed before their deadline
   * @param timeouts calls still running at their deadline
   */
  record Metrics(long calls, long successes, long failures, long timeouts) {}

  /** Builds a {@link Timeout}. Not thread-safe. */
  final class Builder {
    private final String name;
    private Duration timeout;
    private boolean interruptOnTimeout;
    private Clock clock = Clock.system();
    private Scheduler scheduler = Scheduler.system();
    private final List<FaultEventListener> listeners = new ArrayList<>();

    private Builder(String name) {
      this.name = name;
    }

    /** The longest a call may take (required; positive). */
    public Builder timeout(Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    /** Whether to interrupt a synchronous call's thread at the deadline (default false). */
    public Builder interruptOnTimeout(boolean interruptOnTimeout) {
      this.interruptOnTimeout = interruptOnTimeout;
      return this;
    }

    /** The clock that stamps events (default {@link Clock#system()}). */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** The scheduler that runs the deadline tasks (default {@link Scheduler#system()}). */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = scheduler;
      return this;
    }

    /** Adds a listener of this timeout's events; may be called several times. */
    public Builder listener(FaultEventListener listener) {
      listeners.add(Validate.notNull("listener", listener));
      return this;
    }

    /**
     * Checks the configuration and builds the timeout.
     *
     * @throws dev.faultline.core.ConfigurationException naming the field, the rule and the value that broke it
     */
    public Timeout build() {
      TimeoutConfig config = new TimeoutConfig(
          Validate.notBlank("name", name),
          Validate.positive("timeout", timeout),
          interruptOnTimeout,
          Validate.notNull("clock", clock),
          Validate.notNull("scheduler", scheduler),
          listeners);
      return new DefaultTimeout(config);
    }
  }
}
