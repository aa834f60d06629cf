package dev.faultline.core.limit;

import dev.faultline.core.PolicyKind;
import dev.faultline.core.RejectedException;

/**
 * An {@link AdaptiveLimiter} rejected a call because as many calls as its current limit were in flight. Code
 * {@code "limit-exceeded"}.
 */
public final class LimitExceededException extends RejectedException {
  private static final long serialVersionUID = 1L;

  private final int limit;

  LimitExceededException(String policy, int limit) {
    super("limit-exceeded", PolicyKind.ADAPTIVE_LIMITER, policy, "adaptive limiter " + policy
        + " is at its limit: " + limit + " calls in flight");
    this.limit = limit;
  }

  /** The limit in force when the call was rejected. */
  public int limit() {
    return limit;
  }
}
