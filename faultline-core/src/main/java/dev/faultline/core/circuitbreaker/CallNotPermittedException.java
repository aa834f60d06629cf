package dev.faultline.core.circuitbreaker;

import dev.faultline.core.PolicyKind;
import dev.faultline.core.RejectedException;

/**
 * A circuit breaker refused a call because it was open, forced open, or half-open with every trial permit taken.
 * Stable code {@code "circuit-open"}.
 *
 * <p>Like every rejection it has no stack trace, and suppression is disabled, so an instance holds nothing mutable:
 * each breaker throws one cached instance per rejecting state ({@link #state()}). Do not rely on identity.
 */
public final class CallNotPermittedException extends RejectedException {
  private static final long serialVersionUID = 1L;

  private final CircuitState state;

  /** Creates the rejection by breaker {@code breaker} in state {@code state}. */
  public CallNotPermittedException(String breaker, CircuitState state) {
    super("circuit-open", PolicyKind.CIRCUIT_BREAKER, breaker, message(breaker, state));
    this.state = state;
  }

  private static String message(String breaker, CircuitState state) {
    return state == CircuitState.HALF_OPEN
        ? "circuit breaker " + breaker + " is HALF_OPEN and every trial call is taken"
        : "circuit breaker " + breaker + " is " + state + " and does not permit calls";
  }

  /** The state of the breaker when it refused the call. */
  public CircuitState state() {
    return state;
  }
}
