package dev.faultline.diagnosis.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.ConfigurationException;
import java.time.Duration;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

/** The gamma function at known points and the reliability models against their closed forms and numerically. */
class ReliabilityModelsTest {
  private static final double SQRT_PI = Math.sqrt(Math.PI);

  private static void assertRelative(double expected, double actual, double tolerance) {
    assertTrue(Math.abs(actual - expected) <= tolerance * Math.abs(expected),
        "expected " + expected + " but was " + actual);
  }

  @Test
  void gammaAtKnownPoints() {
    assertRelative(1, Gamma.gamma(1), 1e-14);
    assertRelative(1, Gamma.gamma(2), 1e-14);
    assertRelative(24, Gamma.gamma(5), 1e-14);
    assertRelative(362_880, Gamma.gamma(10), 1e-13);
    assertRelative(SQRT_PI, Gamma.gamma(0.5), 1e-14);
    assertRelative(SQRT_PI / 2, Gamma.gamma(1.5), 1e-14);
    assertRelative(3 * SQRT_PI / 4, Gamma.gamma(2.5), 1e-14);
    assertRelative(-2 * SQRT_PI, Gamma.gamma(-0.5), 1e-14);
    assertRelative(4 * SQRT_PI / 3, Gamma.gamma(-1.5), 1e-14);
    assertRelative(9.513507698668732, Gamma.gamma(0.1), 1e-13); // Γ(1/10)
    assertRelative(2.678938534707747, Gamma.gamma(1.0 / 3), 1e-13); // Γ(1/3)
    double factorial20 = 2_432_902_008_176_640_000.0;
    assertRelative(factorial20, Gamma.gamma(21), 1e-13);
    assertRelative(Math.log(factorial20), Gamma.logGamma(21), 1e-14);
    assertRelative(857.9336698258574, Gamma.logGamma(200), 1e-13); // ln 199!
    assertRelative(7.257415615307994e306, Gamma.gamma(171), 1e-12); // 170!, near the largest double
    for (double x = 0.05; x < 30; x += 0.37) {
      assertRelative(x * Gamma.gamma(x), Gamma.gamma(x + 1), 1e-13); // Γ(x+1) = xΓ(x)
      assertRelative(Math.log(Gamma.gamma(x)), Gamma.logGamma(x), 1e-12);
    }
    assertThrows(IllegalArgumentException.class, () -> Gamma.gamma(0));
    assertThrows(IllegalArgumentException.class, () -> Gamma.gamma(-3));
    assertThrows(IllegalArgumentException.class, () -> Gamma.gamma(Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> Gamma.logGamma(-1));
  }

  @Test
  void exponentialMatchesItsClosedFormAndForgetsItsAge() {
    ExponentialModel m = new ExponentialModel(0.002);
    assertEquals(500, m.mttf(), 1e-12);
    assertEquals(Math.exp(-1), m.reliability(500), 1e-15);
    assertEquals(1 - Math.exp(-0.2), m.unreliability(100), 1e-15);
    assertEquals(1, m.reliability(0));
    assertEquals(m.reliability(300), m.reliability(700) / m.reliability(400), 1e-14);
    assertEquals(500, integrate(m::reliability, 500 * 40), 1e-6);
    assertEquals(0.002, ExponentialModel.ofMttf(500).failureRate(), 1e-18);
    assertEquals("failureRate", assertThrows(ConfigurationException.class, () -> new ExponentialModel(0)).field());
  }

  @Test
  void weibullWithShapeOneIsExponentialAndItsMttfIsItsIntegral() {
    WeibullModel one = new WeibullModel(1, 250);
    ExponentialModel exponential = new ExponentialModel(1.0 / 250);
    for (double t = 0; t < 2000; t += 37.5) {
      assertEquals(exponential.reliability(t), one.reliability(t), 1e-15);
      if (t > 0) {
        assertEquals(exponential.hazard(t), one.hazard(t), 1e-15);
      }
    }
    assertRelative(exponential.mttf(), one.mttf(), 1e-14);

    WeibullModel rayleigh = new WeibullModel(2, 100);
    assertRelative(100 * SQRT_PI / 2, rayleigh.mttf(), 1e-14);
    assertEquals(Math.exp(-1), rayleigh.reliability(100), 1e-15);
    assertEquals(Math.exp(-0.25), rayleigh.reliability(50), 1e-15);
    assertEquals(2 * 50 / (100.0 * 100), rayleigh.hazard(50), 1e-15);

    for (double shape : new double[] {0.7, 1.5, 3.2}) {
      WeibullModel w = new WeibullModel(shape, 40);
      assertRelative(w.mttf(), integrate(w::reliability, 40 * 60), 1e-6);
      assertEquals(1, w.reliability(40 * 0.3) + w.unreliability(40 * 0.3), 1e-15);
    }
    assertEquals("shape", assertThrows(ConfigurationException.class, () -> new WeibullModel(-1, 1)).field());
    assertEquals("scale", assertThrows(ConfigurationException.class, () -> new WeibullModel(1, Double.NaN)).field());
  }

  @Test
  void repairableAvailabilityMatchesItsClosedFormAndItsDifferentialEquation() {
    RepairableModel m = new RepairableModel(0.01, 0.5);
    assertEquals(0.5 / 0.51, m.steadyStateAvailability(), 1e-15);
    assertEquals(1, m.availability(0), 1e-15);
    assertEquals(0.5 / 0.51 + 0.01 / 0.51 * Math.exp(-0.51 * 3), m.availability(3), 1e-15);
    assertEquals(m.steadyStateAvailability(), m.availability(1e4), 1e-15);
    // dA/dt = μ(1 - A) - λA: repairs bring the component up, failures take it down.
    double h = 1e-5;
    for (double t = 0.5; t < 20; t += 1.5) {
      double derivative = (m.availability(t + h) - m.availability(t - h)) / (2 * h);
      assertEquals(0.5 * (1 - m.availability(t)) - 0.01 * m.availability(t), derivative, 1e-9);
    }
    assertEquals(100, m.mttf(), 1e-12);
    assertEquals(2, m.mttr(), 1e-12);
    assertEquals(m.mttf() / (m.mttf() + m.mttr()), m.steadyStateAvailability(), 1e-15);

    RepairableModel hourly = RepairableModel.perHour(Duration.ofHours(100), Duration.ofMinutes(30));
    assertEquals(0.01, hourly.failureRate(), 1e-15);
    assertEquals(2, hourly.repairRate(), 1e-15);
    assertEquals("mttr", assertThrows(ConfigurationException.class,
        () -> RepairableModel.perHour(Duration.ofHours(1), Duration.ZERO)).field());
  }

  /** Composite Simpson's rule over [0, upper] in 200,000 steps. */
  private static double integrate(DoubleUnaryOperator f, double upper) {
    int n = 200_000;
    double h = upper / n;
    double sum = f.applyAsDouble(0) + f.applyAsDouble(upper);
    for (int i = 1; i < n; i++) {
      sum += (i % 2 == 1 ? 4 : 2) * f.applyAsDouble(i * h);
    }
    return sum * h / 3;
  }
}
