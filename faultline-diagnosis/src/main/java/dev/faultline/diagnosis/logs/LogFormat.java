package dev.faultline.diagnosis.logs;

import dev.faultline.core.ConfigurationException;
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
 */
public final class LogFormat {
  /** The name of the field holding the message. */
  public static final String CONTENT = "Content";

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
    Matcher m = FIELD.matcher(format);
    int last = 0;
    while (m.find()) {
      regex.append(SPACES.matcher(format.substring(last, m.start())).replaceAll("\\\\s+"));
      String name = format.substring(m.start() + 1, m.end() - 1);
      if (fields.contains(name)) {
        throw new ConfigurationException("logFormat", "name each field once", "\"" + format + "\" (field <" + name
            + "> twice)");
      }
      fields.add(name);
      last = m.end();
      // A field that ends the format takes the rest of the line: greedy and lazy agree there, greedy is faster.
      regex.append("(?<f").append(fields.size() - 1).append(last == format.length() ? ">.*)" : ">.*?)");
    }
    regex.append(SPACES.matcher(format.substring(last)).replaceAll("\\\\s+")).append('$');
    if (!fields.contains(CONTENT)) {
      throw new ConfigurationException("logFormat", "have a <Content> field", "\"" + format + "\"");
    }
    Pattern pattern;
    Pattern ascii;
    try {
      pattern = Pattern.compile(regex.toString(), Pattern.UNICODE_CHARACTER_CLASS | Pattern.UNIX_LINES);
      ascii = Pattern.compile(regex.toString(), Pattern.UNIX_LINES);
    } catch (PatternSyntaxException e) {
      throw new ConfigurationException("logFormat", "be a valid pattern between its fields", "\"" + format + "\" ("
          + e.getDescription() + ")");
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
   * Splits one raw line into its fields; empty when the line, stripped of surrounding whitespace, does not match.
   */
  public Optional<LogRecord> parse(String line) {
    String text = PyText.strip(line);
    Matcher m = (isAscii(text) ? asciiPattern : pattern).matcher(text);
    // The pattern is anchored at both ends and a stripped line has no line break: matches() is find() without
    // trying every start.
    if (!m.matches()) {
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
