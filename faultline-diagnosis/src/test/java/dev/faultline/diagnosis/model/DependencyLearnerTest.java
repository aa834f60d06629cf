package dev.faultline.diagnosis.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.ConfigurationException;
import dev.faultline.core.PolicyKind;
import dev.faultline.core.circuitbreaker.CircuitBreaker;
import dev.faultline.core.event.PolicyEvent;
import dev.faultline.core.retry.Retry;
import dev.faultline.core.testing.FakeClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;

/** A dependency graph learned from the events of named policies and from reported calls, feeding root-cause ranking. */
class DependencyLearnerTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private final FakeClock clock = new FakeClock(T0);

  static void fail(dev.faultline.core.Policy policy) {
    assertThrows(Exception.class, () -> policy.call(() -> {
      throw new IllegalStateException("down");
    }));
  }

  @Test
  void policiesNamedCallerToDownstreamTeachTheGraphThatRanksTheRootCause() throws Exception {
    DependencyLearner learner = DependencyLearner.builder().build();
    CircuitBreaker checkoutToPayments = CircuitBreaker.builder("checkout->payments").countBasedWindow(2)
        .minimumNumberOfCalls(2).clock(clock).listener(learner).build();
    Retry paymentsToDb = Retry.builder("payments -> db").maxAttempts(2).clock(clock).scheduler(clock)
        .listener(learner).build();
    Retry unnamed = Retry.builder("db-retry").maxAttempts(2).clock(clock).scheduler(clock).listener(learner).build();
    fail(paymentsToDb);
    fail(checkoutToPayments);
    fail(checkoutToPayments);
    Instant opened = clock.instant();
    fail(unnamed);

    DependencyGraph graph = learner.graph();
    assertEquals(Set.of("payments"), graph.dependenciesOf("checkout"));
    assertEquals(Set.of("db"), graph.dependenciesOf("payments"));
    assertTrue(graph.dependsOn("checkout", "db"));
    assertEquals(Map.of("db-retry", 4L), learner.unresolved(), "two failed attempts, a retry scheduled, retries exhausted");
    DependencyLearner.Edge edge = learner.edges().get(0);
    assertEquals("checkout->payments", edge.route().toString());
    assertEquals(1, edge.events(), "the breaker publishes its opening: " + edge);
    assertEquals(1, edge.failures());
    assertEquals(Optional.of(opened), edge.firstSeen());
    DependencyLearner.Edge db = learner.edges().get(1);
    assertEquals("payments->db", db.route().toString());
    assertEquals(4, db.events());
    assertEquals(3, db.failures(), "two failed attempts and the retries exhausted; the scheduled retry is no failure");

    List<RootCause> ranked = new RootCauseRanker(graph, List.of()).rank(List.of(
        Observation.of("checkout", T0.plusSeconds(30)), Observation.of("payments", T0.plusSeconds(10)),
        Observation.of("db", T0)));
    assertEquals("db", ranked.get(0).component());
    assertTrue(ranked.get(0).reasons().stream().anyMatch(r -> r.kind() == RootCause.Kind.EXPLAINS_DEPENDANTS
        && r.detail().contains("checkout, payments")), ranked.get(0).reasons().toString());
    assertEquals("checkout", ranked.get(2).component());
  }

  @Test
  void declaredRoutesBaseGraphAndReportedCalls() {
    DependencyGraph base = DependencyGraph.builder().dependsOn("web", "checkout").build();
    DependencyLearner learner = DependencyLearner.builder().base(base).route("pay-cb", "checkout", "payments")
        .minEvidence(3).build();
    learner.onEvent(new PolicyEvent.CallRejected("pay-cb", T0, PolicyKind.CIRCUIT_BREAKER, "open"));
    learner.observe("checkout", "payments");
    learner.observe("checkout", "inventory");
    assertFalse(learner.graph().dependsOn("checkout", "payments"), "2 pieces of evidence are fewer than 3");
    learner.observe("checkout", "payments");
    DependencyGraph graph = learner.graph();
    assertEquals(Set.of("payments"), graph.dependenciesOf("checkout"));
    assertTrue(graph.dependsOn("web", "payments"), "learned edges join the declared ones");
    assertFalse(graph.contains("inventory"));
    DependencyLearner.Edge pay = learner.edges().stream().filter(e -> e.route().downstream().equals("payments"))
        .findFirst().orElseThrow();
    assertEquals(2, pay.calls());
    assertEquals(1, pay.events());
    assertEquals(1, pay.failures());
    assertEquals(3, pay.evidence());
  }

  @Test
  void edgesAreSortedByCallerThenDownstreamWhateverTheNamesHold() {
    // Sorting the text "caller->downstream" put "order service" before "order": a space sorts before the arrow.
    DependencyLearner learner = DependencyLearner.builder().build();
    learner.observe("order service", "db");
    learner.observe("order", "stock");
    learner.observe("order", "stock cache");
    learner.observe("order", "stock-cache");
    assertEquals(List.of("order->stock", "order->stock cache", "order->stock-cache", "order service->db"),
        learner.edges().stream().map(e -> e.route().toString()).toList());
    // With equal evidence the first edge in that order joins the graph, and the one that would close a cycle is
    // left out: here b -> b c joins and b c -> b is reported.
    DependencyLearner tied = DependencyLearner.builder().build();
    tied.observe("b c", "b");
    tied.observe("b", "b c");
    assertTrue(tied.graph().dependsOn("b", "b c"));
    assertEquals(List.of("b c -> b closes a cycle with b depending on b c"), tied.cycles());
  }

  @Test
  void anEdgeThatWouldCloseACycleIsLeftOutAndReported() {
    DependencyLearner learner = DependencyLearner.builder()
        .base(DependencyGraph.builder().dependsOn("a", "b").build()).build();
    learner.observe("b", "c");
    learner.observe("c", "a");
    learner.observe("c", "a");
    DependencyGraph graph = learner.graph();
    assertTrue(graph.dependsOn("c", "a"), "the stronger edge comes first");
    assertFalse(graph.dependsOn("b", "c"));
    assertEquals(List.of("b -> c closes a cycle with c depending on b"), learner.cycles());
  }

  @Test
  void aCustomNamingRuleAndItsFailuresResolveToNothing() {
    DependencyLearner learner = DependencyLearner.builder().routes(name -> {
      if (name.startsWith("bad")) {
        throw new IllegalArgumentException("unreadable");
      }
      String[] parts = name.split("\\.");
      return parts.length == 2 ? Optional.of(new DependencyLearner.Route(parts[0], parts[1])) : Optional.empty();
    }).build();
    learner.onEvent(new PolicyEvent.TimeoutExceeded("orders.stock", T0, Duration.ofSeconds(1)));
    learner.onEvent(new PolicyEvent.TimeoutExceeded("bad.name", T0, Duration.ofSeconds(1)));
    assertEquals(Set.of("stock"), learner.graph().dependenciesOf("orders"));
    assertEquals(Map.of("bad.name", 1L), learner.unresolved());
  }

  @Test
  void concurrentEvidenceIsCountedExactly() throws Exception {
    DependencyLearner learner = DependencyLearner.builder().build();
    int threads = 4;
    int each = 5_000;
    CyclicBarrier start = new CyclicBarrier(threads);
    List<Thread> workers = new ArrayList<>();
    List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int t = 0; t < threads; t++) {
      int id = t;
      workers.add(new Thread(() -> {
        try {
          start.await();
          for (int i = 0; i < each; i++) {
            learner.observe("svc-" + (i % 3), "db");
            learner.onEvent(new PolicyEvent.AttemptFailed("svc-" + id + "->cache", T0.plusMillis(i),
                PolicyKind.RETRY, 1, new IllegalStateException(), Duration.ZERO));
          }
        } catch (Throwable e) {
          failures.add(e);
        }
      }));
    }
    workers.forEach(Thread::start);
    for (Thread w : workers) {
      w.join();
    }
    assertTrue(failures.isEmpty(), failures.toString());
    long calls = learner.edges().stream().mapToLong(DependencyLearner.Edge::calls).sum();
    assertEquals(threads * each, calls);
    for (int t = 0; t < threads; t++) {
      String caller = "svc-" + t;
      DependencyLearner.Edge e = learner.edges().stream().filter(x -> x.route().toString().equals(caller + "->cache"))
          .findFirst().orElseThrow();
      assertEquals(each, e.failures());
      assertEquals(Optional.of(T0), e.firstSeen());
      assertEquals(Optional.of(T0.plusMillis(each - 1)), e.lastSeen());
    }
  }

  @Test
  void routesAreChecked() {
    assertEquals("route", assertThrows(ConfigurationException.class, () -> new DependencyLearner.Route("a", "a"))
        .field());
    assertEquals("caller", assertThrows(ConfigurationException.class, () -> new DependencyLearner.Route(" ", "a"))
        .field());
    assertEquals(Optional.empty(), DependencyLearner.Route.parse("a->b->c"));
    assertEquals(Optional.empty(), DependencyLearner.Route.parse("->b"));
    assertEquals(Optional.empty(), DependencyLearner.Route.parse("payments"));
    assertEquals("route", assertThrows(ConfigurationException.class,
        () -> DependencyLearner.builder().route("p", "a", "b").route("p", "a", "c")).field());
    assertEquals("minEvidence", assertThrows(ConfigurationException.class,
        () -> DependencyLearner.builder().minEvidence(0)).field());
  }
}
