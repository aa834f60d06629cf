package dev.faultline.diagnosis.logs;

import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the timestamp at the start of a log line in the common layouts; stateless and thread-safe.
 *
 * <p>Understood: ISO 8601 ({@code 2015-07-29 17:41:44,747}, {@code 2016-09-28T04:30:30.1Z}; an offset is read and
 * ignored, all times being taken as local), {@code 2016/9/27 20:30:31}, {@code 17/06/09 20:10:40} (yy/MM/dd),
 * {@code 081109 203615} (yyMMdd HHmmss), syslog {@code Jun 14 15:16:01} and {@code [Sun Dec 04 04:47:44 2005]}, and
 * Android's {@code 03-17 16:13:38.811}. A layout without a year is put in the year 2000 (a leap year), so times in one
 * log compare correctly.
 */
final class Timestamps {
  /** The year given to timestamps that have none. */
  static final int DEFAULT_YEAR = 2000;

  private static final String MONTHS = "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*";
  private static final String FRACTION = "(?:[.,](\\d{1,9}))?";
  private static final List<Pattern> LAYOUTS = List.of(
      // 1 ISO: y M d h m s f
      Pattern.compile("^\\[?(\\d{4})-(\\d{2})-(\\d{2})[T ](\\d{2}):(\\d{2}):(\\d{2})" + FRACTION
          + "(?:Z|[+-]\\d{2}:?\\d{2})?\\]?"),
      // 2 y/M/d
      Pattern.compile("^\\[?(\\d{4})/(\\d{1,2})/(\\d{1,2})[ T:](\\d{2}):(\\d{2}):(\\d{2})" + FRACTION + "\\]?"),
      // 3 yy/MM/dd
      Pattern.compile("^(\\d{2})/(\\d{2})/(\\d{2}) (\\d{2}):(\\d{2}):(\\d{2})" + FRACTION),
      // 4 yyMMdd HHmmss
      Pattern.compile("^(\\d{2})(\\d{2})(\\d{2}) (\\d{2})(\\d{2})(\\d{2})(?!\\d)"),
      // 5 [weekday] month day time [year]
      Pattern.compile("^\\[?(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]* )?" + MONTHS
          + " +(\\d{1,2}) (\\d{2}):(\\d{2}):(\\d{2})" + FRACTION + "(?: (\\d{4}))?\\]?"),
      // 6 MM-dd time
      Pattern.compile("^(\\d{2})-(\\d{2}) (\\d{2}):(\\d{2}):(\\d{2})" + FRACTION));

  /** A timestamp and where it ends in the line. */
  record Stamp(LocalDateTime time, int end) {}

  private Timestamps() {}

  /** The timestamp at the start of {@code text}, or null. */
  static Stamp parse(String text) {
    for (int layout = 0; layout < LAYOUTS.size(); layout++) {
      Matcher m = LAYOUTS.get(layout).matcher(text);
      if (!m.find()) {
        continue;
      }
      try {
        LocalDateTime time = build(layout, m);
        if (time != null) {
          return new Stamp(time, m.end());
        }
      } catch (DateTimeException e) {
        // Not a real date (month 13, hour 25): try the next layout.
      }
    }
    return null;
  }

  /** The timestamp that is the whole of {@code text}, or null. */
  static LocalDateTime parseWhole(String text) {
    String t = text.strip();
    Stamp s = parse(t);
    return s != null && s.end() == t.length() ? s.time() : null;
  }

  private static LocalDateTime build(int layout, Matcher m) {
    switch (layout) {
      case 0:
      case 1:
        return at(num(m, 1), num(m, 2), num(m, 3), num(m, 4), num(m, 5), num(m, 6), m.group(7));
      case 2:
      case 3:
        return at(2000 + num(m, 1), num(m, 2), num(m, 3), num(m, 4), num(m, 5), num(m, 6),
            layout == 2 ? m.group(7) : null);
      case 4:
        int year = m.group(7) == null ? DEFAULT_YEAR : num(m, 7);
        return at(year, month(m.group(1)), num(m, 2), num(m, 3), num(m, 4), num(m, 5), m.group(6));
      default:
        return at(DEFAULT_YEAR, num(m, 1), num(m, 2), num(m, 3), num(m, 4), num(m, 5), m.group(6));
    }
  }

  private static LocalDateTime at(int y, int mo, int d, int h, int mi, int s, String fraction) {
    int nanos = 0;
    if (fraction != null) {
      nanos = Integer.parseInt((fraction + "000000000").substring(0, 9));
    }
    return LocalDateTime.of(y, mo, d, h, mi, s, nanos);
  }

  private static int num(Matcher m, int group) {
    return Integer.parseInt(m.group(group));
  }

  private static int month(String name) {
    return "janfebmaraprmayjunjulaugsepoctnovdec".indexOf(name.substring(0, 3).toLowerCase(Locale.ROOT)) / 3 + 1;
  }
}
