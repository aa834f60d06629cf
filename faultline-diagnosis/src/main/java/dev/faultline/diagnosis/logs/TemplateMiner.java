package dev.faultline.diagnosis.logs;

import dev.faultline.core.ConfigurationException;
import dev.faultline.diagnosis.internal.PyText;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * An online log template miner: each message is masked, split into tokens and matched against the templates with
 * as many tokens; it joins the best one, turning the positions where they differ into {@code <*>}, or founds a new
 * template. Thread-safe.
 *
 * <p>Two modes:
 * <ul>
 *   <li>{@code drain} ({@link #drain()}) is the reference Drain (He et al., ICWS 2017, as implemented in
 *       logpai/logparser and used by the Loghub benchmark): masking regexes, a fixed-depth prefix tree (token count,
 *       then the first {@code depth - 2} tokens, tokens with digits under {@code <*>}, at most {@code maxChildren}
 *       children), and a similarity threshold. Given the same settings it groups lines exactly as the reference
 *       does.</li>
 *   <li>{@code default} ({@link #standard()}) needs no per-log settings: it masks by general rules
 *       ({@code GenericMasker}) and matches by token classes and evidence of variable positions
 *       ({@code AdaptiveRules}).</li>
 * </ul>
 *
 * <p>Concurrency: the templates are striped by token count, because a message is only ever compared with templates
 * of its own count. Each {@code LengthBucket}'s monitor guards its tree, its template list and the mutable fields of
 * its templates; lines of different lengths are mined in parallel. Templates are published as immutable arrays in
 * volatile fields, so {@link #template(int)} and {@link #templates()} never block miners. In {@code default} mode a
 * concurrent map remembers which template took each masked message; it is read without a lock, written under the
 * bucket's lock, and cleared when it reaches {@value #SEEN_LIMIT} entries. Template ids come from an atomic counter
 * and, within a bucket, grow in order of creation.
 */
public final class TemplateMiner {
  /** The wildcard that stands for a variable part of a message in a template. */
  public static final String WILDCARD = "<*>";
  /** The most masked messages whose template {@code default} mode remembers. */
  static final int SEEN_LIMIT = 1 << 16;

  /** How a {@link TemplateMiner} mines templates. */
  public enum Mode {
    /** Exactly the reference Drain, given its per-log settings. */
    DRAIN,
    /** Faultline's own rules, which need only the messages. */
    DEFAULT
  }

  private final Mode mode;
  private final DrainSettings drain;
  private final MaskingRegex[] masks;
  private final ConcurrentHashMap<Integer, LengthBucket> buckets = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Integer, Cluster> byId = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Cluster> seen = new ConcurrentHashMap<>();
  private final AtomicInteger nextId;

  TemplateMiner(Mode mode, DrainSettings drain, int firstId) {
    this.mode = mode;
    this.drain = drain;
    this.masks = drain == null ? new MaskingRegex[0] : compileMasks(drain.maskingRegexes());
    this.nextId = new AtomicInteger(firstId);
  }

  /** A miner in {@code default} mode, which needs no per-log settings. */
  public static TemplateMiner standard() {
    return new TemplateMiner(Mode.DEFAULT, null, 1);
  }

  /** A builder of a miner in {@code drain} mode, which reproduces the reference Drain given the same settings. */
  public static Builder drain() {
    return new Builder();
  }

  /** A miner in {@code drain} mode with these settings. */
  public static TemplateMiner drain(DrainSettings settings) {
    if (settings == null) {
      throw new ConfigurationException("settings", "not be null", "null");
    }
    return new TemplateMiner(Mode.DRAIN, settings, 1);
  }

  private static MaskingRegex[] compileMasks(List<String> regexes) {
    MaskingRegex[] out = new MaskingRegex[regexes.size()];
    for (int i = 0; i < out.length; i++) {
      try {
        // Python's str patterns: Unicode classes, and '.' stops only at '\n'.
        out[i] = new MaskingRegex(Pattern.compile(regexes.get(i), Pattern.UNICODE_CHARACTER_CLASS
            | Pattern.UNIX_LINES), WILDCARD);
      } catch (PatternSyntaxException e) {
        throw new ConfigurationException("maskingRegexes[" + i + "]", "be a valid regular expression",
            "\"" + regexes.get(i) + "\" (" + e.getDescription() + ")");
      }
    }
    return out;
  }

  /** This miner's mode. */
  public Mode mode() {
    return mode;
  }

  /** The Drain settings, in {@code drain} mode. */
  public Optional<DrainSettings> drainSettings() {
    return Optional.ofNullable(drain);
  }

  /**
   * Mines one message: finds its template, or founds a new one, and generalises the template where they differ.
   *
   * @return the template the message now belongs to, as it is right after this message
   */
  public TemplateMatch add(String content) {
    Objects.requireNonNull(content, "content");
    if (mode == Mode.DRAIN) {
      return addDrain(tokenize(content));
    }
    String masked = GenericMasker.mask(content);
    Cluster known = seen.get(masked);
    if (known != null) {
      LengthBucket bucket = buckets.get(known.template.length);
      synchronized (bucket) {
        Cluster cluster = known.resolve();
        cluster.size = cluster.size + 1;
        return new TemplateMatch(cluster.id, cluster.template);
      }
    }
    String[] tokens = GenericMasker.split(masked);
    LengthBucket bucket = buckets.computeIfAbsent(tokens.length, LengthBucket::new);
    synchronized (bucket) {
      Cluster cluster = AdaptiveRules.search(bucket, tokens);
      if (cluster == null) {
        Cluster fresh = newCluster(tokens, tokens, 1);
        cluster = AdaptiveRules.found(bucket, fresh);
      } else {
        AdaptiveRules.join(bucket, cluster, tokens);
      }
      remember(masked, cluster);
      return new TemplateMatch(cluster.id, cluster.template);
    }
  }

  private TemplateMatch addDrain(String[] tokens) {
    LengthBucket bucket = buckets.computeIfAbsent(tokens.length, LengthBucket::new);
    synchronized (bucket) {
      Cluster cluster = DrainRules.search(bucket, tokens, drain);
      if (cluster == null) {
        cluster = newCluster(tokens, tokens, 1);
        bucket.clusters.add(cluster);
        DrainRules.place(bucket, cluster, drain);
      } else {
        cluster.size = cluster.size + 1;
        cluster.template = DrainRules.generalise(cluster.template, tokens);
      }
      return new TemplateMatch(cluster.id, cluster.template);
    }
  }

  private Cluster newCluster(String[] key, String[] template, long size) {
    Cluster cluster = new Cluster(nextId.getAndIncrement(), key, template, size);
    byId.put(cluster.id, cluster);
    return cluster;
  }

  private void remember(String masked, Cluster cluster) {
    if (seen.size() >= SEEN_LIMIT) {
      seen.clear();
    }
    seen.putIfAbsent(masked, cluster);
  }

  /** Finds the template a message would join, without learning from it. */
  public Optional<TemplateMatch> match(String content) {
    Objects.requireNonNull(content, "content");
    String[] tokens = tokenize(content);
    LengthBucket bucket = buckets.get(tokens.length);
    if (bucket == null) {
      return Optional.empty();
    }
    synchronized (bucket) {
      Cluster cluster;
      if (mode == Mode.DRAIN) {
        cluster = DrainRules.search(bucket, tokens, drain);
      } else {
        Cluster known = seen.get(String.join(" ", tokens));
        cluster = known != null ? known.resolve() : AdaptiveRules.search(bucket, tokens);
      }
      return cluster == null ? Optional.empty() : Optional.of(new TemplateMatch(cluster.id, cluster.template));
    }
  }

  /**
   * The values of the {@code <*>} slots of the template a message would join, in order; empty if it would join none
   * or does not fit its template's text.
   */
  public Optional<List<String>> parameters(String content) {
    return match(content).flatMap(m -> TemplateText.parameters(m.template(), content));
  }

  /**
   * The current template with this id, or the one it was merged into.
   *
   * @throws IllegalArgumentException if no template has this id
   */
  public LogTemplate template(int id) {
    Cluster c = byId.get(id);
    if (c == null) {
      throw new IllegalArgumentException("no template with id " + id);
    }
    c = c.resolve();
    return new LogTemplate(c.id, c.template, c.size);
  }

  /** Every current template, by id. */
  public List<LogTemplate> templates() {
    List<LogTemplate> out = new ArrayList<>();
    for (Cluster c : byId.values()) {
      if (c.mergedInto == null) {
        out.add(new LogTemplate(c.id, c.template, c.size));
      }
    }
    out.sort(Comparator.comparingInt(LogTemplate::id));
    return out;
  }

  /** The masked tokens of a message, as this miner compares them. */
  String[] tokenize(String content) {
    if (mode == Mode.DEFAULT) {
      return GenericMasker.tokens(content);
    }
    String s = content;
    for (MaskingRegex mask : masks) {
      s = mask.replaceAll(s);
    }
    return PyText.split(s);
  }

  /**
   * Writes this miner's state: its settings and templates, from which {@link #readSnapshot(Reader)} rebuilds a miner
   * that mines on exactly as this one would. The format is described in {@code TemplateSnapshot}. Takes each bucket's
   * lock in turn, so a snapshot taken while other threads mine is consistent per token count.
   *
   * @throws IOException if writing fails
   */
  public void writeSnapshot(Writer out) throws IOException {
    List<TemplateSnapshot.Entry> clusters = new ArrayList<>();
    for (LengthBucket bucket : buckets.values()) {
      synchronized (bucket) {
        for (Cluster c : bucket.clusters) {
          Cluster into = c.mergedInto;
          clusters.add(new TemplateSnapshot.Entry(c.id, c.size, into == null ? 0 : into.id,
              mode == Mode.DRAIN ? c.key : new String[0], c.template));
        }
      }
    }
    clusters.sort(Comparator.comparingInt(TemplateSnapshot.Entry::id));
    List<Map.Entry<String, Integer>> remembered = new ArrayList<>();
    if (mode == Mode.DEFAULT) {
      Set<Integer> written = new HashSet<>();
      clusters.forEach(c -> written.add(c.id()));
      for (Map.Entry<String, Cluster> e : seen.entrySet()) {
        // A template founded by another thread after its bucket was copied is not in this snapshot.
        if (written.contains(e.getValue().id)) {
          remembered.add(Map.entry(e.getKey(), e.getValue().id));
        }
      }
      remembered.sort(Map.Entry.comparingByKey());
    }
    TemplateSnapshot.write(out, mode, drain, nextId.get(), clusters, remembered);
  }

  /**
   * Rebuilds a miner from a snapshot written by {@link #writeSnapshot(Writer)}.
   *
   * @throws IOException if reading fails
   * @throws IllegalArgumentException if the text is not a snapshot of a known version, naming the line and what was
   *     wrong
   */
  public static TemplateMiner readSnapshot(Reader in) throws IOException {
    return TemplateSnapshot.read(in);
  }

  /**
   * Rebuilds a miner from validated snapshot parts: templates in id order (which is each bucket's order of creation)
   * and remembered messages.
   */
  static TemplateMiner restore(Mode mode, DrainSettings drain, int nextId, List<TemplateSnapshot.Entry> entries,
      List<Map.Entry<String, Integer>> remembered) {
    TemplateMiner miner = new TemplateMiner(mode, drain, nextId);
    for (TemplateSnapshot.Entry e : entries) {
      Cluster c = new Cluster(e.id(), mode == Mode.DRAIN ? e.key() : e.template(), e.template(), e.size());
      LengthBucket bucket = miner.buckets.computeIfAbsent(c.template.length, LengthBucket::new);
      bucket.clusters.add(c);
      miner.byId.put(c.id, c);
      if (mode == Mode.DRAIN) {
        DrainRules.place(bucket, c, drain);
      }
    }
    for (TemplateSnapshot.Entry e : entries) {
      if (e.mergedInto() != 0) {
        miner.byId.get(e.id()).mergedInto = miner.byId.get(e.mergedInto());
      }
    }
    if (mode == Mode.DEFAULT) {
      for (TemplateSnapshot.Entry e : entries) {
        Cluster c = miner.byId.get(e.id());
        if (c.mergedInto == null) {
          miner.buckets.get(c.template.length).index(c);
        }
      }
    }
    for (Map.Entry<String, Integer> e : remembered) {
      miner.seen.put(e.getKey(), miner.byId.get(e.getValue()));
    }
    return miner;
  }

  /** Builds a miner in {@code drain} mode; not thread-safe. */
  public static final class Builder {
    private final List<String> maskingRegexes = new ArrayList<>();
    private double similarityThreshold = 0.4;
    private int depth = 4;
    private int maxChildren = 100;

    Builder() {}

    /** Adds a regular expression whose matches are replaced by {@code <*>} before tokenising, in the order added. */
    public Builder maskingRegex(String regex) {
      maskingRegexes.add(regex);
      return this;
    }

    /** Adds regular expressions as by {@link #maskingRegex(String)}. */
    public Builder maskingRegexes(List<String> regexes) {
      regexes.forEach(this::maskingRegex);
      return this;
    }

    /** The least similarity (share of equal tokens) for a message to join a template; default 0.4. */
    public Builder similarityThreshold(double threshold) {
      this.similarityThreshold = threshold;
      return this;
    }

    /** The depth of the leaves of the prefix tree, counting root and token-count levels; at least 3, default 4. */
    public Builder depth(int depth) {
      this.depth = depth;
      return this;
    }

    /** The most children of a tree node before new tokens share the {@code <*>} child; default 100. */
    public Builder maxChildren(int maxChildren) {
      this.maxChildren = maxChildren;
      return this;
    }

    /**
     * Builds the miner.
     *
     * @throws ConfigurationException naming the setting that is out of range or the regex that does not compile
     */
    public TemplateMiner build() {
      return drain(new DrainSettings(maskingRegexes, similarityThreshold, depth, maxChildren));
    }
  }
}
