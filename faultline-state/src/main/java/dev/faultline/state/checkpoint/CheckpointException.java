package dev.faultline.state.checkpoint;

import dev.faultline.core.FaultlineException;

/**
 * A checkpoint could not be written, found or read. {@link #code()}: {@code checkpoint-io} (an I/O error),
 * {@code checkpoint-not-found}, {@code checkpoint-corrupt} (a checksum or size check failed),
 * {@code checkpoint-format} (an unsupported version or an encrypted file), {@code checkpoint-invalid-id}, {@code checkpoint-read-only}, {@code checkpoint-crypto} (encrypted and no key
 * provider, or not its key, was given; or the snapshot does not decrypt: wrong key, another directory's or tampered;
 * or the directory's identity file is damaged or missing beside snapshots sealed for it; or the snapshot is plain and
 * the store requires encryption).
 */
public final class CheckpointException extends FaultlineException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception. */
  public CheckpointException(String code, String message) {
    super(code, message);
  }

  /** Creates the exception with a cause. */
  public CheckpointException(String code, String message, Throwable cause) {
    super(code, message, cause);
  }
}
