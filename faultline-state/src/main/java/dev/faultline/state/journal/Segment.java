package dev.faultline.state.journal;

import dev.faultline.state.io.StorageChannel;
import java.nio.file.Path;

/**
 * One segment file of an open journal.
 *
 * <p>{@link #channel} is the write channel, open only while this is the segment being appended (or forced), guarded
 * by the journal's write lock and force lock together (either suffices to read it). {@link #finalEnd} is set once,
 * when the segment stops being appended to, and reset if a truncation makes it the active segment again.
 * {@link #keyId} is the key its records are sealed with (0: plain), and {@link #version} its format version (which
 * says whether sealed records authenticate the directory's identity), both from its header.
 */
final class Segment {
  final Path file;
  final long firstSequence;
  final int keyId;
  final int version;
  final SparseIndex index;
  StorageChannel channel;
  volatile long finalEnd = -1;

  Segment(Path file, long firstSequence, int keyId, int version, SparseIndex index) {
    this.file = file;
    this.firstSequence = firstSequence;
    this.keyId = keyId;
    this.version = version;
    this.index = index;
  }

  @Override
  public String toString() {
    return file.getFileName().toString();
  }
}
