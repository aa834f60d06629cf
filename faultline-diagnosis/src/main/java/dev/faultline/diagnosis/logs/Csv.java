package dev.faultline.diagnosis.logs;

import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;

/**
 * Comma-separated values as RFC 4180 writes them (and pandas reads them): fields with a comma, quote, or line break
 * are quoted, quotes doubled; stateless and thread-safe.
 */
final class Csv {
  private Csv() {}

  /** Appends one record, terminated by {@code \n}. */
  static void writeRow(Appendable out, List<String> fields) throws IOException {
    for (int i = 0; i < fields.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      writeField(out, fields.get(i));
    }
    out.append('\n');
  }

  static void writeField(Appendable out, String field) throws IOException {
    boolean quote = false;
    for (int i = 0; i < field.length() && !quote; i++) {
      char c = field.charAt(i);
      quote = c == ',' || c == '"' || c == '\n' || c == '\r';
    }
    if (!quote) {
      out.append(field);
      return;
    }
    out.append('"');
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '"') {
        out.append('"');
      }
      out.append(c);
    }
    out.append('"');
  }

  /**
   * Reads every record; a record ends at an unquoted {@code \n}, {@code \r\n} or {@code \r}.
   *
   * @throws IllegalArgumentException if a quoted field is not closed or a quote is followed by other text
   */
  static List<List<String>> read(Reader in) throws IOException {
    List<List<String>> rows = new ArrayList<>();
    List<String> row = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    int record = 1;
    int c = in.read();
    boolean any = false;
    while (c != -1) {
      any = true;
      if (c == '"' && field.length() == 0) {
        while (true) {
          c = in.read();
          if (c == -1) {
            throw new IllegalArgumentException("CSV record " + record + ": quoted field not closed");
          }
          if (c == '"') {
            c = in.read();
            if (c != '"') {
              break;
            }
          }
          field.append((char) c);
        }
        if (c != ',' && c != '\n' && c != '\r' && c != -1) {
          throw new IllegalArgumentException("CSV record " + record + ": text after a closing quote");
        }
        continue;
      }
      if (c == ',') {
        row.add(field.toString());
        field.setLength(0);
      } else if (c == '\n' || c == '\r') {
        row.add(field.toString());
        field.setLength(0);
        rows.add(row);
        row = new ArrayList<>();
        record++;
        any = false;
        if (c == '\r') {
          c = in.read();
          if (c == '\n') {
            c = in.read();
          }
          continue;
        }
      } else {
        field.append((char) c);
      }
      c = in.read();
    }
    if (any) {
      row.add(field.toString());
      rows.add(row);
    }
    return rows;
  }
}
