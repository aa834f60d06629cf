/**
 * Faultline's core: the {@link dev.faultline.core.Policy} contract, the {@link dev.faultline.core.Pipeline} that
 * composes policies, the injected {@link dev.faultline.core.Clock} and {@link dev.faultline.core.Scheduler}, and the
 * {@link dev.faultline.core.FaultlineException} family.
 */
package dev.faultline.core;
