package dev.faultline.diagnosis.fta.internal;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * A family of products of an {@link Engine} (its minimal cut sets, or its prime implicants): the top's ZBDD whose
 * proxy levels stand for the families of their modules. The sets hold <em>items</em>: basic events for cut sets,
 * literals for prime implicants (see {@link Layout}). Every computation here is a memoised recursion over the ZBDD
 * nodes (the families of sub-modules are multiplied in, never expanded), except the iterators, which enumerate
 * lazily: they keep their own stacks for the nodes, their bounds and the family sizes, and walk a module that is the
 * last step of a path in place. A product of modules nests one iterator per module in the one that meets it; those
 * nested iterators are advanced a step at a time by a loop with a stack of its own ({@link Step}), so the caller's
 * stack holds a few frames however deep products nest.
 *
 * <p>Concurrency: the diagrams are read-only once built. Each computation allocates its own memo, except two shared
 * caches: {@code small} (a ConcurrentHashMap; two threads may list the same family, one listing wins) and
 * {@code capped} (a memo of deterministic values, so a racing thread at worst recomputes an entry). Iterators are
 * not thread-safe; every other method may be called from several threads.
 */
public final class Family {
  private final Layout e;
  private final Zbdd z;

  /**
   * What the levels of a family's ZBDD stand for. Immutable once built.
   *
   * <p>{@code itemOfLevel[l]} is the item of level l, or -1 when l is a module proxy; {@code groupOfLevel[l]} is then
   * the group whose family the proxy stands for, and {@code groupRoot[g]} that family's ZBDD root. Groups are
   * numbered from 1, a parent's before its children's. {@code itemProbability[i]} is the probability of item i.
   */
  static final class Layout {
    final int topZ;
    final int[] basicOfLevel;
    final int[] moduleOfLevel;
    final int[] moduleZ;
    final double[] p;

    Layout(int topZ, int[] itemOfLevel, int[] groupOfLevel, int[] groupRoot, double[] itemProbability) {
      this.topZ = topZ;
      this.basicOfLevel = itemOfLevel;
      this.moduleOfLevel = groupOfLevel;
      this.moduleZ = groupRoot;
      this.p = itemProbability;
    }

    int basicCount() {
      return p.length;
    }

    int moduleCount() {
      return moduleZ.length - 1;
    }
  }

  /** Module families of at most this many sets are listed once and reused by every enumeration. */
  private static final int SMALL_FAMILY = 4096;

  private final java.util.concurrent.ConcurrentHashMap<Integer, int[][]> small =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final long[] capped;
  /** How many memos were made (a test hook). */
  private final java.util.concurrent.atomic.AtomicInteger memos = new java.util.concurrent.atomic.AtomicInteger();

  Family(Zbdd zbdd, Layout layout) {
    this.e = layout;
    this.z = zbdd;
    this.capped = new long[z.size()];
    java.util.Arrays.fill(capped, -1);
  }

  /**
   * The number of sets of a node's family, saturated at SMALL_FAMILY + 1. Computed children first on a stack of its
   * own, not the caller's, which the nodes below a root would fill as deep as its paths are long and its modules nest.
   */
  private long cappedCount(int root) {
    if (root <= Zbdd.BASE) {
      return root;
    }
    if (capped[root] >= 0) {
      return capped[root];
    }
    int[] stack = new int[64];
    int sp = 0;
    stack[sp++] = root;
    while (sp > 0) {
      int node = stack[sp - 1];
      if (capped[node] >= 0) { // reached twice through shared nodes before it was computed
        sp--;
        continue;
      }
      int lvl = z.level(node);
      int h = z.high(node);
      int l = z.low(node);
      int r = isBasic(lvl) ? Zbdd.BASE : moduleRoot(lvl); // an event: one set of one
      if (sp + 3 > stack.length) {
        stack = Arrays.copyOf(stack, stack.length * 2);
      }
      int before = sp;
      if (h > Zbdd.BASE && capped[h] < 0) {
        stack[sp++] = h;
      }
      if (l > Zbdd.BASE && capped[l] < 0) {
        stack[sp++] = l;
      }
      if (r > Zbdd.BASE && capped[r] < 0) {
        stack[sp++] = r;
      }
      if (sp > before) {
        continue; // its children first; it is computed when it is on top again
      }
      sp--;
      capped[node] = Math.min(SMALL_FAMILY + 1L, known(r) * known(h) + known(l));
    }
    return capped[root];
  }

  /** The capped count of a terminal or of a node {@link #cappedCount} has computed. */
  private long known(int node) {
    return node <= Zbdd.BASE ? node : capped[node];
  }

  /**
   * One iterator of an enumeration, advanced a step at a time by the loop of {@link SetIterator#run}, which keeps
   * the iterators nested in each other on a stack of its own rather than the caller's: a product of modules (a set
   * made of the sets of two modules or more) nests one iterator per module, a module's iterator may meet products of
   * its own, and so on as deep as the tree's modules nest (a nest of 5,000 products overflowed a 256 KiB thread stack
   * when each iterator called the next).
   */
  private abstract static class Step {
    /**
     * Advances this iterator. {@code reply} is null when its next set is asked for, else the answer of the iterator
     * it asked last: that iterator's next set, {@link #END}, or {@link #LISTED} from a {@link Listing}. Returns this
     * iterator's next set (an {@code int[]}), {@link #END} when it has none left, or the iterator (a Step) whose
     * answer it needs first; the loop runs that one and brings its answer back as the next reply.
     */
    abstract Object step(Object reply);
  }

  /** What a {@link Step} answers when it has no set left. */
  private static final Object END = new Object();
  /** What a {@link Listing} answers once the family it listed is in {@code small}. */
  private static final Object LISTED = new Object();

  /**
   * Lists a small module family whole and keeps it in {@code small}, to be reused by every enumeration. Its sets come
   * from a {@link SetIterator} run as the next step, which may list its own small sub-module families first.
   */
  private final class Listing extends Step {
    private final int root;
    private final Bounds within;
    private final Bounds memo;
    private final long before;
    private final SetIterator sets;
    private final List<int[]> all = new ArrayList<>();

    /**
     * {@code within} is the memo of the enumeration that asks: a listing inside a listing shares its memo (one memo
     * covers the whole ZBDD, so one per nested listing cost memory and time quadratic in the nesting of modules: a
     * chain of 10,000 gates ran out of a 1 GiB heap).
     */
    Listing(int root, Bounds within) {
      this.root = root;
      this.within = within;
      this.memo = within.listing ? within : new Bounds(new int[e.basicCount()], Integer.MAX_VALUE, Integer.MAX_VALUE,
          0, true);
      this.before = memo.work;
      this.sets = new SetIterator(root, memo, Integer.MAX_VALUE, Integer.MAX_VALUE, 0);
    }

    @Override
    Object step(Object reply) {
      if (reply == END) {
        if (memo != within) {
          within.work += memo.work - before;
        }
        // Not computeIfAbsent: another thread may have listed it meanwhile; one listing wins.
        small.putIfAbsent(root, all.toArray(new int[0][]));
        return LISTED;
      }
      if (reply != null) {
        all.add((int[]) reply);
      }
      return sets;
    }
  }

  /** Iterates a listed family. */
  private static final class ListIterator extends Step {
    private final int[][] sets;
    private int i;

    ListIterator(int[][] sets) {
      this.sets = sets;
    }

    @Override
    Object step(Object reply) {
      return i < sets.length ? sets[i++] : END;
    }
  }

  private boolean isBasic(int lvl) {
    return e.basicOfLevel[lvl] >= 0;
  }

  private int moduleRoot(int lvl) {
    return e.moduleZ[e.moduleOfLevel[lvl]];
  }

  /** The work done so far by an iterator of {@link #iterator} and the iterators it nested (a test hook). */
  static long work(Iterator<int[]> iterator) {
    return ((SetIterator) iterator).b.work;
  }

  /** How many memos of bounds the enumerations made (a test hook). */
  int memosCreated() {
    return memos.get();
  }

  /** The number of items: basic events for cut sets, literals for prime implicants. */
  public int itemCount() {
    return e.basicCount();
  }

  /** The probability of each item (for the negative literal of an event: 1 - p). */
  public double[] itemProbabilities() {
    return e.p.clone();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Counts by cost: cost(basic) in {0, 1}; the polynomial of a family counts its sets by total cost.

  /**
   * Counts the sets of the family by total cost, up to {@code maxDegree}: element {@code d} is the number of sets
   * whose basic events cost {@code d} in total. {@code cost[i]} is the cost of basic event i (0 or 1).
   */
  public BigInteger[] countByCost(int[] cost, int maxDegree) {
    try {
      long[] r = countLong(e.topZ, cost, maxDegree, new long[z.size()][]);
      BigInteger[] out = new BigInteger[r.length];
      for (int i = 0; i < r.length; i++) {
        out[i] = BigInteger.valueOf(r[i]);
      }
      return out;
    } catch (ArithmeticException overflow) {
      return countBig(e.topZ, cost, maxDegree, new BigInteger[z.size()][]);
    }
  }

  /** The order distribution: element d is the number of minimal cut sets of order d (index 0 included). */
  public BigInteger[] orderDistribution(int maxOrder) {
    int[] cost = new int[e.basicCount()];
    Arrays.fill(cost, 1);
    return countByCost(cost, maxOrder);
  }

  private long[] countLong(int node, int[] cost, int max, long[][] memo) {
    if (node == Zbdd.EMPTY) {
      return new long[0];
    }
    if (node == Zbdd.BASE) {
      return new long[] {1};
    }
    long[] m = memo[node];
    if (m != null) {
      return m;
    }
    int lvl = z.level(node);
    long[] hi = countLong(z.high(node), cost, max, memo);
    long[] w;
    if (isBasic(lvl)) {
      w = cost[e.basicOfLevel[lvl]] == 0 ? new long[] {1} : new long[] {0, 1};
    } else {
      w = countLong(moduleRoot(lvl), cost, max, memo);
    }
    long[] lo = countLong(z.low(node), cost, max, memo);
    int len = Math.min(max + 1, Math.max(lo.length, hi.length == 0 || w.length == 0 ? 0 : hi.length + w.length - 1));
    long[] r = new long[len];
    for (int i = 0; i < lo.length && i < len; i++) {
      r[i] = lo[i];
    }
    for (int i = 0; i < hi.length; i++) {
      if (hi[i] == 0) {
        continue;
      }
      for (int j = 0; j < w.length && i + j < len; j++) {
        r[i + j] = Math.addExact(r[i + j], Math.multiplyExact(hi[i], w[j]));
      }
    }
    memo[node] = r;
    return r;
  }

  private BigInteger[] countBig(int node, int[] cost, int max, BigInteger[][] memo) {
    if (node == Zbdd.EMPTY) {
      return new BigInteger[0];
    }
    if (node == Zbdd.BASE) {
      return new BigInteger[] {BigInteger.ONE};
    }
    BigInteger[] m = memo[node];
    if (m != null) {
      return m;
    }
    int lvl = z.level(node);
    BigInteger[] hi = countBig(z.high(node), cost, max, memo);
    BigInteger[] w;
    if (isBasic(lvl)) {
      w = cost[e.basicOfLevel[lvl]] == 0 ? new BigInteger[] {BigInteger.ONE}
          : new BigInteger[] {BigInteger.ZERO, BigInteger.ONE};
    } else {
      w = countBig(moduleRoot(lvl), cost, max, memo);
    }
    BigInteger[] lo = countBig(z.low(node), cost, max, memo);
    int len = Math.min(max + 1, Math.max(lo.length, hi.length == 0 || w.length == 0 ? 0 : hi.length + w.length - 1));
    BigInteger[] r = new BigInteger[len];
    Arrays.fill(r, BigInteger.ZERO);
    for (int i = 0; i < lo.length && i < len; i++) {
      r[i] = lo[i];
    }
    for (int i = 0; i < hi.length; i++) {
      for (int j = 0; j < w.length && i + j < len; j++) {
        r[i + j] = r[i + j].add(hi[i].multiply(w[j]));
      }
    }
    memo[node] = r;
    return r;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Weighted sums: sum over sets of the product of per-event weights, by order up to maxOrder.

  /**
   * For each order d up to {@code maxOrder}, the sum over the minimal cut sets of order d of the product of
   * {@code weight[i]} over their basic events.
   */
  public double[] weightedSumByOrder(double[] weight, int maxOrder) {
    return sumPoly(e.topZ, weight, maxOrder, new double[z.size()][]);
  }

  private double[] sumPoly(int node, double[] weight, int max, double[][] memo) {
    if (node == Zbdd.EMPTY) {
      return new double[0];
    }
    if (node == Zbdd.BASE) {
      return new double[] {1};
    }
    double[] m = memo[node];
    if (m != null) {
      return m;
    }
    int lvl = z.level(node);
    double[] hi = sumPoly(z.high(node), weight, max, memo);
    double[] w;
    if (isBasic(lvl)) {
      w = new double[] {0, weight[e.basicOfLevel[lvl]]};
    } else {
      w = sumPoly(moduleRoot(lvl), weight, max, memo);
    }
    double[] lo = sumPoly(z.low(node), weight, max, memo);
    int len = Math.min(max + 1, Math.max(lo.length, hi.length == 0 || w.length == 0 ? 0 : hi.length + w.length - 1));
    double[] r = new double[len];
    for (int i = 0; i < lo.length && i < len; i++) {
      r[i] = lo[i];
    }
    for (int i = 0; i < hi.length; i++) {
      for (int j = 0; j < w.length && i + j < len; j++) {
        r[i + j] += hi[i] * w[j];
      }
    }
    memo[node] = r;
    return r;
  }

  /** The sum over all minimal cut sets of the product of {@code weight[i]} over their basic events. */
  public double weightedSum(double[] weight) {
    return sumScalar(e.topZ, weight, new double[z.size()]);
  }

  private double sumScalar(int node, double[] weight, double[] memo) {
    if (node == Zbdd.EMPTY) {
      return 0;
    }
    if (node == Zbdd.BASE) {
      return 1;
    }
    double m = memo[node];
    if (m != 0) {
      return m - 1; // stored shifted by one so that 0 means "not computed"
    }
    int lvl = z.level(node);
    double w = isBasic(lvl) ? weight[e.basicOfLevel[lvl]] : sumScalar(moduleRoot(lvl), weight, memo);
    double r = w * sumScalar(z.high(node), weight, memo) + sumScalar(z.low(node), weight, memo);
    memo[node] = r + 1;
    return r;
  }

  /** The largest product of {@code weight} over one set of the family (0 for an empty family). */
  public double maxProduct(double[] weight) {
    return maxScalar(e.topZ, weight, new double[z.size()]);
  }

  private double maxScalar(int node, double[] weight, double[] memo) {
    if (node == Zbdd.EMPTY) {
      return 0;
    }
    if (node == Zbdd.BASE) {
      return 1;
    }
    double m = memo[node];
    if (m != 0) {
      return m - 1;
    }
    int lvl = z.level(node);
    double w = isBasic(lvl) ? weight[e.basicOfLevel[lvl]] : maxScalar(moduleRoot(lvl), weight, memo);
    double r = Math.max(w * maxScalar(z.high(node), weight, memo), maxScalar(z.low(node), weight, memo));
    memo[node] = r + 1;
    return r;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Occurrences: the number of minimal cut sets holding each basic event.

  /** For each basic event, the number of minimal cut sets that contain it. */
  public BigInteger[] occurrences() {
    BigInteger[] out = new BigInteger[e.basicCount()];
    Arrays.fill(out, BigInteger.ZERO);
    BigInteger[] usesOf = new BigInteger[e.moduleCount() + 1];
    BigInteger[] count = new BigInteger[z.size()];
    BigInteger[] down = new BigInteger[z.size()];
    // Top family first, then modules in parent-before-child order.
    distribute(e.topZ, BigInteger.ONE, count, down, out, usesOf);
    for (int m = 1; m <= e.moduleCount(); m++) {
      // down[] of the proxy nodes of m accumulated the number of top sets that use m's family.
      BigInteger uses = usesOf[m] == null ? BigInteger.ZERO : usesOf[m];
      distribute(e.moduleZ[m], uses, count, down, out, usesOf);
    }
    return out;
  }

  private void distribute(int root, BigInteger rootWeight, BigInteger[] count, BigInteger[] down, BigInteger[] out,
      BigInteger[] usesOf) {
    if (root == Zbdd.EMPTY || root == Zbdd.BASE || rootWeight.signum() == 0) {
      return;
    }
    // Collect this family's nodes (stopping at terminals; module roots belong to their own pass).
    List<Integer> nodes = new ArrayList<>();
    boolean[] seen = new boolean[z.size()];
    collect(root, seen, nodes);
    nodes.sort((a, b) -> Integer.compare(b, a)); // parents have larger ids
    // The two families of a module's proxy (prime implicants) share levels, hence nodes: start this pass clean.
    for (int n : nodes) {
      down[n] = null;
    }
    down[root] = rootWeight;
    for (int n : nodes) {
      BigInteger d = down[n];
      if (d == null) {
        continue;
      }
      int lvl = z.level(n);
      BigInteger mult = isBasic(lvl) ? BigInteger.ONE : bigCount(moduleRoot(lvl), count);
      BigInteger viaHigh = d.multiply(mult);
      BigInteger contains = d.multiply(bigCount(z.high(n), count));
      if (isBasic(lvl)) {
        out[e.basicOfLevel[lvl]] = out[e.basicOfLevel[lvl]].add(contains);
      } else {
        int m = e.moduleOfLevel[lvl];
        usesOf[m] = (usesOf[m] == null ? BigInteger.ZERO : usesOf[m]).add(contains);
      }
      int h = z.high(n);
      int l = z.low(n);
      if (h > Zbdd.BASE) {
        down[h] = down[h] == null ? viaHigh : down[h].add(viaHigh);
      }
      if (l > Zbdd.BASE) {
        down[l] = down[l] == null ? d : down[l].add(d);
      }
    }
  }

  private void collect(int root, boolean[] seen, List<Integer> out) {
    java.util.ArrayDeque<Integer> stack = new java.util.ArrayDeque<>();
    stack.push(root);
    while (!stack.isEmpty()) {
      int n = stack.pop();
      if (n <= Zbdd.BASE || seen[n]) {
        continue;
      }
      seen[n] = true;
      out.add(n);
      stack.push(z.high(n));
      stack.push(z.low(n));
    }
  }

  private BigInteger bigCount(int node, BigInteger[] memo) {
    if (node == Zbdd.EMPTY) {
      return BigInteger.ZERO;
    }
    if (node == Zbdd.BASE) {
      return BigInteger.ONE;
    }
    if (memo[node] != null) {
      return memo[node];
    }
    int lvl = z.level(node);
    BigInteger w = isBasic(lvl) ? BigInteger.ONE : bigCount(moduleRoot(lvl), memo);
    BigInteger r = w.multiply(bigCount(z.high(node), memo)).add(bigCount(z.low(node), memo));
    memo[node] = r;
    return r;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Enumeration.

  /**
   * A lazy iterator over the sets of the family as arrays of basic-event indices, keeping only sets with total
   * {@code cost} at most {@code maxCost}, at most {@code maxOrder} events and a product of probabilities at least
   * {@code cutOff}. The bounds prune whole branches of the ZBDD.
   */
  public Iterator<int[]> iterator(int[] cost, int maxCost, int maxOrder, double cutOff) {
    Bounds b = new Bounds(cost, maxCost, maxOrder, cutOff);
    return new SetIterator(e.topZ, b, maxCost, maxOrder, cutOff);
  }

  /** Lower bounds of cost and order and the upper bound of probability of each node's sets, memoised. */
  private final class Bounds {
    final int[] cost;
    final int maxCost;
    final int maxOrder;
    final double cutOff;
    final int[] minCost;
    final int[] minOrder;
    final double[] maxProb;
    final double[] prob;
    /** The work stack of {@link #ensure}. */
    private int[] pending = new int[64];

    /** Whether this is the memo of a listing of small families: no costs, no limits. */
    final boolean listing;
    /**
     * The work of the enumerations using this memo (a test hook): ZBDD nodes taken off their stacks plus products of
     * module sets combined, with the work of the small-family listings they started. Confined to one thread, as the
     * iterators are.
     */
    long work;

    Bounds(int[] cost, int maxCost, int maxOrder, double cutOff) {
      this(cost, maxCost, maxOrder, cutOff, false);
    }

    Bounds(int[] cost, int maxCost, int maxOrder, double cutOff, boolean listing) {
      memos.incrementAndGet();
      this.listing = listing;
      this.cost = cost;
      this.maxCost = maxCost;
      this.maxOrder = maxOrder;
      this.cutOff = cutOff;
      minCost = new int[z.size()];
      minOrder = new int[z.size()];
      maxProb = new double[z.size()];
      Arrays.fill(minCost, -1);
      prob = e.p;
    }

    /**
     * Computes the bounds of {@code root} and of every node below it, its modules' included, children first. With a
     * stack of its own, not the caller's: the nodes below a root nest as deep as its paths are long and its modules
     * nest (a chain of 20,000 gates overflowed a 256 KiB thread stack here).
     */
    void ensure(int root) {
      if (root <= Zbdd.BASE || minCost[root] != -1) {
        return;
      }
      int sp = 0;
      pending[sp++] = root;
      while (sp > 0) {
        int node = pending[sp - 1];
        if (minCost[node] != -1) { // reached twice through shared nodes before it was computed
          sp--;
          continue;
        }
        int lvl = z.level(node);
        int h = z.high(node);
        int l = z.low(node);
        int r = isBasic(lvl) ? Zbdd.EMPTY : moduleRoot(lvl);
        int before = sp;
        sp = pushIfPending(r, pushIfPending(l, pushIfPending(h, sp)));
        if (sp > before) {
          continue; // its children first; it is computed when it is on top again
        }
        sp--;
        int wc;
        int wo;
        double wp;
        if (isBasic(lvl)) {
          wc = cost[e.basicOfLevel[lvl]];
          wo = 1;
          wp = prob[e.basicOfLevel[lvl]];
        } else {
          wc = cost(r);
          wo = order(r);
          wp = maxP(r);
        }
        minCost[node] = Math.min(sat(wc, cost(h)), cost(l));
        minOrder[node] = Math.min(sat(wo, order(h)), order(l));
        maxProb[node] = Math.max(wp * maxP(h), maxP(l));
      }
    }

    /** Pushes {@code node} on the work stack of {@link #ensure} at {@code sp} if its bounds are still to compute. */
    private int pushIfPending(int node, int sp) {
      if (node <= Zbdd.BASE || minCost[node] != -1) {
        return sp;
      }
      if (sp == pending.length) {
        pending = Arrays.copyOf(pending, sp * 2);
      }
      pending[sp] = node;
      return sp + 1;
    }

    int cost(int n) {
      return n == Zbdd.EMPTY ? Integer.MAX_VALUE : n == Zbdd.BASE ? 0 : minCost[n];
    }

    int order(int n) {
      return n == Zbdd.EMPTY ? Integer.MAX_VALUE : n == Zbdd.BASE ? 0 : minOrder[n];
    }

    double maxP(int n) {
      return n == Zbdd.EMPTY ? 0 : n == Zbdd.BASE ? 1 : maxProb[n];
    }

    private static int sat(int a, int b) {
      long s = (long) a + b;
      return s >= Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) s;
    }
  }

  /**
   * Depth-first over the ZBDD paths; proxies on a path are expanded by an odometer of nested iterators, one per proxy.
   * The nested iterators are {@link Step}s: the one the caller holds runs them all, on a stack of its own
   * ({@link #run}); each keeps, between its steps, its own stacks and the state of its odometer.
   */
  private final class SetIterator extends Step implements Iterator<int[]> {
    /** Next: the next complete path of the ZBDD, and the first product of its modules' sets if it has modules. */
    private static final int PATH = 0;
    /** Waiting for the first set of {@code subs[at]}, the proxies before it having theirs. */
    private static final int FIRST = 1;
    /** Next: the odometer's next turn, from its last proxy. */
    private static final int ODOMETER = 2;
    /** Waiting for the next set of {@code subs[at]}, or its end. */
    private static final int NEXT = 3;
    /** Waiting for the first set of {@code subs[at]} started afresh, the proxy before it to turn next. */
    private static final int RESET = 4;

    private final Bounds b;
    private final int costLimit;
    private final int orderLimit;
    private final double probLimit;
    private int[] stackNodes = new int[256];
    private int[] stackLen = new int[256];
    private int[] stackAdd = new int[256];
    private int sp;
    private int[] path = new int[64];
    private int[] pathCost = new int[65];
    private int[] pathOrder = new int[65];
    private double[] pathProb = new double[65];
    /** The set {@link #hasNext} found, for the caller of this iterator. */
    private int[] next;
    /** The stack of {@link #run}, kept from one set to the next; null in the iterators nested in this one. */
    private Step[] running;
    // The current product of module expansions.
    private int state = PATH;
    private int at;
    private int[] basics;
    private int[] proxies;
    private Step[] subs;
    private int[][] current;

    SetIterator(int root, Bounds bounds, int costLimit, int orderLimit, double probLimit) {
      this.b = bounds;
      this.costLimit = costLimit;
      this.orderLimit = orderLimit;
      this.probLimit = probLimit;
      b.ensure(root);
      pathProb[0] = 1;
      push(root, 0, -1);
    }

    private void push(int node, int len, int add) {
      if (sp == stackNodes.length) {
        stackNodes = Arrays.copyOf(stackNodes, sp * 2);
        stackLen = Arrays.copyOf(stackLen, sp * 2);
        stackAdd = Arrays.copyOf(stackAdd, sp * 2);
      }
      stackNodes[sp] = node;
      stackLen[sp] = len;
      stackAdd[sp] = add;
      sp++;
    }

    @Override
    public boolean hasNext() {
      if (next == null) {
        Object r = run();
        next = r == END ? null : (int[]) r;
      }
      return next != null;
    }

    @Override
    public int[] next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      int[] r = next;
      next = null;
      return r;
    }

    /**
     * This iterator's next set, or END: steps it, and every iterator it asks for a set, with a stack of steps on the
     * heap. The stack is empty again on return; the iterators on it were each waiting for the one above.
     */
    private Object run() {
      Step[] stack = running == null ? new Step[16] : running;
      int top = 0;
      stack[top++] = this;
      Object reply = null;
      while (true) {
        Object r = stack[top - 1].step(reply);
        if (r instanceof Step asked) {
          if (top == stack.length) {
            stack = Arrays.copyOf(stack, top * 2);
          }
          stack[top++] = asked;
          reply = null;
        } else {
          stack[--top] = null;
          if (top == 0) {
            running = stack;
            return r;
          }
          reply = r;
        }
      }
    }

    @Override
    Object step(Object reply) {
      if (reply == LISTED) {
        return open(at); // the family of proxy at is listed now: its first set is what is waited for
      }
      while (true) {
        switch (state) {
          case PATH -> {
            int[] found = nextPath();
            if (found == null) {
              return END;
            }
            if (proxies.length == 0) {
              return found;
            }
            subs = new Step[proxies.length];
            current = new int[proxies.length][];
            at = 0;
            state = FIRST;
            return open(0);
          }
          case FIRST -> {
            if (reply == END) { // a module with no set within the budgets: no product on this path
              subs = null;
              state = PATH;
              continue;
            }
            current[at] = (int[]) reply;
            if (++at < proxies.length) {
              return open(at);
            }
            state = ODOMETER;
            int[] s = combine();
            if (s != null) {
              return s;
            }
          }
          case ODOMETER -> {
            at = proxies.length - 1;
            state = NEXT;
            return subs[at];
          }
          case NEXT -> {
            if (reply == END) {
              state = RESET;
              return open(at);
            }
            current[at] = (int[]) reply;
            state = ODOMETER;
            int[] s = combine();
            if (s != null) {
              return s;
            }
          }
          case RESET -> {
            if (reply == END) {
              throw new IllegalStateException("a module's family had no set when started again");
            }
            current[at] = (int[]) reply;
            if (--at < 0) { // every proxy has turned: this path's products are done
              subs = null;
              state = PATH;
              continue;
            }
            state = NEXT;
            return subs[at];
          }
          default -> throw new IllegalStateException("state " + state);
        }
      }
    }

    /** The next complete path; fills basics/proxies and returns the basic set when it has no proxy. */
    private int[] nextPath() {
      while (sp > 0) {
        sp--;
        b.work++;
        int node = stackNodes[sp];
        int len = stackLen[sp];
        int add = stackAdd[sp];
        if (add >= 0) {
          if (len == path.length) {
            path = Arrays.copyOf(path, len * 2);
            pathCost = Arrays.copyOf(pathCost, len * 2 + 1);
            pathOrder = Arrays.copyOf(pathOrder, len * 2 + 1);
            pathProb = Arrays.copyOf(pathProb, len * 2 + 1);
          }
          path[len] = add;
          int wc;
          int wo;
          double wp;
          if (isBasic(add)) {
            wc = b.cost[e.basicOfLevel[add]];
            wo = 1;
            wp = b.prob[e.basicOfLevel[add]];
          } else {
            int r = moduleRoot(add);
            b.ensure(r);
            wc = b.cost(r);
            wo = b.order(r);
            wp = b.maxP(r);
          }
          pathCost[len + 1] = Bounds.sat(pathCost[len], wc);
          pathOrder[len + 1] = Bounds.sat(pathOrder[len], wo);
          pathProb[len + 1] = pathProb[len] * wp;
          len++;
        }
        if (node == Zbdd.EMPTY) {
          continue;
        }
        if (Bounds.sat(pathCost[len], b.cost(node)) > costLimit
            || Bounds.sat(pathOrder[len], b.order(node)) > orderLimit
            || pathProb[len] * b.maxP(node) < probLimit) {
          continue;
        }
        if (node == Zbdd.BASE && len > 0 && !isBasic(path[len - 1]) && onlyEvents(len - 1)) {
          // The path's one module is its last step (a gate that is events OR'ed with one sub-module, as in a chain
          // of gates): the module's sets extend the path's events as they are, so its ZBDD is walked on from here,
          // in place of the module step, rather than by a nested iterator whose every set is copied once more at
          // each level (quadratic in the depth of a chain). The DFS left nothing on the stack that needs that step.
          push(moduleRoot(path[len - 1]), len - 1, -1);
          continue;
        }
        if (node == Zbdd.BASE) {
          int nb = 0;
          for (int i = 0; i < len; i++) {
            if (isBasic(path[i])) {
              nb++;
            }
          }
          basics = new int[nb];
          proxies = new int[len - nb];
          int bi = 0;
          int pi = 0;
          for (int i = 0; i < len; i++) {
            if (isBasic(path[i])) {
              basics[bi++] = e.basicOfLevel[path[i]];
            } else {
              proxies[pi++] = path[i];
            }
          }
          return basics;
        }
        push(z.low(node), len, -1);
        push(z.high(node), len, z.level(node));
      }
      return null;
    }

    /** Whether the first {@code n} steps of the path are all events (no module). */
    private boolean onlyEvents(int n) {
      for (int i = 0; i < n; i++) {
        if (!isBasic(path[i])) {
          return false;
        }
      }
      return true;
    }

    /**
     * Starts the iterator of proxy i afresh and returns it to be asked for its first set; or, when the proxy's family
     * is small but not listed yet, the {@link Listing} that lists it first.
     */
    private Step open(int i) {
      int root = moduleRoot(proxies[i]);
      if (cappedCount(root) <= SMALL_FAMILY) {
        int[][] listed = small.get(root);
        if (listed == null) {
          return new Listing(root, b);
        }
        return subs[i] = new ListIterator(listed);
      }
      // Budgets for one proxy: what the rest of the path leaves at best.
      int restCost = 0;
      int restOrder = basics.length;
      double restProb = 1;
      int basicCost = 0;
      for (int x : basics) {
        basicCost += b.cost[x];
        restProb *= b.prob[x];
      }
      restCost += basicCost;
      for (int j = 0; j < proxies.length; j++) {
        if (j != i) {
          int r = moduleRoot(proxies[j]);
          restCost = Bounds.sat(restCost, b.cost(r));
          restOrder = Bounds.sat(restOrder, b.order(r));
          restProb *= b.maxP(r);
        }
      }
      int cl = costLimit == Integer.MAX_VALUE ? costLimit : costLimit - restCost;
      int ol = orderLimit == Integer.MAX_VALUE ? orderLimit : orderLimit - restOrder;
      // Without a cut-off nothing is pruned, not even next to an event of probability 0 (0 / 0 is no limit).
      double pl = probLimit == 0 ? 0 : restProb == 0 ? Double.POSITIVE_INFINITY : probLimit / restProb;
      return subs[i] = new SetIterator(root, b, cl, ol, pl);
    }

    private int[] combine() {
      b.work++;
      int n = basics.length;
      for (int[] c : current) {
        n += c.length;
      }
      if (n > orderLimit) {
        return null;
      }
      int[] s = Arrays.copyOf(basics, n);
      int k = basics.length;
      int c = 0;
      double pr = 1;
      for (int x : basics) {
        c += b.cost[x];
        pr *= b.prob[x];
      }
      for (int[] part : current) {
        for (int x : part) {
          s[k++] = x;
          c += b.cost[x];
          pr *= b.prob[x];
        }
      }
      if (c > costLimit || pr < probLimit) {
        return null;
      }
      return s;
    }
  }
}
