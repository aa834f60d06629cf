package dev.faultline.diagnosis.incident;

import dev.faultline.core.internal.Validate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Appends incidents to a file as JSON lines ({@link IncidentJson}, one object a line), flushing after each; thread-safe:
 * {@code this} guards the writer, so lines never interleave.
 */
public final class FileIncidentReporter implements IncidentReporter {
  private final Path file;
  private final Writer out;
  private boolean closed;

  /**
   * A reporter appending to {@code file}, created if missing.
   *
   * @throws IOException if the file cannot be opened
   */
  public FileIncidentReporter(Path file) throws IOException {
    this.file = Validate.notNull("file", file);
    this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
        StandardOpenOption.APPEND, StandardOpenOption.WRITE);
  }

  /**
   * Appends the incident's line.
   *
   * @throws UncheckedIOException if the line cannot be written
   * @throws IllegalStateException if the reporter is closed
   */
  @Override
  public synchronized void report(Incident incident) {
    Validate.notNull("incident", incident);
    if (closed) {
      throw new IllegalStateException("the incident file reporter for " + file + " is closed");
    }
    try {
      out.write(IncidentJson.write(incident));
      out.write('\n');
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append an incident to " + file, e);
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
