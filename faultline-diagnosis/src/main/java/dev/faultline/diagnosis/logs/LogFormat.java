package dev.faultline.diagnosis.logs;

import dev.faultline.core.ConfigurationException;
import dev.faultline.diagnosis.internal.PyText;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The header format of a log, such as {@code "<Date> <Time> <Level> <Component>: <Content>"}, compiled into a
 * line matcher; immutable and thread-safe.
 *
 * <p>Each {@code <Name>} is a field; the text between fields is a regular expression in which every run of spaces
 * stands for {@code \s+}. A field matches as little as it can ({@code .*?}) and the whole line, stripped of surrounding
 * whitespace, must match. This is the log-format convention of the Loghub benchmark, so formats written for it work
 * unchanged. One field must be named {@code Content}: it holds the message that templates are mined from.
 *
 * <p>Matching is bounded: a backtracking matcher needs time polynomial in the line's length, with the number of fields
 * as the exponent, to conclude that a line does not match (a 200-character line of words without the format's
 * separators took seconds with five fields). So matching one line may read at most {@value #STEPS_PER_CHAR} characters
 * per character of the line (plus {@value #STEPS_BASE}); a line that needs more is treated as not matching. The lines
 * of the Loghub samples need fewer than 3 reads per character, so only lines built to stall a matcher are affected.
 *
 * <p>Most formats never reach the regex: when the text between fields holds only literal characters, escaped
 * punctuation, spaces and groups (optional or not) of the same, as every Loghub format does, lines are split by a
 * hand-written matcher ({@code FormatMatcher}) that finds the regex's own match, field for field, in time linear in the
 * line's length times the format's. It needs no budget, so on these formats a line that matches is always a match,
 * even one the bounded regex would have given up on. Lines holding a {@code \n} go to the regex too.
 */
public final class LogFormat {
  /** The name of the field holding the message. */
  public static final String CONTENT = "Content";

  /** Character reads that matching a line may take per character of the line. */
  static final int STEPS_PER_CHAR = 64;
  /** Character reads that matching a line may take in addition, so that short lines have room too. */
  static final int STEPS_BASE = 4096;

  private static final Pattern FIELD = Pattern.compile("<[^<>]+>");
  private static final Pattern SPACES = Pattern.compile(" +");

  private final String format;
  private final List<String> fields;
  private final Map<String, Integer> index;
  private final int contentIndex;
  /** Python's Unicode classes, for lines with non-ASCII characters. */
  private final Pattern pattern;
  /** The same pattern with ASCII classes, which match alike on ASCII lines and run faster. */
  private final Pattern asciiPattern;
  private final String[] groupNames;
  /** The hand-written matcher that gives the regex's fields faster, or null for formats it does not handle. */
  private final FormatMatcher fast;

  private LogFormat(String format, List<String> fields, Pattern pattern, Pattern asciiPattern) {
    this.format = format;
    this.fields = Collections.unmodifiableList(fields);
    Map<String, Integer> byName = new HashMap<>();
    for (int i = 0; i < fields.size(); i++) {
      byName.put(fields.get(i), i);
    }
    this.index = Map.copyOf(byName);
    this.contentIndex = byName.get(CONTENT);
    this.pattern = pattern;
    this.asciiPattern = asciiPattern;
    this.groupNames = new String[fields.size()];
    for (int i = 0; i < groupNames.length; i++) {
      groupNames[i] = "f" + i;
    }
    this.fast = FormatMatcher.compile(format, this.fields);
  }

  /**
   * Compiles a header format.
   *
   * @throws ConfigurationException if the format is blank, names a field twice, has no {@code <Content>} field, or its
   *     text between fields is not a valid regular expression
   */
  public static LogFormat compile(String format) {
    if (format == null || format.isBlank()) {
      throw new ConfigurationException("logFormat", "not be blank", format == null ? "null" : "\"" + format + "\"");
    }
    List<String> fields = new ArrayList<>();
    StringBuilder regex = new StringBuilder("^");
    // The same pattern with the fields as non-capturing groups: it counts the text's own capturing groups.
    StringBuilder plain = new StringBuilder("^");
    Matcher m = FIELD.matcher(format);
    int last = 0;
    while (m.find()) {
      String between = SPACES.matcher(format.substring(last, m.start())).replaceAll("\\\\s+");
      regex.append(between);
      plain.append(between);
      String name = format.substring(m.start() + 1, m.end() - 1);
      if (fields.contains(name)) {
        throw new ConfigurationException("logFormat", "name each field once", "\"" + format + "\" (field <" + name
            + "> twice)");
      }
      fields.add(name);
      last = m.end();
      // A field that ends the format takes the rest of the line: greedy and lazy agree there, greedy is faster.
      String any = last == format.length() ? ".*)" : ".*?)";
      regex.append("(?<f").append(fields.size() - 1).append('>').append(any);
      plain.append("(?:").append(any);
    }
    String end = SPACES.matcher(format.substring(last)).replaceAll("\\\\s+") + "$";
    regex.append(end);
    plain.append(end);
    if (!fields.contains(CONTENT)) {
      throw new ConfigurationException("logFormat", "have a <Content> field", "\"" + format + "\"");
    }
    Pattern pattern;
    Pattern ascii;
    int ownGroups;
    try {
      pattern = Pattern.compile(regex.toString(), Pattern.UNICODE_CHARACTER_CLASS | Pattern.UNIX_LINES);
      ascii = Pattern.compile(regex.toString(), Pattern.UNIX_LINES);
      ownGroups = Pattern.compile(plain.toString(), Pattern.UNIX_LINES).matcher("").groupCount();
    } catch (PatternSyntaxException e) {
      throw new ConfigurationException("logFormat", "be a valid pattern between its fields", "\"" + format + "\" ("
          + e.getDescription() + ")");
    }
    // Text between fields can swallow a field (inside [...] or \Q...\E, for example): then its group is missing.
    if (ascii.matcher("").groupCount() != ownGroups + fields.size()) {
      throw new ConfigurationException("logFormat", "keep every field outside character classes and quotes",
          "\"" + format + "\"");
    }
    return new LogFormat(format, fields, pattern, ascii);
  }

  /** The format as written. */
  public String format() {
    return format;
  }

  /** The field names in order of appearance, {@code Content} among them. */
  public List<String> fields() {
    return fields;
  }

  /**
   * Splits one raw line into its fields; empty when the line, stripped of surrounding whitespace, does not match, or
   * when matching it would take more than the bounded number of steps (see the class comment).
   */
  public Optional<LogRecord> parse(String line) {
    String text = PyText.strip(line);
    if (fast == null || text.indexOf('\n') >= 0) {
      return parseWithRegex(text);
    }
    String[] values = fast.match(text);
    if (values == null) {
      return Optional.empty();
    }
    for (int i = 0; i < values.length; i++) {
      if (values[i] == null) {
        values[i] = "";
      }
    }
    return Optional.of(new LogRecord(this, values));
  }

  /** The fields of a stripped line as the format's regex splits it, within the step budget. */
  Optional<LogRecord> parseWithRegex(String text) {
    Matcher m = (isAscii(text) ? asciiPattern : pattern).matcher(new BoundedText(text));
    // The pattern is anchored at both ends and a stripped line has no line break: matches() is find() without
    // trying every start.
    try {
      if (!m.matches()) {
        return Optional.empty();
      }
    } catch (StepsExceeded e) {
      return Optional.empty();
    }
    String[] values = new String[fields.size()];
    for (int i = 0; i < values.length; i++) {
      String value = m.group(groupNames[i]);
      values[i] = value == null ? "" : value;
    }
    return Optional.of(new LogRecord(this, values));
  }

  private static boolean isAscii(String s) {
    for (int i = 0, n = s.length(); i < n; i++) {
      if (s.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  /**
   * A line as the matcher reads it, counting the reads and stopping the match once the budget is spent; not
   * thread-safe (one per match).
   */
  private static final class BoundedText implements CharSequence {
    private final String text;
    private long left;

    BoundedText(String text) {
      this.text = text;
      this.left = (long) STEPS_PER_CHAR * text.length() + STEPS_BASE;
    }

    @Override
    public char charAt(int index) {
      if (--left < 0) {
        throw StepsExceeded.INSTANCE;
      }
      return text.charAt(index);
    }

    @Override
    public int length() {
      return text.length();
    }

    @Override
    public CharSequence subSequence(int start, int end) {
      return text.substring(start, end);
    }

    @Override
    public String toString() {
      return text;
    }
  }

  /** Ends a match that spent its budget; shared and without a stack trace, since it is expected and never shown. */
  private static final class StepsExceeded extends RuntimeException {
    private static final long serialVersionUID = 1L;
    static final StepsExceeded INSTANCE = new StepsExceeded();

    private StepsExceeded() {
      super("log line matching exceeded its step budget", null, false, false);
    }
  }

  int indexOf(String field) {
    Integer i = index.get(field);
    return i == null ? -1 : i;
  }

  int contentIndex() {
    return contentIndex;
  }

  @Override
  public String toString() {
    return format;
  }
}
