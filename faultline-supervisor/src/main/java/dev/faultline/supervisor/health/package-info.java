/**
 * Health checks of kind liveness, readiness and startup ({@link dev.faultline.supervisor.health.HealthRegistry}), run
 * in parallel with timeouts and cached results, with built-ins in {@link dev.faultline.supervisor.health.HealthChecks}.
 */
package dev.faultline.supervisor.health;
