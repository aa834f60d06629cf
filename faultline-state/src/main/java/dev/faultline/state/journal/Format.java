package dev.faultline.state.journal;

import dev.faultline.state.internal.Aead;
import dev.faultline.state.internal.DirectoryIdentity;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/** Constants and codecs of the journal's on-disk format; drawn in {@link Journal}'s class Javadoc. */
final class Format {
  /** "FLJL": Faultline journal. */
  static final int MAGIC = 0x464C4A4C;
  /**
   * The newest format version: a sealed segment whose records authenticate the directory's identity
   * ({@link DirectoryIdentity}) with their sequence. Plain segments are still written as {@link #VERSION_UNBOUND},
   * their format being unchanged (so that older builds keep reading plain journals).
   */
  static final int VERSION = 2;
  /** The first format version: plain segments, and sealed ones whose records authenticate only their sequence. */
  static final int VERSION_UNBOUND = 1;
  static final int HEADER_SIZE = 32;
  static final int FRAME_HEADER_SIZE = 16;
  /** The largest payload the format allows; builders may set a smaller maximum. */
  static final int MAX_PAYLOAD = (1 << 30) - FRAME_HEADER_SIZE;
  static final String SUFFIX = ".journal";
  private static final int NAME_DIGITS = 20;

  private Format() {}

  static String segmentName(long firstSequence) {
    return String.format("%0" + NAME_DIGITS + "d%s", firstSequence, SUFFIX);
  }

  /** The first sequence that a segment's file name gives, or -1 if it is not a segment file name. */
  static long parseSegmentName(Path file) {
    String name = file.getFileName().toString();
    if (name.length() != NAME_DIGITS + SUFFIX.length() || !name.endsWith(SUFFIX)) {
      return -1;
    }
    for (int i = 0; i < NAME_DIGITS; i++) {
      if (name.charAt(i) < '0' || name.charAt(i) > '9') {
        return -1;
      }
    }
    try {
      return Long.parseLong(name.substring(0, NAME_DIGITS));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** The version new segments sealed with {@code keyId} are written in (0: plain). */
  static int versionFor(int keyId) {
    return keyId == 0 ? VERSION_UNBOUND : VERSION;
  }

  /**
   * The associated data of the record {@code sequence} in a segment of format {@code version}: in version 1 the
   * sequence (8 bytes); in version 2 the magic, the directory's {@code identity} and the sequence (28 bytes).
   */
  static byte[] aad(int version, byte[] identity, long sequence) {
    return version == VERSION_UNBOUND ? Aead.longs(sequence) : DirectoryIdentity.aad(MAGIC, identity, sequence);
  }

  static ByteBuffer header(long firstSequence, int keyId) {
    ByteBuffer header = ByteBuffer.allocate(HEADER_SIZE);
    header.putInt(0, MAGIC).putInt(4, versionFor(keyId)).putLong(8, firstSequence).putInt(16, keyId).putInt(20, 0)
        .putInt(24, 0);
    CRC32C crc = new CRC32C();
    crc.update(header.array(), 0, 28);
    header.putInt(28, (int) crc.getValue());
    return header;
  }

  /** Why a header is damaged, or null if it is valid for {@code firstSequence}. Unknown versions are not damage. */
  static String headerProblem(byte[] bytes, int offset, long firstSequence) {
    ByteBuffer header = ByteBuffer.wrap(bytes, offset, HEADER_SIZE).slice();
    CRC32C crc = new CRC32C();
    crc.update(bytes, offset, 28);
    if (header.getInt(0) != MAGIC) {
      return String.format("bad magic 0x%08x in file header", header.getInt(0));
    }
    if ((int) crc.getValue() != header.getInt(28)) {
      return "file header checksum mismatch";
    }
    if (header.getLong(8) != firstSequence) {
      return "file header gives first sequence " + header.getLong(8) + " but the file name gives " + firstSequence;
    }
    return null;
  }

  static int headerVersion(byte[] bytes, int offset) {
    return ByteBuffer.wrap(bytes, offset, HEADER_SIZE).getInt(4);
  }

  static int headerKeyId(byte[] bytes, int offset) {
    return ByteBuffer.wrap(bytes, offset, HEADER_SIZE).getInt(16);
  }

  /** The CRC32C of a frame: over its length, its sequence and its payload (everything but the CRC field). */
  static int frameCrc(byte[] frame, int offset, int payloadLength) {
    CRC32C crc = new CRC32C();
    crc.update(frame, offset, 4);
    crc.update(frame, offset + 8, 8 + payloadLength);
    return (int) crc.getValue();
  }

  /**
   * Fills in length, sequence and CRC of the frame at {@code offset} of {@code bytes}, whose payload is already at
   * {@code offset + 16}, with {@code crc} (reset here).
   */
  static void sealFrame(byte[] bytes, int offset, int payloadLength, long sequence, CRC32C crc) {
    WindowReader.INT.set(bytes, offset, payloadLength);
    WindowReader.LONG.set(bytes, offset + 8, sequence);
    crc.reset();
    crc.update(bytes, offset, 4);
    crc.update(bytes, offset + 8, 8 + payloadLength);
    WindowReader.INT.set(bytes, offset + 4, (int) crc.getValue());
  }
}
