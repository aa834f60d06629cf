package dev.faultline.diagnosis.fta;

import java.util.Objects;

/**
 * A gate: a named Boolean formula over other events. Immutable and thread-safe.
 *
 * @param name the gate's name
 * @param formula its formula; a single reference makes a pass-through gate
 * @param label a description, or null
 * @param location where it was defined, or null when built in code
 */
public record Gate(String name, Formula formula, String label, Location location) {
  /** Checks the fields. */
  public Gate {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(formula, "formula");
  }

  /** A gate built in code. */
  public static Gate of(String name, Formula formula) {
    return new Gate(name, formula, null, null);
  }
}
