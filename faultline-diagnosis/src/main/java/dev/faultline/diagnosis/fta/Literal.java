package dev.faultline.diagnosis.fta;

import java.util.Objects;

/**
 * One literal of a prime implicant: a basic event failed ({@code negated == false}) or working
 * ({@code negated == true}). Immutable and thread-safe.
 *
 * @param event the basic event
 * @param negated whether the literal says the event is working
 */
public record Literal(String event, boolean negated) {
  /** Checks the event name. */
  public Literal {
    Objects.requireNonNull(event, "event");
  }

  /** {@code event}, or {@code not event} when negated. */
  @Override
  public String toString() {
    return negated ? "not " + event : event;
  }
}
