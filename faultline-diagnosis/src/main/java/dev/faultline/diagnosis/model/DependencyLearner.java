package dev.faultline.diagnosis.model;

import dev.faultline.core.ConfigurationException;
import dev.faultline.core.circuitbreaker.CircuitState;
import dev.faultline.core.event.FaultEvent;
import dev.faultline.core.event.FaultEventListener;
import dev.faultline.core.event.PolicyEvent;
import dev.faultline.core.internal.Validate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * Learns which component depends on which from the calls that go through named policies, and builds the
 * {@link DependencyGraph} that {@link RootCauseRanker} ranks over: the declared edges plus the learned ones; thread-safe.
 *
 * <p><b>What it learns from.</b> Policy events name their policy, not the caller, so each policy name is resolved to a
 * {@link Route}, "caller calls downstream": first by the routes {@linkplain Builder#route declared} for it, then by the
 * {@linkplain Builder#routes(Function) naming rule} (by default {@link Route#parse}, which reads policy names of the
 * form {@code caller->downstream}). Every {@link PolicyEvent} of a resolved policy is evidence of its route; failures
 * among them (failed attempts, exhausted retries, timeouts, rejections, a breaker opening) are counted apart. Since
 * policies publish nothing on success, a caller can also report each call with {@link #observe(String, String)} (for
 * example from the code that runs a pipeline), which is cheap: one counter increment. Events of policies that resolve
 * to no route are counted in {@link #unresolved()} by name, so a misnamed policy shows.
 *
 * <p><b>From evidence to graph.</b> {@link #graph()} takes the declared base graph and adds each learned edge seen at
 * least {@code minEvidence} times, strongest evidence first; an edge that would close a cycle is left out and
 * reported by {@link #cycles()} (a graph of dependencies has none).
 *
 * <p>Concurrency: {@code edges} and {@code unresolved} are concurrent maps of {@link LongAdder}-based counters, and
 * {@code resolved} caches each policy name's route (one entry per policy name, a finite set); an edge's first and last
 * times are guarded by its {@code Evidence}'s monitor. {@code onEvent} and {@code observe} call nothing outside this
 * class except the naming rule, once per policy name. {@link #graph()} reads the counters without
 * stopping writers, so it sees each edge's evidence as of some moment during the call.
 */
public final class DependencyLearner implements FaultEventListener {
  private final DependencyGraph base;
  private final Map<String, Route> declared;
  private final Function<String, Optional<Route>> naming;
  private final long minEvidence;
  private final ConcurrentHashMap<Route, Evidence> edges = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, LongAdder> unresolved = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Optional<Route>> resolved = new ConcurrentHashMap<>();

  private DependencyLearner(Builder b) {
    this.base = b.base;
    this.declared = Map.copyOf(b.declared);
    this.naming = b.naming;
    this.minEvidence = b.minEvidence;
  }

  /** A builder: no base graph, no declared routes, names parsed by {@link Route#parse}, evidence of 1 enough. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * One caller's dependency on one downstream component; immutable and thread-safe.
   *
   * @param caller the component that calls
   * @param downstream the component called
   */
  public record Route(String caller, String downstream) {

    /** Checks the names: not blank, and not the same component. */
    public Route {
      Validate.notBlank("caller", caller);
      Validate.notBlank("downstream", downstream);
      if (caller.equals(downstream)) {
        throw new ConfigurationException("route", "join two different components", caller + "->" + downstream);
      }
    }

    /**
     * The route a policy name states as {@code caller->downstream} (spaces around the names ignored); empty for any
     * other name.
     */
    public static Optional<Route> parse(String policyName) {
      if (policyName == null) {
        return Optional.empty();
      }
      int arrow = policyName.indexOf("->");
      if (arrow < 0 || policyName.indexOf("->", arrow + 2) >= 0) {
        return Optional.empty();
      }
      String caller = policyName.substring(0, arrow).strip();
      String downstream = policyName.substring(arrow + 2).strip();
      if (caller.isEmpty() || downstream.isEmpty() || caller.equals(downstream)) {
        return Optional.empty();
      }
      return Optional.of(new Route(caller, downstream));
    }

    @Override
    public String toString() {
      return caller + "->" + downstream;
    }
  }

  /**
   * What was seen of one route.
   *
   * @param route the route
   * @param calls calls reported with {@link #observe}
   * @param events policy events of the route's policies
   * @param failures those events that report a failure
   * @param firstSeen when evidence first came (an event's time; for {@code observe}, absent until an event comes)
   * @param lastSeen when the latest event came
   */
  public record Edge(Route route, long calls, long events, long failures, Optional<Instant> firstSeen,
      Optional<Instant> lastSeen) {

    /** Checks that no field is null. */
    public Edge {
      Objects.requireNonNull(route, "route");
      Objects.requireNonNull(firstSeen, "firstSeen");
      Objects.requireNonNull(lastSeen, "lastSeen");
    }

    /** All the evidence: calls reported plus events. */
    public long evidence() {
      return calls + events;
    }
  }

  /** Counters of one route; the instants are guarded by the object's monitor. */
  private static final class Evidence {
    final LongAdder calls = new LongAdder();
    final LongAdder events = new LongAdder();
    final LongAdder failures = new LongAdder();
    private Instant first;
    private Instant last;

    synchronized void seen(Instant time) {
      if (time == null) {
        return;
      }
      if (first == null || time.isBefore(first)) {
        first = time;
      }
      if (last == null || time.isAfter(last)) {
        last = time;
      }
    }

    synchronized Edge edge(Route route) {
      return new Edge(route, calls.sum(), events.sum(), failures.sum(), Optional.ofNullable(first),
          Optional.ofNullable(last));
    }
  }

  @Override
  public void onEvent(FaultEvent event) {
    if (!(event instanceof PolicyEvent p)) {
      return;
    }
    String name = p.source();
    Optional<Route> route = resolved.computeIfAbsent(name, this::resolve);
    if (route.isEmpty()) {
      unresolved.computeIfAbsent(name, n -> new LongAdder()).increment();
      return;
    }
    Evidence e = edges.computeIfAbsent(route.get(), r -> new Evidence());
    e.events.increment();
    if (isFailure(p)) {
      e.failures.increment();
    }
    e.seen(p.time());
  }

  private Optional<Route> resolve(String policyName) {
    Route r = declared.get(policyName);
    if (r != null) {
      return Optional.of(r);
    }
    try {
      Optional<Route> named = naming.apply(policyName);
      return named == null ? Optional.empty() : named;
    } catch (RuntimeException e) {
      // A naming rule that cannot read a name resolves it to nothing; the name shows among the unresolved.
      return Optional.empty();
    }
  }

  private static boolean isFailure(PolicyEvent p) {
    if (p instanceof PolicyEvent.CircuitStateChanged c) {
      return c.to() == CircuitState.OPEN || c.to() == CircuitState.FORCED_OPEN;
    }
    return p instanceof PolicyEvent.AttemptFailed || p instanceof PolicyEvent.RetriesExhausted
        || p instanceof PolicyEvent.RetryAborted || p instanceof PolicyEvent.TimeoutExceeded
        || p instanceof PolicyEvent.CallRejected || p instanceof PolicyEvent.FallbackApplied;
  }

  /** Reports one call from {@code caller} to {@code downstream}: evidence that the one depends on the other. */
  public void observe(String caller, String downstream) {
    Route route = new Route(caller, downstream);
    edges.computeIfAbsent(route, r -> new Evidence()).calls.increment();
  }

  /** What was learned of every route so far, sorted by caller then downstream. */
  public List<Edge> edges() {
    List<Edge> out = new ArrayList<>();
    edges.forEach((route, evidence) -> out.add(evidence.edge(route)));
    // By the names, not by the text "caller->downstream": a name holding a space or '!' sorts before the arrow.
    out.sort(Comparator.comparing((Edge e) -> e.route().caller()).thenComparing(e -> e.route().downstream()));
    return List.copyOf(out);
  }

  /** Events of policies whose name resolved to no route, by policy name. */
  public Map<String, Long> unresolved() {
    Map<String, Long> out = new HashMap<>();
    unresolved.forEach((name, count) -> out.put(name, count.sum()));
    return Collections.unmodifiableMap(out);
  }

  /**
   * The base graph plus every learned edge with at least {@code minEvidence}, strongest first, each left out if it
   * would close a cycle.
   */
  public DependencyGraph graph() {
    return learn().graph;
  }

  /** The learned edges that {@link #graph()} leaves out because they would close a cycle, as {@code a -> b -> a}. */
  public List<String> cycles() {
    return learn().cycles;
  }

  private record Learned(DependencyGraph graph, List<String> cycles) {}

  private Learned learn() {
    List<Edge> learned = new ArrayList<>();
    for (Edge e : edges()) {
      if (e.evidence() >= minEvidence) {
        learned.add(e);
      }
    }
    learned.sort((a, b) -> Long.compare(b.evidence(), a.evidence()));
    DependencyGraph.Builder b = DependencyGraph.builder();
    for (String c : base.components()) {
      b.component(c);
      for (String d : base.dependenciesOf(c)) {
        b.dependsOn(c, d);
      }
    }
    DependencyGraph graph = b.build();
    List<String> cycles = new ArrayList<>();
    for (Edge e : learned) {
      Route r = e.route();
      if (graph.dependsOn(r.downstream(), r.caller())) {
        cycles.add(r.caller() + " -> " + r.downstream() + " closes a cycle with " + r.downstream()
            + " depending on " + r.caller());
        continue;
      }
      b.dependsOn(r.caller(), r.downstream());
      graph = b.build();
    }
    return new Learned(graph, List.copyOf(cycles));
  }

  /** Configures a {@link DependencyLearner}; not thread-safe. */
  public static final class Builder {
    private DependencyGraph base = DependencyGraph.builder().build();
    private final Map<String, Route> declared = new HashMap<>();
    private Function<String, Optional<Route>> naming = Route::parse;
    private long minEvidence = 1;

    private Builder() {}

    /** The declared graph that learned edges are added to; default empty. */
    public Builder base(DependencyGraph graph) {
      this.base = Validate.notNull("base", graph);
      return this;
    }

    /** Declares that the policy named {@code policyName} guards calls from {@code caller} to {@code downstream}. */
    public Builder route(String policyName, String caller, String downstream) {
      Validate.notBlank("policyName", policyName);
      if (declared.putIfAbsent(policyName, new Route(caller, downstream)) != null) {
        throw new ConfigurationException("route", "be declared once per policy", policyName);
      }
      return this;
    }

    /**
     * The rule for policies without a declared route: their route, or empty for none. Default {@link Route#parse}.
     */
    public Builder routes(Function<String, Optional<Route>> naming) {
      this.naming = Validate.notNull("routes", naming);
      return this;
    }

    /** How much evidence (calls observed plus events) makes an edge; default 1. */
    public Builder minEvidence(long minEvidence) {
      this.minEvidence = Validate.atLeast("minEvidence", minEvidence, 1);
      return this;
    }

    /** The learner. */
    public DependencyLearner build() {
      return new DependencyLearner(this);
    }
  }
}
