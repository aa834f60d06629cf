package dev.faultline.core.limit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.faultline.core.ConfigurationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class AdaptiveLimiterConfigTest {

  private static void assertInvalid(String field, String rule, String value, Executable build) {
    ConfigurationException e = assertThrows(ConfigurationException.class, build);
    assertEquals(field, e.field());
    assertEquals(rule, e.rule());
    assertEquals(value, String.valueOf(e.value()));
    assertEquals(field + " must " + rule + ", but was " + value, e.getMessage());
  }

  private static AdaptiveLimiter.Builder gradient() {
    return AdaptiveLimiter.builder("l");
  }

  private static AdaptiveLimiter.Builder vegas() {
    return AdaptiveLimiter.builder("l").algorithm(LimitAlgorithm.VEGAS);
  }

  @Test
  void boundsMustBeOrdered() {
    assertInvalid("minLimit", "be at least 1", "0", () -> gradient().minLimit(0).build());
    assertInvalid("maxLimit", "be at least minLimit (10)", "5",
        () -> gradient().minLimit(10).maxLimit(5).initialLimit(5).build());
    assertInvalid("maxLimit", "be at most 1000000", "1000001", () -> gradient().maxLimit(1_000_001).build());
    assertInvalid("initialLimit", "be between minLimit (1) and maxLimit (200)", "201",
        () -> gradient().initialLimit(201).build());
    assertInvalid("initialLimit", "be between minLimit (5) and maxLimit (200)", "4",
        () -> gradient().minLimit(5).initialLimit(4).build());
  }

  @Test
  void smoothingMustBeAPositiveFraction() {
    assertInvalid("smoothing", "be greater than 0 and at most 1", "0.0", () -> gradient().smoothing(0).build());
    assertInvalid("smoothing", "be greater than 0 and at most 1", "1.5", () -> vegas().smoothing(1.5).build());
    assertInvalid("smoothing", "be greater than 0 and at most 1", "NaN", () -> gradient().smoothing(Double.NaN).build());
  }

  @Test
  void gradient2OptionsAreChecked() {
    assertInvalid("rttTolerance", "be at least 1.0", "0.9", () -> gradient().rttTolerance(0.9).build());
    assertInvalid("longWindow", "be at least 1", "0", () -> gradient().longWindow(0).build());
    assertInvalid("shortWindow", "be at least 1", "0", () -> gradient().shortWindow(0).build());
    assertInvalid("longWindow", "be at least shortWindow (20)", "10",
        () -> gradient().shortWindow(20).longWindow(10).build());
    assertInvalid("queueSize", "be at least 0", "-1", () -> gradient().queueSize(-1).build());
    assertInvalid("queueSize", "be at least 0 for every limit (limit 11)", "-1",
        () -> gradient().queueSize(limit -> limit > 10 ? -1 : 2).build());
  }

  @Test
  void vegasOptionsAreChecked() {
    assertInvalid("alpha", "be at least 1", "0", () -> vegas().alpha(0).build());
    assertInvalid("beta", "be at least alpha (5)", "4", () -> vegas().alpha(5).beta(4).build());
    assertInvalid("probeMultiplier", "be at least 1", "0", () -> vegas().probeMultiplier(0).build());
  }

  @Test
  void optionsOfTheOtherAlgorithmAreRefused() {
    assertInvalid("alpha", "be left unset with algorithm GRADIENT2 (it applies to VEGAS only)", "3",
        () -> gradient().alpha(3).build());
    assertInvalid("probeMultiplier", "be left unset with algorithm GRADIENT2 (it applies to VEGAS only)", "10",
        () -> gradient().probeMultiplier(10).build());
    assertInvalid("rttTolerance", "be left unset with algorithm VEGAS (it applies to GRADIENT2 only)", "2.0",
        () -> vegas().rttTolerance(2).build());
    assertInvalid("queueSize", "be left unset with algorithm VEGAS (it applies to GRADIENT2 only)", "4",
        () -> vegas().queueSize(4).build());
  }

  @Test
  void nameAlgorithmClockAndListenersAreChecked() {
    assertInvalid("name", "not be blank", "\"\"", () -> AdaptiveLimiter.builder("").build());
    assertInvalid("algorithm", "not be null", "null", () -> gradient().algorithm(null).build());
    assertInvalid("clock", "not be null", "null", () -> gradient().clock(null).build());
    assertInvalid("listener", "not be null", "null", () -> gradient().listener(null));
  }

  @Test
  void fixedLimitIsAllowed() {
    AdaptiveLimiterConfig config = gradient().minLimit(7).maxLimit(7).initialLimit(7).build().config();
    assertEquals(7, config.minLimit());
    assertEquals(7, config.maxLimit());
  }
}
