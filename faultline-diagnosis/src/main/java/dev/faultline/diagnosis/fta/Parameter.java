package dev.faultline.diagnosis.fta;

import java.util.Objects;

/**
 * A named numerical parameter. Immutable and thread-safe.
 *
 * @param name the parameter's name
 * @param expression its value
 * @param unit its MEF unit ("hours-1", ...), or null
 * @param label a description, or null
 * @param location where it was defined, or null when built in code
 */
public record Parameter(String name, Expression expression, String unit, String label, Location location) {
  /** Checks the fields. */
  public Parameter {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(expression, "expression");
  }
}
