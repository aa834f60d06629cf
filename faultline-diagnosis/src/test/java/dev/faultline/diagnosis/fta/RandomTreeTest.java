package dev.faultline.diagnosis.fta;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Random trees of up to 20 basic events, every connective, shared gates and house events, against brute force over
 * all 2^n states: exact probability, the minimal cut sets of the monotone part (minimal failed sets making the top
 * true with every other event working), their count and order distribution, rare-event and MCUB sums, Birnbaum
 * importance, occurrences and live evaluation. Seeded; {@code -Dfaultline.heavy=true} runs ten times as many.
 */
class RandomTreeTest {
  private static final Connective[] CONNECTIVES = Connective.values();

  @Test
  void matchesBruteForce() {
    int trees = SharedData.heavy() ? 3000 : 300;
    Random seeds = new Random(20240601L);
    for (int t = 0; t < trees; t++) {
      long seed = seeds.nextLong();
      check(seed, new Random(seed));
    }
  }

  /**
   * A listing bounded by an order limit or a cut-off is the unbounded listing filtered, on random trees with nested
   * modules: the bounds prune inside module families that the enumeration walks in place of their module step.
   */
  @Test
  void boundedListingsAreTheUnboundedOneFiltered() {
    Random seeds = new Random(777L);
    for (int t = 0; t < 300; t++) {
      long seed = seeds.nextLong();
      Random rnd = new Random(seed);
      FaultTreeModel model = randomModel(rnd, 14, false);
      List<CutSet> all = FaultTreeAnalysis.builder(model).top("g0").build().run().cutSets().toList();
      int limit = 1 + rnd.nextInt(4);
      double cutOff = rnd.nextBoolean() ? 0 : Math.pow(10, -1 - 3 * rnd.nextDouble());
      Set<List<String>> expected = new HashSet<>();
      for (CutSet c : all) {
        if (c.events().size() <= limit && c.probability() >= cutOff) {
          expected.add(c.events());
        }
      }
      List<CutSet> bounded = FaultTreeAnalysis.builder(model).top("g0").limitOrder(limit).cutOff(cutOff).build()
          .run().cutSets().toList();
      Set<List<String>> got = new HashSet<>();
      bounded.forEach(c -> got.add(c.events()));
      assertEquals(bounded.size(), got.size(), "seed " + seed + ": a set listed twice");
      assertEquals(expected, got, "seed " + seed + " (limit " + limit + ", cut-off " + cutOff + ")");
    }
  }

  /**
   * Trees whose every gate is a module, so that products of modules nest in each other (a product's module walks
   * products of its own, one iterator nested in another), against brute force: their cut sets, unbounded and bounded.
   */
  @Test
  void nestedProductsOfModulesMatchBruteForce() {
    Random seeds = new Random(5150L);
    for (int t = 0; t < 150; t++) {
      long seed = seeds.nextLong();
      Random rnd = new Random(seed);
      // Coherent: with a negated module the monotone part is mostly the empty set alone (the top holds when all work).
      FaultTreeModel model = modularModel(rnd, 16, true);
      assertMatchesBruteForce(model, seed, rnd);
      List<CutSet> all = FaultTreeAnalysis.builder(model).top("g0").build().run().cutSets().toList();
      int limit = 1 + rnd.nextInt(6);
      double cutOff = rnd.nextBoolean() ? 0 : Math.pow(10, -1 - 5 * rnd.nextDouble());
      List<List<String>> expected = all.stream()
          .filter(c -> c.events().size() <= limit && c.probability() >= cutOff).map(CutSet::events).toList();
      List<List<String>> bounded = FaultTreeAnalysis.builder(model).top("g0").limitOrder(limit).cutOff(cutOff).build()
          .run().cutSets().map(CutSet::events).toList();
      // Not only the same sets: the bounds prune the unbounded listing without reordering it.
      assertEquals(expected, bounded, "seed " + seed + " (limit " + limit + ", cut-off " + cutOff + ")");
    }
  }

  /**
   * A random tree over basic events e0 .. e(n-1), n above a third of {@code maxEvents} and at most it, whose gates
   * g0 (the top) .. g(k-1) each have their own events and sub-gates, used once: every gate is a module. AND, OR and
   * 2-out-of-3 gates nest up to five deep; when not {@code coherent}, some arguments are negated.
   */
  static FaultTreeModel modularModel(Random rnd, int maxEvents, boolean coherent) {
    while (true) {
      FaultTreeModel.Builder b = FaultTreeModel.builder();
      List<Gate> gates = new ArrayList<>();
      int[] events = new int[1];
      gates.add(null);
      gates.set(0, Gate.of("g0", modularFormula(rnd, b, gates, events, coherent, 0)));
      if (events[0] > maxEvents / 3 && events[0] <= maxEvents) {
        b.addFaultTree(new FaultTree("modular", gates, List.of()));
        return b.build();
      }
    }
  }

  private static Formula modularFormula(Random rnd, FaultTreeModel.Builder b, List<Gate> gates, int[] events,
      boolean coherent, int depth) {
    int arity = rnd.nextInt(3) == 0 ? 3 : 2;
    Formula[] args = new Formula[arity];
    for (int i = 0; i < arity; i++) {
      Formula arg;
      if (depth < 5 && rnd.nextInt(5) < (depth < 2 ? 4 : 3)) {
        int g = gates.size();
        gates.add(null);
        gates.set(g, Gate.of("g" + g, modularFormula(rnd, b, gates, events, coherent, depth + 1)));
        arg = Formula.gate("g" + g);
      } else {
        int e = events[0]++;
        double p = rnd.nextInt(4) == 0 ? 0.5 : 0.001 + 0.3 * rnd.nextDouble();
        b.addBasicEvent(BasicEvent.of("e" + e, p));
        arg = Formula.basic("e" + e);
      }
      args[i] = !coherent && rnd.nextInt(6) == 0 ? Formula.Operation.of(Connective.NOT, arg) : arg;
    }
    int k = rnd.nextInt(3);
    return arity == 3 && k == 2 ? new Formula.Operation(Connective.ATLEAST, List.of(args), 2, 0)
        : Formula.Operation.of(k == 0 ? Connective.AND : Connective.OR, args);
  }

  /** A random model with gates g0 (the top) .. g(k-1), basic events e0 .. e(n-1) and house events hOn, hOff. */
  static FaultTreeModel randomModel(Random rnd, int maxEvents, boolean scramCompatible) {
    int n = 2 + rnd.nextInt(rnd.nextInt(4) == 0 ? maxEvents - 1 : Math.min(10, maxEvents - 1));
    int gates = 1 + rnd.nextInt(12);
    boolean coherent = rnd.nextBoolean();
    FaultTreeModel.Builder b = FaultTreeModel.builder();
    for (int i = 0; i < n; i++) {
      double p = rnd.nextInt(5) == 0 ? 0.001 + 0.998 * rnd.nextDouble() : 0.001 + 0.2 * rnd.nextDouble();
      b.addBasicEvent(BasicEvent.of("e" + i, p));
    }
    b.addHouseEvent(HouseEvent.of("hOn", true));
    b.addHouseEvent(HouseEvent.of("hOff", false));
    List<Gate> gs = new ArrayList<>();
    for (int g = gates - 1; g >= 0; g--) {
      gs.add(0, Gate.of("g" + g, randomFormula(rnd, g, gates, n, coherent, scramCompatible, 0)));
    }
    b.addFaultTree(new FaultTree("random", gs, List.of()));
    return b.build();
  }

  private static void check(long seed, Random rnd) {
    assertMatchesBruteForce(randomModel(rnd, 20, false), seed, rnd);
  }

  /** Analyses g0 of a model over e0 .. e(n-1) and compares everything with brute force over all 2^n states. */
  static void assertMatchesBruteForce(FaultTreeModel generated, long seed, Random rnd) {
    FaultTreeModel model = generated;
    int n = model.basicEvents().size();
    int gates = model.gates().size();
    double[] p = new double[n];
    for (int i = 0; i < n; i++) {
      p[i] = ((Expression.Constant) model.basicEvents().get("e" + i).expression()).value();
    }
    // Round-trip through the writer and reader too.
    model = MefReader.parse("random-" + seed + ".xml", MefWriter.toXml(model));
    FaultTreeModel[] modelForMessage = {model};
    FaultTreeResult r = FaultTreeAnalysis.builder(model).top("g0").build().run();

    String ctx = "seed " + seed + " (n=" + n + ", gates=" + gates + ")";
    int states = 1 << n;
    int words = Math.max(1, states >>> 6);
    Map<String, long[]> memo = new HashMap<>();
    long[] top = evalGate("g0", model, n, words, memo);
    double[] stateP = new double[states];
    stateP[0] = 1;
    for (int i = 0; i < n; i++) {
      int half = 1 << i;
      for (int s = 0; s < half; s++) {
        stateP[s | half] = stateP[s] * p[i];
        stateP[s] = stateP[s] * (1 - p[i]);
      }
    }
    double exact = 0;
    for (int s = 0; s < states; s++) {
      if (bit(top, s)) {
        exact += stateP[s];
      }
    }
    assertEquals(exact, r.probability(), 1e-12, ctx + ": probability");

    // Brute-force minimal cut sets: the minimal sets T with F(T) true. With the monotone hull
    // G(T) = "F(S) for some S within T" (a subset DP), T is minimal exactly when G(T) and no G(T - i) holds.
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < n; i++) {
      index.put("e" + i, i);
    }
    boolean[] hull = new boolean[states];
    for (int s = 0; s < states; s++) {
      hull[s] = bit(top, s);
    }
    for (int i = 0; i < n; i++) {
      for (int s = 0; s < states; s++) {
        if ((s & (1 << i)) != 0 && hull[s & ~(1 << i)]) {
          hull[s] = true;
        }
      }
    }
    Set<Integer> minimal = new HashSet<>();
    for (int s = 0; s < states; s++) {
      if (!hull[s]) {
        continue;
      }
      boolean min = true;
      for (int i = 0; i < n && min; i++) {
        if ((s & (1 << i)) != 0 && hull[s & ~(1 << i)]) {
          min = false;
        }
      }
      if (min) {
        minimal.add(s);
      }
    }
    Set<Integer> ours = new HashSet<>();
    r.cutSets().forEach(c -> {
      int mask = 0;
      for (String e : c.events()) {
        mask |= 1 << index.get(e);
      }
      ours.add(mask);
    });
    assertEquals(minimal, ours, () -> ctx + ": cut sets\n" + MefWriter.toXml(modelForMessage[0]));
    assertEquals(BigInteger.valueOf(minimal.size()), r.cutSetCount(), ctx + ": count");
    List<BigInteger> dist = new ArrayList<>();
    double rare = 0;
    double keep = 1;
    for (int s : minimal) {
      int order = Integer.bitCount(s);
      while (dist.size() < Math.max(order, 1)) {
        dist.add(BigInteger.ZERO);
      }
      if (order > 0) {
        dist.set(order - 1, dist.get(order - 1).add(BigInteger.ONE));
      }
      double ps = 1;
      for (int i = 0; i < n; i++) {
        if ((s & (1 << i)) != 0) {
          ps *= p[i];
        }
      }
      rare += ps;
      keep *= 1 - ps;
    }
    while (!dist.isEmpty() && dist.get(dist.size() - 1).signum() == 0) {
      dist.remove(dist.size() - 1);
    }
    assertEquals(dist, r.orderDistribution(), ctx + ": order distribution");
    assertEquals(Math.min(1, rare), r.rareEvent(), 1e-12, ctx + ": rare event");
    assertEquals(1 - keep, r.mcub(), 1e-12, ctx + ": MCUB");

    // Birnbaum importance and occurrences.
    for (Importance imp : r.importance()) {
      int i = index.get(imp.event());
      double on = 0;
      double off = 0;
      for (int s = 0; s < states; s++) {
        if ((s & (1 << i)) == 0) {
          double w = stateP[s] / (1 - p[i]);
          on += bit(top, s | (1 << i)) ? w : 0;
          off += bit(top, s) ? w : 0;
        }
      }
      assertEquals(on - off, imp.mif(), 1e-9, ctx + ": MIF of " + imp.event());
      long occ = minimal.stream().filter(s -> (s & (1 << i)) != 0).count();
      assertEquals(BigInteger.valueOf(occ), imp.occurrence(), ctx + ": occurrences of " + imp.event());
    }

    // Live evaluation against a random failed set.
    int failed = rnd.nextInt(states);
    List<String> failedNames = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if ((failed & (1 << i)) != 0) {
        failedNames.add("e" + i);
      }
    }
    LiveEvaluation live = r.evaluate(failedNames, 5);
    assertEquals(bit(top, failed), live.topFailed(), ctx + ": top failed");
    long complete = minimal.stream().filter(s -> (s & ~failed) == 0).count();
    long oneAway = minimal.stream().filter(s -> Integer.bitCount(s & ~failed) == 1).count();
    assertEquals(BigInteger.valueOf(complete), live.completeCount(), ctx + ": complete");
    assertEquals(BigInteger.valueOf(oneAway), live.oneAwayCount(), ctx + ": one away");
    assertEquals(Math.min(5, complete), live.complete().size(), ctx + ": complete listed");
    for (String g : memo.keySet()) {
      assertEquals(bit(memo.get(g), failed), live.failedGates().contains(g), ctx + ": gate " + g);
    }
  }

  /**
   * A random formula for gate g. SCRAM 0.16.2 is stricter than the MEF: no duplicate arguments, atleast with
   * 2 <= min < n, binary xor, and no cardinality, iff or imply; {@code scram} keeps to that.
   */
  private static Formula randomFormula(Random rnd, int g, int gates, int n, boolean coherent, boolean scram,
      int depth) {
    Connective c;
    if (coherent) {
      int k = rnd.nextInt(3);
      c = k == 0 ? Connective.AND : k == 1 ? Connective.OR : Connective.ATLEAST;
    } else {
      c = CONNECTIVES[rnd.nextInt(CONNECTIVES.length)];
    }
    if (scram && (c == Connective.CARDINALITY || c == Connective.IFF || c == Connective.IMPLY)) {
      c = c == Connective.IMPLY ? Connective.OR : Connective.AND;
    }
    int arity = switch (c) {
      case NOT -> 1;
      case IFF, IMPLY -> 2;
      case XOR -> scram ? 2 : 2 + rnd.nextInt(4);
      default -> 2 + rnd.nextInt(4);
    };
    List<Formula> args = new ArrayList<>();
    while (args.size() < arity) {
      int pick = rnd.nextInt(10);
      if (pick < 3 && g + 1 < gates) {
        int child = g + 1 + rnd.nextInt(gates - g - 1);
        args.add(Formula.gate("g" + child));
      } else if (pick == 3 && depth < 2) {
        args.add(randomFormula(rnd, g, gates, n, coherent, scram, depth + 1));
      } else if (pick == 4 && rnd.nextInt(4) == 0) {
        args.add(Formula.house(rnd.nextBoolean() ? "hOn" : "hOff"));
      } else {
        args.add(Formula.basic("e" + rnd.nextInt(n)));
      }
      if (scram && args.indexOf(args.get(args.size() - 1)) != args.size() - 1) {
        args.remove(args.size() - 1);
        if (args.size() + 1 >= n + gates - g) {
          arity = args.size();
        }
      }
    }
    if (args.isEmpty()) {
      args.add(Formula.basic("e0"));
    }
    if (scram && (c == Connective.AND || c == Connective.OR || c == Connective.NAND || c == Connective.NOR
        || c == Connective.XOR || c == Connective.ATLEAST) && args.size() < 2) {
      return args.get(0);
    }
    if (scram && c == Connective.ATLEAST && args.size() < 3) {
      c = Connective.OR;
    }
    if (scram && (c == Connective.IFF || c == Connective.IMPLY) && args.size() != 2) {
      return args.get(0);
    }
    if (!coherent && rnd.nextInt(12) == 0) {
      return args.get(0); // a pass-through
    }
    int min = 0;
    int max = 0;
    arity = args.size();
    if (c == Connective.ATLEAST) {
      min = scram ? 2 + rnd.nextInt(arity - 2) : 1 + rnd.nextInt(arity);
    } else if (c == Connective.CARDINALITY) {
      min = rnd.nextInt(arity + 1);
      max = min + rnd.nextInt(arity - min + 1);
    }
    return new Formula.Operation(c, args, min, max);
  }

  static boolean bit(long[] set, int s) {
    return (set[s >>> 6] & (1L << (s & 63))) != 0;
  }

  static long[] evalGate(String name, FaultTreeModel m, int n, int words, Map<String, long[]> memo) {
    long[] v = memo.get(name);
    if (v == null) {
      v = eval(m.gates().get(name).formula(), m, n, words, memo);
      memo.put(name, v);
    }
    return v;
  }

  private static long[] eval(Formula f, FaultTreeModel m, int n, int words, Map<String, long[]> memo) {
    long mask = n >= 6 ? -1L : (1L << (1 << n)) - 1;
    if (f instanceof Formula.Constant c) {
      return fill(words, c.value() ? mask : 0);
    }
    if (f instanceof Formula.Ref r) {
      switch (r.kind()) {
        case GATE:
          return evalGate(r.name(), m, n, words, memo);
        case HOUSE_EVENT:
          return fill(words, m.houseEvents().get(r.name()).state() ? mask : 0);
        default:
          int i = Integer.parseInt(r.name().substring(1));
          long[] out = new long[words];
          for (int s = 0; s < (1 << n); s++) {
            if ((s & (1 << i)) != 0) {
              out[s >>> 6] |= 1L << (s & 63);
            }
          }
          return out;
      }
    }
    Formula.Operation op = (Formula.Operation) f;
    List<long[]> a = new ArrayList<>();
    for (Formula x : op.args()) {
      a.add(eval(x, m, n, words, memo));
    }
    int k = switch (op.connective()) {
      case AND -> a.size();
      case NAND -> a.size();
      case ATLEAST, CARDINALITY -> op.min();
      default -> 1;
    };
    long[][] atLeast = countAtLeast(a, Math.max(k, op.max() + 1), words, mask);
    long[] out = new long[words];
    for (int w = 0; w < words; w++) {
      long parity = 0;
      for (long[] x : a) {
        parity ^= x[w];
      }
      long r = switch (op.connective()) {
        case AND, ATLEAST -> atLeast[k][w];
        case OR -> atLeast[1][w];
        case NOT, NOR -> ~atLeast[1][w];
        case NAND -> ~atLeast[a.size()][w];
        case XOR -> parity;
        case IFF -> ~parity;
        case IMPLY -> ~a.get(0)[w] | a.get(1)[w];
        case CARDINALITY -> atLeast[op.min()][w] & ~atLeast[op.max() + 1][w];
      };
      out[w] = r & mask;
    }
    return out;
  }

  /** atLeast[j] = the states where at least j arguments are true, for j up to max. */
  private static long[][] countAtLeast(List<long[]> args, int max, int words, long mask) {
    long[][] f = new long[max + 1][words];
    f[0] = fill(words, mask);
    for (long[] a : args) {
      for (int j = max; j >= 1; j--) {
        for (int w = 0; w < words; w++) {
          f[j][w] |= f[j - 1][w] & a[w];
        }
      }
    }
    return f;
  }

  private static long[] fill(int words, long v) {
    long[] out = new long[words];
    java.util.Arrays.fill(out, v);
    return out;
  }
}
