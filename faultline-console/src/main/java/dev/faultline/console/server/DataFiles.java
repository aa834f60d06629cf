package dev.faultline.console.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * File writes of the console's data directory that survive a crash: whole files replaced atomically, and lines
 * appended and forced to disk. Thread-safe (stateless); callers serialize writes to one file.
 */
final class DataFiles {
  private DataFiles() {}

  /**
   * Replaces {@code target} with {@code content}: writes a temporary file in the same directory, forces it to disk,
   * renames it over {@code target} atomically and forces the directory, so a crash leaves the old or the new file,
   * never a torn one.
   */
  static void replaceAtomically(Path target, byte[] content) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Path temp = dir.resolve(target.getFileName() + ".tmp");
    try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer buffer = ByteBuffer.wrap(content);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      channel.force(true);
    }
    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    forceDirectory(dir);
  }

  /** Appends {@code content} to {@code target} (created if missing) and forces it to disk before returning. */
  static void appendAndForce(Path target, byte[] content) throws IOException {
    boolean created = !Files.exists(target);
    try (FileChannel channel = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND)) {
      ByteBuffer buffer = ByteBuffer.wrap(content);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      channel.force(false);
    }
    if (created) {
      forceDirectory(target.toAbsolutePath().getParent());
    }
  }

  /** Forces a directory, so that a file created, renamed or deleted in it survives a crash. */
  static void forceDirectory(Path dir) throws IOException {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      // Some platforms (Windows) cannot open a directory; the rename itself is still atomic there.
      if (!System.getProperty("os.name", "").startsWith("Windows")) {
        throw e;
      }
    }
  }
}
