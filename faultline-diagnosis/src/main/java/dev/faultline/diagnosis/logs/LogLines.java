package dev.faultline.diagnosis.logs;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The lines of a log file, as {@link java.io.BufferedReader#readLine()} splits them (ended by {@code \n},
 * {@code \r\n} or {@code \r}; the last one may have no end), read as UTF-8 with malformed bytes replaced, but never
 * longer than {@link #MAX_LINE_CHARS}: a file with a longer line (a hostile or broken one, say gigabytes without a
 * newline) is refused with an {@link IOException} naming the file, the line and the limit, instead of being buffered
 * whole until the heap runs out. Not thread-safe.
 */
final class LogLines implements Closeable {
  /** The longest line read: 1 Mi characters. */
  static final int MAX_LINE_CHARS = 1 << 20;

  private final Path file;
  private final Reader in;
  private final int maxChars;
  private final char[] buffer = new char[1 << 16];
  private int position;
  private int limit;
  private boolean ended;
  /** The last line ended with {@code \r}: a {@code \n} right after it belongs to that end. */
  private boolean skipNewline;
  private long number;

  LogLines(Path file, Reader in, int maxChars) {
    this.file = file;
    this.in = in;
    this.maxChars = maxChars;
  }

  /** Opens {@code file}. */
  static LogLines open(Path file) throws IOException {
    return new LogLines(file, new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE)),
        MAX_LINE_CHARS);
  }

  /**
   * The next line without its end, or null at the end of the file.
   *
   * @throws IOException if the file cannot be read, or the line is longer than the limit
   */
  String readLine() throws IOException {
    StringBuilder partial = null;
    while (true) {
      if (position >= limit) {
        if (!fill()) {
          if (partial == null) {
            return null;
          }
          number++;
          return partial.toString();
        }
      }
      if (skipNewline) {
        skipNewline = false;
        if (buffer[position] == '\n') {
          position++;
          continue;
        }
      }
      int start = position;
      while (position < limit && buffer[position] != '\n' && buffer[position] != '\r') {
        position++;
      }
      int length = position - start;
      if ((partial == null ? 0 : partial.length()) + length > maxChars) {
        throw new IOException(file + ": line " + (number + 1) + " is longer than " + maxChars + " characters, the"
            + " longest line a log file may have here; the file was not analysed");
      }
      if (position < limit) {
        skipNewline = buffer[position] == '\r';
        position++;
        number++;
        return partial == null ? new String(buffer, start, length) : partial.append(buffer, start, length).toString();
      }
      if (partial == null) {
        partial = new StringBuilder(Math.max(16, length * 2));
      }
      partial.append(buffer, start, length);
    }
  }

  private boolean fill() throws IOException {
    if (ended) {
      return false;
    }
    int read;
    do {
      read = in.read(buffer, 0, buffer.length);
    } while (read == 0);
    if (read < 0) {
      ended = true;
      return false;
    }
    position = 0;
    limit = read;
    return true;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
