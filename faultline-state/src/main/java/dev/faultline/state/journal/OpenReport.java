package dev.faultline.state.journal;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What opening a journal found and did: a value, logged at open and kept by {@link Journal#openReport()}.
 *
 * @param directory the journal directory
 * @param segments the number of segment files after open
 * @param firstSequence the first retained sequence (the next one to append if the journal is empty)
 * @param lastSequence the last sequence after open ({@code firstSequence - 1} if empty)
 * @param truncatedTail the torn tail that was cut off, if any
 * @param possibleLoss set when the previous session was {@link Durability#ASYNC} and did not close cleanly: records
 *     inside its window may have been lost without a trace, and this is the bound. It is reported until an open
 *     succeeds: an open that fails leaves the session's marker (or, having replaced it by its own ASYNC session's,
 *     one recording the larger of both windows), and so does a {@code RecoverableState} whose recovery fails
 */
public record OpenReport(Path directory, int segments, long firstSequence, long lastSequence,
    Optional<JournalDamage> truncatedTail, Optional<AsyncWindowLoss> possibleLoss) {

  /** Whether nothing was cut off and nothing may have been lost. */
  public boolean clean() {
    return truncatedTail.isEmpty() && possibleLoss.isEmpty();
  }

  /** One line for logs. */
  public String describe() {
    StringBuilder text = new StringBuilder("journal ").append(directory).append(": ").append(segments)
        .append(" segment(s), sequences ").append(firstSequence).append("..").append(lastSequence);
    truncatedTail.ifPresent(d -> text.append("; cut off ").append(d.describe()));
    possibleLoss.ifPresent(l -> text.append("; ").append(l.describe()));
    return text.toString();
  }

  /**
   * The bound on what an unclean {@link Durability#ASYNC} session may have lost: records appended but not yet forced
   * when the machine stopped. The journal cannot know which records those were, only the window.
   *
   * @param maxRecords at most this many records ({@code asyncMaxUnforcedRecords} of that session)
   * @param windowMillis appended within this many milliseconds before the crash ({@code asyncForceInterval})
   */
  public record AsyncWindowLoss(long maxRecords, long windowMillis) {
    /** One line for logs. */
    public String describe() {
      return "previous ASYNC session did not close cleanly: up to " + maxRecords + " record(s) appended within "
          + windowMillis + " ms before the crash may have been lost";
    }
  }
}
