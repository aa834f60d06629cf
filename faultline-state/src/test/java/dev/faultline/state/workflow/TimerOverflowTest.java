package dev.faultline.state.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.faultline.core.Clock;
import dev.faultline.core.testing.FakeClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** A timer longer than the wall clock can count. */
class TimerOverflowTest {
  @TempDir
  Path dir;
  private final FakeClock clock = new FakeClock();

  /**
   * A timer's wake-up time is the wall time plus the duration: a duration of Long.MAX_VALUE milliseconds overflowed
   * it to a time long past (and recorded that), from which the remaining wait overflowed again, so the timer slept
   * again and again for ever, even once the clock had reached its end; one beyond Long.MAX_VALUE milliseconds failed
   * the workflow with an ArithmeticException. Both now wake at the end of time.
   */
  @ParameterizedTest
  @ValueSource(strings = {"millis", "seconds"})
  void aTimerTooLongForTheClockWaitsUntilTheEndOfTime(String unit) {
    Duration huge = unit.equals("millis") ? Duration.ofMillis(Long.MAX_VALUE) : Duration.ofSeconds(Long.MAX_VALUE);
    AtomicInteger sleeps = new AtomicInteger();
    Clock endOfTime = new Clock() {
      @Override
      public long nanoTime() {
        return clock.nanoTime();
      }

      @Override
      public long wallMillis() {
        return sleeps.get() == 0 ? clock.wallMillis() : Long.MAX_VALUE; // the sleep lasted until the end of time
      }

      @Override
      public void sleep(long nanos) {
        if (sleeps.incrementAndGet() > 1) {
          throw new IllegalStateException("the timer slept again after the end of time");
        }
      }
    };
    try (WorkflowExecutor executor = WorkflowExecutor.builder(dir).clock(endOfTime).scheduler(clock)
        .storeTasks(Runnable::run).register("w", (WorkflowContext ctx, String in) -> {
          ctx.sleep(huge);
          return "woke";
        }).open()) {
      assertEquals("woke", executor.call("w", "t", null));
      assertEquals(1, sleeps.get(), "the timer slept");
      assertEquals("wake at +292278994-08-17T07:12:55.807Z", executor.handle("t").info().steps().get(0).outcome());
    }
  }
}
