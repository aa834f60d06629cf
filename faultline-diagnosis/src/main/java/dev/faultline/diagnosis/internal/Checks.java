package dev.faultline.diagnosis.internal;

import dev.faultline.core.ConfigurationException;
import java.time.Duration;
import java.util.Objects;

/** Checks of configuration values for the diagnosis packages; each failure names the field, the rule and the value. */
public final class Checks {
  private Checks() {}

  /** Requires a non-null, non-blank string. */
  public static String notBlank(String field, String value) {
    if (value == null || value.isBlank()) {
      throw new ConfigurationException(field, "not be blank", value == null ? "null" : "\"" + value + "\"");
    }
    return value;
  }

  /** Requires a non-null value. */
  public static <T> T notNull(String field, T value) {
    if (value == null) {
      throw new ConfigurationException(field, "not be null", "null");
    }
    return value;
  }

  /** Requires a duration greater than zero. */
  public static Duration positive(String field, Duration value) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new ConfigurationException(field, "be a positive duration", Objects.toString(value));
    }
    return value;
  }

  /** Requires a finite number greater than zero. */
  public static double positive(String field, double value) {
    if (!(value > 0) || Double.isInfinite(value)) {
      throw new ConfigurationException(field, "be a positive finite number", value);
    }
    return value;
  }

  /** Requires {@code min <= value <= max}. */
  public static int between(String field, int value, int min, int max) {
    if (value < min || value > max) {
      throw new ConfigurationException(field, "be between " + min + " and " + max, value);
    }
    return value;
  }
}
