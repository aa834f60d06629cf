package dev.faultline.state.journal;

import dev.faultline.state.io.StorageChannel;
import dev.faultline.state.io.StorageIo;
import dev.faultline.state.testing.SimulatedStorage;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A storage passed through unchanged (a simulated disk unless told otherwise): tests override the one operation they
 * make slow or gated, wrapping channels in a {@link ForwardingChannel}.
 */
class ForwardingStorage implements StorageIo {
  final StorageIo disk;

  ForwardingStorage() {
    this(new SimulatedStorage());
  }

  ForwardingStorage(StorageIo disk) {
    this.disk = disk;
  }

  @Override
  public StorageChannel open(Path file, OpenMode mode) throws IOException {
    return disk.open(file, mode);
  }

  @Override
  public List<Path> list(Path directory) throws IOException {
    return disk.list(directory);
  }

  @Override
  public boolean exists(Path file) throws IOException {
    return disk.exists(file);
  }

  @Override
  public void createDirectories(Path directory) throws IOException {
    disk.createDirectories(directory);
  }

  @Override
  public void forceDirectory(Path directory) throws IOException {
    disk.forceDirectory(directory);
  }

  @Override
  public void move(Path source, Path target) throws IOException {
    disk.move(source, target);
  }

  @Override
  public boolean delete(Path file) throws IOException {
    return disk.delete(file);
  }

  @Override
  public Optional<Closeable> tryLock(Path lockFile) throws IOException {
    return disk.tryLock(lockFile);
  }
}
