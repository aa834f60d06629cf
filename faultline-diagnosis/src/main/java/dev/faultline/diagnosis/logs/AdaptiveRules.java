package dev.faultline.diagnosis.logs;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The matching rules of {@code default} mode, which need no per-log settings; every method runs under the lock of the
 * bucket it is given.
 *
 * <p>Messages are masked by {@link GenericMasker} and compared position by position with the templates of the same
 * token count. At each position a template either has a wildcard (free), the same token (a shared constant), a token
 * in <em>soft</em> conflict with the message's, or one in <em>hard</em> conflict. Two tokens are in soft conflict when
 * one is a variable, when both hold variables and agree once these are removed ({@code (<*>)} and {@code ()}), or when
 * both give a non-empty value to the same key and one value holds a variable ({@code ws=null} and
 * {@code ws=WorkSource{<*>}}); two different words are in hard conflict.
 *
 * <p>A message joins the template that shares most constants with it (the oldest on ties) among those with no hard
 * conflict, at least as many shared constants as soft conflicts, and at least one shared constant unless the message
 * has none; joining turns the positions that differ into wildcards. Different words in one position are thus taken as
 * different templates until there is evidence that the position is variable: when {@value #SLOT_VALUES} or more
 * templates differ only in one position, by words, and share a constant, that position is a variable and they merge.
 * The leading position needs {@value #LEADING_SLOT_VALUES} such words, as Drain assumes leading tokens are constants
 * (and bounds, with its {@code maxChildren}, how many templates a variable leading word can found). Whenever a
 * template gains a wildcard it absorbs every other template that it now takes.
 */
final class AdaptiveRules {
  private static final String W = TemplateMiner.WILDCARD;
  /** How many different words in one position make it a variable. */
  static final int SLOT_VALUES = 3;
  /**
   * How many different words in the leading position make it a variable: as many as Drain's default
   * {@code maxChildren}, which bounds how many templates a variable leading word can found.
   */
  static final int LEADING_SLOT_VALUES = 100;

  private AdaptiveRules() {}

  /** The template the tokens join, or null. */
  static Cluster search(LengthBucket bucket, String[] tokens) {
    if (tokens.length == 0 || tokens[0].contains(W)) {
      return best(bucket.clusters, tokens, null);
    }
    // A leading word can only meet the same word, or a leading token holding a wildcard.
    return best(bucket.wildLead, tokens, best(bucket.byLead.getOrDefault(tokens[0], List.of()), tokens, null));
  }

  /** The best of {@code candidates} (most shared constants, then oldest), or {@code current} if it is better. */
  private static Cluster best(List<Cluster> candidates, String[] tokens, Cluster current) {
    Cluster best = current;
    int bestSame = current == null ? -1 : fit(current.template, tokens, -1);
    for (int c = 0, n = candidates.size(); c < n; c++) {
      Cluster cluster = candidates.get(c);
      if (cluster.mergedInto != null) {
        continue;
      }
      int same = fit(cluster.template, tokens, -1);
      if (same > bestSame || same == bestSame && same >= 0 && cluster.id < best.id) {
        bestSame = same;
        best = cluster;
      }
    }
    return best;
  }

  /**
   * How many constants the template shares with the tokens, or -1 if it cannot take them; position {@code free}
   * (if not -1) is treated as a wildcard.
   */
  static int fit(String[] template, String[] tokens, int free) {
    int same = 0;
    int conflicts = 0;
    boolean constants = false;
    for (int i = 0; i < template.length; i++) {
      String t = template[i];
      String m = tokens[i];
      boolean variable = m.equals(W);
      constants |= !variable;
      if (i == free || t.equals(W)) {
        continue;
      }
      if (t.equals(m)) {
        same++;
      } else if (soft(t, m)) {
        conflicts++;
      } else {
        return -1;
      }
    }
    return same >= conflicts && (same > 0 || !constants) ? same : -1;
  }

  /** Whether two different tokens conflict only softly (see the class comment). */
  static boolean soft(String a, String b) {
    if (a.equals(W) || b.equals(W)) {
      return true;
    }
    boolean wa = a.contains(W);
    boolean wb = b.contains(W);
    if (!wa && !wb) {
      return false;
    }
    if (a.replace(W, "").equals(b.replace(W, ""))) {
      return true;
    }
    int key = keyLength(a);
    return key > 0 && key == keyLength(b) && a.regionMatches(0, b, 0, key) && a.length() > key && b.length() > key;
  }

  /** The length of a leading {@code key=} or {@code key:}, or -1. */
  private static int keyLength(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '=' || c == ':') {
        return i + 1;
      }
      if (!Character.isLetterOrDigit(c) && c != '_' && c != '.' && c != '-') {
        return -1;
      }
    }
    return -1;
  }

  /** The template generalised to cover {@code tokens}: differing positions become wildcards; the same array if none. */
  static String[] generalise(String[] template, String[] tokens) {
    return DrainRules.generalise(template, tokens);
  }

  /** Joins the message to the template and, if the template gained a wildcard, lets it absorb the templates it now takes. */
  static void join(LengthBucket bucket, Cluster cluster, String[] tokens) {
    cluster.size = cluster.size + 1;
    String[] template = cluster.template;
    String[] merged = generalise(template, tokens);
    if (merged != template) {
      bucket.retemplate(cluster, merged);
      absorb(bucket, cluster);
    }
  }

  /** Founds a template for the tokens, merging it at once with siblings that show a variable slot; the survivor. */
  static Cluster found(LengthBucket bucket, Cluster fresh) {
    bucket.clusters.add(fresh);
    bucket.index(fresh);
    Cluster survivor = mergeSlot(bucket, fresh);
    if (survivor != fresh) {
      absorb(bucket, survivor);
    }
    return survivor;
  }

  /** Merges into {@code c} every other live template of the bucket that {@code c} takes, until none is left. */
  private static void absorb(LengthBucket bucket, Cluster c) {
    boolean changed = true;
    while (changed) {
      changed = false;
      for (Cluster d : bucket.clusters) {
        if (d == c || d.mergedInto != null || fit(c.template, d.template, -1) < 0) {
          continue;
        }
        bucket.unindex(d);
        d.mergedInto = c;
        c.size = c.size + d.size;
        String[] merged = generalise(c.template, d.template);
        changed |= merged != c.template;
        bucket.retemplate(c, merged);
      }
    }
  }

  /** Merges {@code fresh} with the templates that differ from it only by words in one non-leading position. */
  private static Cluster mergeSlot(LengthBucket bucket, Cluster fresh) {
    String[] f = fresh.template;
    List<List<Cluster>> byPosition = new ArrayList<>(f.length);
    for (int i = 0; i < f.length; i++) {
      byPosition.add(null);
    }
    for (Cluster c : bucket.clusters) {
      if (c == fresh || c.mergedInto != null) {
        continue;
      }
      int p = onlyHardConflict(c.template, f);
      if (p >= 0 && fit(c.template, f, p) > 0) {
        if (byPosition.get(p) == null) {
          byPosition.set(p, new ArrayList<>());
        }
        byPosition.get(p).add(c);
      }
    }
    for (int p = 0; p < f.length; p++) {
      List<Cluster> siblings = byPosition.get(p);
      if (siblings == null) {
        continue;
      }
      Set<String> words = new HashSet<>();
      words.add(f[p]);
      for (Cluster c : siblings) {
        words.add(c.template[p]);
      }
      if (words.size() < (p == 0 ? LEADING_SLOT_VALUES : SLOT_VALUES)) {
        continue;
      }
      siblings.add(fresh);
      Cluster survivor = fresh;
      for (Cluster c : siblings) {
        if (c.id < survivor.id) {
          survivor = c;
        }
      }
      String[] merged = survivor.template.clone();
      merged[p] = W;
      long size = 0;
      for (Cluster c : siblings) {
        merged = generalise(merged, c.template);
        size += c.size;
        if (c != survivor) {
          bucket.unindex(c);
          c.mergedInto = survivor;
        }
      }
      bucket.retemplate(survivor, merged);
      survivor.size = size;
      return survivor;
    }
    return fresh;
  }

  /** The single position where the two templates conflict hard, or -1 if there is none or more than one. */
  private static int onlyHardConflict(String[] a, String[] b) {
    int position = -1;
    for (int i = 0; i < a.length; i++) {
      if (!a[i].equals(b[i]) && !soft(a[i], b[i])) {
        if (position >= 0) {
          return -1;
        }
        position = i;
      }
    }
    return position;
  }
}
