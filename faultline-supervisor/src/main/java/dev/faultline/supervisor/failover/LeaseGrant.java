package dev.faultline.supervisor.failover;

/**
 * A lease held by {@code owner}: its {@code epoch}, the fencing token that rises by one each time the lease changes
 * hands, and when it expires.
 *
 * @param owner who holds the lease
 * @param epoch the fencing token: resources must reject work stamped with an epoch lower than one they have seen
 * @param expiresAtMillis wall-clock expiry, in milliseconds since the epoch
 */
public record LeaseGrant(String owner, long epoch, long expiresAtMillis) {}
