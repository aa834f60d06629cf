package dev.faultline.supervisor.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.ConfigurationException;
import dev.faultline.core.FaultlineException;
import dev.faultline.core.Scheduler;
import dev.faultline.core.event.ComponentEvent;
import dev.faultline.core.event.FaultEvent;
import dev.faultline.core.testing.EventRecorder;
import dev.faultline.core.testing.FakeClock;
import dev.faultline.supervisor.ChildContext;
import dev.faultline.supervisor.Component;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Active-passive replicas behind a file lease on a fake clock: takeover, a dead replica, a paused leader, fencing. */
class FailoverTest {
  private final FakeClock clock = new FakeClock();
  private final EventRecorder events = new EventRecorder();
  private final Fence fence = new Fence();
  private final List<String> writes = new ArrayList<>();

  /** A scheduler that holds its tasks while its process is "stopped" and runs them late when it wakes. */
  static final class PausableScheduler implements Scheduler {
    private final FakeClock clock;
    private boolean paused;
    private final List<Runnable> held = new ArrayList<>();

    PausableScheduler(FakeClock clock) {
      this.clock = clock;
    }

    @Override
    public Task schedule(Runnable task, long delayNanos) {
      return clock.schedule(() -> {
        if (paused) {
          held.add(task);
        } else {
          task.run();
        }
      }, delayNanos);
    }

    void pause() {
      paused = true;
    }

    void resume() {
      paused = false;
      List<Runnable> due = new ArrayList<>(held);
      held.clear();
      due.forEach(Runnable::run);
    }
  }

  /** The replicated service: writes to a fenced store with its epoch. */
  final class Service implements Component {
    final String node;
    final long epoch;
    ChildContext context;

    Service(String node, long epoch) {
      this.node = node;
      this.epoch = epoch;
    }

    @Override
    public void start(ChildContext ctx) {
      context = ctx;
    }

    boolean write(String what) {
      boolean admitted = fence.admit(epoch);
      writes.add(node + "@" + epoch + (admitted ? " wrote " : " was fenced off from ") + what);
      return admitted;
    }

    @Override
    public void stop() {}
  }

  private Replica replica(String node, Lease lease, Scheduler scheduler, Service[] latest) {
    return Replica.builder("orders", node).lease(lease).ttl(Duration.ofSeconds(10))
        .renewEvery(Duration.ofSeconds(2)).clock(clock).scheduler(scheduler).listener(events)
        .component(epoch -> latest[0] = new Service(node, epoch)).build();
  }

  private List<String> lines() {
    return events.events().stream().map(FailoverTest::line).collect(Collectors.toList());
  }

  private static String line(FaultEvent e) {
    if (e instanceof ComponentEvent.LeaderElected l) {
      return "Elected " + l.owner() + " epoch " + l.epoch();
    }
    if (e instanceof ComponentEvent.ComponentStopped s) {
      return "Stopped: " + s.reason();
    }
    return e.getClass().getSimpleName();
  }

  @Test
  void aStandbyTakesOverWithinTheLeaseWhenTheActiveReplicaDies(@TempDir Path dir) {
    FileLease lease = new FileLease(dir.resolve("orders.lease"), clock);
    PausableScheduler aScheduler = new PausableScheduler(clock);
    Service[] a = new Service[1];
    Service[] b = new Service[1];
    Replica ra = replica("node-a", lease, aScheduler, a);
    Replica rb = replica("node-b", lease, clock, b);
    ra.start();
    rb.start();
    clock.advance(Duration.ofSeconds(30));
    assertEquals(1, ra.epoch());
    assertEquals(0, rb.epoch(), "node-b stays a standby while node-a renews");
    aScheduler.pause(); // node-a dies: no more renewals
    long diedAt = clock.nanoTime();
    while (rb.epoch() == 0) {
      clock.runNext();
    }
    long failover = clock.nanoTime() - diedAt;
    assertTrue(failover <= Duration.ofSeconds(12).toNanos(), "took over within ttl + renew interval: " + failover);
    assertEquals(2, rb.epoch());
    assertTrue(b[0].write("order 7"));
    assertEquals(List.of("Elected node-a epoch 1", "ComponentStarted", "Elected node-b epoch 2", "ComponentStarted"),
        lines());
  }

  @Test
  void aPausedLeaderThatWakesUpCannotAct(@TempDir Path dir) {
    FileLease lease = new FileLease(dir.resolve("orders.lease"), clock);
    PausableScheduler aScheduler = new PausableScheduler(clock);
    Service[] a = new Service[1];
    Service[] b = new Service[1];
    Replica ra = replica("node-a", lease, aScheduler, a);
    Replica rb = replica("node-b", lease, clock, b);
    ra.start();
    rb.start();
    assertTrue(a[0].write("order 1"));
    aScheduler.pause(); // SIGSTOP
    clock.advance(Duration.ofSeconds(15));
    assertEquals(2, rb.epoch());
    assertTrue(b[0].write("order 2"));
    // node-a wakes; before its timer even runs, its own clock says its lease ran out, and the store fences it off.
    assertFalse(ra.isLeaseValid());
    assertFalse(a[0].write("order 3"));
    aScheduler.resume();
    assertEquals(0, ra.epoch(), "node-a stepped down on its first tick");
    assertEquals(List.of("node-a@1 wrote order 1", "node-b@2 wrote order 2", "node-a@1 was fenced off from order 3"),
        writes);
    assertEquals(List.of("Elected node-a epoch 1", "ComponentStarted", "Elected node-b epoch 2", "ComponentStarted",
        "Stopped: node-a lost the lease of epoch 1 to another replica"), lines());
    clock.advance(Duration.ofSeconds(30));
    assertEquals(2, rb.epoch(), "the new leader keeps the lease");
    assertEquals(0, ra.epoch());
  }

  @Test
  void aFailingComponentStepsDownAndReleasesTheLeaseAtOnce(@TempDir Path dir) {
    FileLease lease = new FileLease(dir.resolve("orders.lease"), clock);
    Service[] a = new Service[1];
    Service[] b = new Service[1];
    Replica ra = replica("node-a", lease, clock, a);
    Replica rb = replica("node-b", lease, clock, b);
    ra.start();
    rb.start();
    a[0].context.failed(new IllegalStateException("disk full"));
    assertEquals(0, ra.epoch());
    clock.advance(Duration.ofSeconds(2));
    assertEquals(2, rb.epoch(), "taken over at node-b's next tick, not after the ttl");
    ra.close();
    rb.close();
    assertTrue(lines().contains("Stopped: node-b shut down"));
  }

  @Test
  void aComponentThatReportsAFailureWhileStartingIsNotReportedStarted(@TempDir Path dir) {
    FileLease lease = new FileLease(dir.resolve("orders.lease"), clock);
    boolean[] throwAfterReport = {false};
    Replica ra = Replica.builder("orders", "node-a").lease(lease).ttl(Duration.ofSeconds(10))
        .renewEvery(Duration.ofSeconds(2)).clock(clock).scheduler(clock).listener(events)
        .component(epoch -> new Component() {
          @Override
          public void start(ChildContext ctx) {
            ctx.failed(new IllegalStateException("no disk"));
            if (throwAfterReport[0]) {
              throw new IllegalStateException("cannot start");
            }
          }

          @Override
          public void stop() {}
        }).build();
    ra.start();
    assertEquals(0, ra.epoch());
    assertEquals(List.of("Elected node-a epoch 1", "ComponentFailed",
        "Stopped: node-a stepped down: its component failed"), lines(), "it never served: no ComponentStarted");
    events.clear();
    throwAfterReport[0] = true;
    clock.advance(Duration.ofSeconds(10)); // the quiet time to live, then it competes again
    assertEquals(0, ra.epoch());
    assertEquals(List.of("Elected node-a epoch 2", "ComponentFailed",
        "Stopped: node-a stepped down: its component failed"), lines(), "one step-down, reported once");
    ra.close();
  }

  @Test
  void aLeaderThatCannotRenewStopsItsComponentWhenItsTimeToLiveRunsOutNotAtItsNextTick(@TempDir Path dir)
      throws Exception {
    FileLease file = new FileLease(dir.resolve("orders.lease"), clock);
    boolean[] storeDown = {false};
    Lease flaky = new Lease() {
      @Override
      public java.util.Optional<LeaseGrant> tryAcquire(String owner, Duration ttl) throws java.io.IOException {
        if (storeDown[0]) {
          throw new java.io.IOException("lease store unreachable");
        }
        return file.tryAcquire(owner, ttl);
      }

      @Override
      public void release(LeaseGrant grant) throws java.io.IOException {
        file.release(grant);
      }

      @Override
      public java.util.Optional<LeaseGrant> current() throws java.io.IOException {
        return file.current();
      }
    };
    Service[] a = new Service[1];
    // ttl 10 s, renewed every 3 s: ticks at 0, 3, 6, 9, then 12 -- two seconds after the lease ran out.
    Replica ra = Replica.builder("orders", "node-a").lease(flaky).ttl(Duration.ofSeconds(10))
        .renewEvery(Duration.ofSeconds(3)).clock(clock).scheduler(clock).listener(events)
        .component(epoch -> a[0] = new Service("node-a", epoch)).build();
    ra.start();
    assertEquals(1, ra.epoch());
    storeDown[0] = true; // node-a renewed last at 0 s
    clock.advance(Duration.ofSeconds(10));
    assertTrue(file.current().isEmpty(), "the lease is free for a standby now");
    assertFalse(ra.isLeaseValid());
    assertEquals(0, ra.epoch(), "node-a's component must not run on beside the standby's");
    assertEquals(List.of("Elected node-a epoch 1", "ComponentStarted",
        "Stopped: could not renew the lease: java.io.IOException: lease store unreachable"), lines());
    ra.close();
  }

  @Test
  void theLeaseFileIsCheckedAndEpochsOnlyRise(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("l");
    FileLease lease = new FileLease(file, clock);
    LeaseGrant first = lease.tryAcquire("x", Duration.ofSeconds(5)).orElseThrow();
    assertEquals(1, first.epoch());
    assertTrue(lease.tryAcquire("y", Duration.ofSeconds(5)).isEmpty());
    assertEquals(1, lease.tryAcquire("x", Duration.ofSeconds(5)).orElseThrow().epoch(), "renewal keeps the epoch");
    lease.release(first);
    assertTrue(lease.current().isEmpty());
    assertEquals(2, lease.tryAcquire("y", Duration.ofSeconds(5)).orElseThrow().epoch());
    assertEquals(2, new FileLease(file, clock).current().orElseThrow().epoch(), "read back from disk");
    byte[] bytes = Files.readAllBytes(file);
    bytes[10] ^= 1;
    Files.write(file, bytes);
    FaultlineException e = assertThrows(FaultlineException.class, lease::current);
    assertEquals("lease-corrupt", e.code());
    assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
    assertEquals("renewEvery", assertThrows(ConfigurationException.class, () -> Replica.builder("g", "o")
        .lease(lease).component(x -> null).ttl(Duration.ofSeconds(1)).renewEvery(Duration.ofSeconds(1)).build())
        .field());
  }

  @Test
  void theFenceAdmitsOnlyTheHighestEpoch() {
    assertTrue(fence.admit(1));
    assertTrue(fence.admit(3));
    assertTrue(fence.admit(3));
    assertFalse(fence.admit(2));
    assertEquals(3, fence.highest());
  }
}
