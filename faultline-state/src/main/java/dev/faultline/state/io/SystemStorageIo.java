package dev.faultline.state.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The real file system. Directories are forced by opening them as a {@link FileChannel} and forcing it, which is what
 * makes a creation or rename durable on Linux; where a platform refuses to open a directory (Windows), forcing it is
 * skipped because that platform makes metadata durable differently.
 */
final class SystemStorageIo implements StorageIo {
  static final SystemStorageIo INSTANCE = new SystemStorageIo();

  private SystemStorageIo() {}

  @Override
  public StorageChannel open(Path file, OpenMode mode) throws IOException {
    FileChannel channel;
    switch (mode) {
      case READ:
        channel = FileChannel.open(file, StandardOpenOption.READ);
        break;
      case READ_WRITE:
        channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        break;
      case CREATE_NEW:
        channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE,
            StandardOpenOption.CREATE_NEW);
        break;
      default:
        throw new IllegalArgumentException("unknown open mode " + mode);
    }
    return new Channel(channel);
  }

  @Override
  public List<Path> list(Path directory) throws IOException {
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory)) {
      for (Path path : stream) {
        if (Files.isRegularFile(path)) {
          files.add(path);
        }
      }
    }
    return files;
  }

  @Override
  public boolean exists(Path file) {
    return Files.exists(file);
  }

  @Override
  public void createDirectories(Path directory) throws IOException {
    Path absolute = directory.toAbsolutePath();
    List<Path> missing = new ArrayList<>();
    for (Path p = absolute; p != null && !Files.isDirectory(p); p = p.getParent()) {
      missing.add(0, p);
    }
    for (Path p : missing) {
      Files.createDirectories(p);
      if (p.getParent() != null) {
        forceDirectory(p.getParent());
      }
    }
  }

  @Override
  public void forceDirectory(Path directory) throws IOException {
    FileChannel channel;
    try {
      channel = FileChannel.open(directory, StandardOpenOption.READ);
    } catch (IOException e) {
      if (System.getProperty("os.name", "").startsWith("Windows")) {
        return;
      }
      throw e;
    }
    try (channel) {
      channel.force(true);
    }
  }

  @Override
  public void move(Path source, Path target) throws IOException {
    try {
      Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("file system cannot rename " + source + " to " + target + " atomically", e);
    }
  }

  @Override
  public boolean delete(Path file) throws IOException {
    return Files.deleteIfExists(file);
  }

  @Override
  public Optional<Closeable> tryLock(Path lockFile) throws IOException {
    FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    if (lock == null) {
      channel.close();
      return Optional.empty();
    }
    FileLock held = lock;
    return Optional.of(() -> {
      try (channel) {
        held.release();
      }
    });
  }

  /** A {@link FileChannel} seen through the {@link StorageChannel} interface. */
  private static final class Channel implements StorageChannel {
    private final FileChannel channel;

    Channel(FileChannel channel) {
      this.channel = channel;
    }

    @Override
    public int write(ByteBuffer source, long position) throws IOException {
      return channel.write(source, position);
    }

    @Override
    public int read(ByteBuffer target, long position) throws IOException {
      return channel.read(target, position);
    }

    @Override
    public Optional<ByteBuffer> mapReadOnly(long position, int size) throws IOException {
      return Optional.of(channel.map(FileChannel.MapMode.READ_ONLY, position, size));
    }

    @Override
    public void force() throws IOException {
      // force(false) is fdatasync on Linux: it flushes the data and the metadata needed to read it back (the size).
      channel.force(false);
    }

    @Override
    public long size() throws IOException {
      return channel.size();
    }

    @Override
    public void truncate(long size) throws IOException {
      channel.truncate(size);
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }
}
