package dev.faultline.state.journal;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The result of checking every record of a journal without changing it.
 *
 * <p>{@code segments}, {@code lastSequence} and {@code records} describe the valid frames the files hold. Where a
 * failed force left its marker ({@code force-failed}, see "Failure" in {@link Journal}), the next open keeps only
 * those up to the durable sequence it names: {@link #failedForce} says how many it cuts, and {@link #keptSequence}
 * where the journal then ends.
 *
 * @param directory the journal directory
 * @param segments each segment, in sequence order, up to the damage if any
 * @param firstSequence the first valid sequence (if {@code records == 0}: the next sequence to be appended)
 * @param lastSequence the last valid sequence before any damage ({@code firstSequence - 1} if none)
 * @param records the number of valid records before any damage
 * @param damage where valid records stop early, if they do
 * @param failedForce the marker a failed force left, if there is one
 * @param asyncSession the loss window of a {@link Durability#ASYNC} session whose marker ({@code async-session}) is
 *     in the directory: that session has the journal open now, or did not close cleanly, and then the next open
 *     reports that up to so many records appended within so many milliseconds may have been lost
 *     ({@link OpenReport#possibleLoss}). Which records, if any, no one can tell from the files
 */
public record VerifyReport(Path directory, List<SegmentSummary> segments, long firstSequence, long lastSequence,
    long records, Optional<JournalDamage> damage, Optional<FailedForce> failedForce,
    Optional<OpenReport.AsyncWindowLoss> asyncSession) {

  /** Copies {@code segments}. */
  public VerifyReport {
    segments = List.copyOf(segments);
    Objects.requireNonNull(damage, "damage");
    Objects.requireNonNull(failedForce, "failedForce");
    Objects.requireNonNull(asyncSession, "asyncSession");
  }

  /**
   * Whether nothing at all was found that the next open would cut or refuse: no damage, and no marker of a failed
   * force, or one after whose durable sequence no record follows (opening just removes it).
   */
  public boolean clean() {
    return damage.isEmpty() && failedForce.map(f -> f.readable() && f.cutRecords() == 0).orElse(true);
  }

  /**
   * Whether opening refuses the journal: it holds corruption (a torn tail is not: opening cuts it off), or a failed
   * force's marker that names no durable sequence.
   */
  public boolean corrupt() {
    return damage.isPresent() && damage.get().kind() == JournalDamage.Kind.CORRUPTION
        || failedForce.map(f -> !f.readable()).orElse(false);
  }

  /**
   * The last sequence the next open keeps of the valid records: {@link #lastSequence}, less the records it cuts after
   * a failed force's durable sequence ({@link FailedForce#cutRecords}).
   */
  public long keptSequence() {
    return lastSequence - failedForce.map(FailedForce::cutRecords).orElse(0L);
  }

  /**
   * The marker ({@code force-failed}) that a failed force of the journal left, as verification read it: the next open
   * cuts the valid records after the durable sequence it names and removes it, or, if it names none, refuses the
   * journal with {@code journal-format}, changing nothing.
   *
   * @param marker the marker file
   * @param durableSequence the last sequence forced before the force failed; -1 if the marker names none
   * @param cutRecords how many valid records follow {@code durableSequence}, which the next open cuts (reporting them
   *     as a torn tail): none was acknowledged as durable, as the failed force stopped the journal (in {@code ASYNC}
   *     they are within the session's loss window), and the disk may not hold them though they read back. 0 if none
   *     follows, or the marker names no sequence
   * @param problem why the marker is unreadable, quoting what it holds, if it names no durable sequence
   */
  public record FailedForce(Path marker, long durableSequence, long cutRecords, Optional<String> problem) {

    /** Checks the arguments. */
    public FailedForce {
      Objects.requireNonNull(marker, "marker");
      Objects.requireNonNull(problem, "problem");
    }

    /** Whether the marker names a durable sequence (opening refuses the journal if not). */
    public boolean readable() {
      return problem.isEmpty();
    }

    /** One line for logs and the command line. */
    public String describe() {
      if (!readable()) {
        return problem.get();
      }
      return "a force failed after sequence " + durableSequence + " (marker " + marker + "): " + (cutRecords == 0
          ? "no record follows it, so the next open only removes the marker"
          : "the next open cuts the " + cutRecords + " record(s) written after it, never acknowledged as durable"
              + " (the disk may not hold them though they read back)");
    }
  }
}
