package dev.faultline.diagnosis.model;

import dev.faultline.core.internal.Validate;
import java.time.Duration;

/**
 * The two-state repairable model: a component fails at rate λ and is repaired at rate μ (a Markov chain between up
 * and down). Starting up, its availability is {@code A(t) = μ/(λ+μ) + λ/(λ+μ) e^(-(λ+μ)t)}, tending to
 * {@code μ/(λ+μ) = MTTF / (MTTF + MTTR)}; immutable and thread-safe.
 *
 * @param failureRate λ, failures per unit of time, positive
 * @param repairRate μ, repairs per unit of time, positive
 */
public record RepairableModel(double failureRate, double repairRate) {

  /** Checks that both rates are positive and finite. */
  public RepairableModel {
    Validate.positive("failureRate", failureRate);
    Validate.positive("repairRate", repairRate);
  }

  /** The model with rates per hour from a mean time between failures and a mean time to repair. */
  public static RepairableModel perHour(Duration mtbf, Duration mttr) {
    Validate.positive("mtbf", mtbf);
    Validate.positive("mttr", mttr);
    return new RepairableModel(3_600_000_000_000.0 / mtbf.toNanos(), 3_600_000_000_000.0 / mttr.toNanos());
  }

  /** The probability of being up at time {@code t}, having started up at zero. */
  public double availability(double t) {
    if (t <= 0) {
      return 1.0;
    }
    double sum = failureRate + repairRate;
    return repairRate / sum + failureRate / sum * Math.exp(-sum * t);
  }

  /** The long-run fraction of time up, {@code μ/(λ+μ)}. */
  public double steadyStateAvailability() {
    return repairRate / (failureRate + repairRate);
  }

  /** The mean time to failure, {@code 1/λ}. */
  public double mttf() {
    return 1 / failureRate;
  }

  /** The mean time to repair, {@code 1/μ}. */
  public double mttr() {
    return 1 / repairRate;
  }
}
