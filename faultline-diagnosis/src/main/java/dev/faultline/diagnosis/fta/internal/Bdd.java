package dev.faultline.diagnosis.fta.internal;

import java.util.Arrays;

/**
 * A reduced ordered binary decision diagram manager with complement edges (CUDD style: the high edge is never
 * complemented). An edge is {@code node << 1 | complement}; node 0 is the terminal, so {@link #TRUE} is 0 and
 * {@link #FALSE} is 1. Variables are identified by their level: a smaller level is closer to the root. Nodes are never
 * freed: one manager serves one analysis. Not thread-safe.
 */
public final class Bdd {
  /** The constant true. */
  public static final int TRUE = 0;
  /** The constant false. */
  public static final int FALSE = 1;
  private static final int TERMINAL_LEVEL = Integer.MAX_VALUE;

  private int[] level = new int[1 << 16];
  private int[] high = new int[1 << 16];
  private int[] low = new int[1 << 16];
  private int size = 1;

  private int[] table = new int[1 << 17];
  private int tableMask = table.length - 1;

  private int[] cacheF;
  private int[] cacheG;
  private int[] cacheR;
  private int cacheMask;

  private final Cancellation cancellation;

  /** Creates an empty manager that is never cancelled. */
  public Bdd() {
    this(Cancellation.never());
  }

  /** Creates an empty manager whose node requests tick {@code cancellation}. */
  public Bdd(Cancellation cancellation) {
    this.cancellation = cancellation;
    level[0] = TERMINAL_LEVEL;
    int cache = 1 << 18;
    cacheF = new int[cache];
    cacheG = new int[cache];
    cacheR = new int[cache];
    Arrays.fill(cacheF, -1);
    cacheMask = cache - 1;
  }

  /** The number of nodes created, the terminal included. */
  public int size() {
    return size;
  }

  /** The level of the edge's node ({@code Integer.MAX_VALUE} for a constant). */
  public int level(int edge) {
    return level[edge >>> 1];
  }

  /** The high child of a node (node index, not edge): always a regular edge. */
  public int highOf(int node) {
    return high[node];
  }

  /** The low child of a node (node index, not edge). */
  public int lowOf(int node) {
    return low[node];
  }

  /** The level of a node (node index, not edge). */
  public int levelOf(int node) {
    return level[node];
  }

  /** The positive literal of the variable at {@code lvl}. */
  public int variable(int lvl) {
    return mk(lvl, TRUE, FALSE);
  }

  /** The node for {@code if var(lvl) then h else l}, reduced and hash-consed. */
  public int mk(int lvl, int h, int l) {
    // Every apply step that misses its cache ends here, so counting here bounds the work between two polls.
    cancellation.tick();
    if (h == l) {
      return h;
    }
    if ((h & 1) != 0) {
      return mk(lvl, h ^ 1, l ^ 1) ^ 1;
    }
    int hash = hash(lvl, h, l) & tableMask;
    while (true) {
      int n = table[hash];
      if (n == 0) {
        break;
      }
      if (level[n] == lvl && high[n] == h && low[n] == l) {
        return n << 1;
      }
      hash = (hash + 1) & tableMask;
    }
    if (size == level.length) {
      grow();
    }
    int n = size++;
    level[n] = lvl;
    high[n] = h;
    low[n] = l;
    table[hash] = n;
    if (size * 2L > table.length) {
      rehash();
    }
    return n << 1;
  }

  private static int hash(int a, int b, int c) {
    int h = a * 0x9E3779B1 + b * 0x85EBCA77 + c * 0xC2B2AE3D;
    return h ^ (h >>> 15);
  }

  private void grow() {
    int n = level.length * 2;
    if (n < 0 || n > (1 << 30)) {
      throw new IllegalStateException("BDD exceeds 2^30 nodes");
    }
    level = Arrays.copyOf(level, n);
    high = Arrays.copyOf(high, n);
    low = Arrays.copyOf(low, n);
  }

  private void rehash() {
    table = new int[table.length * 2];
    tableMask = table.length - 1;
    for (int n = 1; n < size; n++) {
      int hash = hash(level[n], high[n], low[n]) & tableMask;
      while (table[hash] != 0) {
        hash = (hash + 1) & tableMask;
      }
      table[hash] = n;
    }
    if (cacheF.length < table.length && cacheF.length < (1 << 24)) {
      int c = cacheF.length * 2;
      cacheF = new int[c];
      cacheG = new int[c];
      cacheR = new int[c];
      Arrays.fill(cacheF, -1);
      cacheMask = c - 1;
    }
  }

  /** Conjunction. */
  public int and(int f, int g) {
    if (f == FALSE || g == FALSE || f == (g ^ 1)) {
      return FALSE;
    }
    if (f == TRUE || f == g) {
      return g;
    }
    if (g == TRUE) {
      return f;
    }
    if (f > g) {
      int t = f;
      f = g;
      g = t;
    }
    int slot = hash(f, g, 1) & cacheMask;
    if (cacheF[slot] == f && cacheG[slot] == g) {
      return cacheR[slot];
    }
    int lf = level[f >>> 1];
    int lg = level[g >>> 1];
    int top = Math.min(lf, lg);
    int f1;
    int f0;
    int g1;
    int g0;
    if (lf == top) {
      int c = f & 1;
      f1 = high[f >>> 1] ^ c;
      f0 = low[f >>> 1] ^ c;
    } else {
      f1 = f;
      f0 = f;
    }
    if (lg == top) {
      int c = g & 1;
      g1 = high[g >>> 1] ^ c;
      g0 = low[g >>> 1] ^ c;
    } else {
      g1 = g;
      g0 = g;
    }
    int h = and(f1, g1);
    int l = and(f0, g0);
    int r = mk(top, h, l);
    slot = hash(f, g, 1) & cacheMask;
    cacheF[slot] = f;
    cacheG[slot] = g;
    cacheR[slot] = r;
    return r;
  }

  /** Disjunction. */
  public int or(int f, int g) {
    return and(f ^ 1, g ^ 1) ^ 1;
  }

  /** Exclusive or. */
  public int xor(int f, int g) {
    return or(and(f, g ^ 1), and(f ^ 1, g));
  }

  /** If-then-else. */
  public int ite(int c, int t, int e) {
    return or(and(c, t), and(c ^ 1, e));
  }

  /** The value of the function when every variable is false. */
  public boolean valueAtZero(int edge) {
    int parity = 0;
    while ((edge >>> 1) != 0) {
      parity ^= edge & 1;
      edge = low[edge >>> 1];
    }
    parity ^= edge & 1;
    return parity == 0;
  }
}
