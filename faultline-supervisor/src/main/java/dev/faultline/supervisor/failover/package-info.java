/**
 * Failover between redundant replicas: {@link dev.faultline.supervisor.failover.Replica}s of an active-passive group
 * behind a {@link dev.faultline.supervisor.failover.Lease} with a fencing epoch, embedded as a
 * {@link dev.faultline.supervisor.failover.FileLease}, checked by resources with a
 * {@link dev.faultline.supervisor.failover.Fence}.
 */
package dev.faultline.supervisor.failover;
