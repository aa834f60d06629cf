package dev.faultline.diagnosis.incident;

import dev.faultline.core.internal.Validate;
import dev.faultline.core.Clock;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A failure report: what was thrown, where and when, with the context needed to trace it back; immutable and
 * thread-safe.
 *
 * <p>An incident holds text, not the {@link Throwable} itself, so that it can be stored, sent and read back
 * ({@link IncidentJson}). Its {@link #attributes()} use the OpenTelemetry names where one exists:
 * <table>
 *   <caption>Attributes</caption>
 *   <tr><th>name</th><th>value</th></tr>
 *   <tr><td>{@code faultline.fingerprint}</td><td>the {@link Fingerprinter} fingerprint</td></tr>
 *   <tr><td>{@code faultline.time}</td><td>when it was reported, ISO-8601</td></tr>
 *   <tr><td>{@code faultline.component}</td><td>the component that failed</td></tr>
 *   <tr><td>{@code faultline.severity}</td><td>a {@link Severity} name</td></tr>
 *   <tr><td>{@code error.type}</td><td>class of the root cause, wrappers unwrapped</td></tr>
 *   <tr><td>{@code exception.type}</td><td>class of the exception thrown</td></tr>
 *   <tr><td>{@code exception.message}</td><td>its message (absent when null)</td></tr>
 *   <tr><td>{@code exception.stacktrace}</td><td>its stack trace as {@link Throwable#printStackTrace()} prints it</td></tr>
 *   <tr><td>{@code trace_id}, {@code span_id}</td><td>the trace context (absent when unknown)</td></tr>
 *   <tr><td>{@code host.name}</td><td>the host (absent when unknown)</td></tr>
 *   <tr><td>{@code process.pid}</td><td>the process id ({@code Long})</td></tr>
 *   <tr><td>{@code thread.name}, {@code thread.id}</td><td>the failing thread ({@code String}, {@code Long})</td></tr>
 *   <tr><td>{@code faultline.mdc}</td><td>the mapped diagnostic context ({@code Map<String,String>})</td></tr>
 *   <tr><td>{@code faultline.log_lines}</td><td>recent log lines of the thread or trace ({@code List<String>})</td></tr>
 * </table>
 */
public final class Incident {
  private final String fingerprint;
  private final Instant time;
  private final String component;
  private final Severity severity;
  private final String errorType;
  private final String exceptionType;
  private final String exceptionMessage;
  private final String stacktrace;
  private final String traceId;
  private final String spanId;
  private final String host;
  private final long pid;
  private final String threadName;
  private final long threadId;
  private final Map<String, String> mdc;
  private final List<String> logLines;

  Incident(String fingerprint, Instant time, String component, Severity severity, String errorType,
      String exceptionType, String exceptionMessage, String stacktrace, String traceId, String spanId, String host,
      long pid, String threadName, long threadId, Map<String, String> mdc, List<String> logLines) {
    this.fingerprint = Validate.notBlank("fingerprint", fingerprint);
    this.time = Validate.notNull("time", time);
    this.component = Validate.notBlank("component", component);
    this.severity = Validate.notNull("severity", severity);
    this.errorType = Validate.notBlank("errorType", errorType);
    this.exceptionType = Validate.notBlank("exceptionType", exceptionType);
    this.exceptionMessage = exceptionMessage;
    this.stacktrace = Validate.notNull("stacktrace", stacktrace);
    this.traceId = traceId;
    this.spanId = spanId;
    this.host = host;
    this.pid = pid;
    this.threadName = Validate.notNull("threadName", threadName);
    this.threadId = threadId;
    this.mdc = Collections.unmodifiableMap(new TreeMap<>(Validate.notNull("mdc", mdc)));
    this.logLines = List.copyOf(Validate.notNull("logLines", logLines));
  }

  /**
   * A builder for the incident of {@code failure}, with the current thread as the failing thread; not thread-safe.
   * Call it in the thread that failed, or set the thread explicitly.
   */
  public static Builder builder(Throwable failure) {
    return new Builder(failure);
  }

  /** The fingerprint grouping this incident with others of the same cause. */
  public String fingerprint() {
    return fingerprint;
  }

  /** When the incident was reported, by the reporter's clock. */
  public Instant time() {
    return time;
  }

  /** The component that failed. */
  public String component() {
    return component;
  }

  /** How bad it is. */
  public Severity severity() {
    return severity;
  }

  /** The class name of the root cause, wrapping exceptions unwrapped ({@code error.type}). */
  public String errorType() {
    return errorType;
  }

  /** The class name of the exception thrown ({@code exception.type}). */
  public String exceptionType() {
    return exceptionType;
  }

  /** The message of the exception thrown, or null ({@code exception.message}). */
  public String exceptionMessage() {
    return exceptionMessage;
  }

  /** The stack trace of the exception thrown, causes included ({@code exception.stacktrace}). */
  public String stacktrace() {
    return stacktrace;
  }

  /** The trace id, or null. */
  public String traceId() {
    return traceId;
  }

  /** The span id, or null. */
  public String spanId() {
    return spanId;
  }

  /** The host name, or null. */
  public String host() {
    return host;
  }

  /** The process id. */
  public long pid() {
    return pid;
  }

  /** The name of the failing thread. */
  public String threadName() {
    return threadName;
  }

  /** The id of the failing thread. */
  public long threadId() {
    return threadId;
  }

  /** The mapped diagnostic context, sorted by key. */
  public Map<String, String> mdc() {
    return mdc;
  }

  /** Recent log lines of the failing thread or trace, oldest first. */
  public List<String> logLines() {
    return logLines;
  }

  /** Every attribute by its OpenTelemetry-aligned name (see the class comment), absent ones left out. */
  public Map<String, Object> attributes() {
    Map<String, Object> a = new LinkedHashMap<>();
    a.put(IncidentJson.FINGERPRINT, fingerprint);
    a.put(IncidentJson.TIME, time.toString());
    a.put(IncidentJson.COMPONENT, component);
    a.put(IncidentJson.SEVERITY, severity.name());
    a.put(IncidentJson.ERROR_TYPE, errorType);
    a.put(IncidentJson.EXCEPTION_TYPE, exceptionType);
    putIfPresent(a, IncidentJson.EXCEPTION_MESSAGE, exceptionMessage);
    a.put(IncidentJson.EXCEPTION_STACKTRACE, stacktrace);
    putIfPresent(a, IncidentJson.TRACE_ID, traceId);
    putIfPresent(a, IncidentJson.SPAN_ID, spanId);
    putIfPresent(a, IncidentJson.HOST, host);
    a.put(IncidentJson.PID, pid);
    a.put(IncidentJson.THREAD_NAME, threadName);
    a.put(IncidentJson.THREAD_ID, threadId);
    a.put(IncidentJson.MDC, mdc);
    a.put(IncidentJson.LOG_LINES, logLines);
    return Collections.unmodifiableMap(a);
  }

  private static void putIfPresent(Map<String, Object> a, String key, Object value) {
    if (value != null) {
      a.put(key, value);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Incident && attributes().equals(((Incident) o).attributes());
  }

  @Override
  public int hashCode() {
    return Objects.hash(fingerprint, time, component, threadId);
  }

  @Override
  public String toString() {
    return "Incident[" + fingerprint + " " + component + " " + errorType
        + (exceptionMessage == null ? "" : ": " + exceptionMessage) + " at " + time + "]";
  }

  /**
   * Builds an {@link Incident} from a failure and its context; not thread-safe.
   *
   * <p>Only the component is required. Defaults: severity {@link Severity#ERROR}, the system clock, the
   * {@linkplain Fingerprinter#defaults() default fingerprinter}, this process's id, the thread that created the
   * builder, no trace context, no host, empty MDC and no log lines (unless a {@link LogContextSource} is given).
   */
  public static final class Builder {
    private final Throwable failure;
    private String component;
    private Severity severity = Severity.ERROR;
    private Clock clock = Clock.system();
    private Fingerprinter fingerprinter = Fingerprinter.defaults();
    private String traceId;
    private String spanId;
    private String host;
    private long pid = ProcessHandle.current().pid();
    private String threadName;
    private long threadId;
    private Map<String, String> mdc = Map.of();
    private List<String> logLines = List.of();
    private boolean logLinesGiven;
    private LogContextSource logContext;

    private Builder(Throwable failure) {
      this.failure = Validate.notNull("failure", failure);
      thread(Thread.currentThread());
    }

    /** The component that failed; required. */
    public Builder component(String component) {
      this.component = Validate.notBlank("component", component);
      return this;
    }

    /** How bad it is; default {@link Severity#ERROR}. */
    public Builder severity(Severity severity) {
      this.severity = Validate.notNull("severity", severity);
      return this;
    }

    /** The clock that stamps the incident; default the system clock. */
    public Builder clock(Clock clock) {
      this.clock = Validate.notNull("clock", clock);
      return this;
    }

    /** The fingerprinter; default {@link Fingerprinter#defaults()}. */
    public Builder fingerprinter(Fingerprinter fingerprinter) {
      this.fingerprinter = Validate.notNull("fingerprinter", fingerprinter);
      return this;
    }

    /** The trace and span ids of the failing call; either may be null when unknown. */
    public Builder trace(String traceId, String spanId) {
      this.traceId = traceId;
      this.spanId = spanId;
      return this;
    }

    /** The host name, or null when unknown. */
    public Builder host(String host) {
      this.host = host;
      return this;
    }

    /** The process id; default this process's. */
    public Builder pid(long pid) {
      this.pid = pid;
      return this;
    }

    /** The failing thread; default the thread that created the builder. */
    public Builder thread(Thread thread) {
      Validate.notNull("thread", thread);
      return thread(thread.getName(), thread.getId());
    }

    /** The failing thread by name and id. */
    public Builder thread(String name, long id) {
      this.threadName = Validate.notNull("threadName", name);
      this.threadId = id;
      return this;
    }

    /** The mapped diagnostic context; copied, null keys or values are rejected. */
    public Builder mdc(Map<String, String> mdc) {
      Validate.notNull("mdc", mdc);
      mdc.forEach((k, v) -> {
        Validate.notNull("mdc key", k);
        Validate.notNull("mdc[" + k + "]", v);
      });
      this.mdc = Map.copyOf(mdc);
      return this;
    }

    /** Recent log lines of the failing thread or trace, oldest first; copied. */
    public Builder logLines(List<String> lines) {
      Validate.notNull("logLines", lines);
      for (String line : lines) {
        Validate.notNull("logLines[]", line);
      }
      this.logLines = List.copyOf(lines);
      this.logLinesGiven = true;
      return this;
    }

    /**
     * Where to find the recent log lines of the failing trace or thread (for example {@link RecentLogs}, fed by a log
     * capture appender), asked by {@link #build()} with this builder's trace id and thread id. Lines given with
     * {@link #logLines(List)} take precedence.
     */
    public Builder logContext(LogContextSource source) {
      this.logContext = Validate.notNull("logContext", source);
      return this;
    }

    /**
     * The incident.
     *
     * @throws dev.faultline.core.ConfigurationException if no component was set
     */
    public Incident build() {
      Validate.notBlank("component", component);
      List<String> lines = logLines;
      if (!logLinesGiven && logContext != null) {
        lines = Validate.notNull("logContext.recentLines", logContext.recentLines(traceId, threadId));
        for (String line : lines) {
          Validate.notNull("logContext.recentLines[]", line);
        }
      }
      StringWriter trace = new StringWriter();
      try (PrintWriter out = new PrintWriter(trace)) {
        failure.printStackTrace(out);
      }
      return new Incident(fingerprinter.fingerprint(failure), Instant.ofEpochMilli(clock.wallMillis()), component,
          severity, fingerprinter.root(failure).getClass().getName(), failure.getClass().getName(),
          failure.getMessage(), trace.toString(), traceId, spanId, host, pid, threadName, threadId, mdc, lines);
    }
  }
}
