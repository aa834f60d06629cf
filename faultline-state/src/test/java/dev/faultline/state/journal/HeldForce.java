package dev.faultline.state.journal;

import dev.faultline.state.io.StorageChannel;
import dev.faultline.state.io.StorageIo;
import dev.faultline.state.testing.ForwardingChannel;
import dev.faultline.state.testing.ForwardingStorage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A storage whose next file force after {@link #armed} is set blocks until {@link #release}, telling
 * {@link #entered} first: a test holds a force to act while it runs. Thread-safe.
 */
public final class HeldForce extends ForwardingStorage {
  public final AtomicBoolean armed = new AtomicBoolean();
  public final CountDownLatch entered = new CountDownLatch(1);
  public final CountDownLatch release = new CountDownLatch(1);

  /** On a fresh simulated disk. */
  public HeldForce() {}

  /** On {@code delegate}. */
  public HeldForce(StorageIo delegate) {
    super(delegate);
  }

  @Override
  public StorageChannel open(Path file, OpenMode mode) throws IOException {
    return new ForwardingChannel(delegate.open(file, mode)) {
      @Override
      public void force() throws IOException {
        if (armed.compareAndSet(true, false)) {
          entered.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            throw new IOException(e);
          }
        }
        channel.force();
      }
    };
  }
}
