package dev.faultline.state;

import dev.faultline.state.checkpoint.CheckpointInfo;
import dev.faultline.state.checkpoint.CheckpointProblem;
import dev.faultline.state.journal.JournalDamage;
import dev.faultline.state.journal.OpenReport;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * How state is rebuilt after a restart, decided before anything is replayed: start from {@code checkpoint} (or the
 * initial state) and replay journal records {@code replayFrom..replayTo}. Built, logged, then executed by
 * {@link RecoverableState}'s open.
 *
 * @param directory the state directory
 * @param checkpoint the newest valid checkpoint the journal can continue, if any
 * @param skippedCheckpoints newer checkpoints passed over, and why (damaged, or beyond the journal's end)
 * @param replayFrom the first journal sequence to replay
 * @param replayTo the last journal sequence to replay ({@code replayFrom - 1} if nothing to replay)
 * @param truncatedTail the torn journal tail that opening cut off, if any
 * @param possibleLoss the window a previous unclean ASYNC session may have lost, if any
 */
public record RecoveryPlan(Path directory, Optional<CheckpointInfo> checkpoint,
    List<CheckpointProblem> skippedCheckpoints, long replayFrom, long replayTo,
    Optional<JournalDamage> truncatedTail, Optional<OpenReport.AsyncWindowLoss> possibleLoss) {

  /** Copies {@code skippedCheckpoints}. */
  public RecoveryPlan {
    skippedCheckpoints = List.copyOf(skippedCheckpoints);
  }

  /** How many records the plan replays. */
  public long replayCount() {
    return Math.max(0, replayTo - replayFrom + 1);
  }

  /** The plan in one line, for the log. */
  public String describe() {
    StringBuilder text = new StringBuilder("recovery plan for ").append(directory).append(": ")
        .append(checkpoint.map(c -> "checkpoint " + c.id() + " (sequence " + c.sequence() + ")")
            .orElse("initial state"))
        .append(", replay ").append(replayCount()).append(" record(s)");
    if (replayCount() > 0) {
      text.append(" ").append(replayFrom).append("..").append(replayTo);
    }
    for (CheckpointProblem problem : skippedCheckpoints) {
      text.append("; ").append(problem.describe());
    }
    truncatedTail.ifPresent(d -> text.append("; journal ").append(d.describe()));
    possibleLoss.ifPresent(l -> text.append("; ").append(l.describe()));
    return text.toString();
  }
}
