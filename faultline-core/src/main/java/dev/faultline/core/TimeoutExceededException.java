package dev.faultline.core;

import java.time.Duration;

/** A call took longer than its timeout allowed. */
public final class TimeoutExceededException extends FaultlineException {
  private static final long serialVersionUID = 1L;

  private final String policy;
  private final Duration timeout;

  /** Creates the exception for the named timeout policy. */
  public TimeoutExceededException(String policy, Duration timeout) {
    super("timeout", "call exceeded timeout " + policy + " of " + timeout, null, false);
    this.policy = policy;
    this.timeout = timeout;
  }

  /** The name of the timeout policy. */
  public String policy() {
    return policy;
  }

  /** The timeout that was exceeded. */
  public Duration timeout() {
    return timeout;
  }
}
