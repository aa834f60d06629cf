package dev.faultline.diagnosis.incident;

import dev.faultline.core.FaultlineException;
import java.nio.file.Path;

/** An issue store file is corrupt or of an unknown version; the message names the file, the line and the problem. */
public final class IssueStoreException extends FaultlineException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final int line;

  /** Creates the exception; the message reads {@code "<file>:<line>: <problem>"}. */
  public IssueStoreException(Path file, int line, String problem) {
    super("issue-store-corrupt", file + ":" + line + ": " + problem);
    this.file = file;
    this.line = line;
  }

  /** The corrupt file. */
  public Path file() {
    return file;
  }

  /** The 1-based line where the problem was found. */
  public int line() {
    return line;
  }
}
