package dev.faultline.core.ratelimiter;

import dev.faultline.core.PolicyKind;
import dev.faultline.core.RejectedException;
import java.time.Duration;

/**
 * A {@link RateLimiter} rejected a call because its permit was further away than the maximum wait. Code
 * {@code "rate-limited"}.
 */
public final class RateLimitedException extends RejectedException {
  private static final long serialVersionUID = 1L;

  private final Duration retryAfter;
  private final Duration maxWait;

  RateLimitedException(String policy, Duration retryAfter, Duration maxWait) {
    super("rate-limited", PolicyKind.RATE_LIMITER, policy, "rate limiter " + policy + " has no permit: the next is "
        + retryAfter + " away, more than maxWait " + maxWait);
    this.retryAfter = retryAfter;
    this.maxWait = maxWait;
  }

  /** How long the call would have had to wait for its permit when it was rejected. */
  public Duration retryAfter() {
    return retryAfter;
  }

  /** How long a call may wait for its permit. */
  public Duration maxWait() {
    return maxWait;
  }
}
