package dev.faultline.diagnosis.internal;

/**
 * Text primitives with the exact semantics of Python 3's {@code str.isspace}, {@code str.strip()},
 * {@code str.split()} and {@code str.isdigit}, which the reference Drain relies on (and so the templates it mines);
 * stateless and thread-safe. Not API: this package is not exported.
 */
public final class PyText {
  private static final String[] NO_TOKENS = new String[0];

  private PyText() {}

  /**
   * Whether {@code c} is whitespace for Python's {@code str.isspace()} (and so for {@code split()} and
   * {@code strip()}).
   */
  public static boolean isSpace(char c) {
    if (c <= ' ') {
      return c == ' ' || (c >= '\t' && c <= '\r') || (c >= '\u001c' && c <= '\u001f');
    }
    if (c < '\u0085') {
      return false;
    }
    return c == '\u0085' || c == '\u00a0' || c == '\u1680' || (c >= '\u2000' && c <= '\u200a') || c == '\u2028'
        || c == '\u2029' || c == '\u202f' || c == '\u205f' || c == '\u3000';
  }

  /** Python's {@code s.strip()}. */
  public static String strip(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && isSpace(s.charAt(start))) {
      start++;
    }
    while (end > start && isSpace(s.charAt(end - 1))) {
      end--;
    }
    return start == 0 && end == s.length() ? s : s.substring(start, end);
  }

  /** Python's {@code s.split()}: the maximal runs of non-whitespace characters, in order. */
  public static String[] split(String s) {
    int n = s.length();
    int i = 0;
    String[] out = null;
    int count = 0;
    while (true) {
      while (i < n && isSpace(s.charAt(i))) {
        i++;
      }
      if (i >= n) {
        break;
      }
      int start = i;
      while (i < n && !isSpace(s.charAt(i))) {
        i++;
      }
      if (out == null) {
        out = new String[8];
      } else if (count == out.length) {
        out = java.util.Arrays.copyOf(out, count * 2);
      }
      out[count++] = s.substring(start, i);
    }
    if (count == 0) {
      return NO_TOKENS;
    }
    return count == out.length ? out : java.util.Arrays.copyOf(out, count);
  }

  /**
   * Whether any character of {@code s} is a digit for Python's {@code str.isdigit()}: decimal digits (Nd) and the
   * other numbers with a single digit value (superscripts, subscripts, circled digits).
   */
  public static boolean hasDigit(String s) {
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      if (c >= '0' && c <= '9') {
        return true;
      }
      if (c >= 0x80) {
        int cp = s.codePointAt(i);
        if (isPythonDigit(cp)) {
          return true;
        }
        if (Character.isSupplementaryCodePoint(cp)) {
          i++;
        }
      }
    }
    return false;
  }

  /** Whether a code point is a digit for Python's {@code str.isdigit()}. */
  public static boolean isDigit(int cp) {
    return cp >= '0' && cp <= '9' || cp >= 0x80 && isPythonDigit(cp);
  }

  private static boolean isPythonDigit(int cp) {
    int type = Character.getType(cp);
    if (type == Character.DECIMAL_DIGIT_NUMBER) {
      return true;
    }
    if (type == Character.OTHER_NUMBER) {
      int value = Character.getNumericValue(cp);
      return value >= 0 && value <= 9;
    }
    return false;
  }
}
