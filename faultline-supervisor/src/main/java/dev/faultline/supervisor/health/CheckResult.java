package dev.faultline.supervisor.health;

import java.time.Instant;

/**
 * The cached state of one check in a {@link HealthReport}.
 *
 * @param name the check
 * @param kind its kind
 * @param status its status after the thresholds
 * @param detail the detail of its last outcome ("not run yet" before any)
 * @param checkedAt when it last ran (null before any run)
 */
public record CheckResult(String name, ProbeKind kind, Status status, String detail, Instant checkedAt) {}
