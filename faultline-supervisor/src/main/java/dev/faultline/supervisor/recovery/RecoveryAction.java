package dev.faultline.supervisor.recovery;

import dev.faultline.core.internal.Validate;
import dev.faultline.core.circuitbreaker.CircuitBreaker;
import dev.faultline.core.event.FaultEvent;
import dev.faultline.supervisor.Supervisor;

/**
 * What a recovery rule does when its signal fires: restart a component, open a breaker, roll back to a checkpoint or
 * run any other remediation. Runs on the rules' scheduler, never in the thread that published the signal.
 */
@FunctionalInterface
public interface RecoveryAction {

  /** Acts on {@code trigger}, the event that fired the rule. */
  void run(FaultEvent trigger) throws Exception;

  /** Restarts {@code component} of {@code supervisor}, giving the trigger as the cause. */
  static RecoveryAction restart(Supervisor supervisor, String component) {
    Validate.notNull("supervisor", supervisor);
    Validate.notBlank("component", component);
    return trigger -> supervisor.restart(component, new RecoveryRuleException(
        "recovery rule restarted '" + component + "' after " + trigger));
  }

  /** Forces {@code breaker} open, so that calls fail fast until it is reset by hand or by another rule. */
  static RecoveryAction openBreaker(CircuitBreaker breaker) {
    Validate.notNull("breaker", breaker);
    return trigger -> breaker.forceOpen();
  }

  /** Runs user remediation (for example: roll state back to the last checkpoint). */
  static RecoveryAction remediate(Runnable remediation) {
    Validate.notNull("remediation", remediation);
    return trigger -> remediation.run();
  }
}
