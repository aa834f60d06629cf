package dev.faultline.core.internal;

import dev.faultline.core.ConfigurationException;
import java.time.Duration;
import java.util.Objects;

/** Checks of configuration values; each failure names the field, the rule and the value. */
public final class Validate {
  private Validate() {}

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

  /** Requires {@code value >= min}. */
  public static int atLeast(String field, int value, int min) {
    if (value < min) {
      throw new ConfigurationException(field, "be at least " + min, value);
    }
    return value;
  }

  /** Requires {@code value >= min}. */
  public static long atLeast(String field, long value, long min) {
    if (value < min) {
      throw new ConfigurationException(field, "be at least " + min, value);
    }
    return value;
  }

  /** Requires {@code value >= min}. */
  public static double atLeast(String field, double value, double min) {
    if (!(value >= min)) {
      throw new ConfigurationException(field, "be at least " + min, value);
    }
    return value;
  }

  /** Requires {@code min <= value <= max} (and not NaN). */
  public static double between(String field, double value, double min, double max) {
    if (!(value >= min && value <= max)) {
      throw new ConfigurationException(field, "be between " + min + " and " + max, value);
    }
    return value;
  }

  /** Requires a fraction: {@code 0 <= value <= 1}. */
  public static double fraction(String field, double value) {
    return between(field, value, 0.0, 1.0);
  }

  /** Requires a duration greater than zero. */
  public static Duration positive(String field, Duration value) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new ConfigurationException(field, "be a positive duration", Objects.toString(value));
    }
    return value;
  }

  /** Requires a duration of zero or more. */
  public static Duration notNegative(String field, Duration value) {
    if (value == null || value.isNegative()) {
      throw new ConfigurationException(field, "be a duration of zero or more", Objects.toString(value));
    }
    return value;
  }

  /** Requires {@code low <= high} for two fields. */
  public static void ordered(String lowField, long low, String highField, long high) {
    if (low > high) {
      throw new ConfigurationException(highField, "be at least " + lowField + " (" + low + ")", high);
    }
  }

  /** Requires {@code value > min} (and not NaN). */
  public static double above(String field, double value, double min) {
    if (!(value > min)) {
      throw new ConfigurationException(field, "be greater than " + min, value);
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
