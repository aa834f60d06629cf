package dev.faultline.console.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.Clock;
import dev.faultline.core.Scheduler;
import dev.faultline.core.event.ComponentEvent;
import dev.faultline.core.event.FaultEvent;
import dev.faultline.supervisor.ChildSpec;
import dev.faultline.supervisor.Supervisor;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The fulfilment worker crashes on a malformed job and its supervisor restarts it cleanly. */
class FulfilmentTest {

  @Test
  void aCrashIsReportedWithoutABogusSlowStopOfTheCrashedWorker() throws Exception {
    AtomicReference<Throwable> failure = new AtomicReference<>();
    CountDownLatch restarted = new CountDownLatch(1);
    Wiring wiring = new Wiring("fulfilment", Clock.system(), Scheduler.system(), e -> { }, i -> { },
        new DemoLog("fulfilment", Clock.system(), 40));
    Fulfilment fulfilment = new Fulfilment(wiring);
    Supervisor supervisor = Supervisor.builder("fulfilment-supervisor").intensity(20, java.time.Duration.ofMinutes(1))
        .listener((FaultEvent e) -> {
          if (e instanceof ComponentEvent.ComponentFailed f && f.source().equals("fulfilment")) {
            failure.set(f.failure());
          } else if (e instanceof ComponentEvent.ComponentRestarted) {
            restarted.countDown();
          }
        })
        .child(ChildSpec.of("fulfilment", fulfilment::newWorker)).build();
    supervisor.start();
    try {
      fulfilment.injectPoisonJob();
      assertTrue(restarted.await(10, TimeUnit.SECONDS), "the worker was not restarted");
      Throwable crash = failure.get();
      assertTrue(crash instanceof IllegalStateException, String.valueOf(crash));
      // The crashed worker's own thread reports the failure, and the supervisor stops that incarnation on it.
      assertArrayEquals(new Throwable[0], crash.getSuppressed(), "the stop of the crashed worker went wrong");
    } finally {
      supervisor.stop();
    }
  }
}
