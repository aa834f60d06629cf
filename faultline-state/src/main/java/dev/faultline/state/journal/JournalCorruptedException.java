package dev.faultline.state.journal;

import java.nio.file.Path;

/**
 * A journal segment is damaged before its tail: a record fails its checks and valid records (or a newer segment)
 * follow it, so the damage is not a torn write from a crash and is never cut off silently.
 * {@link Journal#repair(Path)} truncates the journal at {@link #offset()} of {@link #segment()} and reports what it
 * dropped.
 *
 * <p>Code {@code journal-corrupt}.
 */
public final class JournalCorruptedException extends JournalException {
  private static final long serialVersionUID = 1L;

  private final transient Path segment;
  private final long offset;
  private final String reason;

  /** Creates the exception for damage at {@code offset} of {@code segment}. */
  public JournalCorruptedException(Path segment, long offset, String reason, String advice) {
    super("journal-corrupt", "journal segment " + segment + " is corrupt at offset " + offset + ": " + reason
        + (advice.isEmpty() ? "" : "; " + advice));
    this.segment = segment;
    this.offset = offset;
    this.reason = reason;
  }

  /** The damaged segment file. */
  public Path segment() {
    return segment;
  }

  /** The byte offset in {@link #segment()} of the first damaged frame (0: the file header). */
  public long offset() {
    return offset;
  }

  /** What is wrong there, in words. */
  public String reason() {
    return reason;
  }
}
