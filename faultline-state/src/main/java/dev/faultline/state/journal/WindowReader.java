package dev.faultline.state.journal;

import dev.faultline.state.io.StorageChannel;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Reads arbitrary byte ranges of a file below a fixed end through one cached window, so that scanning frame by frame
 * or byte by byte costs one read per window. Not thread-safe.
 */
final class WindowReader {
  private static final int WINDOW = 1 << 20;

  private final StorageChannel channel;
  private final long end;
  private byte[] buffer = new byte[0];
  private long bufferStart;
  private int bufferLength;

  WindowReader(StorageChannel channel, long end) {
    this.channel = channel;
    this.end = end;
  }

  long end() {
    return end;
  }

  /**
   * Makes {@code [position, position + length)} available in {@link #buffer()} and returns its offset there.
   *
   * @throws IOException if the file holds fewer bytes than {@code end} promised
   */
  int load(long position, int length) throws IOException {
    if (position >= bufferStart && position + length <= bufferStart + bufferLength) {
      return (int) (position - bufferStart);
    }
    int want = (int) Math.min(Math.max(length, WINDOW), end - position);
    if (want < length) {
      throw new IOException("range " + position + "+" + length + " passes the end " + end);
    }
    if (buffer.length < want) {
      buffer = new byte[want];
    }
    int read = channel.readFully(ByteBuffer.wrap(buffer, 0, want), position);
    if (read < length) {
      throw new IOException("file ended at " + (position + read) + " before " + (position + length));
    }
    bufferStart = position;
    bufferLength = read;
    return 0;
  }

  byte[] buffer() {
    return buffer;
  }

  int getInt(long position) throws IOException {
    int at = load(position, 4);
    return ((buffer[at] & 0xff) << 24) | ((buffer[at + 1] & 0xff) << 16) | ((buffer[at + 2] & 0xff) << 8)
        | (buffer[at + 3] & 0xff);
  }

  long getLong(long position) throws IOException {
    return ((long) getInt(position) << 32) | (getInt(position + 4) & 0xffffffffL);
  }
}
