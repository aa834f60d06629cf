package dev.faultline.console;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A minimal streaming JSON writer: values go straight to the output, so arrays of millions of elements need no
 * memory. Commas are inserted automatically; non-finite doubles are written as {@code null}. Not thread-safe.
 */
final class JsonWriter {
  private final Appendable out;
  /** One entry per open container: true once it holds an element (a comma is due before the next). */
  private final Deque<Boolean> open = new ArrayDeque<>();
  private boolean afterName;

  JsonWriter(Appendable out) {
    this.out = out;
  }

  JsonWriter beginObject() {
    prefix();
    write("{");
    open.push(false);
    return this;
  }

  JsonWriter endObject() {
    open.pop();
    write("}");
    return this;
  }

  JsonWriter beginArray() {
    prefix();
    write("[");
    open.push(false);
    return this;
  }

  JsonWriter endArray() {
    open.pop();
    write("]");
    return this;
  }

  JsonWriter name(String name) {
    prefix();
    string(name);
    write(":");
    afterName = true;
    return this;
  }

  JsonWriter value(String s) {
    prefix();
    if (s == null) {
      write("null");
    } else {
      string(s);
    }
    return this;
  }

  JsonWriter value(double d) {
    prefix();
    write(Double.isFinite(d) ? Double.toString(d) : "null");
    return this;
  }

  /**
   * An importance measure, as the console's API writes one: a number; {@code null} if it is undefined (NaN: CIF and
   * DIF when the top cannot occur); the string {@code "Infinity"} (or {@code "-Infinity"}) if it is infinite (RAW
   * of an event whose failure makes an impossible top possible), which JavaScript's {@code Number}, Jackson and
   * Python's {@code float} read back as infinity.
   */
  JsonWriter measure(double d) {
    prefix();
    if (Double.isNaN(d)) {
      write("null");
    } else if (Double.isInfinite(d)) {
      write(d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    } else {
      write(Double.toString(d));
    }
    return this;
  }

  JsonWriter value(long v) {
    prefix();
    write(Long.toString(v));
    return this;
  }

  JsonWriter value(BigInteger v) {
    prefix();
    write(v.toString());
    return this;
  }

  JsonWriter value(boolean b) {
    prefix();
    write(b ? "true" : "false");
    return this;
  }

  /** A string as a JSON literal, quotes included. */
  static String quote(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2);
    appendQuoted(b, s);
    return b.toString();
  }

  private void prefix() {
    if (afterName) {
      afterName = false;
      return;
    }
    if (!open.isEmpty()) {
      if (open.peek()) {
        write(",");
      } else {
        open.pop();
        open.push(true);
      }
    }
  }

  private void string(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2);
    appendQuoted(b, s);
    write(b.toString());
  }

  private static void appendQuoted(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }

  private void write(String s) {
    try {
      out.append(s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
