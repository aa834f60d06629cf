package dev.faultline.supervisor.recovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.ConfigurationException;
import dev.faultline.core.circuitbreaker.CircuitBreaker;
import dev.faultline.core.circuitbreaker.CircuitState;
import dev.faultline.core.event.ComponentEvent;
import dev.faultline.core.event.IncidentEvent;
import dev.faultline.core.event.PolicyEvent;
import dev.faultline.core.testing.EventRecorder;
import dev.faultline.core.testing.FakeClock;
import dev.faultline.supervisor.ChildContext;
import dev.faultline.supervisor.ChildSpec;
import dev.faultline.supervisor.Component;
import dev.faultline.supervisor.Supervisor;
import dev.faultline.supervisor.health.CheckSpec;
import dev.faultline.supervisor.health.Health;
import dev.faultline.supervisor.health.HealthRegistry;
import dev.faultline.supervisor.health.ProbeKind;
import dev.faultline.supervisor.watchdog.HungWorkException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Signals from the event stream trigger actions, at most once per cool-down, on a fake clock. */
class RecoveryRulesTest {
  private final FakeClock clock = new FakeClock();
  private final EventRecorder events = new EventRecorder();

  @Test
  void aHealthCheckGoingDownRestartsItsComponentOncePerCoolDown() {
    AtomicInteger instances = new AtomicInteger();
    Supervisor sup = Supervisor.builder("root").clock(clock).scheduler(clock).listener(events)
        .child(ChildSpec.of("cache", () -> {
          instances.incrementAndGet();
          return new Component() {
            @Override
            public void start(ChildContext context) {}

            @Override
            public void stop() {}
          };
        })).build();
    sup.start();
    RecoveryRules rules = RecoveryRules.builder("recovery").clock(clock).scheduler(clock).listener(events)
        .rule("cache-down", Signal.healthDown("cache-ready"), RecoveryAction.restart(sup, "cache"),
            Duration.ofMinutes(1))
        .build();
    AtomicBoolean up = new AtomicBoolean(false);
    HealthRegistry health = HealthRegistry.builder("health").clock(clock).scheduler(clock).executor(Runnable::run)
        .listener(rules).check(CheckSpec.builder("cache-ready", ProbeKind.READINESS,
            () -> up.get() ? Health.up("warm") : Health.down("cold")).component("cache").failureThreshold(1)
            .refresh(Duration.ofSeconds(10)).build()).build();
    health.refresh().join(); // DOWN: the rule fires
    assertEquals(2, instances.get());
    for (int i = 0; i < 4; i++) { // flapping: UP, DOWN, UP, DOWN within the minute
      up.set(!up.get());
      clock.advance(Duration.ofSeconds(10));
      health.refresh().join();
    }
    assertEquals(2, instances.get(), "held back by the cool-down");
    assertEquals(1, rules.fired("cache-down"));
    assertEquals(2, rules.suppressed("cache-down"));
    clock.advance(Duration.ofSeconds(20));
    up.set(true);
    health.refresh().join();
    clock.advance(Duration.ofSeconds(10));
    up.set(false);
    health.refresh().join();
    assertEquals(3, instances.get(), "fires again after the cool-down");
    var incident = events.events(IncidentEvent.IncidentReported.class).get(0);
    assertEquals("rule:cache-down", incident.fingerprint());
    assertEquals("HealthChanged", incident.type());
    assertEquals("rule 'cache-down' fired on health check 'cache-ready' DOWN (cache)", incident.message());
    var restartCause = events.events(ComponentEvent.ComponentFailed.class).get(0);
    assertInstanceOf(RecoveryRuleException.class, restartCause.failure());
  }

  @Test
  void signalsMatchOnlyTheirEvents() {
    List<String> acted = new ArrayList<>();
    CircuitBreaker downstream = CircuitBreaker.builder("downstream").clock(clock).build();
    RecoveryRules rules = RecoveryRules.builder("recovery").clock(clock).scheduler(clock).listener(events)
        .rule("rollback", Signal.breakerOpened("payments"), RecoveryAction.remediate(() -> acted.add("rollback")),
            Duration.ZERO)
        .rule("fence-peer", Signal.peerSuspected("node-b"), RecoveryAction.openBreaker(downstream), Duration.ZERO)
        .rule("hung", Signal.watchdog("importer"), t -> acted.add("hung " + t.source()), Duration.ZERO)
        .rule("any-failure", Signal.componentFailed("importer"), t -> acted.add("failed"), Duration.ZERO)
        .build();
    rules.onEvent(new PolicyEvent.CircuitStateChanged("payments", clock.instant(), CircuitState.CLOSED,
        CircuitState.HALF_OPEN, "trial"));
    rules.onEvent(new PolicyEvent.CircuitStateChanged("orders", clock.instant(), CircuitState.CLOSED,
        CircuitState.OPEN, "failure rate"));
    rules.onEvent(new PolicyEvent.CircuitStateChanged("payments", clock.instant(), CircuitState.CLOSED,
        CircuitState.OPEN, "failure rate"));
    rules.onEvent(new ComponentEvent.PeerSuspected("monitor", clock.instant(), "node-a", 9.0));
    rules.onEvent(new ComponentEvent.PeerSuspected("monitor", clock.instant(), "node-b", 9.0));
    rules.onEvent(new ComponentEvent.ComponentFailed("importer", clock.instant(), "boom",
        new IllegalStateException("boom")));
    rules.onEvent(new ComponentEvent.ComponentFailed("importer", clock.instant(), "hung",
        new HungWorkException("work-hung", "hung", new StackTraceElement[0])));
    assertEquals(List.of("rollback", "failed", "hung importer", "failed"), acted);
    assertEquals(CircuitState.FORCED_OPEN, downstream.state());
  }

  @Test
  void anActionThatThrowsIsReportedAndTheRuleStaysArmed() {
    RecoveryRules rules = RecoveryRules.builder("recovery").clock(clock).scheduler(clock).listener(events)
        .rule("bad", Signal.peerSuspected("p"), t -> {
          throw new IllegalStateException("remediation broke");
        }, Duration.ZERO).build();
    rules.onEvent(new ComponentEvent.PeerSuspected("m", clock.instant(), "p", 9.0));
    rules.onEvent(new ComponentEvent.PeerSuspected("m", clock.instant(), "p", 9.0));
    var failed = events.events(ComponentEvent.ComponentFailed.class);
    assertEquals(2, failed.size());
    assertEquals("bad", failed.get(0).source());
    assertTrue(failed.get(0).cause().contains("remediation broke"), failed.get(0).cause());
  }

  @Test
  void badRulesAreRejected() {
    assertEquals("coolDown", assertThrows(ConfigurationException.class, () -> RecoveryRules.builder("r")
        .rule("x", Signal.peerSuspected("p"), t -> {}, Duration.ofSeconds(-1))).field());
    assertEquals("rules", assertThrows(ConfigurationException.class, () -> RecoveryRules.builder("r")
        .rule("x", Signal.peerSuspected("p"), t -> {}, Duration.ZERO)
        .rule("x", Signal.peerSuspected("q"), t -> {}, Duration.ZERO).build()).field());
    assertThrows(IllegalArgumentException.class, () -> RecoveryRules.builder("r").build().fired("nope"));
  }
}
