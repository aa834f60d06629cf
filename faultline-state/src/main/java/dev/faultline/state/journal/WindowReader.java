package dev.faultline.state.journal;

import dev.faultline.state.io.StorageChannel;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * Reads arbitrary byte ranges of a file below a fixed end through one cached window, so that scanning frame by frame
 * or byte by byte costs one read per window. Not thread-safe.
 */
final class WindowReader {
  private static final int WINDOW = 1 << 20;
  /** Big-endian int and long views of a byte array. */
  static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
  static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  private final StorageChannel channel;
  private final long end;
  private byte[] buffer = new byte[0];
  private long bufferStart;
  private int bufferLength;
  private final CRC32C crc = new CRC32C();

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
    int at = load(position, 4); // may replace the buffer, so read the field after it
    return (int) INT.get(buffer, at);
  }

  /** The CRC32C of the frame at {@code offset} of {@link #buffer()} (as {@link Format#frameCrc}, reusing one CRC). */
  int frameCrc(int offset, int payloadLength) {
    crc.reset();
    crc.update(buffer, offset, 4);
    crc.update(buffer, offset + 8, 8 + payloadLength);
    return (int) crc.getValue();
  }

  long getLong(long position) throws IOException {
    return ((long) getInt(position) << 32) | (getInt(position + 4) & 0xffffffffL);
  }
}
