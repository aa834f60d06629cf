/**
 * Automatic recovery rules: {@link dev.faultline.supervisor.recovery.Signal}s read from the event stream trigger
 * {@link dev.faultline.supervisor.recovery.RecoveryAction}s, with cool-downs
 * ({@link dev.faultline.supervisor.recovery.RecoveryRules}).
 */
package dev.faultline.supervisor.recovery;
