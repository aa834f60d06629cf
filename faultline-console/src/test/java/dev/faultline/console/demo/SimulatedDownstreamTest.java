package dev.faultline.console.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.faultline.core.testing.FakeClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SimulatedDownstreamTest {

  @Test
  void walksThroughEveryPhaseInOrder() {
    FakeClock clock = new FakeClock();
    long cycle = Duration.ofSeconds(100).toNanos();
    SimulatedDownstream downstream = new SimulatedDownstream(clock, cycle, 1_000_000, 50_000_000, 1);
    assertEquals(SimulatedDownstream.Phase.HEALTHY, downstream.phase());
    clock.advance(Duration.ofSeconds(31));
    assertEquals(SimulatedDownstream.Phase.LATENCY_SPIKES, downstream.phase());
    clock.advance(Duration.ofSeconds(20));
    assertEquals(SimulatedDownstream.Phase.ERROR_BURST, downstream.phase());
    clock.advance(Duration.ofSeconds(15));
    assertEquals(SimulatedDownstream.Phase.OUTAGE, downstream.phase());
    clock.advance(Duration.ofSeconds(15));
    assertEquals(SimulatedDownstream.Phase.RECOVERY, downstream.phase());
    clock.advance(Duration.ofSeconds(20));
    assertEquals(SimulatedDownstream.Phase.HEALTHY, downstream.phase());
  }

  @Test
  void outageFailsEveryCallAndTakesTimeOnTheClock() {
    FakeClock clock = new FakeClock();
    long cycle = Duration.ofSeconds(100).toNanos();
    SimulatedDownstream downstream = new SimulatedDownstream(clock, cycle, 1_000_000, 50_000_000, 7);
    clock.advance(Duration.ofSeconds(70));
    long before = clock.nanoTime();
    for (int i = 0; i < 50; i++) {
      assertThrows(SimulatedDownstream.DownstreamException.class, () -> downstream.call(0));
    }
    assertEquals(true, clock.nanoTime() > before, "calls take time on the injected clock");
  }

  @Test
  void anOffsetStartsThatFarIntoTheCycle() {
    FakeClock clock = new FakeClock();
    long cycle = Duration.ofSeconds(100).toNanos();
    SimulatedDownstream downstream = new SimulatedDownstream(clock, cycle, Duration.ofSeconds(45).toNanos(),
        1_000_000, 50_000_000, 1);
    assertEquals(SimulatedDownstream.Phase.LATENCY_SPIKES, downstream.phase());
    clock.advance(Duration.ofSeconds(6));
    assertEquals(SimulatedDownstream.Phase.ERROR_BURST, downstream.phase());
    clock.advance(Duration.ofSeconds(15));
    assertEquals(SimulatedDownstream.Phase.OUTAGE, downstream.phase());
    clock.advance(Duration.ofSeconds(50));
    assertEquals(SimulatedDownstream.Phase.HEALTHY, downstream.phase());
  }

  @Test
  void anOffsetOutsideTheCycleIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new SimulatedDownstream(new FakeClock(), 100, 100, 1, 1, 1));
    assertEquals("offsetNanos must be from 0 to cycleNanos - 1, but was 100", e.getMessage());
  }
}
