package dev.faultline.diagnosis.fta.internal;

import dev.faultline.diagnosis.fta.BasicEvent;
import dev.faultline.diagnosis.fta.CcfGroup;
import dev.faultline.diagnosis.fta.Expression;
import dev.faultline.diagnosis.fta.FaultTreeModel;
import dev.faultline.diagnosis.fta.Formula;
import dev.faultline.diagnosis.fta.Gate;
import dev.faultline.diagnosis.fta.MefException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The compiled Boolean graph of one top event: variables (basic events, CCF events expanded) and normalised gates
 * (AND, OR, ATLEAST, XOR) whose arguments are signed node ids (negative: negated). House events and constants are
 * propagated away, NAND/NOR/IFF/IMPLY/CARDINALITY/NOT/pass-through are rewritten. Immutable after
 * {@link #compile}; not thread-safe while compiling.
 */
public final class Pdag {
  /** Node kind of a variable. */
  public static final int VAR = 0;
  /** Conjunction. */
  public static final int AND = 1;
  /** Disjunction. */
  public static final int OR = 2;
  /** At least k of the arguments. */
  public static final int ATLEAST = 3;
  /** Odd parity of the arguments. */
  public static final int XOR = 4;
  /** The literal standing for constant true during compilation and as a root. */
  public static final int TRUE = Integer.MAX_VALUE;
  /** The literal standing for constant false. */
  public static final int FALSE = Integer.MIN_VALUE;

  int[] kind = new int[64];
  int[][] args = new int[64][];
  int[] k = new int[64];
  int[] varIndex = new int[64];
  int nodes = 0;
  final List<String> varNames = new ArrayList<>();
  final List<Double> varProbs = new ArrayList<>();
  int root;

  private final FaultTreeModel model;
  private final Expression.Environment env;
  private final Map<String, Integer> gateMemo = new HashMap<>();
  private final Map<String, Integer> varMemo = new HashMap<>();
  private final Map<String, Integer> ccfMemberMemo = new HashMap<>();
  private final Map<String, Map<String, Double>> ccfEvents = new HashMap<>();
  private final Map<String, List<String>> ccfEventMembers = new HashMap<>();

  private final Cancellation cancellation;

  private Pdag(FaultTreeModel model, double missionTime, Cancellation cancellation) {
    this.cancellation = cancellation;
    this.model = model;
    this.env = model.environment(missionTime);
  }

  /** Compiles the named gate of the model at the given mission time. */
  public static Pdag compile(FaultTreeModel model, String top, double missionTime) {
    return compile(model, top, missionTime, Cancellation.never());
  }

  /**
   * Compiles the named gate as {@link #compile(FaultTreeModel, String, double)} does, ticking {@code cancellation} at
   * every formula and CCF event.
   *
   * @throws Cancellation.Stopped when the cancellation stops the compilation
   */
  public static Pdag compile(FaultTreeModel model, String top, double missionTime, Cancellation cancellation) {
    Pdag p = new Pdag(model, missionTime, cancellation);
    p.root = p.gate(top);
    return p;
  }

  /** The root literal, or {@link #TRUE} / {@link #FALSE}. */
  public int root() {
    return root;
  }

  /** The number of nodes; ids run from 1. */
  public int nodeCount() {
    return nodes;
  }

  /** The kind of a node. */
  public int kind(int node) {
    return kind[node];
  }

  /** The signed arguments of a gate node. */
  public int[] args(int node) {
    return args[node];
  }

  /** The k of an ATLEAST node. */
  public int atleast(int node) {
    return k[node];
  }

  /** The basic-event index of a variable node. */
  public int varIndex(int node) {
    return varIndex[node];
  }

  /** The basic-event names, by index. */
  public List<String> varNames() {
    return varNames;
  }

  /** The basic-event probabilities, by index. */
  public double[] varProbs() {
    double[] p = new double[varProbs.size()];
    for (int i = 0; i < p.length; i++) {
      p[i] = varProbs.get(i);
    }
    return p;
  }

  private int newNode(int kd, int[] a, int kk) {
    int n = ++nodes;
    if (n == kind.length) {
      int c = kind.length * 2;
      kind = Arrays.copyOf(kind, c);
      args = Arrays.copyOf(args, c);
      k = Arrays.copyOf(k, c);
      varIndex = Arrays.copyOf(varIndex, c);
    }
    kind[n] = kd;
    args[n] = a;
    k[n] = kk;
    return n;
  }

  private int variable(String name, double probability) {
    Integer n = varMemo.get(name);
    if (n == null) {
      n = newNode(VAR, null, 0);
      varIndex[n] = varNames.size();
      varNames.add(name);
      varProbs.add(probability);
      varMemo.put(name, n);
    }
    return n;
  }

  private int gate(String name) {
    Integer lit = gateMemo.get(name);
    if (lit != null) {
      return lit;
    }
    Gate g = model.gates().get(name);
    if (g == null) {
      throw new MefException(null, "no gate named \"" + name + "\"");
    }
    int r = formula(g.formula());
    gateMemo.put(name, r);
    return r;
  }

  private int basic(String name) {
    CcfGroup group = model.ccfGroupOf(name);
    if (group != null) {
      return ccfMember(group, name);
    }
    Integer n = varMemo.get(name);
    if (n != null) {
      return n;
    }
    BasicEvent e = model.basicEvents().get(name);
    if (e.expression() == null) {
      throw new MefException(e.location(), "basic event \"" + name + "\" has no probability expression");
    }
    double p = valueOf(e.expression(), e.location(), "probability of basic event \"" + name + "\"");
    if (!(p >= 0 && p <= 1)) {
      throw new MefException(e.location(), "probability of basic event \"" + name
          + "\" must lie in [0, 1], but was " + p + " at mission time " + env.missionTime());
    }
    return variable(name, p);
  }

  private int formula(Formula f) {
    cancellation.tick();
    if (f instanceof Formula.Constant c) {
      return c.value() ? TRUE : FALSE;
    }
    if (f instanceof Formula.Ref r) {
      return switch (r.kind()) {
        case GATE -> gate(r.name());
        case BASIC_EVENT -> basic(r.name());
        case HOUSE_EVENT -> model.houseEvents().get(r.name()).state() ? TRUE : FALSE;
      };
    }
    Formula.Operation op = (Formula.Operation) f;
    int[] a = new int[op.args().size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = formula(op.args().get(i));
    }
    return switch (op.connective()) {
      case AND -> and(a);
      case OR -> or(a);
      case NOT -> not(a[0]);
      case NAND -> not(and(a));
      case NOR -> not(or(a));
      case XOR -> xor(a);
      case IFF -> not(xor(a));
      case IMPLY -> or(new int[] {not(a[0]), a[1]});
      case ATLEAST -> atleast(op.min(), a);
      case CARDINALITY -> and(new int[] {atleast(op.min(), a), not(atleast(op.max() + 1, a))});
    };
  }

  static int not(int lit) {
    if (lit == TRUE) {
      return FALSE;
    }
    if (lit == FALSE) {
      return TRUE;
    }
    return -lit;
  }

  private int and(int[] a) {
    Set<Integer> set = new LinkedHashSet<>();
    for (int x : a) {
      if (x == FALSE || set.contains(-x)) {
        return FALSE;
      }
      if (x != TRUE) {
        set.add(x);
      }
    }
    if (set.isEmpty()) {
      return TRUE;
    }
    if (set.size() == 1) {
      return set.iterator().next();
    }
    return newNode(AND, set.stream().mapToInt(Integer::intValue).toArray(), 0);
  }

  private int or(int[] a) {
    int[] n = new int[a.length];
    for (int i = 0; i < a.length; i++) {
      n[i] = not(a[i]);
    }
    return not(and(n));
  }

  private int xor(int[] a) {
    boolean flip = false;
    List<Integer> rest = new ArrayList<>();
    for (int x : a) {
      if (x == TRUE) {
        flip = !flip;
      } else if (x != FALSE) {
        rest.add(x);
      }
    }
    int r;
    if (rest.isEmpty()) {
      r = FALSE;
    } else if (rest.size() == 1) {
      r = rest.get(0);
    } else {
      r = newNode(XOR, rest.stream().mapToInt(Integer::intValue).toArray(), 0);
    }
    return flip ? not(r) : r;
  }

  private int atleast(int min, int[] a) {
    List<Integer> rest = new ArrayList<>();
    for (int x : a) {
      if (x == TRUE) {
        min--;
      } else if (x != FALSE) {
        rest.add(x);
      }
    }
    if (min <= 0) {
      return TRUE;
    }
    if (min > rest.size()) {
      return FALSE;
    }
    int[] r = rest.stream().mapToInt(Integer::intValue).toArray();
    if (min == 1) {
      return or(r);
    }
    if (min == r.length) {
      return and(r);
    }
    return newNode(ATLEAST, r, min);
  }

  // ------------------------------------------------------------------------------------------------------------
  // Common-cause failure groups: each member becomes an OR of the CCF events that include it.

  private int ccfMember(CcfGroup group, String member) {
    Integer lit = ccfMemberMemo.get(member);
    if (lit != null) {
      return lit;
    }
    Map<String, Double> events = ccfEvents.computeIfAbsent(group.name(), n -> ccfEvents(group));
    List<Integer> parts = new ArrayList<>();
    for (Map.Entry<String, Double> e : events.entrySet()) {
      cancellation.tick();
      if (ccfEventMembers.get(e.getKey()).contains(member)) {
        parts.add(variable(e.getKey(), e.getValue()));
      }
    }
    int r = or(parts.stream().mapToInt(Integer::intValue).toArray());
    ccfMemberMemo.put(member, r);
    return r;
  }

  /** The CCF events of a group with their probabilities, named "[A B]" in member order, as SCRAM names them. */
  private Map<String, Double> ccfEvents(CcfGroup group) {
    List<String> members = group.members();
    int n = members.size();
    double q = valueOf(group.distribution(), group.location(), "distribution of CCF group \"" + group.name() + "\"");
    double[] f = new double[group.factors().size()];
    for (int i = 0; i < f.length; i++) {
      f[i] = valueOf(group.factors().get(i).value(), group.location(), "factor of level "
          + group.factors().get(i).level() + " of CCF group \"" + group.name() + "\"");
    }
    Map<Integer, Double> byLevel = new java.util.LinkedHashMap<>();
    switch (group.model()) {
      case BETA_FACTOR -> {
        byLevel.put(1, (1 - f[0]) * q);
        byLevel.put(n, f[0] * q);
      }
      case MGL -> {
        int max = f.length + 1;
        for (int i = 0; i < max; i++) {
          double p = q / choose(n - 1, i);
          for (int j = 0; j < i; j++) {
            p *= f[j];
          }
          if (i < max - 1) {
            p *= 1 - f[i];
          }
          byLevel.put(i + 1, p);
        }
      }
      case ALPHA_FACTOR -> {
        double sum = 0;
        for (int i = 0; i < f.length; i++) {
          sum += (i + 1) * f[i];
        }
        for (int i = 0; i < f.length; i++) {
          byLevel.put(i + 1, (i + 1) / choose(n - 1, i) * f[i] / sum * q);
        }
      }
      case PHI_FACTOR -> {
        for (int i = 0; i < f.length; i++) {
          byLevel.put(i + 1, f[i] * q);
        }
      }
    }
    double total = 0;
    for (int level : byLevel.keySet()) {
      total += choose(n, level);
    }
    if (total > 1_000_000) {
      throw new MefException(group.location(), "CCF group \"" + group.name() + "\" would expand into " + (long) total
          + " CCF events; at most 1000000 are supported");
    }
    Map<String, Double> out = new java.util.LinkedHashMap<>();
    for (Map.Entry<Integer, Double> e : byLevel.entrySet()) {
      double p = e.getValue();
      if (!(p >= 0 && p <= 1)) {
        throw new MefException(group.location(), "CCF group \"" + group.name() + "\" gives level " + e.getKey()
            + " the probability " + p + ", outside [0, 1]");
      }
      combinations(members, e.getKey(), 0, new ArrayList<>(), chosen -> {
        cancellation.tick();
        String name = "[" + String.join(" ", chosen) + "]";
        out.put(name, p);
        ccfEventMembers.put(name, List.copyOf(chosen));
      });
    }
    return out;
  }

  /** The value of an expression at the analysed mission time; not a finite number is an error naming the element. */
  private double valueOf(Expression e, dev.faultline.diagnosis.fta.Location where, String what) {
    try {
      return e.value(env);
    } catch (ArithmeticException x) {
      throw new MefException(where, what + " at mission time " + env.missionTime() + ": " + x.getMessage(), x);
    }
  }

  private static void combinations(List<String> members, int size, int from, List<String> chosen,
      java.util.function.Consumer<List<String>> sink) {
    if (chosen.size() == size) {
      sink.accept(chosen);
      return;
    }
    for (int i = from; i <= members.size() - (size - chosen.size()); i++) {
      chosen.add(members.get(i));
      combinations(members, size, i + 1, chosen, sink);
      chosen.remove(chosen.size() - 1);
    }
  }

  private static double choose(int n, int r) {
    double c = 1;
    for (int i = 1; i <= r; i++) {
      c = c * (n - r + i) / i;
    }
    return c;
  }
}
