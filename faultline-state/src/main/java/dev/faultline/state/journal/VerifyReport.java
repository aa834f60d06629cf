package dev.faultline.state.journal;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The result of checking every record of a journal without changing it.
 *
 * @param directory the journal directory
 * @param segments each segment, in sequence order, up to the damage if any
 * @param firstSequence the first valid sequence (if {@code records == 0}: the next sequence to be appended)
 * @param lastSequence the last valid sequence before any damage ({@code firstSequence - 1} if none)
 * @param records the number of valid records before any damage
 * @param damage where valid records stop early, if they do
 */
public record VerifyReport(Path directory, List<SegmentSummary> segments, long firstSequence, long lastSequence,
    long records, Optional<JournalDamage> damage) {

  /** Copies {@code segments}. */
  public VerifyReport {
    segments = List.copyOf(segments);
  }

  /** Whether no damage at all was found. */
  public boolean clean() {
    return damage.isEmpty();
  }

  /** Whether the journal holds corruption that opening refuses (a torn tail is not: opening cuts it off). */
  public boolean corrupt() {
    return damage.isPresent() && damage.get().kind() == JournalDamage.Kind.CORRUPTION;
  }
}
