package dev.faultline.state.workflow.spi;

/**
 * One recorded step or durable timer of a workflow, as its store holds it. Immutable.
 */
public interface StoredStep {

  /** The step's position in its workflow (0-based; steps and timers share the count). */
  int index();

  /** The step name ({@code "sleep"} for a timer). */
  String name();

  /** The encoded result of a completed step; null for a failed step or a timer. */
  byte[] result();

  /** Why the step failed, or null if it completed (or is a timer). */
  String error();

  /** For a timer, when it wakes (wall-clock epoch milliseconds); 0 for a step. */
  long wakeMillis();

  /** Whether this is a durable timer rather than a step. */
  boolean sleep();
}
