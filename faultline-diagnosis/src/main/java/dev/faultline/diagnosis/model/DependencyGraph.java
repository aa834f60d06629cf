package dev.faultline.diagnosis.model;

import dev.faultline.core.internal.Validate;
import dev.faultline.core.ConfigurationException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A declared, acyclic graph of components and the components they depend on; immutable and thread-safe.
 *
 * <p>An edge {@code a -> b} reads "a depends on b": when b fails, a may fail because of it. Cycles are rejected when
 * the graph is built, naming one cycle.
 */
public final class DependencyGraph {
  private final Map<String, SortedSet<String>> dependencies;
  private final Map<String, SortedSet<String>> dependants;
  private final List<String> order;

  private DependencyGraph(Map<String, SortedSet<String>> dependencies, Map<String, SortedSet<String>> dependants,
      List<String> order) {
    this.dependencies = dependencies;
    this.dependants = dependants;
    this.order = order;
  }

  /** A builder of an empty graph; not thread-safe. */
  public static Builder builder() {
    return new Builder();
  }

  /** The components, sorted by name. */
  public SortedSet<String> components() {
    return Collections.unmodifiableSortedSet(new TreeSet<>(dependencies.keySet()));
  }

  /** Whether {@code component} was declared. */
  public boolean contains(String component) {
    return dependencies.containsKey(component);
  }

  /** What {@code component} depends on directly, sorted; empty for an unknown component. */
  public SortedSet<String> dependenciesOf(String component) {
    return dependencies.getOrDefault(component, Collections.emptySortedSet());
  }

  /** What depends directly on {@code component}, sorted; empty for an unknown component. */
  public SortedSet<String> dependantsOf(String component) {
    return dependants.getOrDefault(component, Collections.emptySortedSet());
  }

  /** What {@code component} depends on directly or through others, sorted. */
  public SortedSet<String> transitiveDependenciesOf(String component) {
    return reach(component, dependencies);
  }

  /** What depends on {@code component} directly or through others, sorted. */
  public SortedSet<String> transitiveDependantsOf(String component) {
    return reach(component, dependants);
  }

  /** Whether {@code dependant} depends on {@code dependency}, directly or through others. */
  public boolean dependsOn(String dependant, String dependency) {
    return transitiveDependenciesOf(dependant).contains(dependency);
  }

  /** The components with every dependency before its dependants; ties broken by name. */
  public List<String> topologicalOrder() {
    return order;
  }

  private static SortedSet<String> reach(String start, Map<String, SortedSet<String>> edges) {
    SortedSet<String> seen = new TreeSet<>();
    Deque<String> todo = new ArrayDeque<>(edges.getOrDefault(start, Collections.emptySortedSet()));
    while (!todo.isEmpty()) {
      String next = todo.pop();
      if (seen.add(next)) {
        todo.addAll(edges.getOrDefault(next, Collections.emptySortedSet()));
      }
    }
    return Collections.unmodifiableSortedSet(seen);
  }

  /** Declares components and dependencies; not thread-safe. */
  public static final class Builder {
    private final Map<String, SortedSet<String>> edges = new TreeMap<>();

    private Builder() {}

    /** Declares a component (one named in a dependency is declared too). */
    public Builder component(String name) {
      edges.computeIfAbsent(Validate.notBlank("component", name), n -> new TreeSet<>());
      return this;
    }

    /** Declares that {@code dependant} depends on each of {@code dependencies}. */
    public Builder dependsOn(String dependant, String... dependencies) {
      component(dependant);
      Validate.notNull("dependencies", dependencies);
      for (String dependency : dependencies) {
        component(dependency);
        if (dependant.equals(dependency)) {
          throw new ConfigurationException("dependencies", "be acyclic", dependant + " -> " + dependant);
        }
        edges.get(dependant).add(dependency);
      }
      return this;
    }

    /**
     * The graph.
     *
     * @throws ConfigurationException naming a cycle, as {@code a -> b -> a}, if the dependencies have one
     */
    public DependencyGraph build() {
      Map<String, SortedSet<String>> dependencies = new HashMap<>();
      Map<String, SortedSet<String>> dependants = new HashMap<>();
      for (Map.Entry<String, SortedSet<String>> e : edges.entrySet()) {
        dependencies.put(e.getKey(), Collections.unmodifiableSortedSet(new TreeSet<>(e.getValue())));
        dependants.computeIfAbsent(e.getKey(), k -> new TreeSet<>());
        for (String dependency : e.getValue()) {
          dependants.computeIfAbsent(dependency, k -> new TreeSet<>()).add(e.getKey());
        }
      }
      dependants.replaceAll((k, v) -> Collections.unmodifiableSortedSet(v));
      return new DependencyGraph(Map.copyOf(dependencies), Map.copyOf(dependants), order(dependencies));
    }

    /** Depth-first order, dependencies first; a node met again while on the stack closes a cycle. */
    private static List<String> order(Map<String, SortedSet<String>> dependencies) {
      List<String> order = new ArrayList<>();
      Map<String, Integer> state = new HashMap<>(); // 1: on the stack, 2: done
      for (String root : new TreeSet<>(dependencies.keySet())) {
        visit(root, dependencies, state, new ArrayList<>(), order);
      }
      return List.copyOf(order);
    }

    private static void visit(String node, Map<String, SortedSet<String>> dependencies, Map<String, Integer> state,
        List<String> path, List<String> order) {
      Integer s = state.get(node);
      if (s != null && s == 2) {
        return;
      }
      if (s != null) {
        List<String> cycle = new ArrayList<>(path.subList(path.indexOf(node), path.size()));
        cycle.add(node);
        throw new ConfigurationException("dependencies", "be acyclic", String.join(" -> ", cycle));
      }
      state.put(node, 1);
      path.add(node);
      for (String dependency : dependencies.get(node)) {
        visit(dependency, dependencies, state, path, order);
      }
      path.remove(path.size() - 1);
      state.put(node, 2);
      order.add(node);
    }
  }
}
