package dev.faultline.supervisor.recovery;

import dev.faultline.core.internal.Validate;
import dev.faultline.core.circuitbreaker.CircuitState;
import dev.faultline.core.event.ComponentEvent;
import dev.faultline.core.event.FaultEvent;
import dev.faultline.core.event.PolicyEvent;
import dev.faultline.supervisor.watchdog.HungWorkException;
import java.util.function.Predicate;

/**
 * Which {@link FaultEvent}s trigger a recovery rule. Signals are read from the one event stream, so a rule needs no
 * hook into the part that detected the problem. Immutable and thread-safe.
 *
 * @param name a short description, for reports
 * @param matches the test applied to each event; must be fast and must not throw
 */
public record Signal(String name, Predicate<FaultEvent> matches) {

  /** Requires both parts. */
  public Signal {
    Validate.notBlank("name", name);
    Validate.notNull("matches", matches);
  }

  /** A health check named {@code check} went DOWN. */
  public static Signal healthDown(String check) {
    Validate.notBlank("check", check);
    return new Signal("health check '" + check + "' DOWN", e -> e instanceof ComponentEvent.HealthChanged h
        && h.check().equals(check) && h.to().equals("DOWN"));
  }

  /** Peer {@code peer} is suspected by a heartbeat monitor. */
  public static Signal peerSuspected(String peer) {
    Validate.notBlank("peer", peer);
    return new Signal("peer '" + peer + "' suspected", e -> e instanceof ComponentEvent.PeerSuspected p
        && p.peer().equals(peer));
  }

  /** A watchdog reported work of {@code component} as overdue, hung or deadlocked. */
  public static Signal watchdog(String component) {
    Validate.notBlank("component", component);
    return new Signal("watchdog on '" + component + "'", e -> e instanceof ComponentEvent.ComponentFailed f
        && f.source().equals(component) && f.failure() instanceof HungWorkException);
  }

  /** Circuit breaker {@code breaker} opened (or was forced open). */
  public static Signal breakerOpened(String breaker) {
    Validate.notBlank("breaker", breaker);
    return new Signal("breaker '" + breaker + "' open", e -> e instanceof PolicyEvent.CircuitStateChanged c
        && c.source().equals(breaker) && (c.to() == CircuitState.OPEN || c.to() == CircuitState.FORCED_OPEN));
  }

  /** Component {@code component} failed, whatever the cause. */
  public static Signal componentFailed(String component) {
    Validate.notBlank("component", component);
    return new Signal("'" + component + "' failed", e -> e instanceof ComponentEvent.ComponentFailed f
        && f.source().equals(component));
  }
}
