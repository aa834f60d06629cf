package dev.faultline.state.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.state.testing.ForwardingStorage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * An appender that queues its record while retention (or truncation) holds the journal's write lock is woken when
 * that lock is released. Found by the workflow kill -9 torture: an automatic checkpoint's retention released the
 * lock without waking the appender, which then parked for ever while holding its state machine's lock.
 */
class RetentionWakeUpTest {
  private static final Path DIR = Path.of("/sim/retention");

  /** A storage whose segment deletions wait until released: retention made to hold the write lock on demand. */
  static final class SlowDeletes extends ForwardingStorage {
    final CountDownLatch deleting = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    volatile boolean armed;

    @Override
    public boolean delete(Path file) throws IOException {
      if (!armed) {
        return delegate.delete(file);
      }
      deleting.countDown();
      try {
        assertTrue(release.await(30, TimeUnit.SECONDS));
      } catch (InterruptedException e) {
        throw new IOException(e);
      }
      return delegate.delete(file);
    }

  }

  @Test
  void anAppenderQueuedDuringRetentionIsWokenWhenRetentionEnds() throws Exception {
    SlowDeletes storage = new SlowDeletes();
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try (Journal journal = Journal.builder(DIR).storage(storage).segmentSize(1024).open()) {
      for (int i = 0; i < 200; i++) {
        journal.append(("record-" + i).getBytes(StandardCharsets.UTF_8));
      }
      long last = journal.lastSequence();
      storage.armed = true;
      Future<Long> retention = threads.submit(() -> journal.deleteBelow(last));
      assertTrue(storage.deleting.await(30, TimeUnit.SECONDS), "retention started deleting");
      AtomicReference<Thread> appender = new AtomicReference<>();
      Future<Long> append = threads.submit(() -> {
        appender.set(Thread.currentThread());
        return journal.append("during retention".getBytes(StandardCharsets.UTF_8));
      });
      // Wait until the appender has queued its frame and parked behind the write lock retention holds.
      while (appender.get() == null || appender.get().getState() != Thread.State.WAITING) {
        Thread.onSpinWait();
      }
      storage.release.countDown();
      assertTrue(retention.get(30, TimeUnit.SECONDS) > 0, "retention removed records");
      assertEquals(last + 1, append.get(30, TimeUnit.SECONDS), "the appender was woken and its record appended");
    } finally {
      threads.shutdownNow();
    }
  }
}
