/**
 * Reliability metrics derived from the {@link dev.faultline.core.event.FaultEvent} stream: failures, failure rate,
 * MTBF, MTTR, MTTD, availability and data loss per component and service
 * ({@link dev.faultline.diagnosis.metrics.ReliabilityMetrics}), and service level objectives with their error budget
 * and multi-window burn-rate alerts ({@link dev.faultline.diagnosis.metrics.SloMonitor}). All time comes from the
 * injected {@link dev.faultline.core.Clock}.
 */
package dev.faultline.diagnosis.metrics;
