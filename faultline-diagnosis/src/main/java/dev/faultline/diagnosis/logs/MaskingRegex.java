package dev.faultline.diagnosis.logs;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A masking regex of {@code drain} mode that replaces its matches by {@code <*>} exactly as
 * {@link Matcher#replaceAll(String)} does, but lets the regex engine see only the parts of a message where a match is
 * possible; immutable and thread-safe.
 *
 * <p>When the regex is compiled, its source is read for: the <em>alphabet</em>, every character any match can consume
 * (the union of its literals and classes); a <em>required set</em>, characters of which every match holds at least
 * one; the least length of a match; the characters a match can begin with; and whether every match begins, or ends,
 * where {@code \b} holds. A match consumes only alphabet characters, so it lies inside one maximal run of them. A run
 * without a required character, or shorter than the least length, cannot hold one; no match begins before the run's
 * first character that can begin one (at a possible word boundary, if the regex starts with {@code \b}); and a regex
 * that ends with {@code \b} needs a possible word boundary inside the run. The matcher is run on the rest of each
 * remaining run as a region with transparent, non-anchoring bounds, so {@code \b} and the anchors see the whole
 * message: it tries the same start positions in the same order as a scan of the whole message would, except those
 * that cannot start a match, and so finds the same matches. This matters because {@code java.util.regex} retries a
 * pattern like {@code ([\w-]+\.){2,}[\w-]+} at every position of every word, in time quadratic in the word's length.
 *
 * <p>The reading knows literals, escaped punctuation, {@code \d \w \s \D \W \S \t \n \r \f}, {@code .}, simple
 * character classes, groups ({@code (...)}, {@code (?:...)}), alternation, greedy and lazy quantifiers, {@code \b},
 * {@code \B}, {@code ^} and {@code $}. A regex with anything else, or one that can match the empty string, goes to the
 * engine whole. Which ASCII characters a class holds is asked of {@link Pattern} itself (with the same flags); every
 * non-ASCII character counts as possible for a class that could hold one.
 */
final class MaskingRegex {
  private final Pattern pattern;
  private final String replacement;
  /** The analysis, or null when the regex goes to the engine whole. */
  private final Chars alphabet;
  private final Chars required;
  private final int minLength;
  /** Characters a match can begin with. */
  private final Chars first;
  /** Whether every match begins where {@code \b} holds. */
  private final boolean boundaryFirst;
  /** Whether every match ends where {@code \b} holds. */
  private final boolean boundaryLast;

  MaskingRegex(Pattern pattern, String replacement) {
    this.pattern = pattern;
    this.replacement = replacement;
    Node root = new Reader(pattern.pattern(), pattern.flags()).read();
    if (root == null || root.minLength == 0 || root.required == null) {
      this.alphabet = null;
      this.required = null;
      this.minLength = 0;
      this.first = null;
      this.boundaryFirst = false;
      this.boundaryLast = false;
    } else {
      this.alphabet = root.alphabet;
      this.required = root.required;
      this.minLength = root.minLength;
      this.first = root.first;
      this.boundaryFirst = root.boundaryFirst;
      this.boundaryLast = root.boundaryLast;
    }
  }

  /** Whether the regex was understood, so that messages are filtered before the engine sees them. */
  boolean filtered() {
    return alphabet != null;
  }

  /** The message with every match replaced, as {@code pattern.matcher(s).replaceAll(replacement)} would return it. */
  String replaceAll(String s) {
    if (alphabet == null) {
      return pattern.matcher(s).replaceAll(replacement);
    }
    int n = s.length();
    Matcher m = null;
    StringBuilder out = null;
    int copied = 0;
    int i = 0;
    while (i < n) {
      while (i < n && !alphabet.has(s.charAt(i))) {
        i++;
      }
      int start = i;
      boolean candidate = false;
      while (i < n) {
        char c = s.charAt(i);
        if (!alphabet.has(c)) {
          break;
        }
        if (!candidate && required.has(c)) {
          candidate = true;
        }
        i++;
      }
      if (!candidate || i - start < minLength) {
        continue;
      }
      // no match starts before the first position that can begin one
      while (start < i && !(first.has(s.charAt(start)) && (!boundaryFirst || mayBeBoundary(s, start)))) {
        start++;
      }
      if (i - start < minLength || (boundaryLast && !boundaryWithin(s, start + 1, i))) {
        continue;
      }
      if (m == null) {
        m = pattern.matcher(s).useTransparentBounds(true).useAnchoringBounds(false);
      }
      m.region(start, i);
      while (m.find()) {
        if (out == null) {
          out = new StringBuilder(n + 16);
        }
        out.append(s, copied, m.start()).append(replacement);
        copied = m.end();
      }
    }
    if (out == null) {
      return s;
    }
    return out.append(s, copied, n).toString();
  }

  /**
   * Whether {@code \b} may hold before index {@code i}: exact when both neighbours are ASCII (where every flavour of
   * {@code \w} is {@code [A-Za-z0-9_]}), and true otherwise, leaving the question to the engine.
   */
  static boolean mayBeBoundary(String s, int i) {
    char left = i > 0 ? s.charAt(i - 1) : ' ';
    char right = i < s.length() ? s.charAt(i) : ' ';
    if (left >= 128 || right >= 128) {
      return true;
    }
    return isAsciiWord(left) != isAsciiWord(right);
  }

  /** Whether {@code \b} may hold before some index in [{@code from}, {@code to}]. */
  private static boolean boundaryWithin(String s, int from, int to) {
    for (int q = from; q <= to; q++) {
      if (mayBeBoundary(s, q)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isAsciiWord(char c) {
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }

  /** A set of characters: exact for ASCII, and one flag for all the others. */
  static final class Chars {
    final boolean[] ascii = new boolean[128];
    boolean nonAscii;

    boolean has(char c) {
      return c < 128 ? ascii[c] : nonAscii;
    }

    boolean isEmpty() {
      return !nonAscii && asciiCount() == 0;
    }

    int asciiCount() {
      int count = 0;
      for (boolean b : ascii) {
        count += b ? 1 : 0;
      }
      return count;
    }

    Chars union(Chars other) {
      Chars out = new Chars();
      for (int c = 0; c < 128; c++) {
        out.ascii[c] = ascii[c] || other.ascii[c];
      }
      out.nonAscii = nonAscii || other.nonAscii;
      return out;
    }

    /** Whether this set is a sharper requirement than {@code other}: fewer characters to hope for. */
    boolean sharperThan(Chars other) {
      if (nonAscii != other.nonAscii) {
        return !nonAscii;
      }
      return asciiCount() < other.asciiCount();
    }
  }

  /** What the reading found for a piece of the regex. */
  private static final class Node {
    /** Characters a match of this piece can consume. */
    final Chars alphabet;
    /** Characters of which every match of this piece holds one; null if a match may hold none in particular. */
    final Chars required;
    final int minLength;
    /** Characters a non-empty match of this piece can begin with. */
    final Chars first;
    /** Whether every match of this piece asserts {@code \b} where it begins, before consuming anything. */
    final boolean boundaryFirst;
    /** Whether every match of this piece asserts {@code \b} where it ends, after consuming everything. */
    final boolean boundaryLast;

    Node(Chars alphabet, Chars required, int minLength, Chars first, boolean boundaryFirst, boolean boundaryLast) {
      this.alphabet = alphabet;
      this.required = required;
      this.minLength = minLength;
      this.first = first;
      this.boundaryFirst = boundaryFirst;
      this.boundaryLast = boundaryLast;
    }

    /** A piece that consumes nothing. */
    static Node zeroWidth(boolean boundary) {
      return new Node(new Chars(), null, 0, new Chars(), boundary, boundary);
    }
  }

  /** Reads a regex source into a {@link Node}, or null at the first construct it does not know. */
  private static final class Reader {
    private final String src;
    private final int flags;
    private int pos;

    Reader(String src, int flags) {
      this.src = src;
      this.flags = flags;
    }

    Node read() {
      try {
        Node node = alternation();
        return pos == src.length() ? node : null;
      } catch (Unknown e) {
        return null;
      }
    }

    private Node alternation() {
      Node node = sequence();
      while (pos < src.length() && src.charAt(pos) == '|') {
        pos++;
        Node other = sequence();
        Chars required = node.required == null || other.required == null ? null
            : node.required.union(other.required);
        node = new Node(node.alphabet.union(other.alphabet), required, Math.min(node.minLength, other.minLength),
            node.first.union(other.first), node.boundaryFirst && other.boundaryFirst,
            node.boundaryLast && other.boundaryLast);
      }
      return node;
    }

    private Node sequence() {
      Chars alphabet = new Chars();
      Chars required = null;
      int minLength = 0;
      Chars first = new Chars();
      boolean boundaryFirst = false;
      boolean mayHaveConsumed = false;
      boolean boundaryLast = false;
      while (pos < src.length() && src.charAt(pos) != '|' && src.charAt(pos) != ')') {
        Node atom = quantified(atom());
        if (minLength == 0) {
          // everything before this piece can match empty: a match can begin with this piece's characters
          first = first.union(atom.first);
        }
        if (!mayHaveConsumed && atom.boundaryFirst) {
          boundaryFirst = true;
        }
        if (!atom.alphabet.isEmpty()) {
          // a piece that may consume ends the match with its own assertion, or with none
          boundaryLast = atom.boundaryLast;
        } else if (atom.boundaryLast) {
          boundaryLast = true;
        }
        mayHaveConsumed |= !atom.alphabet.isEmpty();
        alphabet = alphabet.union(atom.alphabet);
        if (atom.required != null && (required == null || atom.required.sharperThan(required))) {
          required = atom.required;
        }
        minLength = saturatedAdd(minLength, atom.minLength);
      }
      return new Node(alphabet, required, minLength, first, boundaryFirst, boundaryLast);
    }

    private Node atom() {
      char c = src.charAt(pos);
      switch (c) {
        case '(' -> {
          pos++;
          if (src.startsWith("?:", pos)) {
            pos += 2;
          } else if (pos < src.length() && src.charAt(pos) == '?') {
            throw Unknown.INSTANCE;
          }
          Node inner = alternation();
          expect(')');
          return inner;
        }
        case '[' -> {
          int end = classEnd(pos);
          String text = src.substring(pos, end);
          pos = end;
          return consuming(text, classMayHoldNonAscii(text));
        }
        case '.' -> {
          pos++;
          return consuming(".", true);
        }
        case '^', '$' -> {
          pos++;
          return Node.zeroWidth(false);
        }
        case '\\' -> {
          return escape();
        }
        case '*', '+', '?', '{', '}', ']', ')', '|' -> throw Unknown.INSTANCE;
        default -> {
          pos++;
          if (Character.isSurrogate(c)) {
            throw Unknown.INSTANCE;
          }
          return consuming(Pattern.quote(String.valueOf(c)), c >= 128);
        }
      }
    }

    private Node escape() {
      if (pos + 1 >= src.length()) {
        throw Unknown.INSTANCE;
      }
      char e = src.charAt(pos + 1);
      String text = src.substring(pos, pos + 2);
      pos += 2;
      switch (e) {
        case 'd', 'w', 's', 'D', 'W', 'S' -> {
          return consuming(text, true);
        }
        case 't', 'n', 'r', 'f' -> {
          return consuming(text, false);
        }
        case 'b', 'B' -> {
          return Node.zeroWidth(e == 'b');
        }
        default -> {
          if (e < 128 && !Character.isLetterOrDigit(e)) {
            return consuming(text, false);
          }
          throw Unknown.INSTANCE;
        }
      }
    }

    private Node quantified(Node atom) {
      if (pos >= src.length()) {
        return atom;
      }
      int min;
      switch (src.charAt(pos)) {
        case '*' -> {
          pos++;
          min = 0;
        }
        case '+' -> {
          pos++;
          min = 1;
        }
        case '?' -> {
          pos++;
          min = 0;
        }
        case '{' -> {
          pos++;
          min = number();
          if (pos < src.length() && src.charAt(pos) == ',') {
            pos++;
            if (pos < src.length() && src.charAt(pos) != '}') {
              number();
            }
          }
          expect('}');
        }
        default -> {
          return atom;
        }
      }
      if (pos < src.length() && src.charAt(pos) == '?') {
        pos++;
      } else if (pos < src.length() && src.charAt(pos) == '+') {
        throw Unknown.INSTANCE;
      }
      if (min == 0) {
        return new Node(atom.alphabet, null, 0, atom.first, false, false);
      }
      return new Node(atom.alphabet, atom.required, saturatedMultiply(atom.minLength, min), atom.first,
          atom.boundaryFirst, atom.boundaryLast);
    }

    private int number() {
      int start = pos;
      while (pos < src.length() && src.charAt(pos) >= '0' && src.charAt(pos) <= '9' && pos - start < 6) {
        pos++;
      }
      if (pos == start || (pos < src.length() && src.charAt(pos) >= '0' && src.charAt(pos) <= '9')) {
        throw Unknown.INSTANCE;
      }
      return Integer.parseInt(src.substring(start, pos));
    }

    private void expect(char c) {
      if (pos >= src.length() || src.charAt(pos) != c) {
        throw Unknown.INSTANCE;
      }
      pos++;
    }

    /** The end (exclusive) of the simple class starting at {@code start}: no nesting, no intersection. */
    private int classEnd(int start) {
      int i = start + 1;
      if (i < src.length() && src.charAt(i) == '^') {
        i++;
      }
      if (i < src.length() && src.charAt(i) == ']') {
        throw Unknown.INSTANCE;
      }
      while (i < src.length()) {
        char c = src.charAt(i);
        if (c == ']') {
          return i + 1;
        }
        if (c == '[' || (c == '&' && i + 1 < src.length() && src.charAt(i + 1) == '&')) {
          throw Unknown.INSTANCE;
        }
        if (c == '\\') {
          if (i + 1 >= src.length()) {
            throw Unknown.INSTANCE;
          }
          char e = src.charAt(i + 1);
          if (Character.isLetterOrDigit(e) && "dwsDWStnrf".indexOf(e) < 0) {
            throw Unknown.INSTANCE;
          }
          i += 2;
          continue;
        }
        i++;
      }
      throw Unknown.INSTANCE;
    }

    /** Whether a simple class could hold a non-ASCII character: negated, a predefined class, or a non-ASCII member. */
    private static boolean classMayHoldNonAscii(String text) {
      if (text.startsWith("[^")) {
        return true;
      }
      for (int i = 1; i < text.length() - 1; i++) {
        char c = text.charAt(i);
        if (c >= 128) {
          return true;
        }
        if (c == '\\') {
          char e = text.charAt(i + 1);
          if ("dwsDWS".indexOf(e) >= 0) {
            return true;
          }
          i++;
        }
      }
      return false;
    }

    /** A piece that consumes one character matched by {@code text}, whose ASCII members the engine tells. */
    private Node consuming(String text, boolean mayHoldNonAscii) {
      Pattern p = Pattern.compile(text, flags);
      Chars chars = new Chars();
      Matcher m = p.matcher("");
      for (char c = 0; c < 128; c++) {
        chars.ascii[c] = m.reset(String.valueOf(c)).matches();
      }
      chars.nonAscii = mayHoldNonAscii;
      return new Node(chars, chars, 1, chars, false, false);
    }

    private static int saturatedAdd(int a, int b) {
      return (int) Math.min(Integer.MAX_VALUE, (long) a + b);
    }

    private static int saturatedMultiply(int a, int b) {
      return (int) Math.min(Integer.MAX_VALUE, (long) a * b);
    }
  }

  /** Ends the reading of a regex with a construct it does not know; shared, without a stack trace. */
  private static final class Unknown extends RuntimeException {
    private static final long serialVersionUID = 1L;
    static final Unknown INSTANCE = new Unknown();

    private Unknown() {
      super("regex construct outside the analysed subset", null, false, false);
    }
  }
}
