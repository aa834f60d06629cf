package dev.faultline.supervisor.heartbeat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.ConfigurationException;
import dev.faultline.core.event.ComponentEvent;
import dev.faultline.core.testing.EventRecorder;
import dev.faultline.core.testing.FakeClock;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Suspicion events, the self-pause guard, and the scheduled tick of the monitor, on a fake clock. */
class HeartbeatMonitorTest {
  private final FakeClock clock = new FakeClock();
  private final EventRecorder events = new EventRecorder();
  private final HeartbeatMonitor monitor = HeartbeatMonitor.builder("node-a").clock(clock)
      .detector(PhiAccrualConfig.builder().acceptableHeartbeatPause(Duration.ofSeconds(1)).build())
      .tickInterval(Duration.ofMillis(100)).selfPauseThreshold(Duration.ofSeconds(1))
      .pauseGrace(Duration.ofSeconds(5)).listener(events).build();

  private void run(Duration total, boolean peerAlive) {
    for (long ms = 0; ms < total.toMillis(); ms += 100) {
      clock.advance(Duration.ofMillis(100));
      if (peerAlive && clock.nanoTime() % 1_000_000_000L == 0) {
        monitor.heartbeat("peer-1");
      }
      monitor.tick();
    }
  }

  @Test
  void aSilentPeerIsSuspectedOnceWithItsPhi() {
    monitor.heartbeat("peer-1");
    run(Duration.ofSeconds(10), true);
    assertTrue(monitor.isAvailable("peer-1"));
    assertTrue(events.events().isEmpty());
    run(Duration.ofSeconds(10), false);
    assertEquals(Set.of("peer-1"), monitor.suspected());
    var suspected = events.events(ComponentEvent.PeerSuspected.class);
    assertEquals(1, suspected.size(), "published once per suspicion");
    assertEquals("node-a", suspected.get(0).source());
    assertEquals("peer-1", suspected.get(0).peer());
    assertTrue(suspected.get(0).phi() >= 8.0);
    monitor.heartbeat("peer-1");
    assertTrue(monitor.isAvailable("peer-1"), "a fresh heartbeat clears the suspicion");
    run(Duration.ofSeconds(10), false);
    assertEquals(2, events.events(ComponentEvent.PeerSuspected.class).size(), "a new silence is a new suspicion");
  }

  @Test
  void ourOwnPauseDoesNotMakeUsSuspectPeersUntilGraceOrFreshHeartbeats() {
    for (int i = 0; i < 50; i++) {
      if (i % 10 == 0) {
        monitor.heartbeat("peer-1");
        monitor.heartbeat("peer-2");
      }
      clock.advance(Duration.ofMillis(100));
      monitor.tick();
    }
    assertTrue(events.events().isEmpty());
    clock.advance(Duration.ofSeconds(20)); // stopped: no tick, no heartbeat read
    monitor.tick();
    assertEquals(1, monitor.selfPauses());
    assertTrue(monitor.inPauseGrace());
    assertEquals(Set.of(), monitor.suspected(), "nobody suspected right after our pause");
    monitor.heartbeat("peer-1"); // peer-1 was alive all along
    for (int i = 0; i < 40; i++) {
      clock.advance(Duration.ofMillis(100));
      if (i % 10 == 9) {
        monitor.heartbeat("peer-1");
      }
      monitor.tick();
    }
    assertTrue(monitor.suspected().isEmpty(), "within grace: " + monitor.suspected());
    for (int i = 0; i < 60; i++) {
      clock.advance(Duration.ofMillis(100));
      if (i % 10 == 9) {
        monitor.heartbeat("peer-1");
      }
      monitor.tick();
    }
    assertEquals(Set.of("peer-2"), monitor.suspected(), "peer-2 stayed silent past the grace");
    assertEquals(1, events.events(ComponentEvent.PeerSuspected.class).size());
    assertEquals("peer-2", events.events(ComponentEvent.PeerSuspected.class).get(0).peer());
  }

  @Test
  void aHeartbeatReadBeforeTheTimerWakesStillSeesThePause() {
    monitor.heartbeat("peer-1");
    run(Duration.ofSeconds(5), true);
    clock.advance(Duration.ofSeconds(20));
    monitor.heartbeat("peer-1"); // the network thread woke first
    assertEquals(1, monitor.selfPauses());
    assertTrue(monitor.isAvailable("peer-1"));
  }

  /**
   * phi(peer) and inPauseGrace() did not check for a pause of this process, unlike every other entry point: read
   * first after a pause, phi was that of a peer silent for the whole pause (past the threshold) while isAvailable said
   * the peer was fine, and inPauseGrace said no grace although the guard was about to withhold suspicions.
   */
  @Test
  void phiAndThePauseGraceReadFirstAfterOurPauseSeeThePause() {
    monitor.heartbeat("peer-1");
    run(Duration.ofSeconds(5), true);
    clock.advance(Duration.ofSeconds(20)); // stopped: no tick, no heartbeat read
    double phi = monitor.phi("peer-1");
    assertTrue(phi < 8.0, "phi right after our own pause: " + phi);
    assertEquals(1, monitor.selfPauses());
    assertTrue(monitor.isAvailable("peer-1"));

    clock.advance(Duration.ofSeconds(20)); // a second pause, read first through inPauseGrace
    assertTrue(monitor.inPauseGrace());
    assertEquals(2, monitor.selfPauses());
  }

  @Test
  void startTicksOnTheSchedulerUntilClosed() {
    monitor.start(clock);
    monitor.heartbeat("peer-1");
    clock.advance(Duration.ofSeconds(30));
    assertEquals(0, monitor.selfPauses(), "the scheduled tick kept the guard quiet");
    assertEquals(1, events.events(ComponentEvent.PeerSuspected.class).size());
    assertThrows(IllegalStateException.class, () -> monitor.start(clock));
    monitor.close();
    assertEquals(0, clock.pendingTasks());
  }

  /**
   * {@code close()} landing while a tick reschedules itself (after its closed check, before the new task is stored)
   * cancelled the running task instead of the new one: one more tick ran after close. Made deterministic by a
   * scheduler that closes the monitor just before it schedules the next tick.
   */
  @Test
  void aCloseWhileATickReschedulesLeavesNoTickBehind() {
    java.util.concurrent.atomic.AtomicInteger schedules = new java.util.concurrent.atomic.AtomicInteger();
    dev.faultline.core.Scheduler closingOnSecond = (task, delayNanos) -> {
      if (schedules.incrementAndGet() == 2) {
        monitor.close(); // the first tick is rescheduling itself
      }
      return clock.schedule(task, delayNanos);
    };
    monitor.heartbeat("peer-1");
    monitor.start(closingOnSecond);
    clock.advance(Duration.ofMillis(100));
    assertEquals(2, schedules.get());
    assertEquals(0, clock.pendingTasks(), "a tick is still scheduled after close");
    clock.advance(Duration.ofSeconds(30));
    assertEquals(2, schedules.get());
    assertEquals(0, events.events(ComponentEvent.PeerSuspected.class).size(), "a tick ran after close");
  }

  /**
   * A pause seen on another thread between a new peer's entry in the map and the check of its first heartbeat marks
   * the peer as awaiting a fresh heartbeat; that first heartbeat then only restarted monitoring, which does nothing
   * for a detector that never had a heartbeat: the peer stayed unmonitored, and if it died then, was never
   * suspected. The interleaving is set up directly: the peer's holder as the other thread's pause leaves it.
   */
  @Test
  void theFirstHeartbeatOfAPeerMarkedByAConcurrentPauseStartsMonitoringIt() throws Exception {
    Class<?> peerClass = Class.forName(HeartbeatMonitor.class.getName() + "$Peer");
    var constructor = peerClass.getDeclaredConstructor(PhiAccrualDetector.class);
    constructor.setAccessible(true);
    Object peer = constructor.newInstance(new PhiAccrualDetector(
        PhiAccrualConfig.builder().acceptableHeartbeatPause(Duration.ofSeconds(1)).build(), clock));
    var awaitingFresh = peerClass.getDeclaredField("awaitingFresh");
    awaitingFresh.setAccessible(true);
    awaitingFresh.setBoolean(peer, true);
    var peersField = HeartbeatMonitor.class.getDeclaredField("peers");
    peersField.setAccessible(true);
    @SuppressWarnings("unchecked")
    var peers = (java.util.Map<String, Object>) peersField.get(monitor);
    peers.put("peer-1", peer);

    monitor.heartbeat("peer-1"); // its first heartbeat, from the thread that had just added it
    run(Duration.ofSeconds(30), false);
    assertEquals(Set.of("peer-1"), monitor.suspected(), "a peer silent since its first heartbeat is suspected");
    assertEquals(1, events.events(ComponentEvent.PeerSuspected.class).size());
  }

  @Test
  void unknownPeersAndBadSettings() {
    assertFalse(monitor.isAvailable("nobody"));
    assertTrue(Double.isNaN(monitor.phi("nobody")));
    assertEquals("selfPauseThreshold", assertThrows(ConfigurationException.class,
        () -> HeartbeatMonitor.builder("m").tickInterval(Duration.ofSeconds(1))
            .selfPauseThreshold(Duration.ofMillis(500)).build()).field());
    assertEquals("name", assertThrows(ConfigurationException.class,
        () -> HeartbeatMonitor.builder(" ").build()).field());
    assertThrows(ConfigurationException.class, () -> monitor.heartbeat(""));
  }
}
