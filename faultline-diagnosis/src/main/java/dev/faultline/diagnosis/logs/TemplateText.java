package dev.faultline.diagnosis.logs;

import dev.faultline.diagnosis.internal.PyText;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads the values of a template's {@code <*>} slots out of a raw message; stateless and thread-safe.
 *
 * <p>The template text is cut at its wildcards into literal pieces, in which a space stands for any run of whitespace.
 * The pieces must appear in the message in order, the first at its start and the last at its end; each wildcard takes
 * the text between, each piece being matched as early as it can (as {@code (.*?)} would). A masked token such as
 * {@code blk_<*>} thus yields the digits only, and a wildcard that stood for several tokens yields them all.
 */
final class TemplateText {
  private static final String W = TemplateMiner.WILDCARD;

  private TemplateText() {}

  static Optional<List<String>> parameters(String template, String content) {
    String message = PyText.strip(content);
    List<String> pieces = new ArrayList<>();
    int from = 0;
    int at;
    while ((at = template.indexOf(W, from)) >= 0) {
      pieces.add(template.substring(from, at));
      from = at + W.length();
    }
    pieces.add(template.substring(from));
    int pos = matchAt(message, 0, pieces.get(0));
    if (pos < 0) {
      return Optional.empty();
    }
    List<String> values = new ArrayList<>(pieces.size() - 1);
    for (int i = 1; i < pieces.size(); i++) {
      String piece = pieces.get(i);
      boolean last = i == pieces.size() - 1;
      int start = -1;
      int end = -1;
      for (int s = pos; s <= message.length(); s++) {
        int e = matchAt(message, s, piece);
        if (e >= 0 && (!last || e == message.length())) {
          start = s;
          end = e;
          break;
        }
      }
      if (end < 0) {
        return Optional.empty();
      }
      values.add(message.substring(pos, start));
      pos = end;
    }
    return pos == message.length() ? Optional.of(values) : Optional.empty();
  }

  /** Where {@code piece} ends if it matches at {@code at} (a space matching one or more whitespace), else -1. */
  private static int matchAt(String message, int at, String piece) {
    int m = at;
    for (int i = 0; i < piece.length(); i++) {
      char c = piece.charAt(i);
      if (c == ' ') {
        if (m >= message.length() || !PyText.isSpace(message.charAt(m))) {
          return -1;
        }
        while (m < message.length() && PyText.isSpace(message.charAt(m))) {
          m++;
        }
      } else {
        if (m >= message.length() || message.charAt(m) != c) {
          return -1;
        }
        m++;
      }
    }
    return m;
  }
}
