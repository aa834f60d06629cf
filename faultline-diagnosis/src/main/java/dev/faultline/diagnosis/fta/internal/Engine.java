package dev.faultline.diagnosis.fta.internal;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntUnaryOperator;

/**
 * The analysis of one compiled top event.
 *
 * <ol>
 *   <li>Modules: gates whose descendants are reached only through them (Dutuit and Rauzy's linear-time algorithm)
 *       are analysed separately; in their parent they become one proxy variable.</li>
 *   <li>Variable order: depth-first, left to right, from the top; a module's variables follow its proxy.</li>
 *   <li>One BDD per module, bottom-up; the exact probability is one pass over the nodes, computing P and 1 - P
 *       separately so that complement edges never subtract nearly equal numbers.</li>
 *   <li>Minimal cut sets: each module's BDD is turned into a ZBDD by Rauzy's algorithm
 *       {@code MCS(ite(x, F1, F0)) = x . without(MCS(F1), MCS(F0)) + MCS(F0)}, which keeps, for non-coherent
 *       functions, the minimal sets of failed events that make the function true with every other event working:
 *       the "monotone part, negations dropped" that SCRAM and XFTA report. A proxy's phase is chosen so that its
 *       function is false when all its events work, which makes the substitution of its family exact.</li>
 * </ol>
 *
 * <p>On request, prime implicants instead of minimal cut sets (see {@link #prime}): the ZBDD then has two levels per
 * variable, {@code 2 l} for the positive literal and {@code 2 l + 1} for the negative one, and a module has a family
 * for each phase of its proxy.
 *
 * <p>Counting, order distribution, rare-event and MCUB sums and occurrence counts are memoised recursions over the
 * ZBDDs; nothing is enumerated unless asked. Not thread-safe: one engine per analysis, used by one thread.
 */
public final class Engine {
  private final Pdag pdag;
  private final int limitOrder;
  private final boolean primeImplicants;
  private final Consumer<String> progress;

  private final Cancellation cancellation;
  final Bdd bdd;
  final Zbdd zbdd;

  // Levels: a basic event or a module proxy.
  int levels;
  int[] basicOfLevel = new int[16]; // basic index, or -1
  int[] moduleOfLevel = new int[16]; // module index, or -1
  double[] probOfLevel;

  // Modules, numbered from 1 in depth-first order (a parent before its children); the top's family is topZ.
  int[] moduleProxyFn = new int[16];
  int[] moduleLevel = new int[16];
  int[] moduleZ = new int[16];
  int[] moduleFlip = new int[16];

  int topEdge;
  int topZ;
  double[] p; // basic probabilities
  private double[] nodeP;
  private double[] nodeQ;
  private int moduleCount;
  private boolean[] isModule;
  private int[] levelOfNode;
  private int[] moduleOfNode;
  private int[] gateBdd;

  /** Creates an engine for a compiled graph computing minimal cut sets; {@code limitOrder} is MAX_VALUE for none. */
  public Engine(Pdag pdag, int limitOrder, Consumer<String> progress) {
    this(pdag, limitOrder, false, progress);
  }

  /**
   * Creates an engine for a compiled graph; {@code limitOrder} is Integer.MAX_VALUE for none; with
   * {@code primeImplicants} its family is the prime implicants instead of the minimal cut sets.
   */
  public Engine(Pdag pdag, int limitOrder, boolean primeImplicants, Consumer<String> progress) {
    this(pdag, limitOrder, primeImplicants, progress, Cancellation.never());
  }

  /**
   * Creates an engine as {@link #Engine(Pdag, int, boolean, Consumer)} does, whose diagrams tick
   * {@code cancellation} at every node request, so that {@link #run()} throws {@link Cancellation.Stopped} when it
   * says so.
   */
  public Engine(Pdag pdag, int limitOrder, boolean primeImplicants, Consumer<String> progress,
      Cancellation cancellation) {
    this.cancellation = cancellation;
    this.bdd = new Bdd(cancellation);
    this.zbdd = new Zbdd(cancellation);
    this.pdag = pdag;
    this.limitOrder = limitOrder;
    this.primeImplicants = primeImplicants;
    this.progress = progress;
    this.p = pdag.varProbs();
  }

  /** Whether the family is the prime implicants (else the minimal cut sets). */
  public boolean primeImplicants() {
    return primeImplicants;
  }

  /**
   * Runs preprocessing, the BDD and the ZBDD.
   *
   * @throws Cancellation.Stopped when the cancellation stops the analysis; the engine is then unusable
   */
  public void run() {
    int root = pdag.root();
    if (root == Pdag.TRUE || root == Pdag.FALSE) {
      topEdge = root == Pdag.TRUE ? Bdd.TRUE : Bdd.FALSE;
      probOfLevel = new double[0];
      computeProbabilities();
      topZ = root == Pdag.TRUE ? Zbdd.BASE : Zbdd.EMPTY;
      return;
    }
    int n = pdag.nodeCount();
    isModule = new boolean[n + 1];
    levelOfNode = new int[n + 1];
    moduleOfNode = new int[n + 1];
    Arrays.fill(levelOfNode, -1);
    if (pdag.kind(Math.abs(root)) == Pdag.VAR) {
      assignLevels(Math.abs(root), Math.abs(root));
      int v = bdd.variable(levelOfNode[Math.abs(root)]);
      topEdge = root < 0 ? v ^ 1 : v;
      computeProbabilities();
      if (primeImplicants) {
        convertAllPrime();
      } else {
        convertAll();
      }
      return;
    }
    findModules(Math.abs(root));
    assignLevels(Math.abs(root), Math.abs(root));
    progress.accept("preprocessed: " + p.length + " basic events, " + pdag.nodeCount() + " nodes, " + moduleCount
        + " modules");
    gateBdd = new int[n + 1];
    Arrays.fill(gateBdd, -1);
    int r = buildGate(Math.abs(root), Math.abs(root));
    topEdge = root < 0 ? r ^ 1 : r;
    gateBdd = null;
    progress.accept("BDD: " + bdd.size() + " nodes");
    cancellation.check();
    computeProbabilities();
    if (primeImplicants) {
      convertAllPrime();
    } else {
      convertAll();
    }
    progress.accept("ZBDD: " + zbdd.size() + " nodes");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Modules and variable order.

  private void findModules(int root) {
    int n = pdag.nodeCount();
    int[] enter = new int[n + 1];
    int[] exit = new int[n + 1];
    int[] last = new int[n + 1];
    int[] time = {0};
    visit(root, enter, exit, last, time);
    int[] lo = new int[n + 1];
    int[] hi = new int[n + 1];
    boolean[] done = new boolean[n + 1];
    ranges(root, enter, last, lo, hi, done);
    for (int g = 1; g <= n; g++) {
      if (done[g] && pdag.kind(g) != Pdag.VAR && lo[g] > enter[g] && hi[g] < exit[g]) {
        isModule[g] = true;
      }
    }
    isModule[root] = true;
  }

  private void visit(int node, int[] enter, int[] exit, int[] last, int[] time) {
    time[0]++;
    if (enter[node] != 0) {
      last[node] = time[0];
      return;
    }
    enter[node] = time[0];
    if (pdag.kind(node) != Pdag.VAR) {
      for (int a : pdag.args(node)) {
        visit(Math.abs(a), enter, exit, last, time);
      }
      time[0]++;
    }
    exit[node] = time[0];
    last[node] = time[0];
  }

  private void ranges(int g, int[] enter, int[] last, int[] lo, int[] hi, boolean[] done) {
    if (done[g] || pdag.kind(g) == Pdag.VAR) {
      return;
    }
    done[g] = true;
    int min = Integer.MAX_VALUE;
    int max = Integer.MIN_VALUE;
    for (int a : pdag.args(g)) {
      int c = Math.abs(a);
      min = Math.min(min, enter[c]);
      max = Math.max(max, last[c]);
      if (pdag.kind(c) != Pdag.VAR) {
        ranges(c, enter, last, lo, hi, done);
        min = Math.min(min, lo[c]);
        max = Math.max(max, hi[c]);
      }
    }
    lo[g] = min;
    hi[g] = max;
  }

  private int newLevel(int basic, int module) {
    if (levels == basicOfLevel.length) {
      basicOfLevel = Arrays.copyOf(basicOfLevel, levels * 2);
      moduleOfLevel = Arrays.copyOf(moduleOfLevel, levels * 2);
    }
    basicOfLevel[levels] = basic;
    moduleOfLevel[levels] = module;
    return levels++;
  }

  private void assignLevels(int node, int top) {
    if (levelOfNode[node] != -1 || moduleOfNode[node] != 0) {
      return;
    }
    if (pdag.kind(node) == Pdag.VAR) {
      levelOfNode[node] = newLevel(pdag.varIndex(node), -1);
      return;
    }
    if (isModule[node] && node != top) {
      int m = ++moduleCount;
      ensureModules(m);
      moduleOfNode[node] = m;
      moduleLevel[m] = newLevel(-1, m);
    } else {
      moduleOfNode[node] = -1;
    }
    for (int a : pdag.args(node)) {
      assignLevels(Math.abs(a), top);
    }
  }

  private void ensureModules(int m) {
    if (m >= moduleProxyFn.length) {
      int c = moduleProxyFn.length * 2;
      moduleProxyFn = Arrays.copyOf(moduleProxyFn, c);
      moduleLevel = Arrays.copyOf(moduleLevel, c);
      moduleZ = Arrays.copyOf(moduleZ, c);
      moduleFlip = Arrays.copyOf(moduleFlip, c);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // BDD construction.

  private int literal(int signed, int currentRoot) {
    int node = Math.abs(signed);
    int e;
    if (pdag.kind(node) == Pdag.VAR) {
      e = bdd.variable(levelOfNode[node]);
    } else if (isModule[node] && node != currentRoot) {
      int m = moduleOfNode[node];
      if (gateBdd[node] == -1) {
        int b = buildGate(node, node);
        gateBdd[node] = b;
        boolean one = bdd.valueAtZero(b);
        moduleFlip[m] = one ? 1 : 0;
        moduleProxyFn[m] = one ? b ^ 1 : b;
      }
      int b = gateBdd[node];
      // A module that turned out constant (xor(e, e), say) is that constant, not a free proxy variable: substituting
      // a constant's family for a variable would leave products that are not minimal (or not prime).
      e = b == Bdd.TRUE || b == Bdd.FALSE ? b : bdd.variable(moduleLevel[m]) ^ moduleFlip[m];
    } else {
      e = buildGate(node, currentRoot);
    }
    return signed < 0 ? e ^ 1 : e;
  }

  /**
   * The diagrams of a gate's arguments, those whose top variable is deepest first. Folded in that order, each step
   * puts the next argument above what is built so far, which it leaves shared; folded in argument order, an argument
   * whose variable is deeper than everything built so far rebuilds all of it (an OR of n events in variable order
   * created about n²/2 nodes for a diagram of n). The result is the same diagram either way.
   */
  private int[] deepestFirst(int[] args, int currentRoot) {
    long[] keyed = new long[args.length];
    for (int i = 0; i < args.length; i++) {
      int e = literal(args[i], currentRoot);
      // Deepest (highest level) first; constants (level MAX_VALUE) first too, they cost nothing.
      keyed[i] = ((long) (Integer.MAX_VALUE - bdd.level(e)) << 32) | (e & 0xFFFFFFFFL);
    }
    Arrays.sort(keyed);
    int[] out = new int[keyed.length];
    for (int i = 0; i < keyed.length; i++) {
      out[i] = (int) keyed[i];
    }
    return out;
  }

  private int buildGate(int g, int currentRoot) {
    if (gateBdd[g] != -1 && !(isModule[g] && g != currentRoot)) {
      return gateBdd[g];
    }
    int[] a = pdag.args(g);
    int r;
    switch (pdag.kind(g)) {
      case Pdag.AND -> {
        r = Bdd.TRUE;
        for (int x : deepestFirst(a, currentRoot)) {
          r = bdd.and(r, x);
        }
      }
      case Pdag.OR -> {
        r = Bdd.FALSE;
        for (int x : deepestFirst(a, currentRoot)) {
          r = bdd.or(r, x);
        }
      }
      case Pdag.XOR -> {
        r = Bdd.FALSE;
        for (int x : deepestFirst(a, currentRoot)) {
          r = bdd.xor(r, x);
        }
      }
      case Pdag.ATLEAST -> {
        int k = pdag.atleast(g);
        int[] lits = new int[a.length];
        for (int i = 0; i < a.length; i++) {
          lits[i] = literal(a[i], currentRoot);
        }
        int[] f = new int[k + 1];
        Arrays.fill(f, Bdd.FALSE);
        f[0] = Bdd.TRUE;
        for (int i = a.length - 1; i >= 0; i--) {
          for (int j = k; j >= 1; j--) {
            f[j] = bdd.ite(lits[i], f[j - 1], f[j]);
          }
        }
        r = f[k];
      }
      default -> throw new IllegalStateException("node kind " + pdag.kind(g));
    }
    gateBdd[g] = r;
    return r;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Probability.

  private double levelProb(int level) {
    double v = probOfLevel[level];
    if (Double.isNaN(v)) {
      int m = moduleOfLevel[level];
      v = edgeP(moduleProxyFn[m]);
      probOfLevel[level] = v;
    }
    return v;
  }

  private void computeProbabilities() {
    probOfLevel = new double[levels];
    for (int l = 0; l < levels; l++) {
      probOfLevel[l] = basicOfLevel[l] >= 0 ? p[basicOfLevel[l]] : Double.NaN;
    }
    int size = bdd.size();
    nodeP = new double[size];
    nodeQ = new double[size];
    nodeP[0] = 1;
    nodeQ[0] = 0;
    for (int n = 1; n < size; n++) {
      double pv = levelProb(bdd.levelOf(n));
      double qv = 1 - pv;
      int h = bdd.highOf(n);
      int l = bdd.lowOf(n);
      double ph = nodeP[h >>> 1];
      double qh = nodeQ[h >>> 1];
      double pl = (l & 1) == 0 ? nodeP[l >>> 1] : nodeQ[l >>> 1];
      double ql = (l & 1) == 0 ? nodeQ[l >>> 1] : nodeP[l >>> 1];
      nodeP[n] = pv * ph + qv * pl;
      nodeQ[n] = pv * qh + qv * ql;
    }
  }

  /** The probability that the function of a BDD edge is true. */
  double edgeP(int e) {
    return (e & 1) == 0 ? nodeP[e >>> 1] : nodeQ[e >>> 1];
  }

  /** The exact probability of the top event. */
  public double probability() {
    return edgeP(topEdge);
  }

  /**
   * The Birnbaum importance {@code dP(top)/dp(e)} of every basic event, by index: one backward pass over each module's
   * BDD, chained through the proxies.
   */
  public double[] birnbaum() {
    double[] out = new double[p.length];
    if (topEdge == Bdd.TRUE || topEdge == Bdd.FALSE) {
      return out;
    }
    double[] levelD = new double[levels];
    double[] weight = new double[bdd.size()];
    boolean[] seen = new boolean[bdd.size()];
    // Module order: the top first, then modules in numbering order (a parent's number is smaller than its
    // children's), so each module's derivative is complete before its nodes are visited.
    backward(topEdge, 1.0, levelD, weight, seen);
    for (int m = 1; m <= moduleCount; m++) {
      backward(moduleProxyFn[m], levelD[moduleLevel[m]], levelD, weight, seen);
    }
    for (int l = 0; l < levels; l++) {
      if (basicOfLevel[l] >= 0) {
        out[basicOfLevel[l]] = levelD[l];
      }
    }
    return out;
  }

  /**
   * Accumulates {@code d * dP(root)/dp(level)} into levelD. A node's weight is the derivative of the result with
   * respect to its probability; children have smaller ids than parents, so decreasing ids is a topological order.
   */
  private void backward(int rootEdge, double d, double[] levelD, double[] weight, boolean[] seen) {
    int rootNode = rootEdge >>> 1;
    if (rootNode == 0 || d == 0) {
      return;
    }
    int[] nodes = new int[64];
    int count = 0;
    int[] stack = new int[64];
    int sp = 0;
    stack[sp++] = rootNode;
    seen[rootNode] = true;
    while (sp > 0) {
      int n = stack[--sp];
      if (count == nodes.length) {
        nodes = Arrays.copyOf(nodes, count * 2);
      }
      nodes[count++] = n;
      for (int c : new int[] {bdd.highOf(n) >>> 1, bdd.lowOf(n) >>> 1}) {
        if (c != 0 && !seen[c]) {
          seen[c] = true;
          if (sp == stack.length) {
            stack = Arrays.copyOf(stack, sp * 2);
          }
          stack[sp++] = c;
        }
      }
    }
    Arrays.sort(nodes, 0, count);
    weight[rootNode] = (rootEdge & 1) == 0 ? d : -d;
    for (int i = count - 1; i >= 0; i--) {
      int n = nodes[i];
      double w = weight[n];
      if (w == 0) {
        continue;
      }
      int lvl = bdd.levelOf(n);
      double pv = levelProb(lvl);
      int h = bdd.highOf(n);
      int l = bdd.lowOf(n);
      levelD[lvl] += w * (edgeP(h) - edgeP(l));
      weight[h >>> 1] += w * pv;
      weight[l >>> 1] += (l & 1) == 0 ? w * (1 - pv) : -w * (1 - pv);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // ZBDD of minimal cut sets.

  private final Map<Long, Integer> convMemo = new HashMap<>();
  private int[] convMemoFlat;
  private int[] minOrderOfModule = new int[16];

  private void convertAll() {
    convMemoFlat = limitOrder == Integer.MAX_VALUE ? new int[bdd.size() * 2] : null;
    if (convMemoFlat != null) {
      Arrays.fill(convMemoFlat, -1);
    }
    minOrderOfModule = new int[moduleCount + 1];
    // Children before parents: a module's proxy level is greater than its parent's, and modules were numbered in
    // level order, so going down from the last module converts children first.
    for (int m = moduleCount; m >= 1; m--) {
      moduleZ[m] = convert(moduleProxyFn[m], limitOrder);
      minOrderOfModule[m] = minOrder(moduleZ[m], this::cutSetWeight, new HashMap<>());
    }
    topZ = convert(topEdge, limitOrder);
    convMemoFlat = null;
    convMemo.clear();
  }

  private int convert(int e, int budget) {
    if (e == Bdd.TRUE) {
      return Zbdd.BASE;
    }
    if (e == Bdd.FALSE || budget < 0) {
      return Zbdd.EMPTY;
    }
    if (budget == 0) {
      return bdd.valueAtZero(e) ? Zbdd.BASE : Zbdd.EMPTY;
    }
    if (convMemoFlat != null) {
      int c = convMemoFlat[e];
      if (c != -1) {
        return c;
      }
    } else {
      Integer c = convMemo.get(((long) e << 32) | budget);
      if (c != null) {
        return c;
      }
    }
    int node = e >>> 1;
    int comp = e & 1;
    int lvl = bdd.levelOf(node);
    int h = bdd.highOf(node) ^ comp;
    int l = bdd.lowOf(node) ^ comp;
    int zl = convert(l, budget);
    int r;
    if (zl == Zbdd.BASE) {
      r = Zbdd.BASE;
    } else {
      int weight = basicOfLevel[lvl] >= 0 ? 1 : minOrderOfModule[moduleOfLevel[lvl]];
      int zh = weight > budget ? Zbdd.EMPTY : convert(h, budget == Integer.MAX_VALUE ? budget : budget - weight);
      r = zbdd.mk(lvl, zbdd.without(zh, zl), zl);
    }
    if (convMemoFlat != null) {
      convMemoFlat[e] = r;
    } else {
      convMemo.put(((long) e << 32) | budget, r);
    }
    return r;
  }

  /**
   * The fewest literals of a set in the family {@code z}, where taking the variable of ZBDD level {@code lvl} costs
   * {@code weight.applyAsInt(lvl)} literals (a module's proxy costs its own fewest); memoised in {@code memo}.
   */
  private int minOrder(int z, IntUnaryOperator weight, Map<Integer, Integer> memo) {
    if (z == Zbdd.EMPTY) {
      return Integer.MAX_VALUE;
    }
    if (z == Zbdd.BASE) {
      return 0;
    }
    Integer c = memo.get(z);
    if (c != null) {
      return c;
    }
    int w = weight.applyAsInt(zbdd.level(z));
    int h = minOrder(zbdd.high(z), weight, memo);
    int r = Math.min(h == Integer.MAX_VALUE ? h : h + w, minOrder(zbdd.low(z), weight, memo));
    memo.put(z, r);
    return r;
  }

  /** The weight of a level of a minimal-cut-set family: a basic event 1, a module its fewest. */
  private int cutSetWeight(int lvl) {
    return basicOfLevel[lvl] >= 0 ? 1 : minOrderOfModule[moduleOfLevel[lvl]];
  }

  // ---------------------------------------------------------------------------------------------------------------
  // ZBDD of prime implicants.

  // The family of each phase of each module's proxy: [m][0] of its function, [m][1] of its complement (-1 until
  // needed: the complement's family is built only if a parent's prime implicants hold the negative proxy literal).
  private int[][] primeOfModule;
  private int[] minOrderOfPositive;
  private int[] primeMemoFlat;
  private final Map<Long, Integer> primeMemo = new HashMap<>();
  // A lower bound of the fewest literals of a prime implicant of each BDD edge's function (-1: not computed yet).
  private int[] fewestLiterals = new int[0];

  /**
   * Builds the prime implicants: each module's positive family, children first (so their minimal orders bound the
   * budgets of their parents), then the top's; a negative family when first needed.
   */
  private void convertAllPrime() {
    primeMemoFlat = limitOrder == Integer.MAX_VALUE ? new int[0] : null;
    primeOfModule = new int[moduleCount + 1][];
    minOrderOfPositive = new int[moduleCount + 1];
    for (int m = moduleCount; m >= 1; m--) {
      primeOfModule[m] = new int[] {prime(moduleProxyFn[m], limitOrder), -1};
      minOrderOfPositive[m] = minOrder(primeOfModule[m][0], this::primeWeight, new HashMap<>());
    }
    topZ = prime(topEdge, limitOrder);
    primeMemoFlat = null;
    primeMemo.clear();
    fewestLiterals = null;
  }

  /**
   * A lower bound of the number of literals of the shortest prime implicant of the function of {@code e} (a proxy's
   * positive literal counting as its family's shortest product, its negative one as 1), so that a budget below it
   * prunes the whole sub-problem. From the decomposition in {@link #prime}: a product of {@code PI(f1 f0)} is an
   * implicant of both f1 and f0, so it is at least as long as both bounds; the others have one literal more than a
   * product of {@code PI(f1)} or {@code PI(f0)}. The bound is monotone in the children's bounds, hence valid.
   */
  private int fewestLiterals(int e) {
    if (e == Bdd.TRUE) {
      return 0;
    }
    if (e == Bdd.FALSE) {
      return Integer.MAX_VALUE;
    }
    if (e < fewestLiterals.length && fewestLiterals[e] != -1) {
      return fewestLiterals[e];
    }
    int node = e >>> 1;
    int comp = e & 1;
    int lvl = bdd.levelOf(node);
    int a = fewestLiterals(bdd.highOf(node) ^ comp);
    int b = fewestLiterals(bdd.lowOf(node) ^ comp);
    int module = moduleOfLevel[lvl];
    int positiveWeight = module < 0 ? 1 : minOrderOfPositive[module];
    int r = Math.min(Math.max(a, b), Math.min(a == Integer.MAX_VALUE ? a : a + positiveWeight,
        b == Integer.MAX_VALUE ? b : b + 1));
    if (e >= fewestLiterals.length) {
      int old = fewestLiterals.length;
      fewestLiterals = Arrays.copyOf(fewestLiterals, Math.max(e + 1, bdd.size() * 2));
      Arrays.fill(fewestLiterals, old, fewestLiterals.length, -1);
    }
    fewestLiterals[e] = r;
    return r;
  }

  /**
   * The prime implicants of the function of BDD edge {@code e} with at most {@code budget} literals (counting a proxy
   * literal as the fewest literals its family's products have, a lower bound, so nothing within the budget is lost),
   * by Coudert and Madre's decomposition: for {@code f = ite(x, f1, f0)},
   * {@code PI(f) = PI(f1 f0) + x . (PI(f1) - PI(f1 f0)) + not x . (PI(f0) - PI(f1 f0))} with "-" the plain set
   * difference: a prime of f1 is a prime of f once x is added, unless it also implies f0, and then it is exactly a
   * prime of {@code f1 f0}. Truncating to the budget keeps this exact, since a product within the budget is a
   * prime of {@code f1 f0} exactly when it is one within the budget. A module proxy's literals stand for the prime
   * implicants of the module's function or of its complement; the supports are disjoint, so substituting them gives
   * the prime implicants of the whole.
   */
  private int prime(int e, int budget) {
    if (e == Bdd.TRUE) {
      return Zbdd.BASE;
    }
    if (e == Bdd.FALSE || budget <= 0) {
      return Zbdd.EMPTY;
    }
    if (budget != Integer.MAX_VALUE && fewestLiterals(e) > budget) {
      return Zbdd.EMPTY;
    }
    if (primeMemoFlat != null) {
      if (e < primeMemoFlat.length && primeMemoFlat[e] != -1) {
        return primeMemoFlat[e];
      }
    } else {
      Integer c = primeMemo.get(((long) e << 32) | budget);
      if (c != null) {
        return c;
      }
    }
    int node = e >>> 1;
    int comp = e & 1;
    int lvl = bdd.levelOf(node);
    int h = bdd.highOf(node) ^ comp;
    int l = bdd.lowOf(node) ^ comp;
    int both = bdd.and(h, l);
    int zb = prime(both, budget);
    int module = moduleOfLevel[lvl];
    int positiveWeight = module < 0 ? 1 : minOrderOfPositive[module];
    int zh = positiveWeight > budget ? Zbdd.EMPTY
        : zbdd.diff(prime(h, budget == Integer.MAX_VALUE ? budget : budget - positiveWeight), zb);
    int zl = zbdd.diff(prime(l, budget == Integer.MAX_VALUE ? budget : budget - 1), zb);
    if (module >= 0 && zl != Zbdd.EMPTY && primeOfModule[module][1] == -1) {
      primeOfModule[module][1] = prime(moduleProxyFn[module] ^ 1, limitOrder);
    }
    int r = zbdd.mk(2 * lvl, zh, zbdd.mk(2 * lvl + 1, zl, zb));
    if (primeMemoFlat != null) {
      if (e >= primeMemoFlat.length) {
        int old = primeMemoFlat.length;
        primeMemoFlat = Arrays.copyOf(primeMemoFlat, Math.max(e + 1, bdd.size() * 2));
        Arrays.fill(primeMemoFlat, old, primeMemoFlat.length, -1);
      }
      primeMemoFlat[e] = r;
    } else {
      primeMemo.put(((long) e << 32) | budget, r);
    }
    return r;
  }

  /**
   * The weight of a level of a prime-implicant family (two ZBDD levels per variable, the odd one negative): a basic
   * literal or a negative proxy 1, a positive module proxy its fewest.
   */
  private int primeWeight(int level) {
    int module = moduleOfLevel[level >>> 1];
    return module < 0 || (level & 1) != 0 ? 1 : minOrderOfPositive[module];
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Accessors for the family computations.

  /** The number of basic events. */
  public int basicCount() {
    return p.length;
  }

  /** The basic probabilities by index. */
  public double[] basicProbabilities() {
    return p.clone();
  }

  /** The number of modules besides the top. */
  public int moduleCount() {
    return moduleCount;
  }

  /** The BDD node count. */
  public int bddSize() {
    return bdd.size();
  }

  /** The ZBDD node count. */
  public int zbddSize() {
    return zbdd.size();
  }

  /**
   * A view of the family for counting, sums and enumeration: the minimal cut sets, whose items are the basic events
   * by index; or the prime implicants, whose items are literals, {@code 2 i} for basic event i failed and
   * {@code 2 i + 1} for it working.
   */
  public Family family() {
    int[] basic = Arrays.copyOf(basicOfLevel, levels);
    int[] module = Arrays.copyOf(moduleOfLevel, levels);
    if (!primeImplicants) {
      return new Family(zbdd, new Family.Layout(topZ, basic, module, Arrays.copyOf(moduleZ, moduleCount + 1), p));
    }
    int[] item = new int[2 * levels];
    int[] group = new int[2 * levels];
    for (int l = 0; l < levels; l++) {
      for (int s = 0; s < 2; s++) {
        item[2 * l + s] = basic[l] >= 0 ? 2 * basic[l] + s : -1;
        group[2 * l + s] = module[l] >= 0 ? 2 * module[l] - 1 + s : -1;
      }
    }
    int[] roots = new int[2 * moduleCount + 1];
    for (int m = 1; m <= moduleCount; m++) {
      roots[2 * m - 1] = primeOfModule[m][0];
      roots[2 * m] = primeOfModule[m][1] == -1 ? Zbdd.EMPTY : primeOfModule[m][1];
    }
    double[] itemP = new double[2 * p.length];
    for (int i = 0; i < p.length; i++) {
      itemP[2 * i] = p[i];
      itemP[2 * i + 1] = 1 - p[i];
    }
    return new Family(zbdd, new Family.Layout(topZ, item, group, roots, itemP));
  }
}
