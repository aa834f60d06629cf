package dev.faultline.diagnosis.fta.internal;

import java.util.Arrays;

/**
 * A zero-suppressed decision diagram manager for families of sets (here: minimal cut sets). Node 0 is the empty
 * family {@link #EMPTY}, node 1 the family holding only the empty set {@link #BASE}. A node {@code (v, hi, lo)} is the
 * family {@code {S + v : S in hi} + lo}; variables are levels as in {@link Bdd}. Nodes are never freed. Not
 * thread-safe.
 */
public final class Zbdd {
  /** The empty family. */
  public static final int EMPTY = 0;
  /** The family holding only the empty set. */
  public static final int BASE = 1;
  private static final int TERMINAL_LEVEL = Integer.MAX_VALUE;

  private int[] level = new int[1 << 16];
  private int[] high = new int[1 << 16];
  private int[] low = new int[1 << 16];
  private int size = 2;

  private int[] table = new int[1 << 17];
  private int tableMask = table.length - 1;

  private int[] cacheP;
  private int[] cacheQ;
  private int[] cacheR;
  private int cacheMask;
  // A cache of its own for diff: the entries carry no operation tag.
  private int[] diffP;
  private int[] diffQ;
  private int[] diffR;
  private int diffMask;

  private final Cancellation cancellation;

  /** Creates an empty manager that is never cancelled. */
  public Zbdd() {
    this(Cancellation.never());
  }

  /** Creates an empty manager whose node requests tick {@code cancellation}. */
  public Zbdd(Cancellation cancellation) {
    this.cancellation = cancellation;
    level[0] = TERMINAL_LEVEL;
    level[1] = TERMINAL_LEVEL;
    int cache = 1 << 18;
    cacheP = new int[cache];
    cacheQ = new int[cache];
    cacheR = new int[cache];
    Arrays.fill(cacheP, -1);
    cacheMask = cache - 1;
  }

  /** The number of nodes, terminals included. */
  public int size() {
    return size;
  }

  /** The level of a node ({@code Integer.MAX_VALUE} for a terminal). */
  public int level(int node) {
    return level[node];
  }

  /** The family of sets containing the node's variable (with it removed). */
  public int high(int node) {
    return high[node];
  }

  /** The family of sets without the node's variable. */
  public int low(int node) {
    return low[node];
  }

  /** The node {@code (lvl, h, l)}, zero-suppressed and hash-consed. */
  public int mk(int lvl, int h, int l) {
    // Every apply step that misses its cache ends here, so counting here bounds the work between two polls.
    cancellation.tick();
    if (h == EMPTY) {
      return l;
    }
    int hash = hash(lvl, h, l) & tableMask;
    while (true) {
      int n = table[hash];
      if (n == 0) {
        break;
      }
      if (level[n] == lvl && high[n] == h && low[n] == l) {
        return n;
      }
      hash = (hash + 1) & tableMask;
    }
    if (size == level.length) {
      int n = level.length * 2;
      if (n < 0 || n > (1 << 30)) {
        throw new IllegalStateException("ZBDD exceeds 2^30 nodes");
      }
      level = Arrays.copyOf(level, n);
      high = Arrays.copyOf(high, n);
      low = Arrays.copyOf(low, n);
    }
    int n = size++;
    level[n] = lvl;
    high[n] = h;
    low[n] = l;
    table[hash] = n;
    if (size * 2L > table.length) {
      rehash();
    }
    return n;
  }

  private static int hash(int a, int b, int c) {
    int h = a * 0x9E3779B1 + b * 0x85EBCA77 + c * 0xC2B2AE3D;
    return h ^ (h >>> 15);
  }

  private void rehash() {
    table = new int[table.length * 2];
    tableMask = table.length - 1;
    for (int n = 2; n < size; n++) {
      int hash = hash(level[n], high[n], low[n]) & tableMask;
      while (table[hash] != 0) {
        hash = (hash + 1) & tableMask;
      }
      table[hash] = n;
    }
    if (cacheP.length < table.length && cacheP.length < (1 << 24)) {
      int c = cacheP.length * 2;
      cacheP = new int[c];
      cacheQ = new int[c];
      cacheR = new int[c];
      Arrays.fill(cacheP, -1);
      cacheMask = c - 1;
    }
  }

  /** The sets of {@code p} that are not sets of {@code q} (plain set difference). */
  public int diff(int p, int q) {
    if (p == EMPTY || p == q) {
      return EMPTY;
    }
    if (q == EMPTY) {
      return p;
    }
    int lp = level[p];
    int lq = level[q];
    if (lq < lp) {
      return diff(p, low[q]);
    }
    if (diffP == null) {
      int c = 1 << 16;
      diffP = new int[c];
      diffQ = new int[c];
      diffR = new int[c];
      Arrays.fill(diffP, -1);
      diffMask = c - 1;
    } else if (diffP.length < cacheP.length) {
      int c = cacheP.length;
      diffP = new int[c];
      diffQ = new int[c];
      diffR = new int[c];
      Arrays.fill(diffP, -1);
      diffMask = c - 1;
    }
    int slot = hash(p, q, 11) & diffMask;
    if (diffP[slot] == p && diffQ[slot] == q) {
      return diffR[slot];
    }
    int r;
    if (lp < lq) {
      r = mk(lp, high[p], diff(low[p], q));
    } else {
      r = mk(lp, diff(high[p], high[q]), diff(low[p], low[q]));
    }
    slot = hash(p, q, 11) & diffMask;
    diffP[slot] = p;
    diffQ[slot] = q;
    diffR[slot] = r;
    return r;
  }

  /**
   * The sets of {@code p} that contain no set of {@code q} (Rauzy's "without"): with {@code p} and {@code q} minimal,
   * the result is {@code p} minimised against {@code q}.
   */
  public int without(int p, int q) {
    if (p == EMPTY || q == BASE || p == q) {
      return EMPTY;
    }
    if (q == EMPTY || p == BASE) {
      return p;
    }
    int lp = level[p];
    int lq = level[q];
    if (lq < lp) {
      return without(p, low[q]);
    }
    int slot = hash(p, q, 7) & cacheMask;
    if (cacheP[slot] == p && cacheQ[slot] == q) {
      return cacheR[slot];
    }
    int r;
    if (lp < lq) {
      r = mk(lp, without(high[p], q), without(low[p], q));
    } else {
      r = mk(lp, without(without(high[p], high[q]), low[q]), without(low[p], low[q]));
    }
    slot = hash(p, q, 7) & cacheMask;
    cacheP[slot] = p;
    cacheQ[slot] = q;
    cacheR[slot] = r;
    return r;
  }
}
