package dev.faultline.diagnosis.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.diagnosis.model.RootCause.Kind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Root-cause ranking on small graphs, each rank justified by the reasons it gives. */
class RootCauseRankerTest {
  private static final Instant T = Instant.parse("2026-03-01T10:00:00Z");
  private final DependencyGraph graph = DependencyGraph.builder()
      .dependsOn("api", "orders", "auth")
      .dependsOn("orders", "db", "cache")
      .dependsOn("auth", "db")
      .build();

  private static Instant at(int seconds) {
    return T.plusSeconds(seconds);
  }

  private static List<String> names(List<RootCause> causes) {
    return causes.stream().map(RootCause::component).collect(Collectors.toList());
  }

  private static List<Kind> kinds(RootCause cause) {
    return cause.reasons().stream().map(RootCause.Reason::kind).collect(Collectors.toList());
  }

  @Test
  void theFailedDependencyThatExplainsTheOthersRanksFirst() {
    List<RootCause> ranked = new RootCauseRanker(graph, List.of()).rank(List.of(
        Observation.of("api", at(5)),
        Observation.of("orders", at(3)),
        Observation.of("auth", at(4)),
        Observation.of("db", at(1))));
    assertEquals(List.of("db", "orders", "auth", "api"), names(ranked));
    RootCause db = ranked.get(0);
    assertEquals(3 * RootCauseRanker.EXPLAINS + RootCauseRanker.EARLIEST, db.score());
    assertEquals(List.of(Kind.EXPLAINS_DEPENDANTS, Kind.EARLIEST_ONSET), kinds(db));
    assertEquals("explains the failure of api, auth, orders, which depend on it", db.reasons().get(0).detail());
    RootCause orders = ranked.get(1);
    assertEquals(RootCauseRanker.EXPLAINS + RootCauseRanker.EXPLAINED, orders.score());
    assertEquals("depends on db, which failed no later", orders.reasons().get(1).detail());
    assertEquals(List.of(Kind.EXPLAINED_BY_DEPENDENCY), kinds(ranked.get(3)));
  }

  @Test
  void aDependencyDetectedLaterStillExplainsButDoesNotAccuseItsDependant() {
    List<RootCause> ranked = new RootCauseRanker(graph, List.of()).rank(List.of(
        Observation.of("orders", at(0)),
        Observation.of("db", at(30))));
    assertEquals(List.of("orders", "db"), names(ranked));
    assertEquals(List.of(Kind.EARLIEST_ONSET), kinds(ranked.get(0)));
    assertEquals(List.of(Kind.EXPLAINS_DEPENDANTS), kinds(ranked.get(1)));
    assertEquals(ranked.get(0).score(), ranked.get(1).score(), "tied scores fall back to the earlier onset");
  }

  @Test
  void aKnownSignatureBreaksATieBetweenIndependentDependencies() {
    FailureMode eviction = new FailureMode("eviction storm", "cache",
        new Signature.LogTemplate("Evicted <*> entries in <*> ms"), List.of("raise maxmemory", "shard hot keys"));
    FailureMode anyPool = new FailureMode("pool exhausted", null,
        Signature.MetricCondition.atLeast("pool.active", 50), List.of("raise the pool size"));
    FailureMode authDown = new FailureMode("auth down", "auth", new Signature.Fingerprint("a1b2"), List.of());
    RootCauseRanker ranker = new RootCauseRanker(graph, List.of(eviction, anyPool, authDown));
    List<RootCause> ranked = ranker.rank(List.of(
        Observation.of("orders", at(9)),
        Observation.of("auth", at(2)).withFingerprint("zzzz"),
        Observation.of("cache", at(3)).withLogLine("Evicted 10432 entries in  88 ms"),
        Observation.of("cache", at(4)).withMetric("pool.active", 12)));
    assertEquals(List.of("cache", "auth", "orders"), names(ranked));
    RootCause cache = ranked.get(0);
    assertEquals(RootCauseRanker.EXPLAINS + RootCauseRanker.SIGNATURE, cache.score());
    assertEquals(List.of(eviction), cache.failureModes());
    assertTrue(cache.reasons().get(1).detail().contains("eviction storm (log template \"Evicted <*> entries in <*> ms\";"
        + " remedies: raise maxmemory; shard hot keys)"), cache.reasons().get(1).detail());
    assertEquals(RootCauseRanker.EARLIEST, ranked.get(1).score());
    assertTrue(ranked.get(1).failureModes().isEmpty());

    List<RootCause> withPool = ranker.rank(List.of(
        Observation.of("db", at(1)).withMetric("pool.active", 50),
        Observation.of("gateway", at(0))));
    assertEquals(List.of("db", "gateway"), names(withPool));
    assertEquals(List.of(anyPool), withPool.get(0).failureModes());
    assertEquals(List.of(Kind.NOT_IN_GRAPH, Kind.EARLIEST_ONSET), kinds(withPool.get(1)));
  }

  @Test
  void theRankingDoesNotDependOnTheOrderOfObservations() {
    List<Observation> observations = new ArrayList<>(List.of(
        Observation.of("api", at(5)), Observation.of("auth", at(5)), Observation.of("cache", at(5)),
        Observation.of("orders", at(5)), Observation.of("db", at(7)), Observation.of("api", at(1))));
    RootCauseRanker ranker = new RootCauseRanker(graph, List.of());
    List<RootCause> first = ranker.rank(observations);
    Collections.reverse(observations);
    assertEquals(first, ranker.rank(observations));
    Collections.rotate(observations, 2);
    assertEquals(first, ranker.rank(observations));
    assertEquals(at(1), first.stream().filter(c -> c.component().equals("api")).findFirst().orElseThrow().onset());
    assertEquals(List.of(), ranker.rank(List.of()));
  }
}
