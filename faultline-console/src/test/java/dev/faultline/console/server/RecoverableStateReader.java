package dev.faultline.console.server;

import dev.faultline.state.journal.Journal;
import java.nio.file.Path;

/** Reads a state directory's journal without opening it for writing, for tests. */
final class RecoverableStateReader {
  private RecoverableStateReader() {}

  /** The last journal sequence of the state directory. */
  static long lastSequence(Path directory) {
    return Journal.verify(directory).lastSequence();
  }
}
