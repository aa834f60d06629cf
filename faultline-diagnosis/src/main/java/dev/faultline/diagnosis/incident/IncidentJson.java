package dev.faultline.diagnosis.incident;

import dev.faultline.core.internal.Validate;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes an {@link Incident} as one JSON object of its {@link Incident#attributes() attributes}, and reads it back;
 * stateless and thread-safe.
 *
 * <p>Format {@value #VERSION}: the object starts with {@code "version": 1} (as the other stored JSON formats do), then
 * the attributes, e.g. {@code {"version":1,"faultline.fingerprint":"6815b661...","faultline.time":"2026-01-01T00:00Z"}}
 * and so on. An object without {@code version} was written before the field existed and reads as version 1; another
 * version is refused, naming it.
 *
 * <p>The reader is strict: anything but one well-formed JSON object holding every required attribute with the right
 * type, and no unknown attribute, is rejected with an {@link IncidentJsonException} naming the position (and the
 * attribute, for a problem with a value). Nesting is limited to {@value JsonReader#MAX_DEPTH} levels, so that no
 * input can exhaust the stack.
 */
public final class IncidentJson {
  /** The format version this build writes, and the only one it reads (an object without one is of version 1). */
  public static final int VERSION = 1;
  /** The key of the format version: not an attribute of the incident, but of its JSON. */
  public static final String VERSION_KEY = "version";
  /** Attribute: the fingerprint. */
  public static final String FINGERPRINT = "faultline.fingerprint";
  /** Attribute: when the incident was reported, ISO-8601. */
  public static final String TIME = "faultline.time";
  /** Attribute: the failing component. */
  public static final String COMPONENT = "faultline.component";
  /** Attribute: the severity name. */
  public static final String SEVERITY = "faultline.severity";
  /** Attribute (OpenTelemetry): the class of the root cause. */
  public static final String ERROR_TYPE = "error.type";
  /** Attribute (OpenTelemetry): the class of the exception thrown. */
  public static final String EXCEPTION_TYPE = "exception.type";
  /** Attribute (OpenTelemetry): the message of the exception thrown. */
  public static final String EXCEPTION_MESSAGE = "exception.message";
  /** Attribute (OpenTelemetry): the stack trace of the exception thrown. */
  public static final String EXCEPTION_STACKTRACE = "exception.stacktrace";
  /** Attribute (OpenTelemetry log/MDC name): the trace id. */
  public static final String TRACE_ID = "trace_id";
  /** Attribute (OpenTelemetry log/MDC name): the span id. */
  public static final String SPAN_ID = "span_id";
  /** Attribute (OpenTelemetry): the host name. */
  public static final String HOST = "host.name";
  /** Attribute (OpenTelemetry): the process id. */
  public static final String PID = "process.pid";
  /** Attribute (OpenTelemetry): the thread name. */
  public static final String THREAD_NAME = "thread.name";
  /** Attribute (OpenTelemetry): the thread id. */
  public static final String THREAD_ID = "thread.id";
  /** Attribute: the mapped diagnostic context, an object of strings. */
  public static final String MDC = "faultline.mdc";
  /** Attribute: recent log lines, an array of strings. */
  public static final String LOG_LINES = "faultline.log_lines";

  private static final Set<String> KNOWN = Set.of(FINGERPRINT, TIME, COMPONENT, SEVERITY, ERROR_TYPE,
      EXCEPTION_TYPE, EXCEPTION_MESSAGE, EXCEPTION_STACKTRACE, TRACE_ID, SPAN_ID, HOST, PID, THREAD_NAME, THREAD_ID,
      MDC, LOG_LINES);

  private IncidentJson() {}

  /** The incident as one line of compact JSON, starting with the format version. */
  public static String write(Incident incident) {
    Validate.notNull("incident", incident);
    Map<String, Object> attributes = incident.attributes();
    Map<String, Object> document = new LinkedHashMap<>(attributes.size() * 2);
    document.put(VERSION_KEY, (long) VERSION);
    document.putAll(attributes);
    return JsonWriter.write(document);
  }

  /**
   * The incident written by {@link #write}.
   *
   * @throws IncidentJsonException if {@code json} is not well-formed JSON or not a valid incident
   */
  public static Incident read(String json) {
    Validate.notNull("json", json);
    Object parsed = JsonReader.parse(json);
    if (!(parsed instanceof Map)) {
      throw new IncidentJsonException(firstNonSpace(json), "expected an object");
    }
    Map<?, ?> map = (Map<?, ?>) parsed;
    int at = firstNonSpace(json);
    for (Object key : map.keySet()) {
      if (!KNOWN.contains(key) && !VERSION_KEY.equals(key)) {
        throw new IncidentJsonException(at, "unknown attribute \"" + key + "\"");
      }
    }
    if (map.containsKey(VERSION_KEY)) {
      Object version = map.get(VERSION_KEY);
      if (!(version instanceof Long)) {
        throw new IncidentJsonException(at, "\"" + VERSION_KEY + "\" is not an integer");
      }
      if ((Long) version != VERSION) {
        throw new IncidentJsonException(at, "unsupported incident format version " + version + " (this build reads"
            + " version " + VERSION + ")");
      }
    }
    Instant time;
    try {
      time = Instant.parse(text(map, TIME, true, at));
    } catch (DateTimeException e) {
      throw new IncidentJsonException(at, "attribute \"" + TIME + "\" is not an ISO-8601 instant");
    }
    Severity severity;
    String severityName = text(map, SEVERITY, true, at);
    try {
      severity = Severity.valueOf(severityName);
    } catch (IllegalArgumentException e) {
      throw new IncidentJsonException(at, "attribute \"" + SEVERITY + "\" is not a severity: " + severityName);
    }
    String fingerprint = nonBlank(map, FINGERPRINT, at);
    String component = nonBlank(map, COMPONENT, at);
    String errorType = nonBlank(map, ERROR_TYPE, at);
    String exceptionType = nonBlank(map, EXCEPTION_TYPE, at);
    return new Incident(fingerprint, time, component, severity, errorType, exceptionType,
        text(map, EXCEPTION_MESSAGE, false, at), text(map, EXCEPTION_STACKTRACE, true, at),
        text(map, TRACE_ID, false, at), text(map, SPAN_ID, false, at), text(map, HOST, false, at),
        integer(map, PID, at), text(map, THREAD_NAME, true, at), integer(map, THREAD_ID, at), mdc(map, at),
        lines(map, at));
  }

  private static int firstNonSpace(String json) {
    int i = 0;
    while (i < json.length() && Character.isWhitespace(json.charAt(i))) {
      i++;
    }
    return i;
  }

  private static String nonBlank(Map<?, ?> map, String key, int at) {
    String s = text(map, key, true, at);
    if (s.isBlank()) {
      throw new IncidentJsonException(at, "attribute \"" + key + "\" is blank");
    }
    return s;
  }

  private static String text(Map<?, ?> map, String key, boolean required, int at) {
    Object v = map.get(key);
    if (v == null) {
      if (required) {
        throw new IncidentJsonException(at, "missing attribute \"" + key + "\"");
      }
      return null;
    }
    if (!(v instanceof String)) {
      throw new IncidentJsonException(at, "attribute \"" + key + "\" is not a string");
    }
    return (String) v;
  }

  private static long integer(Map<?, ?> map, String key, int at) {
    Object v = map.get(key);
    if (v == null) {
      throw new IncidentJsonException(at, "missing attribute \"" + key + "\"");
    }
    if (!(v instanceof Long)) {
      throw new IncidentJsonException(at, "attribute \"" + key + "\" is not an integer");
    }
    return (Long) v;
  }

  private static Map<String, String> mdc(Map<?, ?> map, int at) {
    Object v = map.get(MDC);
    if (v == null) {
      return Map.of();
    }
    if (!(v instanceof Map)) {
      throw new IncidentJsonException(at, "attribute \"" + MDC + "\" is not an object");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
      if (!(e.getValue() instanceof String)) {
        throw new IncidentJsonException(at, "attribute \"" + MDC + "\" entry \"" + e.getKey() + "\" is not a string");
      }
      out.put((String) e.getKey(), (String) e.getValue());
    }
    return out;
  }

  private static List<String> lines(Map<?, ?> map, int at) {
    Object v = map.get(LOG_LINES);
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof List)) {
      throw new IncidentJsonException(at, "attribute \"" + LOG_LINES + "\" is not an array");
    }
    List<String> out = new ArrayList<>();
    for (Object line : (List<?>) v) {
      if (!(line instanceof String)) {
        throw new IncidentJsonException(at, "attribute \"" + LOG_LINES + "\" holds a non-string");
      }
      out.add((String) line);
    }
    return out;
  }
}
