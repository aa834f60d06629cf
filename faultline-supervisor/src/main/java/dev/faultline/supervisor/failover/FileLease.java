package dev.faultline.supervisor.failover;

import dev.faultline.core.internal.Validate;
import dev.faultline.core.Clock;
import dev.faultline.core.FaultlineException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * A {@link Lease} kept in one file on a disk shared by the replicas of one machine (or a shared file system that
 * honours file locks). Every operation takes the file's OS lock for the few microseconds it reads and rewrites the
 * record, so operations are atomic across processes; the lease itself lives in the record, with a wall-clock expiry
 * from the injected {@link Clock}, so a holder that stops renewing (dead or paused) loses it after its time to live.
 *
 * <p>The file holds one record, written in place and forced to disk before the operation returns:
 * <pre>
 *   0  int    magic 0x464C4C53 ("FLLS")
 *   4  int    format version (1)
 *   8  long   epoch (0: never held)
 *  16  long   expiresAtMillis (0: released)
 *  24  int    owner length n, in UTF-8 bytes
 *  28  n      owner
 *  28+n int   CRC32C of bytes 0 .. 28+n
 * </pre>
 * An empty file is a lease never held. A record whose magic, version or checksum is wrong is reported as corrupt
 * (code "lease-corrupt", naming the file), never silently treated as free.
 *
 * <p>Thread-safe: operations are serialized on this object and, across processes, by the file lock.
 */
public final class FileLease implements Lease {
  private static final int MAGIC = 0x464C4C53;
  private static final int VERSION = 1;
  private static final int MAX_OWNER_BYTES = 1024;

  private final Path file;
  private final Clock clock;

  /** A lease kept in {@code file} (created if missing), timed by {@code clock}'s wall time. */
  public FileLease(Path file, Clock clock) {
    this.file = Validate.notNull("file", file);
    this.clock = Validate.notNull("clock", clock);
  }

  @Override
  public synchronized Optional<LeaseGrant> tryAcquire(String owner, Duration ttl) throws IOException {
    Validate.notBlank("owner", owner);
    Validate.positive("ttl", ttl);
    if (owner.getBytes(StandardCharsets.UTF_8).length > MAX_OWNER_BYTES) {
      throw new dev.faultline.core.ConfigurationException("owner", "be at most " + MAX_OWNER_BYTES + " UTF-8 bytes",
          owner.length() + " characters");
    }
    return locked(ch -> {
      LeaseGrant held = read(ch);
      long now = clock.wallMillis();
      long expires = now + ttl.toMillis();
      LeaseGrant next;
      if (held != null && held.owner().equals(owner) && held.expiresAtMillis() > now) {
        next = new LeaseGrant(owner, held.epoch(), expires);
      } else if (held == null || held.expiresAtMillis() <= now) {
        next = new LeaseGrant(owner, (held == null ? 0 : held.epoch()) + 1, expires);
      } else {
        return Optional.empty();
      }
      write(ch, next);
      return Optional.of(next);
    });
  }

  @Override
  public synchronized void release(LeaseGrant grant) throws IOException {
    Validate.notNull("grant", grant);
    locked(ch -> {
      LeaseGrant held = read(ch);
      if (held != null && held.owner().equals(grant.owner()) && held.epoch() == grant.epoch()) {
        write(ch, new LeaseGrant(held.owner(), held.epoch(), 0L));
      }
      return null;
    });
  }

  @Override
  public synchronized Optional<LeaseGrant> current() throws IOException {
    return locked(ch -> {
      LeaseGrant held = read(ch);
      return held != null && held.expiresAtMillis() > clock.wallMillis() ? Optional.of(held) : Optional.empty();
    });
  }

  /** An operation on the open lease file, run while this process holds its OS lock. */
  private interface Locked<T> {
    T apply(FileChannel channel) throws IOException;
  }

  private <T> T locked(Locked<T> operation) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE)) {
      FileLock lock = ch.lock();
      try {
        return operation.apply(ch);
      } finally {
        lock.release();
      }
    }
  }

  private LeaseGrant read(FileChannel ch) throws IOException {
    long size = ch.size();
    if (size == 0) {
      return null;
    }
    if (size < 32 || size > 32 + MAX_OWNER_BYTES) {
      throw corrupt("size " + size + " bytes");
    }
    ByteBuffer buf = ByteBuffer.allocate((int) size);
    while (buf.hasRemaining() && ch.read(buf, buf.position()) >= 0) {
      // read the whole record
    }
    buf.flip();
    if (buf.getInt(0) != MAGIC) {
      throw corrupt("bad magic");
    }
    if (buf.getInt(4) != VERSION) {
      throw corrupt("unknown format version " + buf.getInt(4));
    }
    int n = buf.getInt(24);
    if (n < 1 || n > MAX_OWNER_BYTES || 28 + n + 4 != size) {
      throw corrupt("owner length " + n + " does not fit a file of " + size + " bytes");
    }
    CRC32C crc = new CRC32C();
    crc.update(buf.array(), 0, 28 + n);
    if ((int) crc.getValue() != buf.getInt(28 + n)) {
      throw corrupt("checksum mismatch");
    }
    String owner = new String(buf.array(), 28, n, StandardCharsets.UTF_8);
    return new LeaseGrant(owner, buf.getLong(8), buf.getLong(16));
  }

  private void write(FileChannel ch, LeaseGrant grant) throws IOException {
    byte[] owner = grant.owner().getBytes(StandardCharsets.UTF_8);
    ByteBuffer buf = ByteBuffer.allocate(28 + owner.length + 4);
    buf.putInt(MAGIC).putInt(VERSION).putLong(grant.epoch()).putLong(grant.expiresAtMillis()).putInt(owner.length)
        .put(owner);
    CRC32C crc = new CRC32C();
    crc.update(buf.array(), 0, 28 + owner.length);
    buf.putInt((int) crc.getValue());
    buf.flip();
    ch.truncate(buf.remaining());
    long pos = 0;
    while (buf.hasRemaining()) {
      pos += ch.write(buf, pos);
    }
    ch.force(true);
  }

  private FaultlineException corrupt(String why) {
    return new FaultlineException("lease-corrupt", "lease file " + file + " is corrupt: " + why);
  }
}
