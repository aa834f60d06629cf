package dev.faultline.state.checkpoint;

import java.nio.file.Path;

/**
 * A checkpoint file that could not be used, and why.
 *
 * @param file the file
 * @param id the id its name gives
 * @param reason what is wrong, in words
 * @param code what is wrong, as a stable code: {@code checkpoint-corrupt} (size, header or checksum),
 *     {@code checkpoint-format} (an unsupported format version), {@code checkpoint-crypto} (the snapshot does not
 *     decrypt: a wrong key or tampered bytes), {@code checkpoint-beyond-journal} (it covers records the journal does
 *     not hold, so recovery cannot continue it)
 */
public record CheckpointProblem(Path file, String id, String reason, String code) {

  /** One line for logs and the command line. */
  public String describe() {
    return "checkpoint " + id + " (" + file + ") skipped: " + reason;
  }
}
