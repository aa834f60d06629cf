package dev.faultline.diagnosis.fta;

import java.util.Objects;

/**
 * Where a definition was read: the file, the line and the element, for error messages. Immutable and thread-safe.
 *
 * @param file the file name or system id as given to the reader
 * @param line the 1-based line, or 0 when unknown
 * @param element the element, for example {@code <define-gate name="g1">}
 */
public record Location(String file, int line, String element) {

  /** Checks the fields. */
  public Location {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(element, "element");
  }

  @Override
  public String toString() {
    return file + ":" + line + ": " + element;
  }
}
