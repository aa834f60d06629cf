package dev.faultline.diagnosis.fta;

import java.util.Objects;

/**
 * A house event: an event set to true or false by the analyst. Immutable and thread-safe.
 *
 * @param name the event's name
 * @param state its constant value (false when the definition gave none)
 * @param label a description, or null
 * @param location where it was defined, or null when built in code
 */
public record HouseEvent(String name, boolean state, String label, Location location) {
  /** Checks the name. */
  public HouseEvent {
    Objects.requireNonNull(name, "name");
  }

  /** A house event built in code. */
  public static HouseEvent of(String name, boolean state) {
    return new HouseEvent(name, state, null, null);
  }
}
