package dev.faultline.state.checkpoint;

import java.nio.file.Path;

/**
 * A checkpoint file that could not be used, and why.
 *
 * @param file the file
 * @param id the id its name gives
 * @param reason what is wrong, in words
 */
public record CheckpointProblem(Path file, String id, String reason) {

  /** One line for logs and the command line. */
  public String describe() {
    return "checkpoint " + id + " (" + file + ") skipped: " + reason;
  }
}
