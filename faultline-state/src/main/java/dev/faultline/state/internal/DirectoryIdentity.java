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
 * copied from another directory under the same key does not decrypt.
 *
 * <h2>File {@value #FILE} (version 1, big-endian, 28 bytes)</h2>
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                    Magic 0x464C4944 "FLID"                    |
 *  +---------------------------------------------------------------+
 *  |                      Format version (1)                       |
 *  +---------------------------------------------------------------+
 *  |                                                               |
 *  |              Identity (16 bytes from SecureRandom)            |
 *  |                                                               |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                CRC32C of bytes 0 to 23                        |
 *  +---------------------------------------------------------------+
 * </pre>
 * It is created by the directory's writer (the journal under its lock, or a checkpoint store opened for writing) when
 * it first opens the directory with a key provider and nothing sealed for an identity is there yet: written to
 * {@value #TMP_FILE}, forced, renamed to {@value #FILE}, and the directory forced, so after a crash it is complete or
 * absent. It is never replaced: a directory holding data sealed for an identity whose file is missing or damaged fails
 * to open, since a new identity would make that data unreadable. Read-only paths only read it.
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
  static final int VERSION = 1;
  static final int SIZE = 28;
  /** The length of an identity. */
  public static final int BYTES = 16;
  private static final SecureRandom RANDOM = new SecureRandom();

  private DirectoryIdentity() {}

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
   * @throws Damaged if the file exists but its size, magic, checksum or version is wrong
   */
  public static Optional<byte[]> read(StorageIo io, Path directory) throws IOException, Damaged {
    Path file = directory.resolve(FILE);
    ByteBuffer bytes = ByteBuffer.allocate(SIZE);
    long size;
    try (StorageChannel channel = io.open(file, StorageIo.OpenMode.READ)) {
      size = channel.size();
      if (size == SIZE) {
        channel.readFully(bytes, 0);
      }
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    CRC32C crc = new CRC32C();
    crc.update(bytes.array(), 0, SIZE - 4);
    String problem = size != SIZE ? "it is " + size + " bytes instead of " + SIZE
        : bytes.getInt(0) != MAGIC ? String.format("bad magic 0x%08x", bytes.getInt(0))
        : (int) crc.getValue() != bytes.getInt(SIZE - 4) ? "checksum mismatch"
        : bytes.getInt(4) != VERSION ? "format version " + bytes.getInt(4) + " is not supported (this build reads "
            + VERSION + ")"
        : null;
    if (problem != null) {
      throw new Damaged(problem);
    }
    byte[] identity = new byte[BYTES];
    System.arraycopy(bytes.array(), 8, identity, 0, BYTES);
    return Optional.of(identity);
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
   * Creates a new random identity for {@code directory}, durably and atomically, and returns it. The caller has
   * checked that none exists and is the directory's only writer.
   */
  public static byte[] create(StorageIo io, Path directory) throws IOException {
    byte[] identity = new byte[BYTES];
    RANDOM.nextBytes(identity);
    ByteBuffer bytes = ByteBuffer.allocate(SIZE).putInt(0, MAGIC).putInt(4, VERSION);
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
    return identity;
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
