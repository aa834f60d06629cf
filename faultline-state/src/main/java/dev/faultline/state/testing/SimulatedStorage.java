package dev.faultline.state.testing;

import dev.faultline.state.io.StorageChannel;
import dev.faultline.state.io.StorageIo;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * An in-memory file system that models what survives a power loss: file data survives only up to the last
 * {@link StorageChannel#force()}, and directory entries (creations, renames, deletions) only up to the last
 * {@link #forceDirectory(Path)} of their directory. {@link #crash()} applies exactly that; {@link #crash(Random)}
 * also keeps a random prefix of each file's unforced bytes, as a disk that wrote some sectors of a write does.
 *
 * <p>After a crash every channel and lock taken before it fails or is gone, as the dead process's were. Code that
 * may still run after a crash (other threads of the "dead" process) should reach the disk through a
 * {@link #session()}, which refuses every operation once the machine crashed; the storage itself stays usable across
 * crashes, as the disk of the rebooted machine. Paths are compared as given (use one form, for example all
 * absolute). Thread-safe: all state is guarded by {@code this}.
 */
public final class SimulatedStorage implements StorageIo {

  /** A file's contents as the running system sees them, and as they were at its last force. */
  private static final class FileData {
    byte[] data = new byte[0];
    int length;
    byte[] durable = new byte[0];
  }

  private Map<Path, FileData> entries = new HashMap<>();
  private Map<Path, FileData> durableEntries = new HashMap<>();
  private final Set<Path> directories = new HashSet<>();
  private final Set<Path> locks = new HashSet<>();
  private int epoch;
  private long forces;

  /** An empty file system. */
  public SimulatedStorage() {}

  /**
   * Simulates a power loss: every file keeps only its forced bytes, every directory only its forced entries; channels
   * and locks of the running system are invalidated.
   */
  public synchronized void crash() {
    crash(null);
  }

  /**
   * As {@link #crash()}, but each file also keeps some of what was written after its last force (a torn write),
   * chosen by {@code torn}: the changes up to a random offset, from the first byte that differs from the forced
   * contents (for a file only appended to, a prefix of the appended bytes; for overwrites of bytes already forced,
   * such as a zero-filled tail, the new bytes up to the offset and the forced ones after it).
   */
  public synchronized void crash(Random torn) {
    Map<Path, FileData> survivors = new HashMap<>();
    Map<FileData, FileData> copies = new HashMap<>();
    for (Map.Entry<Path, FileData> entry : durableEntries.entrySet()) {
      FileData old = entry.getValue();
      FileData copy = copies.get(old);
      if (copy == null) {
        copy = new FileData();
        byte[] kept = old.durable;
        if (torn != null && old.length >= old.durable.length) {
          int first = Arrays.mismatch(old.data, 0, old.durable.length, old.durable, 0, old.durable.length);
          first = first < 0 ? old.durable.length : first;
          if (first < old.length) {
            int cut = first + torn.nextInt(old.length - first + 1);
            kept = Arrays.copyOf(old.data, Math.max(cut, old.durable.length));
            System.arraycopy(old.durable, Math.min(cut, old.durable.length), kept, Math.min(cut, old.durable.length),
                old.durable.length - Math.min(cut, old.durable.length));
          }
        }
        copy.data = kept.clone();
        copy.length = kept.length;
        copy.durable = kept.clone();
        copies.put(old, copy);
      }
      survivors.put(entry.getKey(), copy);
    }
    entries = survivors;
    durableEntries = new HashMap<>(survivors);
    locks.clear();
    epoch++;
  }

  /**
   * A view of this disk for one simulated process lifetime: it works until the next crash, then every operation
   * fails with an {@link IOException}, so that threads of a process that died cannot touch the disk again.
   */
  public synchronized StorageIo session() {
    return new Session(epoch);
  }

  /** The current bytes of {@code file} as the running system sees them. */
  public synchronized byte[] contents(Path file) throws NoSuchFileException {
    FileData data = entries.get(file);
    if (data == null) {
      throw new NoSuchFileException(file.toString());
    }
    return Arrays.copyOf(data.data, data.length);
  }

  /** Replaces the bytes of {@code file} (durably), for corruption tests. */
  public synchronized void overwrite(Path file, byte[] bytes) throws NoSuchFileException {
    FileData data = entries.get(file);
    if (data == null) {
      throw new NoSuchFileException(file.toString());
    }
    data.data = bytes.clone();
    data.length = bytes.length;
    data.durable = bytes.clone();
  }

  /** How many file forces were issued. */
  public synchronized long forces() {
    return forces;
  }

  @Override
  public synchronized StorageChannel open(Path file, OpenMode mode) throws IOException {
    FileData data = entries.get(file);
    if (mode == OpenMode.CREATE_NEW) {
      if (data != null) {
        throw new FileAlreadyExistsException(file.toString());
      }
      if (file.getParent() != null && !directories.contains(file.getParent())) {
        throw new NoSuchFileException(file.getParent().toString());
      }
      data = new FileData();
      entries.put(file, data);
    } else if (data == null) {
      throw new NoSuchFileException(file.toString());
    }
    return new Channel(data, mode != OpenMode.READ, epoch, file);
  }

  @Override
  public synchronized List<Path> list(Path directory) throws IOException {
    if (!directories.contains(directory)) {
      throw new NoSuchFileException(directory.toString());
    }
    List<Path> files = new ArrayList<>();
    for (Path path : entries.keySet()) {
      if (directory.equals(path.getParent())) {
        files.add(path);
      }
    }
    return files;
  }

  @Override
  public synchronized boolean exists(Path file) {
    return entries.containsKey(file) || directories.contains(file);
  }

  @Override
  public synchronized void createDirectories(Path directory) {
    for (Path p = directory; p != null; p = p.getParent()) {
      directories.add(p);
    }
  }

  @Override
  public synchronized void forceDirectory(Path directory) throws IOException {
    if (!directories.contains(directory)) {
      throw new NoSuchFileException(directory.toString());
    }
    durableEntries.keySet().removeIf(path -> directory.equals(path.getParent()));
    for (Map.Entry<Path, FileData> entry : entries.entrySet()) {
      if (directory.equals(entry.getKey().getParent())) {
        durableEntries.put(entry.getKey(), entry.getValue());
      }
    }
  }

  @Override
  public synchronized void move(Path source, Path target) throws IOException {
    FileData data = entries.remove(source);
    if (data == null) {
      throw new NoSuchFileException(source.toString());
    }
    entries.put(target, data);
  }

  @Override
  public synchronized boolean delete(Path file) {
    return entries.remove(file) != null;
  }

  @Override
  public synchronized Optional<Closeable> tryLock(Path lockFile) {
    if (!locks.add(lockFile)) {
      return Optional.empty();
    }
    int lockEpoch = epoch;
    return Optional.of(() -> {
      synchronized (SimulatedStorage.this) {
        if (epoch == lockEpoch) {
          locks.remove(lockFile);
        }
      }
    });
  }

  private final class Session implements StorageIo {
    private final int sessionEpoch;

    Session(int sessionEpoch) {
      this.sessionEpoch = sessionEpoch;
    }

    private void check() throws IOException {
      if (sessionEpoch != epoch) {
        throw new IOException("simulated machine crashed; this process is gone");
      }
    }

    @Override
    public StorageChannel open(Path file, OpenMode mode) throws IOException {
      synchronized (SimulatedStorage.this) {
        check();
        return SimulatedStorage.this.open(file, mode);
      }
    }

    @Override
    public List<Path> list(Path directory) throws IOException {
      synchronized (SimulatedStorage.this) {
        check();
        return SimulatedStorage.this.list(directory);
      }
    }

    @Override
    public boolean exists(Path file) throws IOException {
      synchronized (SimulatedStorage.this) {
        check();
        return SimulatedStorage.this.exists(file);
      }
    }

    @Override
    public void createDirectories(Path directory) throws IOException {
      synchronized (SimulatedStorage.this) {
        check();
        SimulatedStorage.this.createDirectories(directory);
      }
    }

    @Override
    public void forceDirectory(Path directory) throws IOException {
      synchronized (SimulatedStorage.this) {
        check();
        SimulatedStorage.this.forceDirectory(directory);
      }
    }

    @Override
    public void move(Path source, Path target) throws IOException {
      synchronized (SimulatedStorage.this) {
        check();
        SimulatedStorage.this.move(source, target);
      }
    }

    @Override
    public boolean delete(Path file) throws IOException {
      synchronized (SimulatedStorage.this) {
        check();
        return SimulatedStorage.this.delete(file);
      }
    }

    @Override
    public Optional<Closeable> tryLock(Path lockFile) throws IOException {
      synchronized (SimulatedStorage.this) {
        check();
        return SimulatedStorage.this.tryLock(lockFile);
      }
    }
  }

  private final class Channel implements StorageChannel {
    private final FileData file;
    private final boolean writable;
    private final int channelEpoch;
    private final Path path;
    private boolean closed;

    Channel(FileData file, boolean writable, int channelEpoch, Path path) {
      this.file = file;
      this.writable = writable;
      this.channelEpoch = channelEpoch;
      this.path = path;
    }

    private void check(boolean write) throws IOException {
      if (closed) {
        throw new IOException("channel of " + path + " is closed");
      }
      if (channelEpoch != epoch) {
        throw new IOException("simulated machine crashed; channel of " + path + " is gone");
      }
      if (write && !writable) {
        throw new IOException(path + " was opened read-only");
      }
    }

    @Override
    public int write(ByteBuffer source, long position) throws IOException {
      synchronized (SimulatedStorage.this) {
        check(true);
        int n = source.remaining();
        long end = position + n;
        if (end > Integer.MAX_VALUE) {
          throw new IOException("simulated files are limited to 2 GiB");
        }
        if (end > file.data.length) {
          file.data = Arrays.copyOf(file.data, (int) Math.max(end, file.data.length * 2L));
        }
        if (position > file.length) {
          Arrays.fill(file.data, file.length, (int) position, (byte) 0);
        }
        source.get(file.data, (int) position, n);
        file.length = (int) Math.max(file.length, end);
        return n;
      }
    }

    @Override
    public int read(ByteBuffer target, long position) throws IOException {
      synchronized (SimulatedStorage.this) {
        check(false);
        if (position >= file.length) {
          return -1;
        }
        int n = (int) Math.min(target.remaining(), file.length - position);
        target.put(file.data, (int) position, n);
        return n;
      }
    }

    @Override
    public void force() throws IOException {
      synchronized (SimulatedStorage.this) {
        check(false);
        file.durable = Arrays.copyOf(file.data, file.length);
        forces++;
      }
    }

    @Override
    public long size() throws IOException {
      synchronized (SimulatedStorage.this) {
        check(false);
        return file.length;
      }
    }

    @Override
    public void truncate(long size) throws IOException {
      synchronized (SimulatedStorage.this) {
        check(true);
        if (size < file.length) {
          file.length = (int) size;
        }
      }
    }

    @Override
    public void close() {
      synchronized (SimulatedStorage.this) {
        closed = true;
      }
    }
  }
}
