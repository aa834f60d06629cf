package dev.faultline.state.checkpoint;

import java.util.List;
import java.util.Optional;

/**
 * The result of choosing a checkpoint: the newest valid one that matched, if any, and the newer candidates that were
 * skipped because they were damaged.
 *
 * @param checkpoint the chosen checkpoint
 * @param skipped the damaged checkpoints passed over, newest first
 */
public record CheckpointSelection(Optional<Checkpoint> checkpoint, List<CheckpointProblem> skipped) {

  /** Copies {@code skipped}. */
  public CheckpointSelection {
    skipped = List.copyOf(skipped);
  }
}
