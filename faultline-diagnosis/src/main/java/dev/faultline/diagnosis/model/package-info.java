/**
 * Fault models: a declared {@link dev.faultline.diagnosis.model.DependencyGraph} of components, known
 * {@link dev.faultline.diagnosis.model.FailureMode}s with signatures and remedies, root-cause ranking of failures
 * observed together ({@link dev.faultline.diagnosis.model.RootCauseRanker}), FMEA
 * ({@link dev.faultline.diagnosis.model.Fmea}), and the exponential, Weibull and two-state repairable reliability
 * models.
 */
package dev.faultline.diagnosis.model;
