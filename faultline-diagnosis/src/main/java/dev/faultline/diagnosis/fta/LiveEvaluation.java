package dev.faultline.diagnosis.fta;

import java.math.BigInteger;
import java.util.List;

/**
 * The state of a fault tree given the basic events that have failed now: which gates are failed, which minimal cut
 * sets are complete, and which lack exactly one event. Immutable and thread-safe.
 *
 * @param failedEvents the failed basic events as given
 * @param topFailed whether the top event is failed
 * @param failedGates the failed gates under the top, in definition order
 * @param completeCount the number of minimal cut sets all of whose events are failed
 * @param complete up to the requested number of those cut sets
 * @param oneAwayCount the number of minimal cut sets with exactly one event not failed
 * @param oneAway up to the requested number of those, each with the event still missing
 */
public record LiveEvaluation(List<String> failedEvents, boolean topFailed, List<String> failedGates,
    BigInteger completeCount, List<CutSet> complete, BigInteger oneAwayCount, List<OneAway> oneAway) {

  /** Copies the lists. */
  public LiveEvaluation {
    failedEvents = List.copyOf(failedEvents);
    failedGates = List.copyOf(failedGates);
    complete = List.copyOf(complete);
    oneAway = List.copyOf(oneAway);
  }

  /**
   * A cut set that one more failure would complete.
   *
   * @param cutSet the cut set
   * @param missing its one event that has not failed
   */
  public record OneAway(CutSet cutSet, String missing) {}
}
