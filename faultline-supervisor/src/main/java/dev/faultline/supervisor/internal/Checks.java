package dev.faultline.supervisor.internal;

import dev.faultline.core.ConfigurationException;
import java.time.Duration;
import java.util.Objects;

/** Checks of configuration values; each failure names the field, the rule and the value. */
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

  /** Requires {@code value >= min}. */
  public static int atLeast(String field, int value, int min) {
    if (value < min) {
      throw new ConfigurationException(field, "be at least " + min, value);
    }
    return value;
  }

  /** Requires {@code value >= min} (and not NaN). */
  public static double atLeast(String field, double value, double min) {
    if (!(value >= min)) {
      throw new ConfigurationException(field, "be at least " + min, value);
    }
    return value;
  }

  /** Requires {@code value > min} (and not NaN). */
  public static double above(String field, double value, double min) {
    if (!(value > min)) {
      throw new ConfigurationException(field, "be greater than " + min, value);
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

  /** The duration in nanoseconds, saturated at {@link Long#MAX_VALUE} (about 292 years). */
  public static long nanos(Duration duration) {
    try {
      return duration.toNanos();
    } catch (ArithmeticException tooLong) {
      return duration.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  /** Whether {@code t} must never be handled as an ordinary failure: virtual machine and linkage errors. */
  public static boolean isFatal(Throwable t) {
    return t instanceof VirtualMachineError || t instanceof LinkageError;
  }

  /** Rethrows {@code t} if it is {@linkplain #isFatal fatal}. */
  public static void rethrowIfFatal(Throwable t) {
    if (isFatal(t)) {
      throw (Error) t;
    }
  }
}
