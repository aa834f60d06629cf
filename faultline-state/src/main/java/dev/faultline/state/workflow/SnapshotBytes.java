package dev.faultline.state.workflow;

import java.io.UTFDataFormatException;
import java.io.UncheckedIOException;

/**
 * Writes the bytes {@link java.io.DataOutputStream} would ({@code writeUTF}'s modified UTF-8 with a two-byte length,
 * big-endian numbers) into an array allocated once at its exact size. The workflow table's checkpoint is encoded in
 * two passes, first {@link Size} then {@link Bytes}, instead of through a growing {@code ByteArrayOutputStream}: a
 * large table's snapshot is then written once, with no doubling copies, no final copy and no lock per write (with 32
 * starters on two cores these were about a quarter of the process's CPU outside the disk waits).
 */
final class SnapshotBytes {
  private SnapshotBytes() {}

  /** What a pass does with each value; the two passes see the same calls in the same order. */
  interface Sink {
    void utf(String text);

    void bytes(byte[] bytes);

    void i8(int value);

    void i32(int value);

    void i64(long value);
  }

  /** The encoded length of {@code text} in modified UTF-8, refusing more than {@code writeUTF} takes. */
  static int utfLength(String text) {
    long bytes = modifiedUtf8Length(text);
    if (bytes > MAX_UTF) {
      throw new UncheckedIOException(new UTFDataFormatException("encoded string too long: " + bytes + " bytes"));
    }
    return (int) bytes;
  }

  /** The most bytes a string takes in {@code writeUTF}'s modified UTF-8 (its length field has two bytes). */
  static final int MAX_UTF = 65535;

  /**
   * Whether {@code text} takes at most {@link #MAX_UTF} bytes in modified UTF-8; without counting when it has at most
   * a third as many chars (each takes at most three bytes), as every name in practice does.
   */
  static boolean fitsUtf(String text) {
    return text.length() <= MAX_UTF / 3 || modifiedUtf8Length(text) <= MAX_UTF;
  }

  /** The length of {@code text} in modified UTF-8, however long. */
  static long modifiedUtf8Length(String text) {
    int length = text.length();
    long bytes = length;
    for (int i = 0; i < length; i++) {
      char c = text.charAt(i);
      if (c >= 0x80 || c == 0) {
        bytes += c >= 0x800 ? 2 : 1;
      }
    }
    return bytes;
  }

  /** The first pass: counts bytes. */
  static final class Size implements Sink {
    long total;

    @Override
    public void utf(String text) {
      total += 2 + utfLength(text);
    }

    @Override
    public void bytes(byte[] bytes) {
      total += 4 + (bytes == null ? 0 : bytes.length);
    }

    @Override
    public void i8(int value) {
      total += 1;
    }

    @Override
    public void i32(int value) {
      total += 4;
    }

    @Override
    public void i64(long value) {
      total += 8;
    }

    /** The size as an array length, refusing a snapshot no array can hold. */
    int arrayLength() {
      if (total > Integer.MAX_VALUE - 8) {
        throw new IllegalStateException("workflow table snapshot of " + total + " bytes is too large for one"
            + " checkpoint; forget finished workflows (retainFinished)");
      }
      return (int) total;
    }
  }

  /** The second pass: fills an array of the size the first counted. */
  static final class Bytes implements Sink {
    final byte[] out;
    private int at;

    Bytes(int size) {
      out = new byte[size];
    }

    @Override
    public void utf(String text) {
      int length = text.length();
      int start = at;
      at += 2;
      for (int i = 0; i < length; i++) {
        char c = text.charAt(i);
        if (c >= 0x01 && c < 0x80) {
          out[at++] = (byte) c;
        } else if (c < 0x800) {
          out[at++] = (byte) (0xC0 | (c >> 6));
          out[at++] = (byte) (0x80 | (c & 0x3F));
        } else {
          out[at++] = (byte) (0xE0 | (c >> 12));
          out[at++] = (byte) (0x80 | ((c >> 6) & 0x3F));
          out[at++] = (byte) (0x80 | (c & 0x3F));
        }
      }
      int encoded = at - start - 2;
      if (encoded > 65535) { // the first pass refused it already
        throw new IllegalStateException("string of " + encoded + " bytes passed the size pass");
      }
      out[start] = (byte) (encoded >>> 8);
      out[start + 1] = (byte) encoded;
    }

    @Override
    public void bytes(byte[] bytes) {
      if (bytes == null) {
        i32(-1);
        return;
      }
      i32(bytes.length);
      System.arraycopy(bytes, 0, out, at, bytes.length);
      at += bytes.length;
    }

    @Override
    public void i8(int value) {
      out[at++] = (byte) value;
    }

    @Override
    public void i32(int value) {
      out[at++] = (byte) (value >>> 24);
      out[at++] = (byte) (value >>> 16);
      out[at++] = (byte) (value >>> 8);
      out[at++] = (byte) value;
    }

    @Override
    public void i64(long value) {
      i32((int) (value >>> 32));
      i32((int) value);
    }

    /** The array, once the second pass filled it exactly. */
    byte[] done() {
      if (at != out.length) {
        throw new IllegalStateException("workflow table snapshot wrote " + at + " of " + out.length + " bytes");
      }
      return out;
    }
  }
}
