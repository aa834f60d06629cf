/**
 * Heartbeat failure detection: the {@link dev.faultline.supervisor.heartbeat.PhiAccrualDetector} for one peer and the
 * {@link dev.faultline.supervisor.heartbeat.HeartbeatMonitor} for many, with a guard against this process's own pauses.
 */
package dev.faultline.supervisor.heartbeat;
