package dev.faultline.diagnosis.fta;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A validated Open-PSA MEF model: fault trees (gates and CCF groups), basic events, house events and parameters.
 * Every reference is defined, no gate or parameter depends on itself, no name is defined twice, and every probability
 * lies in [0, 1] at the default mission time. Built by {@link MefReader} or by {@link #builder()}. Immutable and
 * thread-safe.
 */
public final class FaultTreeModel {
  /** The mission time used when none is given: one year, in hours (SCRAM's default). */
  public static final double DEFAULT_MISSION_TIME = 8760;

  private final List<FaultTree> faultTrees;
  private final Map<String, Gate> gates;
  private final Map<String, BasicEvent> basicEvents;
  private final Map<String, HouseEvent> houseEvents;
  private final Map<String, Parameter> parameters;
  private final Map<String, CcfGroup> ccfGroups;
  private final Map<String, CcfGroup> ccfByMember;

  private FaultTreeModel(Builder b) {
    this.faultTrees = List.copyOf(b.faultTrees);
    this.gates = Collections.unmodifiableMap(new LinkedHashMap<>(b.gates));
    this.basicEvents = Collections.unmodifiableMap(new LinkedHashMap<>(b.basicEvents));
    this.houseEvents = Collections.unmodifiableMap(new LinkedHashMap<>(b.houseEvents));
    this.parameters = Collections.unmodifiableMap(new LinkedHashMap<>(b.parameters));
    this.ccfGroups = Collections.unmodifiableMap(new LinkedHashMap<>(b.ccfGroups));
    this.ccfByMember = Collections.unmodifiableMap(new HashMap<>(b.ccfByMember));
  }

  /** A builder for a model made in code; not thread-safe. */
  public static Builder builder() {
    return new Builder();
  }

  /** The fault trees in definition order. */
  public List<FaultTree> faultTrees() {
    return faultTrees;
  }

  /** All gates by name, in definition order. */
  public Map<String, Gate> gates() {
    return gates;
  }

  /** The basic events defined by {@code <define-basic-event>}, by name (CCF members are not among them). */
  public Map<String, BasicEvent> basicEvents() {
    return basicEvents;
  }

  /** The house events by name. */
  public Map<String, HouseEvent> houseEvents() {
    return houseEvents;
  }

  /** The parameters by name. */
  public Map<String, Parameter> parameters() {
    return parameters;
  }

  /** The CCF groups by name. */
  public Map<String, CcfGroup> ccfGroups() {
    return ccfGroups;
  }

  /** The CCF group that defines the named basic event, or null. */
  public CcfGroup ccfGroupOf(String basicEvent) {
    return ccfByMember.get(basicEvent);
  }

  /** Whether a basic event of this name exists (defined directly or as a CCF member). */
  public boolean isBasicEvent(String name) {
    return basicEvents.containsKey(name) || ccfByMember.containsKey(name);
  }

  /** The gates that no other gate references, in definition order: the candidate top events. */
  public List<String> topGates() {
    Set<String> referenced = new HashSet<>();
    for (Gate g : gates.values()) {
      collectRefs(g.formula(), EventKind.GATE, referenced);
    }
    List<String> tops = new ArrayList<>();
    for (String name : gates.keySet()) {
      if (!referenced.contains(name)) {
        tops.add(name);
      }
    }
    return tops;
  }

  /** An environment for expressions: this model's parameters at the given mission time. */
  public Expression.Environment environment(double missionTime) {
    Map<String, Double> cache = new HashMap<>();
    return new Expression.Environment() {
      @Override
      public double parameter(String name) {
        Double v = cache.get(name);
        if (v != null) {
          return v;
        }
        // The parameters it depends on are evaluated first, deepest first, with a stack of our own: a chain of
        // parameters as long as a file can hold must not exhaust the thread's stack. Cycles were refused by build().
        Deque<String> todo = new ArrayDeque<>();
        todo.push(name);
        List<String> refs = new ArrayList<>();
        while (!todo.isEmpty()) {
          String n = todo.peek();
          if (cache.containsKey(n)) {
            todo.pop();
            continue;
          }
          Parameter p = parameters.get(n);
          if (p == null) {
            throw new MefException(null, "undefined parameter \"" + n + "\"");
          }
          refs.clear();
          collectRefs(p.expression(), refs);
          boolean ready = true;
          for (String r : refs) {
            if (!cache.containsKey(r)) {
              todo.push(r);
              ready = false;
            }
          }
          if (ready) {
            todo.pop();
            cache.put(n, valueOf(p.expression(), this, p.location(), "parameter \"" + n + "\""));
          }
        }
        return cache.get(name);
      }

      @Override
      public double missionTime() {
        return missionTime;
      }
    };
  }

  /**
   * The value of {@code e} in {@code env}, for the element {@code what} defined at {@code where}.
   *
   * @throws MefException naming the element when the value is not a finite number (a division by zero, say)
   */
  static double valueOf(Expression e, Expression.Environment env, Location where, String what) {
    try {
      return e.value(env);
    } catch (ArithmeticException x) {
      throw new MefException(where, what + ": " + x.getMessage(), x);
    }
  }

  static void collectRefs(Formula f, EventKind kind, Collection<String> out) {
    if (f instanceof Formula.Ref r) {
      if (r.kind() == kind) {
        out.add(r.name());
      }
    } else if (f instanceof Formula.Operation op) {
      for (Formula a : op.args()) {
        collectRefs(a, kind, out);
      }
    }
  }

  static void collectRefs(Expression e, Collection<String> out) {
    if (e instanceof Expression.ParameterRef p) {
      out.add(p.name());
    } else if (e instanceof Expression.Exponential x) {
      collectRefs(x.lambda(), out);
      collectRefs(x.time(), out);
    } else if (e instanceof Expression.Glm x) {
      collectRefs(x.gamma(), out);
      collectRefs(x.lambda(), out);
      collectRefs(x.mu(), out);
      collectRefs(x.time(), out);
    } else if (e instanceof Expression.Weibull x) {
      collectRefs(x.alpha(), out);
      collectRefs(x.beta(), out);
      collectRefs(x.t0(), out);
      collectRefs(x.time(), out);
    } else if (e instanceof Expression.PeriodicTest x) {
      x.args().forEach(a -> collectRefs(a, out));
    } else if (e instanceof Expression.Deviate x) {
      x.args().forEach(a -> collectRefs(a, out));
    } else if (e instanceof Expression.Operation x) {
      x.args().forEach(a -> collectRefs(a, out));
    }
  }

  /**
   * Collects definitions and validates them into a {@link FaultTreeModel}. Duplicate names are rejected as they are
   * added; references, cycles and probabilities are checked by {@link #build()}. Not thread-safe.
   */
  public static final class Builder {
    private final List<FaultTree> faultTrees = new ArrayList<>();
    private final Map<String, Gate> gates = new LinkedHashMap<>();
    private final Map<String, BasicEvent> basicEvents = new LinkedHashMap<>();
    private final Map<String, HouseEvent> houseEvents = new LinkedHashMap<>();
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final Map<String, CcfGroup> ccfGroups = new LinkedHashMap<>();
    private final Map<String, CcfGroup> ccfByMember = new HashMap<>();
    private final Map<String, Location> eventLocations = new HashMap<>();
    private final Set<String> faultTreeNames = new HashSet<>();

    private Builder() {}

    private void claimEvent(String name, Location location, String what) {
      if (eventLocations.containsKey(name)) {
        Location first = eventLocations.get(name);
        throw new MefException(location, "duplicate definition of " + what + " \"" + name + "\""
            + (first == null ? "" : "; first defined at " + first));
      }
      eventLocations.put(name, location);
    }

    /** Adds a fault tree with its gates and CCF groups. */
    public Builder addFaultTree(FaultTree tree) {
      if (!faultTreeNames.add(tree.name())) {
        Location loc = tree.gates().isEmpty() ? null : tree.gates().get(0).location();
        throw new MefException(loc, "duplicate definition of fault tree \"" + tree.name() + "\"");
      }
      for (Gate g : tree.gates()) {
        claimEvent(g.name(), g.location(), "gate");
        gates.put(g.name(), g);
      }
      for (CcfGroup c : tree.ccfGroups()) {
        defineCcfGroup(c);
      }
      faultTrees.add(tree);
      return this;
    }

    /** Adds a CCF group defined outside any fault tree. */
    public Builder addCcfGroup(CcfGroup c) {
      defineCcfGroup(c);
      return this;
    }

    private void defineCcfGroup(CcfGroup c) {
      if (ccfGroups.containsKey(c.name())) {
        throw new MefException(c.location(), "duplicate definition of CCF group \"" + c.name() + "\"; first defined at "
            + ccfGroups.get(c.name()).location());
      }
      for (String m : c.members()) {
        claimEvent(m, c.location(), "basic event (CCF member)");
        ccfByMember.put(m, c);
      }
      ccfGroups.put(c.name(), c);
    }

    /** Adds a basic event. */
    public Builder addBasicEvent(BasicEvent event) {
      claimEvent(event.name(), event.location(), "basic event");
      basicEvents.put(event.name(), event);
      return this;
    }

    /** Adds a house event. */
    public Builder addHouseEvent(HouseEvent event) {
      claimEvent(event.name(), event.location(), "house event");
      houseEvents.put(event.name(), event);
      return this;
    }

    /** Adds a parameter. */
    public Builder addParameter(Parameter parameter) {
      Parameter first = parameters.get(parameter.name());
      if (first != null) {
        throw new MefException(parameter.location(), "duplicate definition of parameter \"" + parameter.name() + "\""
            + (first.location() == null ? "" : "; first defined at " + first.location()));
      }
      parameters.put(parameter.name(), parameter);
      return this;
    }

    /** Checks references, cycles, CCF groups and probabilities, and returns the model. */
    public FaultTreeModel build() {
      for (Gate g : gates.values()) {
        checkRefs(g.formula(), g.location(), g.name());
      }
      checkParameterRefs();
      checkGateCycles();
      checkParameterCycles();
      FaultTreeModel model = new FaultTreeModel(this);
      Expression.Environment env = model.environment(DEFAULT_MISSION_TIME);
      // Every parameter, used or not, must be a number (a division by zero is an error, as in SCRAM).
      for (String p : parameters.keySet()) {
        env.parameter(p);
      }
      for (BasicEvent e : basicEvents.values()) {
        if (e.expression() != null) {
          String what = "probability of basic event \"" + e.name() + "\"";
          checkProbability(valueOf(e.expression(), env, e.location(), what), e.location(), what);
        }
      }
      for (CcfGroup c : ccfGroups.values()) {
        checkCcf(c, env);
      }
      return model;
    }

    private void checkRefs(Formula f, Location loc, String gate) {
      if (f instanceof Formula.Ref r) {
        boolean ok = switch (r.kind()) {
          case GATE -> gates.containsKey(r.name());
          case BASIC_EVENT -> basicEvents.containsKey(r.name()) || ccfByMember.containsKey(r.name());
          case HOUSE_EVENT -> houseEvents.containsKey(r.name());
        };
        if (!ok) {
          throw new MefException(loc, "gate \"" + gate + "\" references undefined " + r.kind().xmlName()
              + " \"" + r.name() + "\"");
        }
      } else if (f instanceof Formula.Operation op) {
        for (Formula a : op.args()) {
          checkRefs(a, loc, gate);
        }
      }
    }

    private void checkParameterRefs() {
      List<String> refs = new ArrayList<>();
      for (Parameter p : parameters.values()) {
        refs.clear();
        collectRefs(p.expression(), refs);
        requireParameters(refs, p.location(), "parameter \"" + p.name() + "\"");
      }
      for (BasicEvent e : basicEvents.values()) {
        if (e.expression() != null) {
          refs.clear();
          collectRefs(e.expression(), refs);
          requireParameters(refs, e.location(), "basic event \"" + e.name() + "\"");
        }
      }
      for (CcfGroup c : ccfGroups.values()) {
        refs.clear();
        collectRefs(c.distribution(), refs);
        c.factors().forEach(f -> collectRefs(f.value(), refs));
        requireParameters(refs, c.location(), "CCF group \"" + c.name() + "\"");
      }
    }

    private void requireParameters(List<String> refs, Location loc, String user) {
      for (String r : refs) {
        if (!parameters.containsKey(r)) {
          throw new MefException(loc, user + " references undefined parameter \"" + r + "\"");
        }
      }
    }

    private void checkGateCycles() {
      Map<String, List<String>> edges = new HashMap<>();
      for (Gate g : gates.values()) {
        List<String> out = new ArrayList<>();
        collectRefs(g.formula(), EventKind.GATE, out);
        edges.put(g.name(), out);
      }
      String cycle = findCycle(gates.keySet(), edges);
      if (cycle != null) {
        String first = cycle.substring(0, cycle.indexOf(' '));
        throw new MefException(gates.get(first).location(), "cycle through gates: " + cycle);
      }
    }

    private void checkParameterCycles() {
      Map<String, List<String>> edges = new HashMap<>();
      for (Parameter p : parameters.values()) {
        List<String> out = new ArrayList<>();
        collectRefs(p.expression(), out);
        edges.put(p.name(), out);
      }
      String cycle = findCycle(parameters.keySet(), edges);
      if (cycle != null) {
        String first = cycle.substring(0, cycle.indexOf(' '));
        throw new MefException(parameters.get(first).location(), "cycle through parameters: " + cycle);
      }
    }

    /** Iterative depth-first search; returns "a -> b -> a" for the first cycle found, or null. */
    private static String findCycle(Collection<String> nodes, Map<String, List<String>> edges) {
      Map<String, Integer> state = new HashMap<>(); // absent: new, 1: on stack, 2: done
      for (String start : nodes) {
        if (state.containsKey(start)) {
          continue;
        }
        Deque<String> path = new ArrayDeque<>();
        Deque<Integer> next = new ArrayDeque<>();
        path.push(start);
        next.push(0);
        state.put(start, 1);
        while (!path.isEmpty()) {
          String node = path.peek();
          int i = next.pop();
          List<String> out = edges.getOrDefault(node, List.of());
          if (i < out.size()) {
            next.push(i + 1);
            String child = out.get(i);
            Integer s = state.get(child);
            if (s == null) {
              state.put(child, 1);
              path.push(child);
              next.push(0);
            } else if (s == 1) {
              List<String> cyc = new ArrayList<>();
              for (String p : path) {
                cyc.add(0, p);
                if (p.equals(child)) {
                  break;
                }
              }
              cyc.add(child);
              return String.join(" -> ", cyc);
            }
          } else {
            state.put(node, 2);
            path.pop();
          }
        }
      }
      return null;
    }

    private static void checkProbability(double p, Location loc, String what) {
      if (!(p >= 0 && p <= 1)) {
        throw new MefException(loc, what + " must lie in [0, 1], but was " + p);
      }
    }

    private static void checkCcf(CcfGroup c, Expression.Environment env) {
      int n = c.members().size();
      if (n < 2) {
        throw new MefException(c.location(), "CCF group \"" + c.name() + "\" must have at least 2 members, but had " + n);
      }
      if (new HashSet<>(c.members()).size() != n) {
        throw new MefException(c.location(), "CCF group \"" + c.name() + "\" lists a member twice: " + c.members());
      }
      String distribution = "distribution of CCF group \"" + c.name() + "\"";
      checkProbability(valueOf(c.distribution(), env, c.location(), distribution), c.location(), distribution);
      List<CcfGroup.Factor> factors = c.factors();
      if (factors.isEmpty()) {
        throw new MefException(c.location(), "CCF group \"" + c.name() + "\" has no factors");
      }
      int minLevel = switch (c.model()) {
        case BETA_FACTOR -> n;
        case MGL -> 2;
        default -> 1;
      };
      if (c.model() == CcfModel.BETA_FACTOR && factors.size() != 1) {
        throw new MefException(c.location(), "beta-factor CCF group \"" + c.name() + "\" must have exactly 1 factor, but had "
            + factors.size());
      }
      double sum = 0;
      for (int i = 0; i < factors.size(); i++) {
        CcfGroup.Factor f = factors.get(i);
        if (f.level() != minLevel + i) {
          throw new MefException(c.location(), "CCF group \"" + c.name() + "\" (" + c.model().xmlName()
              + ") expects factor level " + (minLevel + i) + ", but was " + f.level());
        }
        if (f.level() > n) {
          throw new MefException(c.location(), "CCF group \"" + c.name() + "\" factor level " + f.level()
              + " exceeds its " + n + " members");
        }
        String factor = "factor of level " + f.level() + " of CCF group \"" + c.name() + "\"";
        double v = valueOf(f.value(), env, c.location(), factor);
        checkProbability(v, c.location(), factor);
        sum += v;
      }
      if (c.model() == CcfModel.PHI_FACTOR && Math.abs(sum - 1) > 1e-4) {
        throw new MefException(c.location(), "phi-factor CCF group \"" + c.name() + "\" factors must sum to 1, but sum to "
            + sum);
      }
      if (c.model() == CcfModel.ALPHA_FACTOR && sum <= 0) {
        throw new MefException(c.location(), "alpha-factor CCF group \"" + c.name() + "\" factors must not all be 0");
      }
    }
  }
}
