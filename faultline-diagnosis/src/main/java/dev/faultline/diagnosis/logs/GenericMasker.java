package dev.faultline.diagnosis.logs;

import dev.faultline.diagnosis.internal.PyText;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;

/**
 * Masks the variable parts of a log message by general rules only, for {@code default} mode; stateless and
 * thread-safe.
 *
 * <p>The rules, in order:
 * <ol>
 *   <li>A double-quoted value right after {@code =} or {@code :} ({@code tag="View Lock"}) is one variable, spaces
 *       and all.</li>
 *   <li>The message is split into tokens at whitespace, as Python's {@code str.split()} does.</li>
 *   <li>A token holding {@code ://} (a URL) is a variable.</li>
 *   <li>Otherwise the token is cut into atoms at the delimiters {@code = : , ; ( ) [ ] { } < > " ' |}. An atom is a
 *       variable when it holds a digit (numbers, ids, hex, addresses, versions, times), is the name of a month, a
 *       weekday or a time zone (parts of dates), or looks like a path (holds {@code \}, or {@code /} and more).</li>
 *   <li>A token made only of variable atoms and value punctuation ({@code 10.0.0.1:80}, {@code 12:30:01},
 *       {@code 0x1f,}) is one variable; brackets, quotes, {@code =} and {@code |} keep a token's shape
 *       ({@code (<*>)}, {@code uid=<*>}).</li>
 *   <li>A unit of measure right after a variable ({@code 5.2 KB}, {@code 30 ms}) belongs to it.</li>
 *   <li>Consecutive variable tokens are one variable (lists, dates).</li>
 * </ol>
 */
final class GenericMasker {
  private static final String W = TemplateMiner.WILDCARD;
  private static final boolean[] DELIMITERS = table("=:,;()[]{}<>\"'|");
  /** Characters that keep a token whose atoms are all variables from becoming a single variable. */
  private static final boolean[] SHAPE = table("[](){}<>=\"'|");
  private static final boolean[] TRAILING = table(",.;:)]}");
  private static final Set<String> CALENDAR = Set.of("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep",
      "oct", "nov", "dec", "january", "february", "march", "april", "june", "july", "august", "september", "october",
      "november", "december", "mon", "tue", "wed", "thu", "fri", "sat", "sun", "monday", "tuesday", "wednesday",
      "thursday", "friday", "saturday", "sunday", "utc", "gmt", "est", "edt", "cst", "cdt", "mst", "mdt", "pst", "pdt",
      "cet", "cest", "bst", "ist", "jst");
  private static final int[] CALENDAR_HASHES = hashes(CALENDAR);
  /** The first two letters of the calendar words, as {@code 26 * first + second}: a cheap filter before hashing. */
  private static final boolean[] CALENDAR_PREFIXES = prefixes(CALENDAR);
  private static final String[] UNITS = new String[] {"b", "kb", "mb", "gb", "tb", "pb", "kib", "mib", "gib", "tib", "ns",
      "us", "\u00b5s", "ms", "s", "sec", "secs", "min", "mins", "h", "hrs", "%"};
  private static final String[] NO_TOKENS = new String[0];

  private GenericMasker() {}

  /** The masked tokens of a message. */
  static String[] tokens(String content) {
    return split(mask(content));
  }

  /** Splits a masked message (tokens joined by single spaces) into its tokens. */
  static String[] split(String masked) {
    return masked.isEmpty() ? NO_TOKENS : masked.split(" ");
  }

  /** The masked tokens of a message, joined by single spaces. */
  static String mask(String content) {
    String s = maskQuotedValues(content);
    int n = s.length();
    Buffer out = new Buffer(n + 16);
    boolean lastVariable = false;
    int i = 0;
    while (true) {
      while (i < n && PyText.isSpace(s.charAt(i))) {
        i++;
      }
      if (i >= n) {
        break;
      }
      int start = i;
      while (i < n && !PyText.isSpace(s.charAt(i))) {
        i++;
      }
      if (lastVariable) {
        int core = i;
        while (core > start && in(TRAILING, s.charAt(core - 1))) {
          core--;
        }
        if (core > start && isUnit(s, start, core)) {
          if (core < i) {
            out.append(s, core, i);
            lastVariable = false;
          }
          continue;
        }
      }
      int mark = out.length;
      if (mark > 0) {
        out.append(' ');
      }
      boolean variable = appendToken(out, s, start, i);
      if (variable && lastVariable) {
        out.length = mark;
        continue;
      }
      lastVariable = variable;
    }
    return out.toString();
  }

  /** Replaces each double-quoted value right after {@code =} or {@code :}, spaces and all, by a wildcard. */
  static String maskQuotedValues(String content) {
    int q = content.indexOf('"');
    StringBuilder b = null;
    int from = 0;
    while (q >= 0) {
      int close = content.indexOf('"', q + 1);
      if (close < 0) {
        break;
      }
      if (q > 0 && (content.charAt(q - 1) == '=' || content.charAt(q - 1) == ':')) {
        if (b == null) {
          b = new StringBuilder(content.length());
        }
        b.append(content, from, q).append(W);
        from = close + 1;
      }
      q = content.indexOf('"', close + 1);
    }
    return b == null ? content : b.append(content, from, content.length()).toString();
  }

  /** Appends the masked token {@code s[start, end)}; true if it is a single variable. */
  private static boolean appendToken(Buffer out, String s, int start, int end) {
    int tokenStart = out.length;
    boolean letters = false;
    boolean variables = false;
    int j = start;
    while (j < end) {
      char c = s.charAt(j);
      if (in(DELIMITERS, c)) {
        if (c == ':' && j > start && j + 2 < end && s.charAt(j + 1) == '/' && s.charAt(j + 2) == '/') {
          // a URL: the whole token is one variable
          out.length = tokenStart;
          out.appendWildcard();
          return true;
        }
        out.append(c);
        j++;
        continue;
      }
      int atom = j;
      boolean digit = false;
      boolean letter = false;
      boolean onlyLetters = true;
      boolean path = false;
      while (j < end && !in(DELIMITERS, c = s.charAt(j))) {
        if (c >= '0' && c <= '9') {
          digit = true;
        } else if (c < 0x80) {
          boolean isLetter = (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
          letter |= isLetter;
          onlyLetters &= isLetter;
          path |= c == '\\' || c == '/';
        } else {
          int cp = s.codePointAt(j);
          if (PyText.isDigit(cp)) {
            digit = true;
          } else {
            boolean isLetter = Character.isLetter(cp);
            letter |= isLetter;
            onlyLetters &= isLetter;
          }
          if (Character.isSupplementaryCodePoint(cp)) {
            j++;
          }
        }
        j++;
      }
      int length = j - atom;
      boolean variable = digit
          || path && (length > 1 || s.charAt(atom) == '\\')
          || onlyLetters && length >= 3 && length <= 9 && isCalendar(s, atom, j);
      if (variable) {
        out.appendWildcard();
        variables = true;
      } else {
        out.append(s, atom, j);
        letters |= letter;
      }
    }
    if (!variables) {
      return out.length - tokenStart == W.length() && out.wildcardAt(tokenStart);
    }
    if (letters) {
      return false;
    }
    for (int k = tokenStart; k < out.length; k++) {
      if (out.wildcardAt(k)) {
        k += W.length() - 1;
      } else if (in(SHAPE, out.chars[k])) {
        return false;
      }
    }
    out.length = tokenStart;
    out.appendWildcard();
    return true;
  }

  private static boolean isCalendar(String s, int start, int end) {
    int first = (s.charAt(start) | 0x20) - 'a';
    int second = (s.charAt(start + 1) | 0x20) - 'a';
    if (first < 0 || first >= 26 || second < 0 || second >= 26 || !CALENDAR_PREFIXES[first * 26 + second]) {
      return false;
    }
    int h = 0;
    for (int i = start; i < end; i++) {
      h = 31 * h + Character.toLowerCase(s.charAt(i));
    }
    return Arrays.binarySearch(CALENDAR_HASHES, h) >= 0
        && CALENDAR.contains(s.substring(start, end).toLowerCase(Locale.ROOT));
  }

  private static boolean isUnit(String s, int start, int end) {
    int length = end - start;
    for (String unit : UNITS) {
      if (unit.length() == length && s.regionMatches(true, start, unit, 0, length)) {
        return true;
      }
    }
    return false;
  }

  private static boolean[] prefixes(Set<String> words) {
    boolean[] t = new boolean[26 * 26];
    for (String w : words) {
      t[(w.charAt(0) - 'a') * 26 + w.charAt(1) - 'a'] = true;
    }
    return t;
  }

  /** A growable character buffer, cheaper than a StringBuilder for appending slices of a String. */
  private static final class Buffer {
    char[] chars;
    int length;

    Buffer(int capacity) {
      chars = new char[capacity];
    }

    private void ensure(int more) {
      if (length + more > chars.length) {
        chars = Arrays.copyOf(chars, Math.max(chars.length * 2, length + more));
      }
    }

    void append(char c) {
      ensure(1);
      chars[length++] = c;
    }

    void append(String s, int from, int to) {
      ensure(to - from);
      s.getChars(from, to, chars, length);
      length += to - from;
    }

    void appendWildcard() {
      ensure(3);
      chars[length++] = '<';
      chars[length++] = '*';
      chars[length++] = '>';
    }

    boolean wildcardAt(int k) {
      return k + 2 < length && chars[k] == '<' && chars[k + 1] == '*' && chars[k + 2] == '>';
    }

    @Override
    public String toString() {
      return new String(chars, 0, length);
    }
  }

  private static int[] hashes(Set<String> words) {
    return words.stream().mapToInt(String::hashCode).sorted().toArray();
  }

  private static boolean[] table(String chars) {
    boolean[] t = new boolean[128];
    for (int i = 0; i < chars.length(); i++) {
      t[chars.charAt(i)] = true;
    }
    return t;
  }

  private static boolean in(boolean[] table, char c) {
    return c < 128 && table[c];
  }
}
