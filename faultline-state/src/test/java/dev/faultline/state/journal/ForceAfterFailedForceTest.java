package dev.faultline.state.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.state.io.StorageChannel;
import dev.faultline.state.testing.FaultInjectingStorage;
import dev.faultline.state.testing.ForwardingChannel;
import dev.faultline.state.testing.ForwardingStorage;
import dev.faultline.state.testing.SimulatedStorage;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * No force of the journal succeeds after a failed one. Regression: a durability waiter that led a force released
 * forceLock before it recorded the force's failure, so an appender's combiner could force in between, succeed (the
 * kernel reports a failed fsync once, and may have dropped the pages it could not write) and publish its records as
 * durable, after records that may never reach the disk.
 *
 * <p>Deterministic: the test holds the journal's {@code sync} monitor (by reflection: no hook in main code), which
 * the leader needs to record the failure and the combiner to publish its force; it releases it only once the leader
 * waits for it and the combiner has forced (before the fix) or waits for forceLock (after it).
 */
class ForceAfterFailedForceTest {
  private static final Path DIR = Path.of("/sim/force-after-failure");

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static void awaitState(Thread thread, Thread.State... states) {
    while (true) {
      Thread.State now = thread.getState();
      for (Thread.State state : states) {
        if (now == state) {
          return;
        }
      }
      assertTrue(thread.isAlive(), thread.getName() + " ended early");
      Thread.onSpinWait();
    }
  }

  @Test
  @Timeout(60)
  void aCombinerNeverForcesBetweenALeadersFailedForceAndItsRecord() throws Exception {
    SimulatedStorage disk = new SimulatedStorage();
    AtomicLong segmentForces = new AtomicLong();
    ForwardingStorage counting = new ForwardingStorage(disk) {
      @Override
      public StorageChannel open(Path file, OpenMode mode) throws IOException {
        return new ForwardingChannel(delegate.open(file, mode)) {
          @Override
          public void force() throws IOException {
            channel.force();
            if (file.toString().endsWith(".journal")) {
              segmentForces.incrementAndGet(); // forces of the segments that reached the disk (not the marker's)
            }
          }
        };
      }
    };
    FaultInjectingStorage faulty = new FaultInjectingStorage(counting);
    HeldForce held = new HeldForce(faulty);
    Journal journal = Journal.builder(DIR).storage(held).open();
    long first = journal.write(bytes("first"));
    Field field = SegmentedJournal.class.getDeclaredField("sync");
    field.setAccessible(true);
    Object sync = field.get(journal);
    long forcesBefore = segmentForces.get();

    faulty.failForces(FaultInjectingStorage.ioError());
    held.armed.set(true);
    CompletableFuture<Throwable> leader = new CompletableFuture<>();
    Thread leading = new Thread(() -> {
      try {
        journal.awaitDurable(first);
        leader.complete(null);
      } catch (Throwable t) {
        leader.complete(t);
      }
    }, "leader");
    leading.start();
    assertTrue(held.entered.await(30, TimeUnit.SECONDS), "the leader forces");

    CompletableFuture<Object> appender = new CompletableFuture<>();
    Thread appending = new Thread(() -> {
      try {
        appender.complete(journal.append(bytes("second")));
      } catch (Throwable t) {
        appender.complete(t);
      }
    }, "appender");
    synchronized (sync) {
      held.release.countDown(); // the leader's force fails now
      awaitState(leading, Thread.State.BLOCKED); // it waits for sync to record the failure
      faulty.heal(); // a force would succeed again, as a second fsync after a failed one may
      appending.start();
      // Before the fix: the combiner forced and waits for sync to publish it. After: it waits for forceLock.
      awaitState(appending, Thread.State.BLOCKED, Thread.State.WAITING);
    }
    leading.join();
    appending.join();

    assertEquals(1, faulty.failedForces());
    assertEquals(forcesBefore, segmentForces.get(), "no force of a segment reached the disk after the failed one");
    Throwable led = leader.get();
    assertTrue(led instanceof JournalException && ((JournalException) led).code().equals("journal-failed"),
        String.valueOf(led));
    Object appended = appender.get();
    assertTrue(appended instanceof JournalException && ((JournalException) appended).code().equals("journal-failed"),
        "the append was acknowledged after a failed force: " + appended);
    assertEquals(0, journal.durableSequence());
    journal.close();
  }
}
