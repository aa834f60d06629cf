package dev.faultline.diagnosis.logs;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The snapshot format of a {@link TemplateMiner}, version 1: UTF-8 text, one record per line, fields separated by
 * single spaces; stateless and thread-safe.
 *
 * <pre>
 * faultline-template-miner 1
 * mode drain|default
 * masking-regex REGEX                  (drain mode; one line per regex, in order)
 * similarity-threshold DOUBLE          (drain mode)
 * depth INT                            (drain mode)
 * max-children INT                     (drain mode)
 * next-id INT                          the id the next new template gets
 * template ID SIZE MERGED-INTO N KEY_1 .. KEY_N M TOKEN_1 .. TOKEN_M
 *                                      one per template in id order; MERGED-INTO is 0 or the id of the template
 *                                      that now holds its lines; KEY is the line that placed it in the Drain tree
 *                                      (drain mode; N is 0 in default mode)
 * seen ID MESSAGE                      (default mode) a masked message and the template that took it
 * end TEMPLATES SEEN                   the number of template and seen lines, to detect truncation
 * </pre>
 *
 * <p>Text fields are escaped: {@code %}, space, and characters below U+0020 or U+007F become {@code %XX}. Templates
 * are replayed in id order, which within a token count is the order of creation, so the rebuilt Drain tree is the
 * same as the original.
 */
final class TemplateSnapshot {
  static final String MAGIC = "faultline-template-miner";
  static final int VERSION = 1;

  /** One template as written. */
  record Entry(int id, long size, int mergedInto, String[] key, String[] template) {}

  private TemplateSnapshot() {}

  static void write(Writer out, TemplateMiner.Mode mode, DrainSettings drain, int nextId, List<Entry> entries,
      List<Map.Entry<String, Integer>> seen) throws IOException {
    StringBuilder b = new StringBuilder();
    b.append(MAGIC).append(' ').append(VERSION).append('\n');
    b.append("mode ").append(mode == TemplateMiner.Mode.DRAIN ? "drain" : "default").append('\n');
    if (drain != null) {
      for (String regex : drain.maskingRegexes()) {
        b.append("masking-regex ").append(escape(regex)).append('\n');
      }
      b.append("similarity-threshold ").append(drain.similarityThreshold()).append('\n');
      b.append("depth ").append(drain.depth()).append('\n');
      b.append("max-children ").append(drain.maxChildren()).append('\n');
    }
    b.append("next-id ").append(nextId).append('\n');
    out.append(b);
    for (Entry e : entries) {
      b.setLength(0);
      b.append("template ").append(e.id()).append(' ').append(e.size()).append(' ').append(e.mergedInto());
      b.append(' ').append(e.key().length);
      for (String t : e.key()) {
        b.append(' ').append(escape(t));
      }
      b.append(' ').append(e.template().length);
      for (String t : e.template()) {
        b.append(' ').append(escape(t));
      }
      out.append(b).append('\n');
    }
    for (Map.Entry<String, Integer> e : seen) {
      out.append("seen ").append(Integer.toString(e.getValue())).append(' ').append(escape(e.getKey())).append('\n');
    }
    out.append("end ").append(Integer.toString(entries.size())).append(' ').append(Integer.toString(seen.size()))
        .append('\n');
    out.flush();
  }

  static TemplateMiner read(Reader in) throws IOException {
    Parser p = new Parser(in instanceof BufferedReader ? (BufferedReader) in : new BufferedReader(in));
    String[] header = p.fields("the header \"" + MAGIC + " " + VERSION + "\"");
    if (header.length != 2 || !header[0].equals(MAGIC)) {
      throw p.error("not a template miner snapshot: expected \"" + MAGIC + " " + VERSION + "\"");
    }
    int version = p.integer(header[1], "version");
    if (version != VERSION) {
      throw p.error("unsupported snapshot version " + version + " (this build reads version " + VERSION + ")");
    }
    String[] modeLine = p.record("mode", 1);
    TemplateMiner.Mode mode;
    if (modeLine[1].equals("drain")) {
      mode = TemplateMiner.Mode.DRAIN;
    } else if (modeLine[1].equals("default")) {
      mode = TemplateMiner.Mode.DEFAULT;
    } else {
      throw p.error("mode must be drain or default, but was \"" + modeLine[1] + "\"");
    }
    DrainSettings drain = null;
    if (mode == TemplateMiner.Mode.DRAIN) {
      List<String> regexes = new ArrayList<>();
      String[] f = p.fields("masking-regex or similarity-threshold");
      while (f[0].equals("masking-regex")) {
        p.count(f, 1);
        String regex = unescape(f[1], p);
        try {
          Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS | Pattern.UNIX_LINES);
        } catch (PatternSyntaxException e) {
          throw p.error("masking-regex \"" + regex + "\" is not a valid regular expression (" + e.getDescription()
              + ")");
        }
        regexes.add(regex);
        f = p.fields("masking-regex or similarity-threshold");
      }
      p.expect(f, "similarity-threshold", 1);
      double threshold;
      try {
        threshold = Double.parseDouble(f[1]);
      } catch (NumberFormatException e) {
        throw p.error("similarity-threshold must be a number, but was \"" + f[1] + "\"");
      }
      int depth = p.integer(p.record("depth", 1)[1], "depth");
      int maxChildren = p.integer(p.record("max-children", 1)[1], "max-children");
      try {
        drain = new DrainSettings(regexes, threshold, depth, maxChildren);
      } catch (RuntimeException e) {
        throw p.error("invalid Drain settings: " + e.getMessage());
      }
    }
    int nextId = p.integer(p.record("next-id", 1)[1], "next-id");
    List<Entry> entries = new ArrayList<>();
    Set<Integer> ids = new HashSet<>();
    Map<Integer, Integer> lengths = new HashMap<>();
    List<Map.Entry<String, Integer>> seen = new ArrayList<>();
    int lastId = 0;
    String[] f = p.fields("template, seen or end");
    while (f[0].equals("template")) {
      if (f.length < 6) {
        throw p.error("a template record needs at least 5 fields, but has " + (f.length - 1));
      }
      int id = p.integer(f[1], "template id");
      if (id <= lastId) {
        throw p.error("template ids must increase and be positive, but " + id + " follows " + lastId);
      }
      lastId = id;
      long size = p.longInteger(f[2], "template size");
      int into = p.nonNegative(f[3], "merged-into");
      int keys = p.nonNegative(f[4], "key count");
      if (5L + keys >= f.length) {
        throw p.error("template " + id + " declares " + keys + " key tokens but the record is shorter");
      }
      String[] key = unescapeAll(Arrays.copyOfRange(f, 5, 5 + keys), p);
      int tokens = p.nonNegative(f[5 + keys], "token count");
      if (6L + keys + tokens != f.length) {
        throw p.error("template " + id + " declares " + tokens + " tokens but has " + (f.length - 6 - keys));
      }
      String[] template = unescapeAll(Arrays.copyOfRange(f, 6 + keys, f.length), p);
      if (mode == TemplateMiner.Mode.DRAIN ? key.length != template.length || into != 0 : key.length != 0) {
        throw p.error("template " + id + " does not fit " + (mode == TemplateMiner.Mode.DRAIN ? "drain" : "default")
            + " mode (key tokens " + key.length + ", merged into " + into + ")");
      }
      entries.add(new Entry(id, size, into, key, template));
      ids.add(id);
      lengths.put(id, template.length);
      f = p.fields("template, seen or end");
    }
    if (nextId <= lastId) {
      throw p.error("next-id " + nextId + " must exceed the largest template id " + lastId);
    }
    Map<Integer, Integer> into = new HashMap<>();
    for (Entry e : entries) {
      if (e.mergedInto() == 0) {
        continue;
      }
      if (e.mergedInto() == e.id() || !ids.contains(e.mergedInto())) {
        throw p.error("template " + e.id() + " is merged into unknown template " + e.mergedInto());
      }
      if (!lengths.get(e.mergedInto()).equals(lengths.get(e.id()))) {
        throw p.error("template " + e.id() + " is merged into template " + e.mergedInto() + " of another token count");
      }
      into.put(e.id(), e.mergedInto());
    }
    for (Integer start : into.keySet()) {
      Integer at = start;
      for (int steps = 0; at != null; steps++) {
        if (steps > into.size()) {
          throw p.error("templates are merged in a cycle through template " + start);
        }
        at = into.get(at);
      }
    }
    while (f[0].equals("seen")) {
      if (mode != TemplateMiner.Mode.DEFAULT) {
        throw p.error("seen records belong to default mode only");
      }
      if (f.length != 3 && f.length != 2) {
        throw p.error("a seen record needs a template id and a message");
      }
      int id = p.integer(f[1], "template id");
      if (!ids.contains(id)) {
        throw p.error("seen record names unknown template " + id);
      }
      String message = f.length == 3 ? unescape(f[2], p) : "";
      if (GenericMasker.split(message).length != lengths.get(id)) {
        throw p.error("seen message has another token count than template " + id);
      }
      seen.add(Map.entry(message, id));
      f = p.fields("seen or end");
    }
    p.expect(f, "end", 2);
    if (p.integer(f[1], "template count") != entries.size() || p.integer(f[2], "seen count") != seen.size()) {
      throw p.error("the end record counts " + f[1] + " templates and " + f[2] + " seen messages, but the snapshot has "
          + entries.size() + " and " + seen.size());
    }
    if (p.in.readLine() != null) {
      throw p.error("text after the end record");
    }
    return TemplateMiner.restore(mode, drain, nextId, entries, seen);
  }

  static String escape(String s) {
    StringBuilder b = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' || c == ' ' || c < 0x20 || c == 0x7f) {
        if (b == null) {
          b = new StringBuilder(s.length() + 8).append(s, 0, i);
        }
        b.append('%').append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xf, 16));
      } else if (b != null) {
        b.append(c);
      }
    }
    return b == null ? s : b.toString();
  }

  private static String unescape(String s, Parser p) {
    int i = s.indexOf('%');
    if (i < 0) {
      return s;
    }
    StringBuilder b = new StringBuilder(s.length()).append(s, 0, i);
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == '%') {
        int hi = i + 2 < s.length() ? Character.digit(s.charAt(i + 1), 16) : -1;
        int lo = hi >= 0 ? Character.digit(s.charAt(i + 2), 16) : -1;
        if (lo < 0) {
          throw p.error("bad escape in \"" + s + "\"");
        }
        b.append((char) (hi * 16 + lo));
        i += 3;
      } else {
        b.append(c);
        i++;
      }
    }
    return b.toString();
  }

  private static String[] unescapeAll(String[] fields, Parser p) {
    for (int i = 0; i < fields.length; i++) {
      fields[i] = unescape(fields[i], p);
      if (fields[i].isEmpty()) {
        throw p.error("empty token");
      }
    }
    return fields;
  }

  /** Reads records line by line and builds errors that name the line. */
  private static final class Parser {
    final BufferedReader in;
    int line;

    Parser(BufferedReader in) {
      this.in = in;
    }

    String[] fields(String expected) throws IOException {
      String text = in.readLine();
      line++;
      if (text == null) {
        throw error("the snapshot ends early: expected " + expected);
      }
      return text.split(" ", -1);
    }

    String[] record(String keyword, int values) throws IOException {
      String[] f = fields(keyword);
      expect(f, keyword, values);
      return f;
    }

    void expect(String[] f, String keyword, int values) {
      if (!f[0].equals(keyword)) {
        throw error("expected a " + keyword + " record, but found \"" + f[0] + "\"");
      }
      count(f, values);
    }

    void count(String[] f, int values) {
      if (f.length != values + 1) {
        throw error("a " + f[0] + " record needs " + values + " value(s), but has " + (f.length - 1));
      }
    }

    int integer(String s, String what) {
      try {
        return Integer.parseInt(s);
      } catch (NumberFormatException e) {
        throw error(what + " must be an integer, but was \"" + s + "\"");
      }
    }

    int nonNegative(String s, String what) {
      int v = integer(s, what);
      if (v < 0) {
        throw error(what + " must not be negative, but was " + v);
      }
      return v;
    }

    long longInteger(String s, String what) {
      try {
        long v = Long.parseLong(s);
        if (v < 1) {
          throw error(what + " must be at least 1, but was " + v);
        }
        return v;
      } catch (NumberFormatException e) {
        throw error(what + " must be an integer, but was \"" + s + "\"");
      }
    }

    IllegalArgumentException error(String message) {
      return new IllegalArgumentException("template snapshot line " + line + ": " + message);
    }
  }
}
