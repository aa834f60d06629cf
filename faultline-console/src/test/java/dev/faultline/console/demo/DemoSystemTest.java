package dev.faultline.console.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.Clock;
import dev.faultline.core.Scheduler;
import dev.faultline.core.circuitbreaker.CircuitState;
import dev.faultline.core.event.ComponentEvent;
import dev.faultline.core.event.FaultEvent;
import dev.faultline.core.event.PolicyEvent;
import dev.faultline.core.event.StateEvent;
import dev.faultline.core.event.WorkflowEvent;
import dev.faultline.diagnosis.fta.FaultTreeAnalysis;
import dev.faultline.diagnosis.fta.FaultTreeModel;
import dev.faultline.diagnosis.fta.FaultTreeResult;
import dev.faultline.diagnosis.fta.LiveEvaluation;
import dev.faultline.diagnosis.fta.MefReader;
import dev.faultline.diagnosis.incident.Incident;
import dev.faultline.state.workflow.WorkflowInfo;
import dev.faultline.state.workflow.WorkflowStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo shop, without the console, over one cycle of its script: every verb happens and is published — the
 * breaker opens and closes again, the worker crashes and is restarted, the order service is killed half-way and its
 * workflows resume and complete, the faulty batch is rolled back, the ledger fails over — and each failure is
 * reported as an incident carrying the log lines that led to it. Also: the shop's fault tree reads and names the
 * components. Runs on the system clock: each expectation is a latch awaited with a bound, never a sleep.
 */
class DemoSystemTest {
  private static final Duration CYCLE = Duration.ofSeconds(15);

  @TempDir
  Path dir;

  private final List<FaultEvent> events = new CopyOnWriteArrayList<>();
  private final List<Incident> incidents = new CopyOnWriteArrayList<>();
  private final Map<String, CountDownLatch> awaited = new ConcurrentHashMap<>();
  private final Map<String, Predicate<FaultEvent>> expectations = Map.of(
      "worker crashed", e -> e instanceof ComponentEvent.ComponentFailed f && f.source().equals("fulfilment"),
      "worker recovered", e -> e instanceof ComponentEvent.ComponentRecovered r && r.source().equals("fulfilment")
          && r.downtime().toMillis() > 0,
      "orders killed", e -> e instanceof ComponentEvent.ComponentFailed f && f.source().equals("orders"),
      "orders recovered", e -> e instanceof ComponentEvent.ComponentRecovered r && r.source().equals("orders"),
      "workflow resumed", e -> e instanceof WorkflowEvent.Transition t && t.kind() == WorkflowEvent.Kind.RESUMED,
      "inventory rolled back", e -> e instanceof StateEvent.StateRolledBack r && r.discarded() > 0,
      "ledger failed over", e -> e instanceof ComponentEvent.LeaderElected l && l.epoch() >= 2,
      "breaker opened", e -> e instanceof PolicyEvent.CircuitStateChanged c && c.to() == CircuitState.OPEN,
      "breaker closed again", e -> e instanceof PolicyEvent.CircuitStateChanged c && c.to() == CircuitState.CLOSED);

  private Wiring wiring(String service) {
    return new Wiring(service, Clock.system(), Scheduler.system(), this::record, incidents::add,
        new DemoLog(service, Clock.system(), 40));
  }

  private void record(FaultEvent event) {
    events.add(event);
    expectations.forEach((name, matches) -> {
      if (matches.test(event)) {
        awaited.get(name).countDown();
      }
    });
  }

  @Test
  void everyVerbHappensWithinOneCycleAndEachFailureIsAnIncidentWithItsLogs() throws Exception {
    expectations.keySet().forEach(name -> awaited.put(name, new CountDownLatch(1)));
    try (DemoSystem shop = new DemoSystem(dir, Clock.system(), CYCLE, 42, this::wiring)) {
      shop.start();
      for (Map.Entry<String, CountDownLatch> expected : awaited.entrySet()) {
        assertTrue(expected.getValue().await(CYCLE.toSeconds() + 20, TimeUnit.SECONDS),
            "never saw: " + expected.getKey() + "; saw " + kinds());
      }
      Set<String> failed = incidents.stream().map(Incident::component).collect(Collectors.toSet());
      assertTrue(failed.containsAll(Set.of("fulfilment", "orders", "inventory")), failed.toString());
      assertTrue(failed.contains("ledger-a") || failed.contains("ledger-b"), failed.toString());
      assertTrue(failed.stream().anyMatch(c -> c.startsWith("payments")), failed.toString());
      Incident crash = incidents.stream().filter(i -> i.component().equals("fulfilment")).findFirst().orElseThrow();
      assertTrue(crash.stacktrace().contains("Fulfilment.pick"), crash.stacktrace());
      assertTrue(crash.logLines().stream().anyMatch(l -> l.contains("ERROR fulfilment worker crashed")),
          crash.logLines().toString());
      assertTrue(crash.logLines().stream().anyMatch(l -> l.contains("INFO fulfilment took job") && !l.contains("sku")),
          "the log shows the malformed job before the crash: " + crash.logLines());

      awaitAllOrdersShipped(shop);
    }
  }

  private void awaitAllOrdersShipped(DemoSystem shop) throws InterruptedException {
    // The first six orders were placed before the order service was killed: all must complete, each step once.
    Set<String> firstSix = Set.of("order-1", "order-2", "order-3", "order-4", "order-5", "order-6");
    Predicate<WorkflowInfo> early = w -> firstSix.contains(w.workflowId());
    CountDownLatch done = new CountDownLatch(1);
    Runnable poll = new Runnable() {
      @Override
      public void run() {
        List<WorkflowInfo> shipped = shop.orders().workflows().stream().filter(early)
            .filter(w -> w.status() == WorkflowStatus.SUCCEEDED).toList();
        if (shipped.size() == firstSix.size()) {
          done.countDown();
        } else {
          Scheduler.system().schedule(this, TimeUnit.MILLISECONDS.toNanos(200));
        }
      }
    };
    poll.run();
    assertTrue(done.await(20, TimeUnit.SECONDS), "the orders of the killed service did not all complete: "
        + shop.orders().workflows());
    for (WorkflowInfo w : shop.orders().workflows().stream().filter(early).toList()) {
      assertEquals(List.of("reserve", "charge", "sleep", "ship"), w.steps().stream().map(WorkflowInfo.StepInfo::name)
          .toList(), w.toString());
    }
  }

  @Test
  void theFaultTreeNamesTheShopsComponentsAndOneReplicaDownLeavesTheLedgerOneFailureAway() {
    FaultTreeModel model = MefReader.parse("demo-system.xml", DemoSystem.faultTree());
    assertEquals(Set.of("orders", "fulfilment", "ledger-a", "ledger-b", "inventory", "payments-breaker",
        "pending-queue-full"), model.basicEvents().keySet());
    FaultTreeResult result = FaultTreeAnalysis.builder(model).build().run();
    LiveEvaluation oneDown = result.evaluate(List.of("ledger-a"), 10);
    assertTrue(!oneDown.topFailed() && oneDown.oneAway().stream().anyMatch(o -> o.missing().equals("ledger-b")),
        oneDown.toString());
    assertTrue(result.evaluate(List.of("fulfilment"), 10).topFailed());
  }

  private String kinds() {
    return events.stream().map(e -> e.getClass().getSimpleName() + "(" + e.source() + ")").distinct()
        .collect(Collectors.joining(", "));
  }
}
