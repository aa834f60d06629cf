package dev.faultline.supervisor.recovery;

import dev.faultline.core.internal.Durations;
import dev.faultline.core.internal.Exceptions;
import dev.faultline.core.internal.Validate;
import dev.faultline.core.Clock;
import dev.faultline.core.Scheduler;
import dev.faultline.core.event.ComponentEvent;
import dev.faultline.core.event.FaultEvent;
import dev.faultline.core.event.FaultEventListener;
import dev.faultline.core.event.IncidentEvent;
import dev.faultline.core.internal.Events;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Automatic recovery: rules that listen to the event stream and act when their {@link Signal} fires, each at most once
 * per cool-down so that a rule cannot flap (its own action's events, a restart's failure for example, land inside the
 * cool-down).
 *
 * <p>Register the rules as a listener of every part whose signals they read (supervisors, health registries, heartbeat
 * monitors, watchdogs, circuit breakers). As a listener it only matches and schedules: the action runs on the injected
 * {@link Scheduler}, outside the publisher's thread. Each firing publishes an {@code IncidentReported} (fingerprint
 * {@code "rule:<name>"}, type the trigger's event type, message naming the rule, signal and trigger); an action that
 * throws publishes a {@code ComponentFailed} with source the rule's name.
 *
 * <p>Thread-safe and lock-free: each rule's last firing time is an {@code AtomicLong} claimed by CAS, so concurrent
 * signals fire a rule once per cool-down.
 */
public final class RecoveryRules implements FaultEventListener {
  private final String name;
  private final Clock clock;
  private final Scheduler scheduler;
  private final Events events;
  private final List<Armed> rules;

  private RecoveryRules(Builder b) {
    this.name = b.name;
    this.clock = b.clock;
    this.scheduler = b.scheduler;
    this.events = new Events(b.clock, List.copyOf(b.listeners));
    List<Armed> armed = new ArrayList<>();
    for (Rule r : b.rules) {
      armed.add(new Armed(r));
    }
    this.rules = List.copyOf(armed);
  }

  /** A builder for rules named {@code name}. */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** Matches {@code event} against every rule and schedules the actions of those that fire. Never throws. */
  @Override
  public void onEvent(FaultEvent event) {
    for (Armed armed : rules) {
      Rule rule = armed.rule;
      boolean matches;
      try {
        matches = rule.signal().matches().test(event);
      } catch (RuntimeException e) {
        matches = false;
      }
      if (!matches) {
        continue;
      }
      long now = clock.nanoTime();
      long last = armed.lastFired.get();
      if (last != Long.MIN_VALUE && now - last < Durations.toNanosSaturated(rule.coolDown())) {
        armed.suppressed.incrementAndGet();
        continue;
      }
      if (!armed.lastFired.compareAndSet(last, now)) {
        armed.suppressed.incrementAndGet();
        continue; // another thread fired it just now
      }
      armed.fired.incrementAndGet();
      if (events.enabled()) {
        events.publish(new IncidentEvent.IncidentReported(name, events.now(), "rule:" + rule.name(),
            event.getClass().getSimpleName(), "rule '" + rule.name() + "' fired on " + rule.signal().name()
                + " (" + event.source() + ")"));
      }
      scheduler.schedule(() -> act(rule, event), 0);
    }
  }

  private void act(Rule rule, FaultEvent trigger) {
    try {
      rule.action().run(trigger);
    } catch (Throwable t) {
      Exceptions.rethrowIfFatal(t);
      if (events.enabled()) {
        RecoveryRuleException failure = new RecoveryRuleException("the action of rule '" + rule.name() + "' failed: "
            + t, t);
        events.publish(new ComponentEvent.ComponentFailed(rule.name(), events.now(), failure.getMessage(), failure));
      }
    }
  }

  /** How many times rule {@code rule} fired. */
  public long fired(String rule) {
    return armed(rule).fired.get();
  }

  /** How many times rule {@code rule} matched but was held back by its cool-down. */
  public long suppressed(String rule) {
    return armed(rule).suppressed.get();
  }

  private Armed armed(String rule) {
    for (Armed a : rules) {
      if (a.rule.name().equals(rule)) {
        return a;
      }
    }
    throw new IllegalArgumentException("no recovery rule named '" + rule + "'");
  }

  /**
   * One rule: when {@code signal} fires, run {@code action}, at most once per {@code coolDown}.
   *
   * @param name the rule's name, unique among the rules
   * @param signal what fires it
   * @param action what it does
   * @param coolDown the least time between two firings (zero or more)
   */
  public record Rule(String name, Signal signal, RecoveryAction action, Duration coolDown) {
    /** Checks the parts. */
    public Rule {
      Validate.notBlank("name", name);
      Validate.notNull("signal", signal);
      Validate.notNull("action", action);
      Validate.notNegative("coolDown", coolDown);
    }
  }

  /** A rule and its counters. */
  private static final class Armed {
    final Rule rule;
    final AtomicLong lastFired = new AtomicLong(Long.MIN_VALUE);
    final AtomicLong fired = new AtomicLong();
    final AtomicLong suppressed = new AtomicLong();

    Armed(Rule rule) {
      this.rule = rule;
    }
  }

  /** Builds {@link RecoveryRules}; not thread-safe. */
  public static final class Builder {
    private final String name;
    private Clock clock = Clock.system();
    private Scheduler scheduler = Scheduler.system();
    private final List<FaultEventListener> listeners = new ArrayList<>();
    private final List<Rule> rules = new ArrayList<>();

    private Builder(String name) {
      this.name = name;
    }

    /** Adds a rule. */
    public Builder rule(String name, Signal signal, RecoveryAction action, Duration coolDown) {
      rules.add(new Rule(name, signal, action, coolDown));
      return this;
    }

    /** Sets the clock that times cool-downs (default the system clock). */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** Sets the scheduler the actions run on (default the system scheduler). */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = scheduler;
      return this;
    }

    /** Adds a listener for the rules' own events. */
    public Builder listener(FaultEventListener listener) {
      listeners.add(Validate.notNull("listener", listener));
      return this;
    }

    /**
     * Checks the settings and builds the rules.
     *
     * @throws dev.faultline.core.ConfigurationException naming the field, the rule and the value when invalid
     */
    public RecoveryRules build() {
      Validate.notBlank("name", name);
      Validate.notNull("clock", clock);
      Validate.notNull("scheduler", scheduler);
      Set<String> names = new HashSet<>();
      for (Rule r : rules) {
        if (!names.add(r.name())) {
          throw new dev.faultline.core.ConfigurationException("rules", "have unique names", r.name());
        }
      }
      return new RecoveryRules(this);
    }
  }
}
