package dev.faultline.diagnosis.logs;

import dev.faultline.core.ConfigurationException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * An online log template miner after Drain: each message is masked, split into tokens, routed through a fixed-depth
 * prefix tree (token count, then the first tokens) to a short list of templates, and joins the most similar one or
 * founds a new template; joining turns the positions that differ into {@code <*>}.
 *
 * <p>Thread-safe. The tree is striped by token count (see {@link LengthBucket}); templates are published as immutable
 * arrays, so {@link #template(int)} and {@link #templates()} read without blocking miners.
 */
public final class TemplateMiner {
  /** The wildcard that stands for a variable part of a message in a template. */
  public static final String WILDCARD = "<*>";

  private final MinerSettings settings;
  private final Pattern[] masks;
  private final int leafDepth;
  private final ConcurrentHashMap<Integer, LengthBucket> buckets = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Integer, Cluster> byId = new ConcurrentHashMap<>();
  private final AtomicInteger nextId;

  TemplateMiner(MinerSettings settings, int firstId) {
    this.settings = settings;
    this.masks = compileMasks(settings.maskingRegexes());
    this.leafDepth = settings.depth() - 2;
    this.nextId = new AtomicInteger(firstId);
  }

  /** A builder of a miner in {@code drain} mode, which reproduces the reference Drain given the same settings. */
  public static Builder drain() {
    return new Builder();
  }

  static Pattern[] compileMasks(List<String> regexes) {
    Pattern[] out = new Pattern[regexes.size()];
    for (int i = 0; i < out.length; i++) {
      try {
        out[i] = Pattern.compile(regexes.get(i), Pattern.UNICODE_CHARACTER_CLASS | Pattern.UNIX_LINES);
      } catch (PatternSyntaxException e) {
        throw new ConfigurationException("maskingRegexes[" + i + "]", "be a valid regular expression",
            "\"" + regexes.get(i) + "\" (" + e.getDescription() + ")");
      }
    }
    return out;
  }

  /** The settings this miner was built with. */
  public MinerSettings settings() {
    return settings;
  }

  /**
   * Mines one message: finds its template, or founds a new one, and generalises the template where they differ.
   *
   * @return the template the message now belongs to, as it is right after this message
   */
  public TemplateMatch add(String content) {
    String[] tokens = tokenize(content);
    LengthBucket bucket = buckets.computeIfAbsent(tokens.length, LengthBucket::new);
    synchronized (bucket) {
      Cluster cluster = search(bucket, tokens);
      if (cluster == null) {
        cluster = found(bucket, tokens);
      } else {
        cluster.size = cluster.size + 1;
        String[] template = cluster.template;
        String[] merged = generalise(tokens, template);
        if (merged != template) {
          cluster.template = merged;
        }
      }
      return new TemplateMatch(cluster.id, cluster.template);
    }
  }

  /** Finds the template a message would join, without learning from it. */
  public Optional<TemplateMatch> match(String content) {
    String[] tokens = tokenize(content);
    LengthBucket bucket = buckets.get(tokens.length);
    if (bucket == null) {
      return Optional.empty();
    }
    synchronized (bucket) {
      Cluster cluster = search(bucket, tokens);
      return cluster == null ? Optional.empty() : Optional.of(new TemplateMatch(cluster.id, cluster.template));
    }
  }

  /**
   * The current template with this id (or of the template it was merged into).
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

  /** The masked tokens of a message, as the tree sees them. */
  String[] tokenize(String content) {
    String s = content;
    for (Pattern mask : masks) {
      s = mask.matcher(s).replaceAll(WILDCARD);
    }
    return PyText.split(s);
  }

  private Cluster search(LengthBucket bucket, String[] tokens) {
    if (tokens.length < leafDepth) {
      return bucket.shortLines.get(String.join(" ", tokens));
    }
    LengthBucket.Node node = bucket.root;
    for (int i = 0; i < leafDepth - 1; i++) {
      LengthBucket.Node next = node.child(tokens[i]);
      if (next == null) {
        next = node.child(WILDCARD);
        if (next == null) {
          return null;
        }
      }
      node = next;
    }
    return node.clusters == null ? null : closest(node.clusters, tokens);
  }

  private Cluster closest(List<Cluster> candidates, String[] tokens) {
    double bestSimilarity = -1;
    int bestWildcards = -1;
    Cluster best = null;
    for (int c = 0, n = candidates.size(); c < n; c++) {
      Cluster cluster = candidates.get(c);
      String[] template = cluster.template;
      int same = 0;
      int wildcards = 0;
      for (int i = 0; i < template.length; i++) {
        String t = template[i];
        if (t.equals(WILDCARD)) {
          wildcards++;
        } else if (t.equals(tokens[i])) {
          same++;
        }
      }
      double similarity = (double) same / template.length;
      if (similarity > bestSimilarity || (similarity == bestSimilarity && wildcards > bestWildcards)) {
        bestSimilarity = similarity;
        bestWildcards = wildcards;
        best = cluster;
      }
    }
    return bestSimilarity >= settings.similarityThreshold() ? best : null;
  }

  private Cluster found(LengthBucket bucket, String[] tokens) {
    Cluster cluster = new Cluster(nextId.getAndIncrement(), tokens, tokens, 1);
    place(bucket, cluster);
    byId.put(cluster.id, cluster);
    return cluster;
  }

  /** Puts a new cluster into its bucket's tree, exactly where the reference Drain would. */
  private void place(LengthBucket bucket, Cluster cluster) {
    bucket.clusters.add(cluster);
    String[] key = cluster.key;
    if (key.length < leafDepth) {
      bucket.shortLines.put(String.join(" ", key), cluster);
      return;
    }
    int maxChildren = settings.maxChildren();
    LengthBucket.Node node = bucket.root;
    for (int i = 0; i < leafDepth - 1; i++) {
      String token = key[i];
      LengthBucket.Node next = node.child(token);
      if (next == null) {
        LengthBucket.Node wildcard = node.child(WILDCARD);
        if (PyText.hasDigit(token)) {
          next = wildcard != null ? wildcard : node.addChild(WILDCARD);
        } else if (wildcard != null) {
          next = node.childCount() < maxChildren ? node.addChild(token) : wildcard;
        } else if (node.childCount() + 1 < maxChildren) {
          next = node.addChild(token);
        } else {
          next = node.addChild(WILDCARD);
        }
      }
      node = next;
    }
    if (node.clusters == null) {
      node.clusters = new ArrayList<>();
    }
    node.clusters.add(cluster);
  }

  /** The template generalised to cover {@code tokens}; the same array when nothing changes. */
  private static String[] generalise(String[] tokens, String[] template) {
    String[] out = null;
    for (int i = 0; i < template.length; i++) {
      String t = template[i];
      if (!t.equals(tokens[i]) && !t.equals(WILDCARD)) {
        if (out == null) {
          out = template.clone();
        }
        out[i] = WILDCARD;
      }
    }
    return out == null ? template : out;
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
      MinerSettings settings = new MinerSettings(MinerSettings.Mode.DRAIN, maskingRegexes, similarityThreshold, depth,
          maxChildren);
      return new TemplateMiner(settings, 1);
    }
  }
}
