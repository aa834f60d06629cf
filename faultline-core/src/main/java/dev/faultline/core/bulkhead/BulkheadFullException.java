package dev.faultline.core.bulkhead;

import dev.faultline.core.PolicyKind;
import dev.faultline.core.RejectedException;
import java.time.Duration;

/** A {@link Bulkhead} rejected a call because no permit was free within its maximum wait. Code {@code "bulkhead-full"}. */
public final class BulkheadFullException extends RejectedException {
  private static final long serialVersionUID = 1L;

  private final int maxConcurrentCalls;
  private final Duration maxWait;

  BulkheadFullException(String policy, int maxConcurrentCalls, Duration maxWait) {
    super("bulkhead-full", PolicyKind.BULKHEAD, policy, "bulkhead " + policy + " is full: all " + maxConcurrentCalls
        + " permits are in use" + (maxWait.isZero() ? "" : " and none was freed within maxWait " + maxWait));
    this.maxConcurrentCalls = maxConcurrentCalls;
    this.maxWait = maxWait;
  }

  /** The number of permits of the bulkhead. */
  public int maxConcurrentCalls() {
    return maxConcurrentCalls;
  }

  /** How long the call could wait for a permit. */
  public Duration maxWait() {
    return maxWait;
  }
}
