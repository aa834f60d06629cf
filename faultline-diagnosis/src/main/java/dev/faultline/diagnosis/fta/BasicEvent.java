package dev.faultline.diagnosis.fta;

import java.util.Objects;

/**
 * A basic event: a primary failure with a probability expression. Immutable and thread-safe.
 *
 * @param name the event's name
 * @param expression its probability, or null when none was given (then it cannot be quantified)
 * @param label a description, or null
 * @param location where it was defined, or null when built in code
 */
public record BasicEvent(String name, Expression expression, String label, Location location) {
  /** Checks the name. */
  public BasicEvent {
    Objects.requireNonNull(name, "name");
  }

  /** A basic event with a constant probability, built in code. */
  public static BasicEvent of(String name, double probability) {
    return new BasicEvent(name, Expression.Constant.of(probability), null, null);
  }
}
