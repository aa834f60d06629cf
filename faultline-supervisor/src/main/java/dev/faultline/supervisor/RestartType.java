package dev.faultline.supervisor;

/** When a child is restarted after it ends, as in Erlang/OTP. */
public enum RestartType {
  /** Always restarted, whether it failed or ended normally. */
  PERMANENT,
  /** Restarted only if it failed; a normal exit ends it for good. */
  TRANSIENT,
  /** Never restarted. */
  TEMPORARY
}
