package dev.faultline.diagnosis.incident;

import dev.faultline.core.ConfigurationException;
import java.util.Objects;

/** Checks of arguments and settings; each failure names the field, the rule and the value. */
final class Checks {
  private Checks() {}

  static String notBlank(String field, String value) {
    if (value == null || value.isBlank()) {
      throw new ConfigurationException(field, "not be blank", value == null ? "null" : "\"" + value + "\"");
    }
    return value;
  }

  static <T> T notNull(String field, T value) {
    if (value == null) {
      throw new ConfigurationException(field, "not be null", "null");
    }
    return value;
  }

  static int atLeast(String field, int value, int min) {
    if (value < min) {
      throw new ConfigurationException(field, "be at least " + min, value);
    }
    return value;
  }

  static java.time.Duration positive(String field, java.time.Duration value) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new ConfigurationException(field, "be a positive duration", Objects.toString(value));
    }
    return value;
  }
}
