package dev.faultline.supervisor;

/** Which children are restarted when one of them fails, as in Erlang/OTP. */
public enum RestartStrategy {
  /** Only the failed child. */
  ONE_FOR_ONE,
  /** Every child: for children that cannot work without each other. Siblings are stopped in reverse start order. */
  ONE_FOR_ALL,
  /** The failed child and every child started after it (which may depend on it). */
  REST_FOR_ONE
}
