package dev.faultline.state.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.state.io.StorageChannel;
import dev.faultline.state.io.StorageIo;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression: an appender that parks because retention ({@link Journal#deleteBelow}) holds the write lock must be
 * woken when retention lets go. Retention did not wake it, so with no other appender coming (RecoverableState lets
 * one write at a time, and its automatic checkpoint runs retention on another thread) the appender parked forever:
 * the hang seen in the workflow torture test and in the workflow benchmark with 32 starters.
 */
class RetentionWakeupTest {
  @TempDir
  Path dir;

  /** The system's storage, except that deleting a file waits for {@code release} once {@code armed}. */
  static final class BlockingDeletes implements StorageIo {
    final StorageIo disk = StorageIo.system();
    final CountDownLatch deleting = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    volatile boolean armed;

    @Override
    public boolean delete(Path file) throws IOException {
      if (armed) {
        deleting.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted", e);
        }
      }
      return disk.delete(file);
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
    public Optional<Closeable> tryLock(Path lockFile) throws IOException {
      return disk.tryLock(lockFile);
    }
  }

  @Test
  void anAppenderParkedWhileRetentionHeldTheLockIsWokenWhenItLetsGo() throws Exception {
    BlockingDeletes storage = new BlockingDeletes();
    try (Journal journal = Journal.builder(dir).segmentSize(1024).storage(storage).open()) {
      for (int i = 0; i < 40; i++) {
        journal.append(new byte[100]);
      }
      storage.armed = true;
      Thread retention = new Thread(() -> journal.deleteBelow(30), "retention");
      retention.start();
      assertTrue(storage.deleting.await(30, TimeUnit.SECONDS), "retention holds the write lock");

      AtomicLong sequence = new AtomicLong();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Thread appender = new Thread(() -> {
        try {
          sequence.set(journal.write(new byte[100]));
        } catch (Throwable e) {
          failure.set(e);
        }
      }, "appender");
      appender.setDaemon(true);
      appender.start();
      // The appender queues its frame, fails to take the lock and parks: only then let retention finish.
      while (appender.getState() != Thread.State.WAITING && appender.isAlive()) {
        Thread.onSpinWait();
      }
      assertTrue(appender.isAlive(), "the appender must be parked while retention holds the lock");
      storage.release.countDown();
      retention.join(30_000);
      appender.join(30_000);
      assertFalse(appender.isAlive(), "the appender was never woken after retention released the write lock");
      assertEquals(null, failure.get());
      assertEquals(41, sequence.get());
    }
  }
}
