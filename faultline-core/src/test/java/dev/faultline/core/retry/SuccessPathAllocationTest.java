package dev.faultline.core.retry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.faultline.core.Policy;
import dev.faultline.core.fallback.Fallback;
import dev.faultline.core.testing.EventRecorder;
import dev.faultline.core.testing.FakeClock;
import java.lang.reflect.Method;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;

/**
 * The synchronous success path of retry (with and without a budget and listeners) and of fallback allocates nothing,
 * as measured by the JVM's per-thread allocation counter (a byte count, not a timing). The counter is reached
 * reflectively because the test classes are compiled into the core module, which reads only {@code java.base}.
 */
class SuccessPathAllocationTest {
  private static final int CALLS = 100_000;

  private final FakeClock clock = new FakeClock();
  private final Callable<String> call = () -> "ok";

  @Test
  void retryWithoutBudget() throws Exception {
    assertAllocatesNothing(Retry.builder("plain").clock(clock).scheduler(clock).build());
  }

  @Test
  void retryWithBudgetAndListener() throws Exception {
    RetryBudget budget = RetryBudget.builder().clock(clock).build();
    assertAllocatesNothing(Retry.builder("budgeted").clock(clock).scheduler(clock).budget(budget)
        .listener(new EventRecorder()).maxDuration(java.time.Duration.ofSeconds(1)).build());
    assertEquals(2 * CALLS, budget.metrics().calls(), "every call was recorded in the budget");
  }

  @Test
  void fallback() throws Exception {
    assertAllocatesNothing(Fallback.<String>builder("fallback").value("spare").clock(clock).build());
  }

  private void assertAllocatesNothing(Policy policy) throws Exception {
    Object threads = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
    Class<?> counter = Class.forName("com.sun.management.ThreadMXBean");
    assumeTrue(counter.isInstance(threads), "per-thread allocation counter available");
    assumeTrue((Boolean) counter.getMethod("isThreadAllocatedMemoryEnabled").invoke(threads));
    Method allocatedBytes = counter.getMethod("getThreadAllocatedBytes", long.class);
    Long thread = Thread.currentThread().getId();

    for (int i = 0; i < CALLS; i++) {
      policy.call(call);
    }
    allocatedBytes.invoke(threads, thread);
    long before = (Long) allocatedBytes.invoke(threads, thread);
    for (int i = 0; i < CALLS; i++) {
      policy.call(call);
    }
    long allocated = (Long) allocatedBytes.invoke(threads, thread) - before;

    // The reflective reads box their result: a few dozen bytes, far below one byte per call.
    assertTrue(allocated < 1024, policy + " allocated " + allocated + " bytes over " + CALLS + " successful calls");
  }
}
