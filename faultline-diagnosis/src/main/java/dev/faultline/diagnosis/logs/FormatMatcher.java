package dev.faultline.diagnosis.logs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A hand-written matcher for the common log formats, giving the same fields as {@link LogFormat}'s regex without
 * {@code java.util.regex}; immutable and thread-safe.
 *
 * <p>It handles formats whose text between fields holds only literal characters (plain, or escaped punctuation such
 * as {@code \[}), runs of spaces (which the regex reads as {@code \s+}) and groups, optional ({@code (...)?}) or not,
 * of the same; {@link #compile} returns null for any other format, which then goes to the regex. The format becomes a
 * small program (literal, whitespace run, lazy field, split, jump, end) run depth first in the regex's own order of
 * preference: a field takes as few characters as it can (stepping over code points, as {@code .} does), a whitespace
 * run as many, an optional group is tried before it is skipped. The first way found to match the whole line is the
 * regex's match, so the fields are the same. Unlike the regex, it remembers which (instruction, position) pairs
 * failed, and that a field failing from one position fails from every later one, so a line is decided in time linear
 * in its length times the program's: it needs no step budget.
 */
final class FormatMatcher {
  private static final Pattern FIELD = Pattern.compile("<[^<>]+>");

  private static final int LIT = 0;
  private static final int SPACES = 1;
  private static final int FIELD_OP = 2;
  private static final int SPLIT = 3;
  private static final int JUMP = 4;
  private static final int END = 5;

  private final int[] op;
  /** The literal character, the field index, or the first (preferred) target of a split or jump. */
  private final int[] arg;
  /** The second target of a split. */
  private final int[] alt;
  /** For each instruction, its rank among the field instructions (for the fail-from table), else -1. */
  private final int[] fieldSlot;
  private final int fieldSlots;
  /** For each instruction, where the next one can match: a field tries to end only there. */
  private final First[] follow;
  private final int fieldCount;

  private FormatMatcher(int[] op, int[] arg, int[] alt, int fieldCount) {
    this.op = op;
    this.arg = arg;
    this.alt = alt;
    this.fieldCount = fieldCount;
    this.fieldSlot = new int[op.length];
    int slots = 0;
    for (int pc = 0; pc < op.length; pc++) {
      fieldSlot[pc] = op[pc] == FIELD_OP ? slots++ : -1;
    }
    this.fieldSlots = slots;
    this.follow = new First[op.length];
    for (int pc = 0; pc + 1 < op.length; pc++) {
      follow[pc] = first(pc + 1);
    }
  }

  /** What the text at a position must be for the program to match from instruction {@code pc} there. */
  private First first(int pc) {
    return switch (op[pc]) {
      case LIT -> new First(String.valueOf((char) arg[pc]), false, false, false);
      case SPACES -> new First("", true, false, false);
      case END -> new First("", false, true, false);
      case JUMP -> first(arg[pc]);
      case SPLIT -> first(arg[pc]).or(first(alt[pc]));
      default -> new First("", false, false, true);
    };
  }

  /** Where an instruction can match: one of some literal characters, whitespace, the end, or anything. */
  private record First(String chars, boolean space, boolean end, boolean any) {
    First or(First o) {
      return new First(chars + o.chars, space || o.space, end || o.end, any || o.any);
    }

    /** The first position in [{@code from}, {@code last}] where the instruction can match, or -1. */
    int find(String s, int from, int last) {
      if (any) {
        return from <= last ? from : -1;
      }
      int n = s.length();
      int scanEnd = Math.min(last, n - 1);
      if (!space && chars.length() == 1) {
        int i = s.indexOf(chars.charAt(0), from);
        if (i >= 0 && i <= scanEnd) {
          return i;
        }
      } else if (space || !chars.isEmpty()) {
        for (int i = from; i <= scanEnd; i++) {
          char c = s.charAt(i);
          if (chars.indexOf(c) >= 0 || (space && isRegexSpace(c))) {
            return i;
          }
        }
      }
      return end && last == n && from <= n ? n : -1;
    }
  }

  /**
   * The matcher of a format whose fields, in order, are {@code fields}; null when the format uses regex syntax other
   * than literals, escaped punctuation, spaces and groups.
   */
  static FormatMatcher compile(String format, List<String> fields) {
    List<Object> tokens = new ArrayList<>();
    Matcher m = FIELD.matcher(format);
    int last = 0;
    while (m.find()) {
      if (!lex(format.substring(last, m.start()), tokens)) {
        return null;
      }
      tokens.add(fields.indexOf(format.substring(m.start() + 1, m.end() - 1)));
      last = m.end();
    }
    if (!lex(format.substring(last), tokens)) {
      return null;
    }
    Builder b = new Builder(tokens);
    if (!b.sequence(0) || b.pos != tokens.size()) {
      return null;
    }
    b.emit(END, 0, 0);
    return new FormatMatcher(b.ops(), b.args(), b.alts(), fields.size());
  }

  /** Token kinds besides literal characters (Character) and fields (Integer). */
  private enum Mark { SPACES, OPEN, CLOSE, OPTIONAL }

  /** Appends the tokens of a text between fields; false if it holds syntax this matcher does not know. */
  private static boolean lex(String text, List<Object> tokens) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == ' ') {
        while (i + 1 < text.length() && text.charAt(i + 1) == ' ') {
          i++;
        }
        tokens.add(Mark.SPACES);
      } else if (c == '\\') {
        if (i + 1 >= text.length()) {
          return false;
        }
        char e = text.charAt(++i);
        if (e >= 128 || Character.isLetterOrDigit(e) || e == ' ') {
          return false;
        }
        tokens.add(e);
      } else if (c == '(') {
        if (i + 1 < text.length() && text.charAt(i + 1) == '?') {
          return false;
        }
        tokens.add(Mark.OPEN);
      } else if (c == ')') {
        if (i + 1 < text.length() && text.charAt(i + 1) == '?') {
          i++;
          if (i + 1 < text.length() && "?+*{".indexOf(text.charAt(i + 1)) >= 0) {
            return false;
          }
          tokens.add(Mark.OPTIONAL);
        } else {
          if (i + 1 < text.length() && "+*{".indexOf(text.charAt(i + 1)) >= 0) {
            return false;
          }
          tokens.add(Mark.CLOSE);
        }
      } else if (".[]{}*+?^$|".indexOf(c) >= 0 || Character.isSurrogate(c)) {
        return false;
      } else {
        tokens.add(c);
      }
    }
    return true;
  }

  /** Compiles tokens into instructions. */
  private static final class Builder {
    final List<Object> tokens;
    int pos;
    int[] op = new int[16];
    int[] arg = new int[16];
    int[] alt = new int[16];
    int size;

    Builder(List<Object> tokens) {
      this.tokens = tokens;
    }

    /** Compiles tokens up to an unmatched close mark or the end; false on an unbalanced group. */
    boolean sequence(int depth) {
      while (pos < tokens.size()) {
        Object t = tokens.get(pos);
        if (t == Mark.CLOSE || t == Mark.OPTIONAL) {
          return depth > 0;
        }
        pos++;
        if (t instanceof Character c) {
          emit(LIT, c, 0);
        } else if (t instanceof Integer field) {
          emit(FIELD_OP, field, 0);
        } else if (t == Mark.SPACES) {
          emit(SPACES, 0, 0);
        } else {
          // a group: find how it closes before compiling it, so an optional one starts with its split
          int split = size;
          emit(SPLIT, 0, 0);
          if (!sequence(depth + 1) || pos >= tokens.size()) {
            return false;
          }
          Object close = tokens.get(pos++);
          if (close == Mark.OPTIONAL) {
            arg[split] = split + 1;
            alt[split] = size;
          } else {
            // a plain group is just its content
            op[split] = JUMP;
            arg[split] = split + 1;
          }
        }
      }
      return depth == 0;
    }

    void emit(int o, int a, int b) {
      if (size == op.length) {
        op = Arrays.copyOf(op, size * 2);
        arg = Arrays.copyOf(arg, size * 2);
        alt = Arrays.copyOf(alt, size * 2);
      }
      op[size] = o;
      arg[size] = a;
      alt[size] = b;
      size++;
    }

    int[] ops() {
      return Arrays.copyOf(op, size);
    }

    int[] args() {
      return Arrays.copyOf(arg, size);
    }

    int[] alts() {
      return Arrays.copyOf(alt, size);
    }
  }

  /**
   * The fields of a stripped line without a {@code \n}, as the format's regex would capture them (null for a field in
   * a skipped optional group), or null if the line does not match.
   */
  String[] match(String text) {
    Run run = new Run(text);
    if (!run.run(0, 0)) {
      return null;
    }
    String[] values = new String[fieldCount];
    for (int i = 0; i < fieldCount; i++) {
      values[i] = run.start[i] < 0 ? null : text.substring(run.start[i], run.end[i]);
    }
    return values;
  }

  /** Whether {@code c} is {@code \s} for the format's regex (Unicode White_Space, as with UNICODE_CHARACTER_CLASS). */
  static boolean isRegexSpace(char c) {
    if (c < 128) {
      return c == ' ' || (c >= '\t' && c <= '\r');
    }
    if (c == '\u0085') {
      return true;
    }
    int type = Character.getType(c);
    return type == Character.SPACE_SEPARATOR || type == Character.LINE_SEPARATOR
        || type == Character.PARAGRAPH_SEPARATOR;
  }

  /** One match attempt; not thread-safe. */
  private final class Run {
    final String s;
    final int n;
    final int[] start;
    final int[] end;
    /** Per field instruction: the field fails from this position and every later one. */
    final int[] failFrom;
    /** Failed (instruction, position) pairs of splits and whitespace runs, made when first needed. */
    long[] failed;

    Run(String s) {
      this.s = s;
      this.n = s.length();
      this.start = new int[fieldCount];
      this.end = new int[fieldCount];
      Arrays.fill(start, -1);
      this.failFrom = new int[fieldSlots];
      Arrays.fill(failFrom, Integer.MAX_VALUE);
    }

    private boolean knownFailed(int pc, int pos) {
      if (failed == null) {
        return false;
      }
      long bit = (long) pc * (n + 1) + pos;
      return (failed[(int) (bit >>> 6)] & (1L << bit)) != 0;
    }

    private void markFailed(int pc, int pos) {
      long bit = (long) pc * (n + 1) + pos;
      if (failed == null) {
        failed = new long[(int) (((long) op.length * (n + 1) + 63) >>> 6)];
      }
      failed[(int) (bit >>> 6)] |= 1L << bit;
    }

    boolean run(int pc, int pos) {
      while (true) {
        switch (op[pc]) {
          case LIT -> {
            if (pos < n && s.charAt(pos) == arg[pc]) {
              pc++;
              pos++;
            } else {
              return false;
            }
          }
          case SPACES -> {
            int m = pos;
            while (m < n && isRegexSpace(s.charAt(m))) {
              m++;
            }
            if (m == pos) {
              return false;
            }
            if (m == pos + 1) {
              pc++;
              pos = m;
            } else {
              if (knownFailed(pc, pos)) {
                return false;
              }
              for (int e = m; e > pos; e--) {
                if (run(pc + 1, e)) {
                  return true;
                }
              }
              markFailed(pc, pos);
              return false;
            }
          }
          case FIELD_OP -> {
            int slot = fieldSlot[pc];
            int limit = failFrom[slot];
            if (pos >= limit) {
              return false;
            }
            int field = arg[pc];
            int last = Math.min(n, limit - 1);
            First next = follow[pc];
            // only where what follows can match: a position where it cannot is a failure without trying it
            for (int e = next.find(s, pos, last); e >= 0; e = next.find(s, e + 1, last)) {
              // a field ends on code point boundaries, as '.' steps over a surrogate pair at once
              if (e > pos && e < n && Character.isHighSurrogate(s.charAt(e - 1))
                  && Character.isLowSurrogate(s.charAt(e))) {
                continue;
              }
              start[field] = pos;
              end[field] = e;
              if (run(pc + 1, e)) {
                return true;
              }
            }
            failFrom[slot] = pos;
            start[field] = -1;
            return false;
          }
          case SPLIT -> {
            if (knownFailed(pc, pos)) {
              return false;
            }
            if (run(arg[pc], pos) || run(alt[pc], pos)) {
              return true;
            }
            markFailed(pc, pos);
            return false;
          }
          case JUMP -> pc = arg[pc];
          default -> {
            return pos == n;
          }
        }
      }
    }
  }
}
