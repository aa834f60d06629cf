/**
 * Recoverable state: a {@link dev.faultline.state.StateMachine} whose events are journaled and whose state is
 * checkpointed, rebuilt after a crash by a {@link dev.faultline.state.RecoveryPlan}, and rolled back on request.
 * {@link dev.faultline.state.RecoverableState} is the entry point.
 */
package dev.faultline.state;
