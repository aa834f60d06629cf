package dev.faultline.diagnosis.fta;

import java.util.List;

/**
 * One minimal cut set: basic events whose joint failure fails the top event. Immutable and thread-safe.
 *
 * @param events the basic events, sorted by name
 * @param probability the product of their probabilities
 */
public record CutSet(List<String> events, double probability) {
  /** Copies the list. */
  public CutSet {
    events = List.copyOf(events);
  }

  /** The number of events. */
  public int order() {
    return events.size();
  }
}
