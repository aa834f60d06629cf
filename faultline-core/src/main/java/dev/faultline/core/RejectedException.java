package dev.faultline.core;

/**
 * A policy refused to run a call (breaker open, bulkhead full, rate limited, limit reached, retry budget spent).
 *
 * <p>Rejections are expected decisions: they carry no stack trace, so rejecting costs no more than a return.
 */
public class RejectedException extends FaultlineException {
  private static final long serialVersionUID = 1L;

  private final String policy;
  private final PolicyKind kind;

  /** Creates a rejection by the named policy of the given kind. */
  public RejectedException(String code, PolicyKind kind, String policy, String message) {
    super(code, message, null, false);
    this.kind = kind;
    this.policy = policy;
  }

  /** The name of the policy instance that rejected the call. */
  public String policy() {
    return policy;
  }

  /** The kind of policy that rejected the call. */
  public PolicyKind kind() {
    return kind;
  }
}
