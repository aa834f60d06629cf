package dev.faultline.core.support;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.function.BooleanSupplier;

/** Waits for a condition that another thread will make true, by yielding a bounded number of times (never sleeping). */
public final class Await {
  private static final long MAX_YIELDS = 200_000_000L;

  private Await() {}

  /** Yields until {@code condition} holds; fails the test naming {@code what} if it never does. */
  public static void until(String what, BooleanSupplier condition) {
    for (long i = 0; i < MAX_YIELDS; i++) {
      if (condition.getAsBoolean()) {
        return;
      }
      Thread.yield();
    }
    fail("gave up waiting until " + what);
  }
}
