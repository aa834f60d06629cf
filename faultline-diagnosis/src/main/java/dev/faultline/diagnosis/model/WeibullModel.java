package dev.faultline.diagnosis.model;

import dev.faultline.core.internal.Validate;

/**
 * The Weibull reliability model with shape β and scale η: {@code R(t) = e^(-(t/η)^β)},
 * {@code MTTF = η Γ(1 + 1/β)}; immutable and thread-safe. β below one models infant mortality, one a constant rate (the
 * exponential model with λ = 1/η), above one wear-out.
 *
 * @param shape β, positive
 * @param scale η, the characteristic life (reliability e^-1), positive, in the unit of time used
 */
public record WeibullModel(double shape, double scale) {

  /** Checks that both parameters are positive and finite. */
  public WeibullModel {
    Validate.positive("shape", shape);
    Validate.positive("scale", scale);
  }

  /** The probability of surviving to time {@code t} (one for {@code t <= 0}). */
  public double reliability(double t) {
    return t <= 0 ? 1.0 : Math.exp(-Math.pow(t / scale, shape));
  }

  /** The probability of failing by time {@code t}, {@code 1 - R(t)}. */
  public double unreliability(double t) {
    return t <= 0 ? 0.0 : -Math.expm1(-Math.pow(t / scale, shape));
  }

  /** The hazard rate at {@code t > 0}: {@code (β/η)(t/η)^(β-1)}. */
  public double hazard(double t) {
    if (!(t > 0)) {
      throw new IllegalArgumentException("hazard needs t > 0, but t was " + t);
    }
    return shape / scale * Math.pow(t / scale, shape - 1);
  }

  /** The mean time to failure, {@code η Γ(1 + 1/β)}. */
  public double mttf() {
    return scale * Gamma.gamma(1 + 1 / shape);
  }
}
