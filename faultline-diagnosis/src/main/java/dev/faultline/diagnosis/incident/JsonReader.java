package dev.faultline.diagnosis.incident;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses one JSON value (RFC 8259) into maps, lists, strings, {@code Long}s or {@code Double}s, booleans and nulls;
 * not thread-safe (one instance per text).
 *
 * <p>Every malformed input ends in an {@link IncidentJsonException} naming the position: nesting deeper than
 * {@value #MAX_DEPTH}, duplicate keys, unpaired surrogate escapes and trailing text included.
 */
final class JsonReader {
  static final int MAX_DEPTH = 32;

  private final String text;
  private int pos;
  private int depth;

  private JsonReader(String text) {
    this.text = text;
  }

  static Object parse(String text) {
    JsonReader r = new JsonReader(text);
    r.skipSpace();
    Object value = r.value();
    r.skipSpace();
    if (r.pos != text.length()) {
      throw r.error("unexpected text after the value");
    }
    return value;
  }

  private IncidentJsonException error(String problem) {
    return new IncidentJsonException(pos, problem);
  }

  private void skipSpace() {
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        pos++;
      } else {
        return;
      }
    }
  }

  private Object value() {
    if (pos >= text.length()) {
      throw error("expected a value but the text ended");
    }
    char c = text.charAt(pos);
    switch (c) {
      case '{':
        return object();
      case '[':
        return array();
      case '"':
        return string();
      case 't':
        return literal("true", Boolean.TRUE);
      case 'f':
        return literal("false", Boolean.FALSE);
      case 'n':
        return literal("null", null);
      default:
        if (c == '-' || (c >= '0' && c <= '9')) {
          return number();
        }
        throw error("expected a value but found " + describe(c));
    }
  }

  private static String describe(char c) {
    return c >= 0x20 && c < 0x7f ? "'" + c + "'" : String.format("U+%04X", (int) c);
  }

  private Object literal(String word, Object value) {
    if (!text.startsWith(word, pos)) {
      throw error("expected " + word);
    }
    pos += word.length();
    return value;
  }

  private void enter() {
    if (++depth > MAX_DEPTH) {
      throw error("nesting deeper than " + MAX_DEPTH);
    }
  }

  private Map<String, Object> object() {
    enter();
    pos++;
    Map<String, Object> map = new LinkedHashMap<>();
    skipSpace();
    if (pos < text.length() && text.charAt(pos) == '}') {
      pos++;
      depth--;
      return Collections.unmodifiableMap(map);
    }
    while (true) {
      skipSpace();
      if (pos >= text.length() || text.charAt(pos) != '"') {
        throw error("expected a string key");
      }
      int keyAt = pos;
      String key = string();
      skipSpace();
      expect(':');
      skipSpace();
      Object value = value();
      if (map.containsKey(key)) {
        throw new IncidentJsonException(keyAt, "duplicate key \"" + key + "\"");
      }
      map.put(key, value);
      skipSpace();
      if (pos < text.length() && text.charAt(pos) == ',') {
        pos++;
        continue;
      }
      expect('}');
      depth--;
      return Collections.unmodifiableMap(map);
    }
  }

  private List<Object> array() {
    enter();
    pos++;
    List<Object> list = new ArrayList<>();
    skipSpace();
    if (pos < text.length() && text.charAt(pos) == ']') {
      pos++;
      depth--;
      return Collections.unmodifiableList(list);
    }
    while (true) {
      skipSpace();
      list.add(value());
      skipSpace();
      if (pos < text.length() && text.charAt(pos) == ',') {
        pos++;
        continue;
      }
      expect(']');
      depth--;
      return Collections.unmodifiableList(list);
    }
  }

  private void expect(char c) {
    if (pos >= text.length()) {
      throw error("expected '" + c + "' but the text ended");
    }
    if (text.charAt(pos) != c) {
      throw error("expected '" + c + "' but found " + describe(text.charAt(pos)));
    }
    pos++;
  }

  private String string() {
    pos++;
    StringBuilder out = new StringBuilder();
    while (true) {
      if (pos >= text.length()) {
        throw error("unterminated string");
      }
      char c = text.charAt(pos);
      if (c == '"') {
        pos++;
        return out.toString();
      }
      if (c < 0x20) {
        throw error("control character " + describe(c) + " in a string");
      }
      if (c != '\\') {
        out.append(c);
        pos++;
        continue;
      }
      if (pos + 1 >= text.length()) {
        throw error("unterminated escape");
      }
      char e = text.charAt(pos + 1);
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out.append(e);
          break;
        case 'b':
          out.append('\b');
          break;
        case 'f':
          out.append('\f');
          break;
        case 'n':
          out.append('\n');
          break;
        case 'r':
          out.append('\r');
          break;
        case 't':
          out.append('\t');
          break;
        case 'u':
          out.append(unicodeEscape());
          continue;
        default:
          throw error("invalid escape \\" + describe(e));
      }
      pos += 2;
    }
  }

  /** Reads {@code \\uXXXX} at {@code pos} (and its low surrogate if it is a high one) and moves past it. */
  private String unicodeEscape() {
    int start = pos;
    char c = hex4();
    if (Character.isLowSurrogate(c)) {
      throw new IncidentJsonException(start, "unpaired low surrogate escape");
    }
    if (!Character.isHighSurrogate(c)) {
      return String.valueOf(c);
    }
    if (!text.startsWith("\\u", pos)) {
      throw new IncidentJsonException(start, "high surrogate escape not followed by a low surrogate escape");
    }
    char low = hex4();
    if (!Character.isLowSurrogate(low)) {
      throw new IncidentJsonException(start, "high surrogate escape not followed by a low surrogate escape");
    }
    return new String(new char[] {c, low});
  }

  private char hex4() {
    if (pos + 6 > text.length()) {
      throw error("truncated \\u escape");
    }
    int v = 0;
    for (int i = pos + 2; i < pos + 6; i++) {
      int d = Character.digit(text.charAt(i), 16);
      if (d < 0 || text.charAt(i) > 'f') {
        throw new IncidentJsonException(i, "invalid hex digit in \\u escape");
      }
      v = v * 16 + d;
    }
    pos += 6;
    return (char) v;
  }

  private Object number() {
    int start = pos;
    if (text.charAt(pos) == '-') {
      pos++;
    }
    if (pos >= text.length() || !isDigit(text.charAt(pos))) {
      throw error("expected a digit");
    }
    if (text.charAt(pos) == '0') {
      pos++;
      if (pos < text.length() && isDigit(text.charAt(pos))) {
        throw error("leading zero in a number");
      }
    } else {
      digits();
    }
    boolean integral = true;
    if (pos < text.length() && text.charAt(pos) == '.') {
      integral = false;
      pos++;
      if (pos >= text.length() || !isDigit(text.charAt(pos))) {
        throw error("expected a digit after the decimal point");
      }
      digits();
    }
    if (pos < text.length() && (text.charAt(pos) == 'e' || text.charAt(pos) == 'E')) {
      integral = false;
      pos++;
      if (pos < text.length() && (text.charAt(pos) == '+' || text.charAt(pos) == '-')) {
        pos++;
      }
      if (pos >= text.length() || !isDigit(text.charAt(pos))) {
        throw error("expected a digit in the exponent");
      }
      digits();
    }
    String literal = text.substring(start, pos);
    if (integral) {
      try {
        return Long.parseLong(literal);
      } catch (NumberFormatException e) {
        throw new IncidentJsonException(start, "integer out of range: " + literal);
      }
    }
    double d = Double.parseDouble(literal);
    if (Double.isInfinite(d)) {
      throw new IncidentJsonException(start, "number out of range: " + literal);
    }
    return d;
  }

  private void digits() {
    while (pos < text.length() && isDigit(text.charAt(pos))) {
      pos++;
    }
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }
}
