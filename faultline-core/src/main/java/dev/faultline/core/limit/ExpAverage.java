package dev.faultline.core.limit;

/**
 * An exponential moving average over about {@code window} samples (weight {@code 2 / (window + 1)} for each new one),
 * which starts as the plain mean of its first few samples so that one early outlier does not set it.
 *
 * <p>Not thread-safe: the owning estimator is only used by one thread at a time.
 */
final class ExpAverage {
  private final double weight;
  private final int warmup;
  private int count;
  private double sum;
  private double value;

  ExpAverage(int window, int warmup) {
    this.weight = 2.0 / (window + 1);
    this.warmup = Math.max(1, Math.min(window, warmup));
  }

  /** Adds a sample and returns the new average. */
  double add(double sample) {
    if (count < warmup) {
      count++;
      sum += sample;
      value = sum / count;
    } else {
      value = value * (1 - weight) + sample * weight;
    }
    return value;
  }

  /** The current average (0 before the first sample). */
  double value() {
    return value;
  }

  /** Multiplies the average by {@code factor}. */
  void scale(double factor) {
    value *= factor;
  }
}
