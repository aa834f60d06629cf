package dev.faultline.state.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * An open file with positional reads and writes: the narrow part of {@link java.nio.channels.FileChannel} that
 * {@code faultline-state} needs, so that tests can wrap it.
 *
 * <p>Implementations must be thread-safe for concurrent positional reads and writes of distinct regions.
 */
public interface StorageChannel extends Closeable {

  /** Writes bytes from {@code source} at {@code position}; returns how many were written (possibly fewer than remain). */
  int write(ByteBuffer source, long position) throws IOException;

  /** Reads bytes into {@code target} from {@code position}; returns how many were read, or -1 at the end of the file. */
  int read(ByteBuffer target, long position) throws IOException;

  /** Makes every byte written so far durable, together with the file's size (fdatasync on Linux). */
  void force() throws IOException;

  /** The current size of the file in bytes. */
  long size() throws IOException;

  /** Cuts the file to {@code size} bytes (no effect if it is already shorter). */
  void truncate(long size) throws IOException;

  /**
   * A read-only view of the bytes {@code [position, position + size)} mapped into memory, or empty if this channel
   * does not map files (the default: callers then {@link #read}). The range must lie below the file's size; the view
   * stays valid after the channel is closed or the file deleted, but the file must not be cut below the end of the
   * range while the view is read (on Linux, reading a mapped page past the end of the file is a SIGBUS).
   *
   * @throws IOException if the mapping fails
   */
  default Optional<ByteBuffer> mapReadOnly(long position, int size) throws IOException {
    return Optional.empty();
  }

  /** Writes every remaining byte of {@code source} at {@code position}, looping over short writes. */
  default void writeFully(ByteBuffer source, long position) throws IOException {
    long at = position;
    while (source.hasRemaining()) {
      at += write(source, at);
    }
  }

  /**
   * Reads until {@code target} is full or the file ends.
   *
   * @return the number of bytes read
   */
  default int readFully(ByteBuffer target, long position) throws IOException {
    int total = 0;
    while (target.hasRemaining()) {
      int n = read(target, position + total);
      if (n < 0) {
        break;
      }
      total += n;
    }
    return total;
  }
}
