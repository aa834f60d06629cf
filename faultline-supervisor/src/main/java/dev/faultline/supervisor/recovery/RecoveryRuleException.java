package dev.faultline.supervisor.recovery;

import dev.faultline.core.FaultlineException;

/** The cause given to a component restarted by a recovery rule, or the failure of a rule's action. */
public final class RecoveryRuleException extends FaultlineException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with a message naming the rule's trigger. */
  public RecoveryRuleException(String message) {
    super("recovery-rule", message);
  }

  /** Creates the exception for an action that failed. */
  public RecoveryRuleException(String message, Throwable cause) {
    super("recovery-rule-failed", message, cause);
  }
}
