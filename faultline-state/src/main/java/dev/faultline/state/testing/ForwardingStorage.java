package dev.faultline.state.testing;

import dev.faultline.state.io.StorageChannel;
import dev.faultline.state.io.StorageIo;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A {@link StorageIo} that passes every operation to another one: a test overrides the one it makes slow, gated or
 * failing, and wraps the channels it opens in a {@link ForwardingChannel} to change what they do.
 *
 * <p>Thread-safe if the wrapped storage is.
 */
public class ForwardingStorage implements StorageIo {
  /** The storage every operation goes to. */
  protected final StorageIo delegate;

  /** Forwards to a new {@link SimulatedStorage}. */
  public ForwardingStorage() {
    this(new SimulatedStorage());
  }

  /** Forwards to {@code delegate}. */
  public ForwardingStorage(StorageIo delegate) {
    this.delegate = delegate;
  }

  @Override
  public StorageChannel open(Path file, OpenMode mode) throws IOException {
    return delegate.open(file, mode);
  }

  @Override
  public List<Path> list(Path directory) throws IOException {
    return delegate.list(directory);
  }

  @Override
  public boolean exists(Path file) throws IOException {
    return delegate.exists(file);
  }

  @Override
  public void createDirectories(Path directory) throws IOException {
    delegate.createDirectories(directory);
  }

  @Override
  public void forceDirectory(Path directory) throws IOException {
    delegate.forceDirectory(directory);
  }

  @Override
  public void move(Path source, Path target) throws IOException {
    delegate.move(source, target);
  }

  @Override
  public boolean delete(Path file) throws IOException {
    return delegate.delete(file);
  }

  @Override
  public Optional<Closeable> tryLock(Path lockFile) throws IOException {
    return delegate.tryLock(lockFile);
  }
}
