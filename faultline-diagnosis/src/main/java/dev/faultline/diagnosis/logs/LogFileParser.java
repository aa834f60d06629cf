package dev.faultline.diagnosis.logs;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses log files with a {@link LogFormat} and a {@link TemplateMiner}, and writes the structured result as the
 * Loghub benchmark does ({@code LineId,<fields...>,EventId,EventTemplate}); thread-safe if its miner is.
 *
 * <p>A line is a record of the file ended by {@code \n}, {@code \r\n} or {@code \r}; the file is read as UTF-8 with
 * malformed bytes replaced, and a file with a line longer than 1 Mi characters is refused ({@link IOException}). Lines that do not match the format are skipped and reported, as in the reference, and
 * {@code LineId} numbers the lines that were kept. A line's event is its template as it stands once the whole file has
 * been mined, and its {@code EventId} is the first 8 hex digits of the MD5 of the template text, so equal templates
 * share an id.
 */
public final class LogFileParser {
  private final LogFormat format;
  private final TemplateMiner miner;

  /** A parser that mines with {@code miner} the messages of lines in {@code format}. */
  public LogFileParser(LogFormat format, TemplateMiner miner) {
    this.format = format;
    this.miner = miner;
  }

  /** The event id of a template text: the first 8 hex digits of its MD5, as the reference Drain names events. */
  public static String eventId(String template) {
    MessageDigest md5;
    try {
      md5 = MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK must provide MD5", e);
    }
    byte[] digest = md5.digest(template.getBytes(StandardCharsets.UTF_8));
    StringBuilder hex = new StringBuilder(8);
    for (int i = 0; i < 4; i++) {
      hex.append(Character.forDigit((digest[i] >> 4) & 0xf, 16)).append(Character.forDigit(digest[i] & 0xf, 16));
    }
    return hex.toString();
  }

  /**
   * Mines a file and returns, for each kept line, its template.
   *
   * @throws IOException if the file cannot be read
   */
  public ParsedLog parse(Path file) throws IOException {
    Mined mined = mine(file);
    String[] templates = new String[mined.count];
    Map<Integer, String> byCluster = new HashMap<>();
    for (int i = 0; i < mined.count; i++) {
      templates[i] = byCluster.computeIfAbsent(mined.clusters[i], id -> miner.template(id).template());
    }
    return new ParsedLog(Arrays.asList(templates), mined.skipped, mined.skippedCount);
  }

  /**
   * Mines a file, then writes one CSV record per kept line: {@code LineId}, the format's fields in order,
   * {@code EventId} and {@code EventTemplate}, after a header record.
   *
   * @return the parse, as {@link #parse(Path)} returns it
   * @throws IOException if the file cannot be read or the output written
   */
  public ParsedLog writeStructured(Path file, Writer out) throws IOException {
    ParsedLog parsed = parse(file);
    List<String> header = new ArrayList<>();
    header.add("LineId");
    header.addAll(format.fields());
    header.add("EventId");
    header.add("EventTemplate");
    Csv.writeRow(out, header);
    Map<String, String> ids = new HashMap<>();
    try (LogLines in = LogLines.open(file)) {
      int kept = 0;
      String line;
      List<String> row = new ArrayList<>(header.size());
      while ((line = in.readLine()) != null) {
        LogRecord record = format.parse(line).orElse(null);
        if (record == null) {
          continue;
        }
        if (kept >= parsed.size()) {
          throw new IOException(file + " changed while it was parsed: it has more matching lines than before");
        }
        String template = parsed.template(kept);
        kept++;
        row.clear();
        row.add(Integer.toString(kept));
        row.addAll(record.values());
        row.add(ids.computeIfAbsent(template, LogFileParser::eventId));
        row.add(template);
        Csv.writeRow(out, row);
      }
      if (kept != parsed.size()) {
        throw new IOException(file + " changed while it was parsed: it has fewer matching lines than before");
      }
    }
    out.flush();
    return parsed;
  }

  private Mined mine(Path file) throws IOException {
    Mined mined = new Mined();
    try (LogLines in = LogLines.open(file)) {
      String line;
      long number = 0;
      while ((line = in.readLine()) != null) {
        number++;
        LogRecord record = format.parse(line).orElse(null);
        if (record == null) {
          mined.skip(number);
          continue;
        }
        mined.add(miner.add(record.content()).templateId());
      }
    }
    return mined;
  }

  /** The template id of each kept line and the numbers of skipped lines, while mining. */
  private static final class Mined {
    static final int SKIPPED_KEPT = 100;
    int[] clusters = new int[1024];
    int count;
    final List<Long> skipped = new ArrayList<>();
    long skippedCount;

    void add(int cluster) {
      if (count == clusters.length) {
        clusters = Arrays.copyOf(clusters, count * 2);
      }
      clusters[count++] = cluster;
    }

    void skip(long lineNumber) {
      skippedCount++;
      if (skipped.size() < SKIPPED_KEPT) {
        skipped.add(lineNumber);
      }
    }
  }
}
