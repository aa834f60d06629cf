/**
 * Watchdogs: deadlines on units of work ({@link dev.faultline.supervisor.watchdog.Watchdog}) and deadlock detection
 * ({@link dev.faultline.supervisor.watchdog.Deadlocks}).
 */
package dev.faultline.supervisor.watchdog;
