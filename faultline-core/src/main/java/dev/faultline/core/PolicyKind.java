package dev.faultline.core;

/**
 * The kinds of policy, declared in the order in which a {@link Pipeline} composes them, outermost first.
 */
public enum PolicyKind {
  /** Replaces a failure with a value or an alternative call. */
  FALLBACK,
  /** Runs the call again after a failure. */
  RETRY,
  /** Stops calling a failing downstream for a while. */
  CIRCUIT_BREAKER,
  /** Limits the rate of calls. */
  RATE_LIMITER,
  /** Bounds the duration of a call. */
  TIMEOUT,
  /** Limits concurrent calls to a fixed number. */
  BULKHEAD,
  /** Limits concurrent calls to a number that adapts to latency. */
  ADAPTIVE_LIMITER,
  /** Starts redundant attempts when the first is slow. */
  HEDGE
}
