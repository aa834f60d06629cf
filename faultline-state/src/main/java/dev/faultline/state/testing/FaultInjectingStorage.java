package dev.faultline.state.testing;

import dev.faultline.state.io.StorageChannel;
import dev.faultline.state.io.StorageIo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.function.Predicate;

/**
 * A {@link StorageIo} that passes everything to another one until told to fail: writes after a number of bytes (a
 * disk filling up, {@code ENOSPC}), file forces ({@code EIO} from fsync), or directory forces. A fault stays armed
 * until {@link #heal()}, as a full or broken disk stays full or broken.
 *
 * <p>Thread-safe: the armed faults are guarded by {@code this}.
 */
public final class FaultInjectingStorage extends ForwardingStorage {
  private Predicate<Path> affected = path -> true;
  private long writeBudget = -1;
  private IOException writeFault;
  private IOException forceFault;
  private IOException directoryForceFault;
  private long failedWrites;
  private long failedForces;

  /** Wraps {@code delegate}; no fault is armed. */
  public FaultInjectingStorage(StorageIo delegate) {
    super(delegate);
  }

  /** The error a full disk gives: {@code ENOSPC}. */
  public static IOException noSpace() {
    return new IOException("No space left on device");
  }

  /** The error a failing disk gives: {@code EIO}. */
  public static IOException ioError() {
    return new IOException("Input/output error");
  }

  /** Limits the faults to files matching {@code files} (all files by default). */
  public synchronized FaultInjectingStorage affecting(Predicate<Path> files) {
    this.affected = files;
    return this;
  }

  /**
   * Lets {@code bytes} more bytes be written to affected files, then writes as much of the next write as fits and
   * fails it, and every later one, with {@code fault}.
   */
  public synchronized FaultInjectingStorage failWritesAfter(long bytes, IOException fault) {
    this.writeBudget = bytes;
    this.writeFault = fault;
    return this;
  }

  /** Makes every force of an affected file fail with {@code fault}. */
  public synchronized FaultInjectingStorage failForces(IOException fault) {
    this.forceFault = fault;
    return this;
  }

  /** Makes every directory force fail with {@code fault}. */
  public synchronized FaultInjectingStorage failDirectoryForces(IOException fault) {
    this.directoryForceFault = fault;
    return this;
  }

  /** Disarms every fault. */
  public synchronized void heal() {
    writeBudget = -1;
    writeFault = null;
    forceFault = null;
    directoryForceFault = null;
  }

  /** How many writes failed because of an armed fault. */
  public synchronized long failedWrites() {
    return failedWrites;
  }

  /** How many forces failed because of an armed fault. */
  public synchronized long failedForces() {
    return failedForces;
  }

  private static IOException copy(IOException fault) {
    IOException copy = new IOException(fault.getMessage());
    copy.setStackTrace(new Throwable().getStackTrace());
    return copy;
  }

  @Override
  public StorageChannel open(Path file, OpenMode mode) throws IOException {
    return new ForwardingChannel(delegate.open(file, mode)) {
      @Override
      public int write(ByteBuffer source, long position) throws IOException {
        int allowed;
        IOException fault;
        synchronized (FaultInjectingStorage.this) {
          fault = affected.test(file) ? writeFault : null;
          if (fault == null) {
            allowed = source.remaining();
          } else {
            allowed = (int) Math.min(source.remaining(), Math.max(0, writeBudget));
            writeBudget -= allowed;
          }
        }
        if (fault != null && allowed < source.remaining()) {
          if (allowed > 0) {
            ByteBuffer part = source.duplicate();
            part.limit(part.position() + allowed);
            channel.writeFully(part, position);
            source.position(source.position() + allowed);
          }
          synchronized (FaultInjectingStorage.this) {
            failedWrites++;
          }
          throw copy(fault);
        }
        return channel.write(source, position);
      }

      @Override
      public void force() throws IOException {
        IOException fault;
        synchronized (FaultInjectingStorage.this) {
          fault = affected.test(file) ? forceFault : null;
          if (fault != null) {
            failedForces++;
          }
        }
        if (fault != null) {
          throw copy(fault);
        }
        channel.force();
      }
    };
  }

  @Override
  public void forceDirectory(Path directory) throws IOException {
    IOException fault;
    synchronized (this) {
      fault = directoryForceFault;
    }
    if (fault != null) {
      throw copy(fault);
    }
    delegate.forceDirectory(directory);
  }
}
