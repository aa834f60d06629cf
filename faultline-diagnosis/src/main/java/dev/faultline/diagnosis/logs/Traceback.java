package dev.faultline.diagnosis.logs;

import dev.faultline.core.ConfigurationException;
import dev.faultline.diagnosis.internal.PyText;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Traces a failure back through logs: merges one or more log files into one timeline, mines their templates, and
 * ranks the events of the window before the failure by how likely they are to be where it began; immutable and
 * thread-safe.
 *
 * <p>Each event before the failure is judged against the <em>baseline</em> (the events before the window) and the
 * whole log, per template; a template is represented by its first event in the window (its first with the failure's
 * trace id, if any). Reasons and their weights:
 * <ul>
 *   <li>3: it carries the failure's trace id;</li>
 *   <li>3: first occurrence: its template never appears in the baseline;</li>
 *   <li>2: burst: at least {@value #BURST_MIN} in the window and at least {@value #BURST_RATIO} times what the
 *       baseline's rate predicts for the window;</li>
 *   <li>2: error level, 1: warning level;</li>
 *   <li>1: rare: its template holds at most {@code max(2, events / 200)} events of the whole log.</li>
 * </ul>
 * Suspects are ordered by score, then earliest first, since the earliest anomaly is the likelier beginning. The
 * failure's own template is not a suspect: the question is what came before it. Without a baseline (the log starts
 * inside the window), first occurrences and bursts cannot be judged, and the report says so.
 *
 * <p>Without a log format, a line that starts with a timestamp starts an event, whose level is
 * the first level word among its next tokens; with a format, a line that matches it starts an event, its time read
 * from the fields named {@code Date}, {@code Day}, {@code Month}, {@code Time} or {@code Timestamp}, its level from
 * {@code Level}, its trace id from a field whose name holds {@code trace}. Other lines continue the event before them
 * (stack traces). A trace id is otherwise read from the message ({@code traceId=...}, {@code trace_id: ...}).
 *
 * <p>Timestamp layouts: ISO 8601 ({@code 2015-07-29 17:41:44,747}, {@code 2016-09-28T04:30:30.1Z}; offsets are
 * ignored), {@code 2016/9/27 20:30:31}, {@code 17/06/09 20:10:40} (yy/MM/dd), {@code 081109 203615}
 * (yyMMdd HHmmss), syslog {@code Jun 14 15:16:01}, {@code [Sun Dec 04 04:47:44 2005]}, and {@code 03-17 16:13:38.811}.
 * Layouts without a year are put in the year 2000, so that times within one log compare correctly.
 */
public final class Traceback {
  /** The default length of the window examined before the failure. */
  public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(10);
  static final int BURST_MIN = 3;
  static final int BURST_RATIO = 3;

  private static final Set<String> LEVELS = Set.of("TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "WARNING", "ERROR",
      "ERR", "FATAL", "SEVERE", "CRITICAL", "CRIT", "ALERT", "EMERG");
  private static final Set<String> TIME_FIELDS = Set.of("date", "day", "month", "time", "timestamp");
  private static final Pattern TRACE = Pattern.compile(
      "(?i)\\btrace(?:[_-]?id)?\\s*[=:]\\s*\"?([A-Za-z0-9][A-Za-z0-9_-]{3,})");
  private static final Pattern ERROR_WORDS = Pattern.compile("(?i)\\b(exception|error|fail(ed|ure|s)?|fatal)\\b");

  private final LogFormat format;
  private final Duration window;
  private final int maxSuspects;

  private Traceback(Builder b) {
    this.format = b.format;
    this.window = b.window;
    this.maxSuspects = b.maxSuspects;
  }

  /** A builder with no log format (timestamps are detected), a window of 10 minutes and at most 10 suspects. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Reads a time given on the command line in any layout {@link Traceback} reads in logs.
   *
   * @throws IllegalArgumentException if the text is not such a time
   */
  public static LocalDateTime parseTime(String text) {
    LocalDateTime t = Timestamps.parseWhole(text);
    if (t == null) {
      throw new IllegalArgumentException("cannot read the time \"" + text + "\": use a layout such as "
          + "2015-07-29 17:41:44, 2015-07-29T17:41:44.747 or Jun 14 15:16:01");
    }
    return t;
  }

  /**
   * Traces back from the first error of the logs: the first event at an error level or worse or, if no event has a
   * level, the first whose message names an exception, error or failure.
   *
   * @throws IOException if a file cannot be read
   * @throws IllegalArgumentException if the logs hold no event, or no error
   */
  public TracebackReport fromFirstError(List<Path> files) throws IOException {
    List<LogEvent> events = read(files);
    int failure = -1;
    for (int i = 0; i < events.size() && failure < 0; i++) {
      if (events.get(i).isError()) {
        failure = i;
      }
    }
    boolean levels = events.stream().anyMatch(e -> !e.level().isEmpty());
    for (int i = 0; i < events.size() && failure < 0 && !levels; i++) {
      if (ERROR_WORDS.matcher(events.get(i).content()).find()) {
        failure = i;
      }
    }
    if (failure < 0) {
      throw new IllegalArgumentException("no error in " + events.size() + " events of " + files
          + ": give the time of the failure instead");
    }
    return analyse(events, failure);
  }

  /**
   * Traces back from a time: the failure is the last event at or before it.
   *
   * @throws IOException if a file cannot be read
   * @throws IllegalArgumentException if no event is at or before the time
   */
  public TracebackReport at(LocalDateTime time, List<Path> files) throws IOException {
    List<LogEvent> events = read(files);
    int failure = -1;
    for (int i = 0; i < events.size() && !events.get(i).time().isAfter(time); i++) {
      failure = i;
    }
    if (failure < 0) {
      throw new IllegalArgumentException("no event at or before " + time + " in " + events.size() + " events of "
          + files);
    }
    return analyse(events, failure);
  }

  /** Reads the files into one timeline, mined, in time order (ties in file order, then line order). */
  List<LogEvent> read(List<Path> files) throws IOException {
    if (files.isEmpty()) {
      throw new IllegalArgumentException("no log file given");
    }
    List<Draft> drafts = new ArrayList<>();
    for (int f = 0; f < files.size(); f++) {
      readFile(files.get(f), f, drafts);
    }
    drafts.sort(Comparator.comparing((Draft d) -> d.time).thenComparingInt(d -> d.fileIndex)
        .thenComparingLong(d -> d.line));
    TemplateMiner miner = TemplateMiner.standard();
    int[] ids = new int[drafts.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = miner.add(drafts.get(i).content).templateId();
    }
    List<LogEvent> events = new ArrayList<>(drafts.size());
    Map<Integer, LogTemplate> templates = new HashMap<>();
    for (int i = 0; i < ids.length; i++) {
      LogTemplate t = templates.computeIfAbsent(ids[i], miner::template);
      Draft d = drafts.get(i);
      events.add(new LogEvent(d.file, d.line, d.time, d.level, d.traceId, d.content, t.id(), t.template(),
          d.continuation));
    }
    return events;
  }

  private void readFile(Path file, int fileIndex, List<Draft> out) throws IOException {
    Draft last = null;
    try (LogLines in = LogLines.open(file)) {
      String text;
      long number = 0;
      while ((text = in.readLine()) != null) {
        number++;
        Draft d = format == null ? detect(text) : withFormat(text, last);
        if (d == null) {
          if (last != null && !text.isBlank()) {
            last.continuation++;
          }
          continue;
        }
        d.file = file;
        d.fileIndex = fileIndex;
        d.line = number;
        if (d.traceId.isEmpty()) {
          Matcher m = TRACE.matcher(d.content);
          d.traceId = m.find() ? m.group(1) : "";
        }
        out.add(d);
        last = d;
      }
    }
  }

  private static Draft detect(String text) {
    String line = PyText.strip(text);
    Timestamps.Stamp stamp = Timestamps.parse(line);
    if (stamp == null) {
      return null;
    }
    String[] rest = PyText.split(line.substring(stamp.end()));
    String level = "";
    int contentFrom = 0;
    for (int i = 0; i < Math.min(4, rest.length) && level.isEmpty(); i++) {
      String word = rest[i].replaceAll("^[\\[(<]+|[\\])>:,]+$", "").toUpperCase(Locale.ROOT);
      if (LEVELS.contains(word)) {
        level = word;
        contentFrom = i + 1;
      }
    }
    Draft d = new Draft();
    d.time = stamp.time();
    d.level = level;
    d.content = String.join(" ", List.of(rest).subList(contentFrom, rest.length));
    d.traceId = "";
    return d;
  }

  private Draft withFormat(String text, Draft previous) {
    LogRecord r = format.parse(text).orElse(null);
    if (r == null) {
      return null;
    }
    StringBuilder when = new StringBuilder();
    String trace = "";
    String level = "";
    for (String field : format.fields()) {
      String lower = field.toLowerCase(Locale.ROOT);
      if (TIME_FIELDS.contains(lower)) {
        when.append(when.length() == 0 ? "" : " ").append(r.field(field));
      } else if (lower.equals("level")) {
        level = r.field(field).strip().toUpperCase(Locale.ROOT);
      } else if (lower.contains("trace")) {
        trace = r.field(field).strip();
      }
    }
    LocalDateTime time = when.length() == 0 ? null : Timestamps.parseWhole(when.toString());
    if (time == null) {
      if (previous == null) {
        return null;
      }
      time = previous.time;
    }
    Draft d = new Draft();
    d.time = time;
    d.level = level;
    d.traceId = trace;
    d.content = r.content();
    return d;
  }

  /** Ranks the window before {@code events.get(failureIndex)}. */
  TracebackReport analyse(List<LogEvent> events, int failureIndex) {
    LogEvent failure = events.get(failureIndex);
    LocalDateTime windowStart = failure.time().minus(window);
    int first = failureIndex;
    while (first > 0 && !events.get(first - 1).time().isBefore(windowStart)) {
      first--;
    }
    List<LogEvent> timeline = events.subList(first, failureIndex + 1);
    List<LogEvent> baseline = events.subList(0, first);
    Map<Integer, Integer> total = counts(events);
    Map<Integer, Integer> before = counts(baseline);
    Map<Integer, Integer> inWindow = counts(timeline);
    List<String> notes = new ArrayList<>();
    if (baseline.isEmpty()) {
      notes.add("no events before the window: first occurrences and bursts cannot be judged");
    }
    double baselineSeconds = baseline.isEmpty() ? 0
        : Duration.between(baseline.get(0).time(), windowStart).toMillis() / 1000.0;
    double windowSeconds = Duration.between(windowStart, failure.time()).toMillis() / 1000.0;
    long rareLimit = Math.max(2, events.size() / 200);

    Map<Integer, LogEvent> representative = new HashMap<>();
    for (LogEvent e : timeline) {
      if (e.templateId() == failure.templateId()) {
        continue;
      }
      LogEvent current = representative.get(e.templateId());
      boolean traced = !failure.traceId().isEmpty() && failure.traceId().equals(e.traceId());
      if (current == null || traced && !failure.traceId().equals(current.traceId())) {
        representative.put(e.templateId(), e);
      }
    }
    List<Suspect> suspects = new ArrayList<>();
    for (LogEvent e : representative.values()) {
      List<String> reasons = new ArrayList<>();
      int score = 0;
      if (!failure.traceId().isEmpty() && failure.traceId().equals(e.traceId())) {
        score += 3;
        reasons.add("same trace id " + e.traceId() + " as the failure");
      }
      int b = before.getOrDefault(e.templateId(), 0);
      int w = inWindow.get(e.templateId());
      if (!baseline.isEmpty() && b == 0) {
        score += 3;
        reasons.add("first occurrence: its template is not among the " + baseline.size() + " events before the window");
      }
      if (!baseline.isEmpty() && w >= BURST_MIN) {
        double expected = baselineSeconds > 0 ? b * windowSeconds / baselineSeconds : b;
        if (w >= BURST_RATIO * expected) {
          score += 2;
          reasons.add(String.format(Locale.ROOT, "burst: %d in the window against %.1f expected from the baseline",
              w, expected));
        }
      }
      if (e.isError()) {
        score += 2;
        reasons.add("error level " + e.level());
      } else if (e.isWarning()) {
        score += 1;
        reasons.add("warning level " + e.level());
      }
      int all = total.get(e.templateId());
      if (all <= rareLimit) {
        score += 1;
        reasons.add("rare: " + all + " of " + events.size() + " events have its template");
      }
      if (score > 0) {
        suspects.add(new Suspect(e, score, reasons));
      }
    }
    suspects.sort(Comparator.comparingInt((Suspect s) -> -s.score()).thenComparing(s -> s.event().time())
        .thenComparing(s -> s.event().file().toString()).thenComparingLong(s -> s.event().line()));
    if (suspects.size() > maxSuspects) {
      suspects = suspects.subList(0, maxSuspects);
    }
    return new TracebackReport(failure, windowStart, timeline, suspects, baseline.size(), notes);
  }

  private static Map<Integer, Integer> counts(List<LogEvent> events) {
    Map<Integer, Integer> out = new HashMap<>();
    for (LogEvent e : events) {
      out.merge(e.templateId(), 1, Integer::sum);
    }
    return out;
  }

  /** An event while files are read; confined to the reading thread. */
  private static final class Draft {
    Path file;
    int fileIndex;
    long line;
    LocalDateTime time;
    String level;
    String traceId;
    String content;
    int continuation;
  }

  /** Builds a {@link Traceback}; not thread-safe. */
  public static final class Builder {
    private LogFormat format;
    private Duration window = DEFAULT_WINDOW;
    private int maxSuspects = 10;

    Builder() {}

    /** The header format of the logs; without one, events are found by the timestamps that start them. */
    public Builder logFormat(LogFormat format) {
      this.format = format;
      return this;
    }

    /** How far before the failure to look; positive, default 10 minutes. */
    public Builder window(Duration window) {
      this.window = window;
      return this;
    }

    /** The most suspects to report; at least 1, default 10. */
    public Builder maxSuspects(int maxSuspects) {
      this.maxSuspects = maxSuspects;
      return this;
    }

    /**
     * Builds the traceback.
     *
     * @throws ConfigurationException if the window is not positive or the suspect count below 1
     */
    public Traceback build() {
      if (window == null || window.isNegative() || window.isZero()) {
        throw new ConfigurationException("window", "be a positive duration", String.valueOf(window));
      }
      if (maxSuspects < 1) {
        throw new ConfigurationException("maxSuspects", "be at least 1", maxSuspects);
      }
      return new Traceback(this);
    }
  }
}
