package dev.faultline.state.internal;

import dev.faultline.state.io.StorageChannel;
import dev.faultline.state.io.StorageIo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * The identity of a journal or checkpoint directory: 16 random bytes, created once, that every record and snapshot
 * sealed there (format version 2 of segments and checkpoints) authenticates, so that a segment or checkpoint file
 * copied from another directory under the same key does not decrypt; and, from file version 2 on, how far the data
 * sealed there before the identity existed reaches, so that such data copied in later is refused too.
 *
 * <h2>File {@value #FILE}, version 2 (written by this build; big-endian, 44 bytes)</h2>
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                    Magic 0x464C4944 "FLID"                    |
 *  +---------------------------------------------------------------+
 *  |                      Format version (2)                       |
 *  +---------------------------------------------------------------+
 *  |                                                               |
 *  |              Identity (16 bytes from SecureRandom)            |
 *  |                                                               |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |        Last unbound sequence (8 bytes, signed; -1: none)      |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |    Last unbound checkpoint (8 bytes, signed; -1: none)        |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                CRC32C of bytes 0 to 39                        |
 *  +---------------------------------------------------------------+
 * </pre>
 * The last unbound sequence is the highest journal sequence that a version-1 (unbound) sealed segment may hold, the
 * last unbound checkpoint the highest number a version-1 sealed checkpoint may have: what such files in the directory
 * held when the identity was made, -1 if there were none (a fresh directory, the common case). Nothing written after
 * that is unbound (every new sealed segment and checkpoint is version 2, and a version-1 segment is only ever cut
 * shorter, never appended to), so a version-1 sealed segment holding a higher sequence, or a version-1 sealed
 * checkpoint with a higher number, was put there later, for example copied from another directory under the same
 * key, which version 1 cannot tell apart: the journal refuses to open with it and the checkpoint store refuses to use
 * it ({@link Identity#acceptsUnboundSequence}, {@link Identity#acceptsUnboundCheckpoint}).
 *
 * <h2>File {@value #FILE}, version 1 (written by the previous release; 28 bytes)</h2>
 * <pre>
 *  +---------------------------------------------------------------+
 *  |                    Magic 0x464C4944 "FLID"                    |
 *  +---------------------------------------------------------------+
 *  |                      Format version (1)                       |
 *  +---------------------------------------------------------------+
 *  |              Identity (16 bytes from SecureRandom)            |
 *  +---------------------------------------------------------------+
 *  |                CRC32C of bytes 0 to 23                        |
 *  +---------------------------------------------------------------+
 * </pre>
 * Still read, and never rewritten (the bounds it lacks cannot be known afterwards): a directory with such a file keeps
 * the old rule, under which version-1 sealed data of any sequence or number is accepted (the journal still refuses a
 * version-1 segment after a version-2 one).
 *
 * <p>It is created by the directory's writer (the journal under its lock, or a checkpoint store opened for writing)
 * when it first opens the directory with a key provider and nothing sealed for an identity is there yet: written to
 * {@value #TMP_FILE}, forced, renamed to {@value #FILE}, and the directory forced, so after a crash it is complete or
 * absent. Whichever of the two creates it, {@link #create} reads the bounds from both kinds of files in the directory,
 * so the one file is right for both. It is never replaced: a directory holding data sealed for an identity whose file
 * is missing or damaged fails to open, since a new identity would make that data unreadable. Read-only paths only
 * read it.
 *
 * <p>A journal and the checkpoints in the same directory (as {@code RecoverableState} keeps them) share the one file:
 * the identity names the directory, and the associated data of a record and of a snapshot differ in their tag and
 * length, so one is never taken for the other.
 *
 * <p>Thread-safe (stateless).
 */
public final class DirectoryIdentity {
  /** The identity file's name. */
  public static final String FILE = "directory.id";
  /** The temporary file an interrupted creation may leave; replaced by the next creation. */
  public static final String TMP_FILE = "directory.id.tmp";
  static final int MAGIC = 0x464C4944;
  /** The file version this build writes: with the bounds of the directory's unbound data. */
  static final int VERSION = 2;
  /** The file version of the previous release: the identity alone. */
  static final int VERSION_IDENTITY_ONLY = 1;
  static final int SIZE = 44;
  static final int SIZE_IDENTITY_ONLY = 28;
  /** The length of an identity. */
  public static final int BYTES = 16;
  private static final int SEGMENT_MAGIC = 0x464C4A4C;
  private static final int SEGMENT_HEADER_SIZE = 32;
  private static final int FRAME_HEADER_SIZE = 16;
  private static final int CHECKPOINT_MAGIC = 0x464C4350;
  private static final SecureRandom RANDOM = new SecureRandom();

  private DirectoryIdentity() {}

  /**
   * A directory's identity file as read.
   *
   * @param bytes the identity ({@value #BYTES} bytes)
   * @param version the file's format version: 1 (no bounds; the old rule) or 2
   * @param lastUnboundSequence in version 2, the highest sequence a version-1 sealed segment may hold (-1: none);
   *     {@link Long#MAX_VALUE} in version 1
   * @param lastUnboundCheckpoint in version 2, the highest number of a version-1 sealed checkpoint (-1: none);
   *     {@link Long#MAX_VALUE} in version 1
   */
  public record Identity(byte[] bytes, int version, long lastUnboundSequence, long lastUnboundCheckpoint) {
    /** Whether a version-1 sealed segment may hold {@code sequence}. */
    public boolean acceptsUnboundSequence(long sequence) {
      return sequence <= lastUnboundSequence;
    }

    /** Whether a version-1 sealed checkpoint may have {@code number}. */
    public boolean acceptsUnboundCheckpoint(long number) {
      return number <= lastUnboundCheckpoint;
    }

    /** Why version-1 sealed data past the bounds is refused, for error messages. */
    public String describeBounds() {
      return "its identity file " + FILE + " (version " + version + ") was made when version-1 sealed data in the"
          + " directory reached " + (lastUnboundSequence < 0 ? "no journal sequence" : "journal sequence "
          + lastUnboundSequence) + " and " + (lastUnboundCheckpoint < 0 ? "no checkpoint" : "checkpoint number "
          + lastUnboundCheckpoint) + ", and nothing sealed in version 1 is written after that";
    }
  }

  /** An identity file that exists but cannot be used; the message says why. */
  public static final class Damaged extends Exception {
    private static final long serialVersionUID = 1L;

    Damaged(String reason) {
      super(reason, null, false, false);
    }
  }

  /**
   * The identity of {@code directory}, empty if it has none; changes nothing.
   *
   * @throws Damaged if the file exists but its size, magic, checksum, version or bounds are wrong
   */
  public static Optional<Identity> read(StorageIo io, Path directory) throws IOException, Damaged {
    Path file = directory.resolve(FILE);
    ByteBuffer bytes = ByteBuffer.allocate(SIZE);
    long size;
    try (StorageChannel channel = io.open(file, StorageIo.OpenMode.READ)) {
      size = channel.size();
      if (size == SIZE || size == SIZE_IDENTITY_ONLY) {
        bytes.limit((int) size);
        channel.readFully(bytes, 0);
      }
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    String problem;
    if (size != SIZE && size != SIZE_IDENTITY_ONLY) {
      problem = "it is " + size + " bytes instead of " + SIZE + " (format version " + VERSION + ") or "
          + SIZE_IDENTITY_ONLY + " (version " + VERSION_IDENTITY_ONLY + ")";
    } else {
      int length = (int) size;
      CRC32C crc = new CRC32C();
      crc.update(bytes.array(), 0, length - 4);
      int version = bytes.getInt(4);
      int expectedSize = version == VERSION ? SIZE : version == VERSION_IDENTITY_ONLY ? SIZE_IDENTITY_ONLY : -1;
      problem = bytes.getInt(0) != MAGIC ? String.format("bad magic 0x%08x", bytes.getInt(0))
          : (int) crc.getValue() != bytes.getInt(length - 4) ? "checksum mismatch"
          : expectedSize < 0 ? "format version " + version + " is not supported (this build reads "
              + VERSION_IDENTITY_ONLY + " and " + VERSION + ")"
          : expectedSize != length ? "format version " + version + " is " + expectedSize + " bytes, but the file is "
              + length
          : version == VERSION && (bytes.getLong(24) < -1 || bytes.getLong(32) < -1)
              ? "the bounds of unbound data are " + bytes.getLong(24) + " and " + bytes.getLong(32)
                  + ", below -1"
          : null;
    }
    if (problem != null) {
      throw new Damaged(problem);
    }
    byte[] identity = new byte[BYTES];
    System.arraycopy(bytes.array(), 8, identity, 0, BYTES);
    if (bytes.getInt(4) == VERSION_IDENTITY_ONLY) {
      return Optional.of(new Identity(identity, VERSION_IDENTITY_ONLY, Long.MAX_VALUE, Long.MAX_VALUE));
    }
    return Optional.of(new Identity(identity, VERSION, bytes.getLong(24), bytes.getLong(32)));
  }

  /**
   * A file of {@code directory} sealed for an identity, empty if there is none: a journal segment ({@code *.journal},
   * magic "FLJL") or a checkpoint ({@code cp-*.checkpoint}, magic "FLCP") whose header says format version 2 and a
   * key id other than 0. A journal and its checkpoints share the directory and its identity, so before either makes
   * a new identity it must find none of the other's files bound to the lost one either. Changes nothing.
   */
  public static Optional<Path> boundFile(StorageIo io, Path directory) throws IOException {
    for (Path file : io.list(directory)) {
      String name = file.getFileName().toString();
      int keyIdAt;
      int magic;
      if (name.endsWith(".journal")) {
        magic = 0x464C4A4C;
        keyIdAt = 16;
      } else if (name.startsWith("cp-") && name.endsWith(".checkpoint")) {
        magic = 0x464C4350;
        keyIdAt = 8;
      } else {
        continue;
      }
      ByteBuffer header = ByteBuffer.allocate(20);
      try (StorageChannel channel = io.open(file, StorageIo.OpenMode.READ)) {
        channel.readFully(header, 0);
      } catch (NoSuchFileException e) {
        continue;
      }
      if (header.position() == header.capacity() && header.getInt(0) == magic && header.getInt(4) == 2
          && header.getInt(keyIdAt) != 0) {
        return Optional.of(file);
      }
    }
    return Optional.empty();
  }

  /**
   * Creates a new random identity for {@code directory}, durably and atomically, and returns it, with the bounds of
   * the version-1 sealed segments and checkpoints the directory holds now (both kinds, whichever writer calls). The
   * caller has checked that none exists and is the directory's only writer.
   */
  public static Identity create(StorageIo io, Path directory) throws IOException {
    long[] bounds = unboundBounds(io, directory);
    byte[] identity = new byte[BYTES];
    RANDOM.nextBytes(identity);
    ByteBuffer bytes = ByteBuffer.allocate(SIZE).putInt(0, MAGIC).putInt(4, VERSION).putLong(24, bounds[0])
        .putLong(32, bounds[1]);
    System.arraycopy(identity, 0, bytes.array(), 8, BYTES);
    CRC32C crc = new CRC32C();
    crc.update(bytes.array(), 0, SIZE - 4);
    bytes.putInt(SIZE - 4, (int) crc.getValue());
    Path tmp = directory.resolve(TMP_FILE);
    io.delete(tmp);
    try (StorageChannel channel = io.open(tmp, StorageIo.OpenMode.CREATE_NEW)) {
      channel.writeFully(bytes, 0);
      channel.force();
    }
    io.move(tmp, directory.resolve(FILE));
    io.forceDirectory(directory);
    return new Identity(identity, VERSION, bounds[0], bounds[1]);
  }

  /**
   * The highest sequence in a version-1 sealed segment ({@code *.journal}, magic "FLJL", version 1, key id not 0) of
   * {@code directory} and the highest number of a version-1 sealed checkpoint ({@code cp-*.checkpoint}, magic "FLCP"),
   * each -1 if there is none. A segment's frames are walked by their length and sequence only (not their checksum),
   * so a torn tail that opening will cut off may count: the bound errs towards accepting what was there. Changes
   * nothing.
   */
  static long[] unboundBounds(StorageIo io, Path directory) throws IOException {
    long lastSequence = -1;
    long lastCheckpoint = -1;
    for (Path file : io.list(directory)) {
      String name = file.getFileName().toString();
      boolean segment = name.endsWith(".journal");
      if (!segment && !(name.startsWith("cp-") && name.endsWith(".checkpoint"))) {
        continue;
      }
      try (StorageChannel channel = io.open(file, StorageIo.OpenMode.READ)) {
        long size = channel.size();
        ByteBuffer header = ByteBuffer.allocate(24);
        if (channel.readFully(header, 0) < header.capacity() || header.getInt(4) != 1) {
          continue;
        }
        if (segment && header.getInt(0) == SEGMENT_MAGIC && header.getInt(16) != 0) {
          lastSequence = Math.max(lastSequence, lastFrameSequence(channel, size, header.getLong(8)));
        } else if (!segment && header.getInt(0) == CHECKPOINT_MAGIC && header.getInt(8) != 0) {
          lastCheckpoint = Math.max(lastCheckpoint, header.getLong(16));
        }
      } catch (NoSuchFileException e) {
        // Deleted since listed.
      }
    }
    return new long[] {lastSequence, lastCheckpoint};
  }

  /** The sequence of the last whole frame of a segment that begins at {@code first}, or -1 if it has none. */
  private static long lastFrameSequence(StorageChannel channel, long size, long first) throws IOException {
    long last = -1;
    long expected = first;
    ByteBuffer frame = ByteBuffer.allocate(FRAME_HEADER_SIZE);
    for (long at = SEGMENT_HEADER_SIZE; at + FRAME_HEADER_SIZE <= size; ) {
      frame.clear();
      channel.readFully(frame, at);
      int length = frame.getInt(0);
      // Zeros (a preallocated tail) stop here too: no frame has sequence 0.
      if (length < 0 || frame.getLong(8) != expected || at + FRAME_HEADER_SIZE + length > size) {
        break;
      }
      last = expected++;
      at += FRAME_HEADER_SIZE + length;
    }
    return last;
  }

  /**
   * The associated data of a value sealed for {@code identity}: {@code tag (4 bytes) || identity (16) || values (8
   * bytes each, big-endian)}. The tag is the magic of the file kind (a segment's, a checkpoint's), so that the
   * associated data of different kinds never coincide.
   */
  public static byte[] aad(int tag, byte[] identity, long... values) {
    ByteBuffer buffer = ByteBuffer.allocate(4 + BYTES + 8 * values.length).putInt(tag).put(identity);
    for (long value : values) {
      buffer.putLong(value);
    }
    return buffer.array();
  }
}
