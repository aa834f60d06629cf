package dev.faultline.core.circuitbreaker;

/** The states of a circuit breaker. */
public enum CircuitState {
  /** Calls pass; outcomes are recorded. */
  CLOSED,
  /** Calls are rejected until the wait in open has passed. */
  OPEN,
  /** A limited number of trial calls pass; their outcomes decide between closed and open. */
  HALF_OPEN,
  /** Calls are rejected until the breaker is reset or closed by hand. */
  FORCED_OPEN,
  /** Calls pass and nothing is recorded. */
  DISABLED
}
