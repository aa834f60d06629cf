package dev.faultline.diagnosis.model;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A candidate root cause of failures observed together, with the reasons for its rank; immutable and thread-safe.
 *
 * @param component the failed component proposed as the root cause
 * @param onset its earliest observed onset
 * @param score the sum of the weights of its reasons
 * @param reasons why it ranks where it does
 * @param failureModes the known failure modes whose signatures it shows, with their remedies
 */
public record RootCause(String component, Instant onset, int score, List<Reason> reasons,
    List<FailureMode> failureModes) {

  /** Copies the lists. */
  public RootCause {
    Objects.requireNonNull(component, "component");
    Objects.requireNonNull(onset, "onset");
    reasons = List.copyOf(reasons);
    failureModes = List.copyOf(failureModes);
  }

  /** One reason for a candidate's rank. */
  public enum Kind {
    /** Failed components depend on it, so its failure explains theirs. */
    EXPLAINS_DEPENDANTS,
    /** It depends on a failed component, so it may only be a symptom. */
    EXPLAINED_BY_DEPENDENCY,
    /** Its failure began first. */
    EARLIEST_ONSET,
    /** It shows the signature of a known failure mode. */
    SIGNATURE_MATCH,
    /** It is not in the dependency graph, so dependencies say nothing about it. */
    NOT_IN_GRAPH
  }

  /**
   * A reason, its weight in the score, and its explanation in words.
   *
   * @param kind what kind of reason
   * @param weight what it adds to the score (negative when it counts against)
   * @param detail the reason in words, naming the components or failure mode
   */
  public record Reason(Kind kind, int weight, String detail) {
    /** Checks the fields. */
    public Reason {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(detail, "detail");
    }
  }
}
