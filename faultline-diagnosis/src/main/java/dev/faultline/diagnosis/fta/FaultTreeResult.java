package dev.faultline.diagnosis.fta;

import dev.faultline.diagnosis.fta.internal.Cancellation;
import dev.faultline.diagnosis.fta.internal.Engine;
import dev.faultline.diagnosis.fta.internal.Family;
import dev.faultline.diagnosis.fta.internal.Pdag;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * The result of a {@link FaultTreeAnalysis}. The probability, the cut-set count, the order distribution and the
 * approximations are computed when the analysis runs; cut sets are enumerated lazily by {@link #cutSets()};
 * importance and live evaluation are computed on request. All reported cut-set figures respect the order limit and
 * the probability cut-off.
 *
 * <p>When the analysis was asked for prime implicants ({@link FaultTreeAnalysis.Builder#primeImplicants}), the
 * products counted, summed and enumerated are the prime implicants instead: {@link #cutSetCount()},
 * {@link #orderDistribution()} (orders in literals), {@link #rareEvent()} and {@link #mcub()} (a working event
 * contributing {@code 1 - p}) are theirs, {@link #primeImplicants()} lists them, and {@link #cutSets()},
 * {@link #cutSetIndices()} and {@link #evaluate} are not available.
 *
 * <p>Thread-safe: the diagrams are read-only once built.
 */
public final class FaultTreeResult {
  private final FaultTreeModel model;
  private final String top;
  private final Engine engine;
  private final Family family;
  private final List<String> names;
  private final double[] p;
  /** The probability of each item of the family: basic events, or literals (2 i failed, 2 i + 1 working). */
  private final double[] itemP;
  private final boolean prime;
  private final int limitOrder;
  private final double cutOff;
  private final double probability;
  private final BigInteger count;
  private final List<BigInteger> distribution;
  private final double rareEvent;
  private final double mcub;

  /**
   * The figures of a finished engine; the enumerations (a cut-off, the MCUB's power sums) tick {@code cancellation},
   * which is used only while this constructor runs.
   */
  FaultTreeResult(FaultTreeModel model, String top, Pdag pdag, Engine engine, int limitOrder, double cutOff,
      Consumer<String> progress, Cancellation cancellation) {
    this.model = model;
    this.top = top;
    this.engine = engine;
    this.family = engine.family();
    this.names = List.copyOf(pdag.varNames());
    this.p = engine.basicProbabilities();
    this.prime = engine.primeImplicants();
    this.itemP = family.itemProbabilities();
    rankNames();
    this.limitOrder = limitOrder;
    this.cutOff = cutOff;
    this.probability = engine.probability();
    BigInteger[] dist;
    double re;
    if (cutOff > 0) {
      progress.accept("enumerating " + products() + " above the cut-off " + cutOff);
      List<BigInteger> d = new ArrayList<>();
      double[] sums = {0};
      forEachSet(s -> {
        cancellation.tick();
        while (d.size() <= s.length) {
          d.add(BigInteger.ZERO);
        }
        d.set(s.length, d.get(s.length).add(BigInteger.ONE));
        sums[0] += product(s);
      });
      dist = d.toArray(new BigInteger[0]);
      re = sums[0];
    } else {
      dist = family.orderDistribution(limitOrder == Integer.MAX_VALUE ? p.length : limitOrder);
      re = limitOrder == Integer.MAX_VALUE ? family.weightedSum(itemP)
          : sum(family.weightedSumByOrder(itemP, limitOrder));
    }
    BigInteger total = BigInteger.ZERO;
    List<BigInteger> byOrder = new ArrayList<>();
    for (int i = 1; i < dist.length; i++) {
      byOrder.add(dist[i]);
    }
    for (BigInteger b : dist) {
      total = total.add(b);
    }
    while (!byOrder.isEmpty() && byOrder.get(byOrder.size() - 1).signum() == 0) {
      byOrder.remove(byOrder.size() - 1);
    }
    this.count = total;
    this.distribution = List.copyOf(byOrder);
    this.rareEvent = Math.min(1, re);
    progress.accept("counted " + total + " " + products());
    this.mcub = computeMcub(cancellation);
  }

  private String products() {
    return prime ? "prime implicants" : "minimal cut sets";
  }

  private static double sum(double[] a) {
    double s = 0;
    for (double x : a) {
      s += x;
    }
    return s;
  }

  private double product(int[] set) {
    double r = 1;
    for (int i : set) {
      r *= itemP[i];
    }
    return r;
  }

  private void forEachSet(Consumer<int[]> sink) {
    int[] cost = new int[itemP.length];
    Iterator<int[]> it = family.iterator(cost, 0, limitOrder, cutOff);
    while (it.hasNext()) {
      sink.accept(it.next());
    }
  }

  /** {@code 1 - prod(1 - P(cut set))}, by power sums of the ZBDD: {@code log(1-x) = -sum x^k / k}. */
  private double computeMcub(Cancellation cancellation) {
    if (count.signum() == 0) {
      return 0;
    }
    double maxP = family.maxProduct(itemP);
    if (maxP >= 1) {
      return 1;
    }
    boolean enumerate = cutOff > 0 || (maxP > 0.9 && count.compareTo(BigInteger.valueOf(50_000_000)) <= 0);
    if (enumerate) {
      double[] log = {0};
      forEachSet(s -> {
        cancellation.tick();
        log[0] += Math.log1p(-product(s));
      });
      return -Math.expm1(log[0]);
    }
    double[] pk = itemP.clone();
    double total = 0;
    for (int k = 1; k <= 20_000; k++) {
      // Each power sum is a pass over the whole ZBDD: poll every time.
      cancellation.check();
      double s = limitOrder == Integer.MAX_VALUE ? family.weightedSum(pk) : sum(family.weightedSumByOrder(pk, limitOrder));
      double term = s / k;
      total += term;
      if (term <= 1e-17 * total) {
        break;
      }
      for (int i = 0; i < pk.length; i++) {
        pk[i] *= itemP[i];
      }
    }
    return -Math.expm1(-total);
  }

  /** The top gate. */
  public String top() {
    return top;
  }

  /** The basic events of the analysed tree (CCF groups expanded into their CCF events), in variable order. */
  public List<String> basicEvents() {
    return names;
  }

  /** The exact probability of the top event (BDD). */
  public double probability() {
    return probability;
  }

  /** Whether the products of this result are prime implicants (else minimal cut sets). */
  public boolean reportsPrimeImplicants() {
    return prime;
  }

  /** The rare-event approximation: the sum of the cut sets' probabilities, at most 1. */
  public double rareEvent() {
    return rareEvent;
  }

  /** The min-cut upper bound: {@code 1 - prod(1 - P(cut set))}. */
  public double mcub() {
    return mcub;
  }

  /** The number of minimal cut sets, or of prime implicants when they were asked for (within the limits). */
  public BigInteger cutSetCount() {
    return count;
  }

  /**
   * The number of minimal cut sets (or prime implicants) of order 1, 2, 3, ... (element 0 is order 1), up to the
   * highest order present.
   */
  public List<BigInteger> orderDistribution() {
    return distribution;
  }

  /** The number of BDD nodes built. */
  public int bddNodes() {
    return engine.bddSize();
  }

  /** The number of ZBDD nodes built. */
  public int zbddNodes() {
    return engine.zbddSize();
  }

  /** The number of independent modules found below the top. */
  public int modules() {
    return engine.moduleCount();
  }

  /**
   * The minimal cut sets as arrays of indices into {@link #basicEvents()}, each ordered by event name, enumerated
   * lazily: the fast path for listing millions of cut sets.
   *
   * @throws IllegalStateException if the analysis computed prime implicants
   */
  public Iterator<int[]> cutSetIndices() {
    requireCutSets();
    return sortedItems();
  }

  /**
   * The prime implicants as arrays of literals, each ordered by event name, enumerated lazily: {@code 2 i} stands for
   * basic event {@code i} of {@link #basicEvents()} failed, {@code 2 i + 1} for it working. The fast path for listing
   * many prime implicants.
   *
   * @throws IllegalStateException if the analysis did not compute prime implicants
   */
  public Iterator<int[]> primeImplicantLiterals() {
    requirePrimeImplicants();
    return sortedItems();
  }

  private void requireCutSets() {
    if (prime) {
      throw new IllegalStateException("this analysis of " + top + " computed prime implicants, not minimal cut sets:"
          + " use primeImplicants(), or build the analysis without primeImplicants(true)");
    }
  }

  private void requirePrimeImplicants() {
    if (!prime) {
      throw new IllegalStateException("this analysis of " + top + " computed minimal cut sets: build it with"
          + " FaultTreeAnalysis.Builder.primeImplicants(true) for prime implicants");
    }
  }

  /** The family's sets with their items ordered by event name (a literal's event is its item / 2). */
  private Iterator<int[]> sortedItems() {
    int[] cost = new int[itemP.length];
    int shift = prime ? 1 : 0;
    Iterator<int[]> it = family.iterator(cost, 0, limitOrder, cutOff);
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return it.hasNext();
      }

      @Override
      public int[] next() {
        int[] s = it.next();
        int[] r = new int[s.length];
        for (int i = 0; i < s.length; i++) {
          // Rank of the event, and the literal's sign below it: an event appears at most once in a product.
          int v = (rank[s[i] >> shift] << shift) | (s[i] & shift);
          int j = i;
          while (j > 0 && r[j - 1] > v) {
            r[j] = r[j - 1];
            j--;
          }
          r[j] = v;
        }
        for (int i = 0; i < r.length; i++) {
          r[i] = (byRank[r[i] >> shift] << shift) | (r[i] & shift);
        }
        return r;
      }
    };
  }

  /**
   * The probability of one literal of {@link #primeImplicantLiterals()}: {@code p} of its event if it is even,
   * {@code 1 - p} if it is odd.
   */
  public double literalProbability(int literal) {
    return (literal & 1) == 0 ? p[literal >> 1] : 1 - p[literal >> 1];
  }

  /**
   * The prime implicants, enumerated lazily (nothing is held in memory but the current path).
   *
   * @throws IllegalStateException if the analysis did not compute prime implicants
   */
  public Stream<PrimeImplicant> primeImplicants() {
    Iterator<int[]> it = primeImplicantLiterals();
    Iterator<PrimeImplicant> mapped = new Iterator<>() {
      @Override
      public boolean hasNext() {
        return it.hasNext();
      }

      @Override
      public PrimeImplicant next() {
        int[] s = it.next();
        List<Literal> literals = new ArrayList<>(s.length);
        double prob = 1;
        for (int x : s) {
          literals.add(new Literal(names.get(x >> 1), (x & 1) != 0));
          prob *= literalProbability(x);
        }
        return new PrimeImplicant(literals, prob);
      }
    };
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(mapped, Spliterator.ORDERED | Spliterator.NONNULL),
        false);
  }

  /** The probability of one basic event, by its index in {@link #basicEvents()}. */
  public double basicEventProbability(int index) {
    return p[index];
  }

  /**
   * The minimal cut sets, enumerated lazily (nothing is held in memory but the current path). The enumeration runs
   * on the caller's thread, a few frames deep on its stack however deep the tree: it walks the diagrams, chains of
   * nested gates and products of modules (a cut set made of sets of two modules or more, such as {@code m1 and g2}
   * with both modules, each module's sets listed by an iterator nested in the one that met the product) with stacks
   * of its own, on the heap. The same holds for the other enumerations of cut sets and prime implicants.
   *
   * @throws IllegalStateException if the analysis computed prime implicants
   */
  public Stream<CutSet> cutSets() {
    requireCutSets();
    int[] cost = new int[p.length];
    Iterator<int[]> it = family.iterator(cost, 0, limitOrder, cutOff);
    Iterator<CutSet> mapped = new Iterator<>() {
      @Override
      public boolean hasNext() {
        return it.hasNext();
      }

      @Override
      public CutSet next() {
        return cutSet(it.next());
      }
    };
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(mapped, Spliterator.ORDERED | Spliterator.NONNULL),
        false);
  }

  private CutSet cutSet(int[] s) {
    String[] events = new String[s.length];
    for (int i = 0; i < s.length; i++) {
      events[i] = names.get(s[i]);
    }
    Arrays.sort(events);
    return new CutSet(Arrays.asList(events), product(s));
  }

  private int[] rank;
  private int[] byRank;

  private void rankNames() {
    Integer[] order = new Integer[names.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> names.get(a).compareTo(names.get(b)));
    rank = new int[order.length];
    byRank = new int[order.length];
    for (int r = 0; r < order.length; r++) {
      rank[order[r]] = r;
      byRank[r] = order[r];
    }
  }

  /**
   * The importance of every basic event, in variable order. With prime implicants, an event's occurrence counts the
   * prime implicants holding it failed or working.
   */
  public List<Importance> importance() {
    double[] mif = FaultTreeAnalysis.onLargeStack(engine::birnbaum);
    BigInteger[] occ = new BigInteger[p.length];
    Arrays.fill(occ, BigInteger.ZERO);
    int shift = prime ? 1 : 0;
    if (limitOrder == Integer.MAX_VALUE && cutOff == 0) {
      BigInteger[] byItem = FaultTreeAnalysis.onLargeStack(family::occurrences);
      for (int item = 0; item < byItem.length; item++) {
        occ[item >> shift] = occ[item >> shift].add(byItem[item]);
      }
    } else {
      forEachSet(s -> {
        for (int item : s) {
          occ[item >> shift] = occ[item >> shift].add(BigInteger.ONE);
        }
      });
    }
    List<Importance> out = new ArrayList<>();
    double pt = probability;
    for (int i = 0; i < p.length; i++) {
      double m = mif[i];
      double pe = p[i];
      double given = pt + (1 - pe) * m;
      double without = pt - pe * m;
      // With P(top) = 0 both shares are 0 / 0: a share of a risk that is not there is undefined, not 0.
      out.add(new Importance(names.get(i), pe, occ[i], m, pt > 0 ? m * pe / pt : Double.NaN,
          pt > 0 ? pe * given / pt : Double.NaN, worth(given, pt), worth(pt, without)));
    }
    return out;
  }

  /**
   * A risk ratio {@code risk / base}: infinite when the base is 0 (or below it by round-off) and the risk is not, 1
   * when both are 0 (the event changes nothing).
   */
  private static double worth(double risk, double base) {
    if (base > 0) {
      return risk / base;
    }
    return risk > 0 ? Double.POSITIVE_INFINITY : 1;
  }

  /**
   * Evaluates the tree against the basic events failed now. A CCF member's name counts as its independent failure
   * (the CCF event {@code "[A]"}) for the cut sets, and fails the member in the gates.
   *
   * @param failed names of failed basic events (model basic events, CCF members or CCF events such as "[A B]")
   * @param maxListed how many complete and one-away cut sets to list (the counts are always exact)
   * @throws IllegalArgumentException naming an event that is not a basic event of this tree
   * @throws IllegalStateException if the analysis computed prime implicants (live evaluation reports cut sets)
   */
  public LiveEvaluation evaluate(Collection<String> failed, int maxListed) {
    requireCutSets();
    // The gates and the module families are walked recursively: on a large stack, as in the analysis, so that a tree
    // as deep as the analysis handles does not overflow the caller's stack.
    return FaultTreeAnalysis.onLargeStack(() -> evaluateHere(failed, maxListed));
  }

  private LiveEvaluation evaluateHere(Collection<String> failed, int maxListed) {
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < names.size(); i++) {
      index.put(names.get(i), i);
    }
    boolean[] isFailed = new boolean[p.length];
    Set<String> failedModelEvents = new HashSet<>();
    for (String f : failed) {
      Integer i = index.get(f);
      boolean known = false;
      if (i != null) {
        isFailed[i] = true;
        known = true;
      }
      if (model.isBasicEvent(f)) {
        failedModelEvents.add(f);
        Integer ind = index.get("[" + f + "]");
        if (ind != null) {
          isFailed[ind] = true;
        }
        known = true;
      }
      if (!known) {
        throw new IllegalArgumentException("\"" + f + "\" is not a basic event of the tree under \"" + top + "\"");
      }
    }
    // CCF events that are failed fail each of their members in the gates.
    for (int i = 0; i < names.size(); i++) {
      String n = names.get(i);
      if (isFailed[i] && n.startsWith("[") && n.endsWith("]")) {
        failedModelEvents.addAll(Arrays.asList(n.substring(1, n.length() - 1).split(" ")));
      }
    }
    Map<String, Boolean> gates = new HashMap<>();
    boolean topFailed = evalGate(top, failedModelEvents, gates);
    List<String> failedGates = new ArrayList<>();
    for (String g : model.gates().keySet()) {
      if (Boolean.TRUE.equals(gates.get(g))) {
        failedGates.add(g);
      }
    }
    int[] missing = new int[p.length];
    for (int i = 0; i < p.length; i++) {
      missing[i] = isFailed[i] ? 0 : 1;
    }
    BigInteger[] byMissing;
    if (limitOrder == Integer.MAX_VALUE && cutOff == 0) {
      byMissing = FaultTreeAnalysis.onLargeStack(() -> family.countByCost(missing, 1));
    } else {
      BigInteger[] c = {BigInteger.ZERO, BigInteger.ZERO};
      Iterator<int[]> it = family.iterator(missing, 1, limitOrder, cutOff);
      while (it.hasNext()) {
        int[] s = it.next();
        int miss = 0;
        for (int x : s) {
          miss += missing[x];
        }
        c[miss] = c[miss].add(BigInteger.ONE);
      }
      byMissing = c;
    }
    List<CutSet> complete = new ArrayList<>();
    List<LiveEvaluation.OneAway> oneAway = new ArrayList<>();
    Iterator<int[]> it = family.iterator(missing, 1, limitOrder, cutOff);
    while (it.hasNext() && (complete.size() < maxListed || oneAway.size() < maxListed)) {
      int[] s = it.next();
      int miss = -1;
      for (int x : s) {
        if (missing[x] == 1) {
          miss = x;
        }
      }
      if (miss < 0 && complete.size() < maxListed) {
        complete.add(cutSet(s));
      } else if (miss >= 0 && oneAway.size() < maxListed) {
        oneAway.add(new LiveEvaluation.OneAway(cutSet(s), names.get(miss)));
      }
    }
    return new LiveEvaluation(new ArrayList<>(new LinkedHashSet<>(failed)), topFailed, failedGates,
        byMissing.length > 0 ? byMissing[0] : BigInteger.ZERO, complete,
        byMissing.length > 1 ? byMissing[1] : BigInteger.ZERO, oneAway);
  }

  private boolean evalGate(String name, Set<String> failed, Map<String, Boolean> memo) {
    Boolean v = memo.get(name);
    if (v == null) {
      v = eval(model.gates().get(name).formula(), failed, memo);
      memo.put(name, v);
    }
    return v;
  }

  private boolean eval(Formula f, Set<String> failed, Map<String, Boolean> memo) {
    if (f instanceof Formula.Constant c) {
      return c.value();
    }
    if (f instanceof Formula.Ref r) {
      return switch (r.kind()) {
        case GATE -> evalGate(r.name(), failed, memo);
        case BASIC_EVENT -> failed.contains(r.name());
        case HOUSE_EVENT -> model.houseEvents().get(r.name()).state();
      };
    }
    Formula.Operation op = (Formula.Operation) f;
    int n = op.args().size();
    int t = 0;
    for (Formula a : op.args()) {
      if (eval(a, failed, memo)) {
        t++;
      }
    }
    return switch (op.connective()) {
      case AND -> t == n;
      case OR -> t > 0;
      case NOT, NOR -> t == 0;
      case NAND -> t < n;
      case XOR -> t % 2 == 1;
      case IFF -> t != 1;
      case IMPLY -> !eval(op.args().get(0), failed, memo) || eval(op.args().get(1), failed, memo);
      case ATLEAST -> t >= op.min();
      case CARDINALITY -> t >= op.min() && t <= op.max();
    };
  }
}
