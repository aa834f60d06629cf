package dev.faultline.diagnosis.model;

import dev.faultline.core.internal.Validate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Ranks the candidate root causes of failures observed together, from a dependency graph and known failure modes;
 * deterministic, immutable and thread-safe.
 *
 * <p>Every failed component is a candidate (its observations merged: the earliest onset, every signature). Its score
 * is the sum of the weights of its reasons:
 * <ul>
 *   <li>{@value #EXPLAINS} per failed component that depends on it, directly or through others: a failed dependency
 *       explains its failed dependants;</li>
 *   <li>{@value #EXPLAINED} (a penalty) when it depends on a failed component whose onset was no later than its own:
 *       it is then more likely a symptom;</li>
 *   <li>{@value #EARLIEST} when its onset is the earliest (all candidates tied for earliest get it);</li>
 *   <li>{@value #SIGNATURE} when it shows the signature of a known failure mode of it (once, however many match);</li>
 *   <li>0, noted, when it is not in the graph.</li>
 * </ul>
 * Candidates are ordered by score, then earliest onset, then name.
 */
public final class RootCauseRanker {
  static final int EXPLAINS = 2;
  static final int EXPLAINED = -3;
  static final int EARLIEST = 2;
  static final int SIGNATURE = 3;

  private final DependencyGraph graph;
  private final List<FailureMode> failureModes;

  /** A ranker over {@code graph} knowing {@code failureModes}. */
  public RootCauseRanker(DependencyGraph graph, List<FailureMode> failureModes) {
    this.graph = Validate.notNull("graph", graph);
    this.failureModes = List.copyOf(Validate.notNull("failureModes", failureModes));
  }

  /**
   * Ranks the failed components of {@code observations}, the likeliest root cause first.
   *
   * @throws dev.faultline.core.ConfigurationException if {@code observations} is null or holds null
   */
  public List<RootCause> rank(Collection<Observation> observations) {
    Validate.notNull("observations", observations);
    Map<String, List<Observation>> byComponent = new TreeMap<>();
    for (Observation o : observations) {
      Validate.notNull("observation", o);
      byComponent.computeIfAbsent(o.component(), c -> new ArrayList<>()).add(o);
    }
    Map<String, Instant> onsets = new TreeMap<>();
    byComponent.forEach((c, list) -> onsets.put(c,
        list.stream().map(Observation::onset).min(Comparator.naturalOrder()).orElseThrow()));
    Instant earliest = onsets.values().stream().min(Comparator.naturalOrder()).orElse(null);

    List<RootCause> result = new ArrayList<>();
    for (Map.Entry<String, List<Observation>> entry : byComponent.entrySet()) {
      String component = entry.getKey();
      Instant onset = onsets.get(component);
      List<RootCause.Reason> reasons = new ArrayList<>();
      if (!graph.contains(component)) {
        reasons.add(new RootCause.Reason(RootCause.Kind.NOT_IN_GRAPH, 0, component + " is not in the dependency graph"));
      }
      SortedSet<String> explained = new TreeSet<>(graph.transitiveDependantsOf(component));
      explained.retainAll(onsets.keySet());
      if (!explained.isEmpty()) {
        reasons.add(new RootCause.Reason(RootCause.Kind.EXPLAINS_DEPENDANTS, EXPLAINS * explained.size(),
            "explains the failure of " + String.join(", ", explained) + ", which depend on it"));
      }
      SortedSet<String> causes = new TreeSet<>();
      for (String dependency : graph.transitiveDependenciesOf(component)) {
        Instant dependencyOnset = onsets.get(dependency);
        if (dependencyOnset != null && !dependencyOnset.isAfter(onset)) {
          causes.add(dependency);
        }
      }
      if (!causes.isEmpty()) {
        reasons.add(new RootCause.Reason(RootCause.Kind.EXPLAINED_BY_DEPENDENCY, EXPLAINED,
            "depends on " + String.join(", ", causes) + ", which failed no later"));
      }
      if (onset.equals(earliest)) {
        reasons.add(new RootCause.Reason(RootCause.Kind.EARLIEST_ONSET, EARLIEST, "earliest onset, at " + onset));
      }
      List<FailureMode> matched = new ArrayList<>();
      for (FailureMode mode : failureModes) {
        for (Observation o : entry.getValue()) {
          if (mode.matches(o)) {
            matched.add(mode);
            break;
          }
        }
      }
      if (!matched.isEmpty()) {
        List<String> described = new ArrayList<>();
        for (FailureMode mode : matched) {
          described.add(mode.name() + " (" + mode.signature().describe()
              + (mode.remedies().isEmpty() ? "" : "; remedies: " + String.join("; ", mode.remedies())) + ")");
        }
        reasons.add(new RootCause.Reason(RootCause.Kind.SIGNATURE_MATCH, SIGNATURE,
            "matches known failure mode " + String.join(", ", described)));
      }
      int score = reasons.stream().mapToInt(RootCause.Reason::weight).sum();
      result.add(new RootCause(component, onset, score, reasons, matched));
    }
    result.sort(Comparator.comparingInt(RootCause::score).reversed()
        .thenComparing(RootCause::onset)
        .thenComparing(RootCause::component));
    return List.copyOf(result);
  }
}
