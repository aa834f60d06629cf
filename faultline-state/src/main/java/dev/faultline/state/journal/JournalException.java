package dev.faultline.state.journal;

import dev.faultline.core.FaultlineException;

/**
 * A journal could not do what was asked. {@link #code()} says why:
 * <ul>
 *   <li>{@code journal-failed} — an earlier write or force failed; the journal stopped (fail-stop) and every later
 *       append fails with this code and the original {@link java.io.IOException} as cause;
 *   <li>{@code journal-locked} — another process, or another open journal in this JVM, holds the directory;
 *   <li>{@code journal-closed} — the journal was closed;
 *   <li>{@code journal-format} — a segment was written by an incompatible format version;
 *   <li>{@code journal-io} — an I/O error while opening, reading, verifying or repairing;
 *   <li>{@code record-too-large} — a payload exceeds the configured maximum;
 *   <li>{@code sequence-out-of-range} — a sequence below the first retained one or beyond the last;
 *   <li>{@code cursor-invalidated} — the journal was truncated under an open cursor;
 *   <li>{@code journal-crypto} — a segment is encrypted and no key provider (or not its key) was given, or a record
 *       does not decrypt: the key is wrong, the segment belongs to another directory or the record was tampered with
 *       (never returned as garbage); or the directory's identity file is damaged, or missing beside segments sealed
 *       for it; or a plain segment is where it cannot be trusted (with {@code requireEncryption}, or after an
 *       encrypted segment);
 *   <li>{@code journal-corrupt} — see {@link JournalCorruptedException}.
 * </ul>
 */
public class JournalException extends FaultlineException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception. */
  public JournalException(String code, String message) {
    super(code, message);
  }

  /** Creates the exception with a cause. */
  public JournalException(String code, String message, Throwable cause) {
    super(code, message, cause);
  }
}
