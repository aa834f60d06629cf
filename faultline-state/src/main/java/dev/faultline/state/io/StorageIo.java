package dev.faultline.state.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The file-system operations that the journal and the checkpoint store use: the seam through which tests inject
 * faults ({@code ENOSPC}, {@code EIO}) and simulate crashes.
 *
 * <p>The contract follows POSIX on Linux: data written to a {@link StorageChannel} is durable only after
 * {@link StorageChannel#force()}; a created, renamed or deleted directory entry is durable only after
 * {@link #forceDirectory(Path)} on its directory. Implementations must be thread-safe.
 */
public interface StorageIo {

  /** How to open a file. */
  enum OpenMode {
    /** Read only; the file must exist. */
    READ,
    /** Read and write; the file must exist. */
    READ_WRITE,
    /** Read and write; the file must not exist yet and is created empty. */
    CREATE_NEW
  }

  /** Opens {@code file}; fails with {@link java.nio.file.NoSuchFileException} or {@link java.nio.file.FileAlreadyExistsException} as the mode requires. */
  StorageChannel open(Path file, OpenMode mode) throws IOException;

  /** The regular files directly inside {@code directory}, in no particular order. */
  List<Path> list(Path directory) throws IOException;

  /** Whether {@code file} exists. */
  boolean exists(Path file) throws IOException;

  /** Creates {@code directory} and its missing parents, forcing each parent whose entries changed. */
  void createDirectories(Path directory) throws IOException;

  /** Makes the entries of {@code directory} (creations, renames, deletions) durable. */
  void forceDirectory(Path directory) throws IOException;

  /** Atomically renames {@code source} to {@code target}, replacing {@code target} if it exists. */
  void move(Path source, Path target) throws IOException;

  /** Deletes {@code file} if it exists; returns whether it existed. */
  boolean delete(Path file) throws IOException;

  /**
   * Takes an exclusive lock on {@code lockFile} (created if missing), held until the returned handle is closed.
   *
   * @return empty if another process, or another holder in this process, has the lock
   */
  Optional<Closeable> tryLock(Path lockFile) throws IOException;

  /** The real file system, through {@link java.nio.channels.FileChannel}. */
  static StorageIo system() {
    return SystemStorageIo.INSTANCE;
  }
}
