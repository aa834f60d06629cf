package dev.faultline.diagnosis.model;

import dev.faultline.core.internal.Validate;

/**
 * The exponential reliability model, a constant failure rate λ: {@code R(t) = e^(-λt)}, {@code MTTF = 1/λ}; immutable
 * and thread-safe. Times are in whatever unit λ is per.
 *
 * @param failureRate λ, failures per unit of time, positive
 */
public record ExponentialModel(double failureRate) {

  /** Checks that the rate is positive and finite. */
  public ExponentialModel {
    Validate.positive("failureRate", failureRate);
  }

  /** The model whose mean time to failure is {@code mttf}. */
  public static ExponentialModel ofMttf(double mttf) {
    return new ExponentialModel(1 / Validate.positive("mttf", mttf));
  }

  /** The probability of surviving to time {@code t} (one for {@code t <= 0}). */
  public double reliability(double t) {
    return t <= 0 ? 1.0 : Math.exp(-failureRate * t);
  }

  /** The probability of failing by time {@code t}, {@code 1 - R(t)}. */
  public double unreliability(double t) {
    return t <= 0 ? 0.0 : -Math.expm1(-failureRate * t);
  }

  /** The hazard rate, constant: λ. */
  public double hazard(double t) {
    return failureRate;
  }

  /** The mean time to failure, {@code 1/λ}. */
  public double mttf() {
    return 1 / failureRate;
  }
}
