package dev.faultline.core.internal;

import dev.faultline.core.Clock;
import java.util.concurrent.TimeUnit;

/** The system clock: the one place where Faultline reads the machine's time and sleeps. */
public final class SystemClock implements Clock {
  /** The single instance. */
  public static final SystemClock INSTANCE = new SystemClock();

  private SystemClock() {}

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public long wallMillis() {
    return System.currentTimeMillis();
  }

  @Override
  public void sleep(long nanos) throws InterruptedException {
    if (nanos > 0) {
      TimeUnit.NANOSECONDS.sleep(nanos);
    } else if (Thread.interrupted()) {
      throw new InterruptedException();
    }
  }
}
