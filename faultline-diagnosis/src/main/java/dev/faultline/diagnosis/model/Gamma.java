package dev.faultline.diagnosis.model;

/** The gamma function, by the Lanczos approximation (g = 7, 9 terms; about 15 significant digits). */
public final class Gamma {
  private static final double G = 7;
  private static final double[] P = {
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7};
  private static final double HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

  private Gamma() {}

  /**
   * Γ(x), for real x other than zero and the negative integers; reflected ({@code Γ(x)Γ(1-x) = π / sin(πx)}) below one
   * half. Overflows to infinity above about 171.6.
   *
   * @throws IllegalArgumentException at a pole (zero or a negative integer) or for NaN
   */
  public static double gamma(double x) {
    checkPole(x);
    if (x < 0.5) {
      return Math.PI / (Math.sin(Math.PI * x) * gamma(1 - x));
    }
    double z = x - 1;
    double t = z + G + 0.5;
    // t^(z+1/2) is split in two halves around e^-t so that it does not overflow before Γ does.
    double half = Math.pow(t, (z + 0.5) / 2);
    return Math.sqrt(2 * Math.PI) * half * Math.exp(-t) * half * series(z);
  }

  /**
   * ln Γ(x) for x &gt; 0, finite where Γ itself overflows.
   *
   * @throws IllegalArgumentException if x is not positive
   */
  public static double logGamma(double x) {
    if (!(x > 0)) {
      throw new IllegalArgumentException("logGamma needs x > 0, but x was " + x);
    }
    if (x < 0.5) {
      return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
    }
    double z = x - 1;
    double t = z + G + 0.5;
    return HALF_LOG_TWO_PI + (z + 0.5) * Math.log(t) - t + Math.log(series(z));
  }

  private static double series(double z) {
    double a = P[0];
    for (int i = 1; i < P.length; i++) {
      a += P[i] / (z + i);
    }
    return a;
  }

  private static void checkPole(double x) {
    if (Double.isNaN(x) || (x <= 0 && x == Math.rint(x))) {
      throw new IllegalArgumentException("gamma has a pole at zero and the negative integers, but x was " + x);
    }
  }
}
