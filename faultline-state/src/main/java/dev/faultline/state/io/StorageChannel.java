package dev.faultline.state.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

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
