package dev.faultline.diagnosis.incident;

import dev.faultline.core.internal.Validate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Appends incidents to a file as JSON lines ({@link IncidentJson}, one object a line); thread-safe: {@code this}
 * guards the file, so lines never interleave. Each line is handed to the operating system whole by
 * {@link #report} (a crash of the process loses none that returned; the file is not forced, so a power loss may).
 * A line the file cannot take (a full disk) is cut off again, so the file holds whole lines only and the caller,
 * told the report failed, may report it again without a duplicate.
 */
public final class FileIncidentReporter implements IncidentReporter {
  private final Path file;
  private final FileChannel out;
  private boolean closed;

  /**
   * A reporter appending to {@code file}, created if missing.
   *
   * @throws IOException if the file cannot be opened
   */
  public FileIncidentReporter(Path file) throws IOException {
    this(file, FileChannel.open(Validate.notNull("file", file), StandardOpenOption.CREATE,
        StandardOpenOption.APPEND, StandardOpenOption.WRITE));
  }

  /** A reporter appending to {@code file} through {@code out}, a channel of it opened to append (tests fail it). */
  FileIncidentReporter(Path file, FileChannel out) {
    this.file = file;
    this.out = out;
  }

  /**
   * Appends the incident's line.
   *
   * @throws UncheckedIOException if the line cannot be written (nothing of it is kept, unless cutting it off failed
   *     too, which the message says)
   * @throws IllegalStateException if the reporter is closed
   */
  @Override
  public synchronized void report(Incident incident) {
    Validate.notNull("incident", incident);
    if (closed) {
      throw new IllegalStateException("the incident file reporter for " + file + " is closed");
    }
    ByteBuffer line = ByteBuffer.wrap((IncidentJson.write(incident) + "\n").getBytes(StandardCharsets.UTF_8));
    long before = -1;
    try {
      before = out.size();
      while (line.hasRemaining()) {
        out.write(line);
      }
    } catch (IOException e) {
      String kept = "nothing of it was kept";
      if (before >= 0 && line.position() > 0) {
        try {
          out.truncate(before);
        } catch (IOException cut) {
          e.addSuppressed(cut);
          kept = "and the part written (" + line.position() + " bytes) could not be cut off again";
        }
      }
      throw new UncheckedIOException("cannot append an incident to " + file + "; " + kept, e);
    }
  }

  /** Closes the file. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      out.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close " + file, e);
    }
  }
}
