/**
 * {@link dev.faultline.state.postgres.lease.PostgresLease}: faultline-supervisor's failover
 * {@link dev.faultline.supervisor.failover.Lease} as a PostgreSQL row. Needs faultline-supervisor on the class or
 * module path (an optional dependency of this module).
 */
package dev.faultline.state.postgres.lease;
