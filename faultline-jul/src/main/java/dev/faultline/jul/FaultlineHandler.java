package dev.faultline.jul;

import dev.faultline.core.ConfigurationException;
import dev.faultline.diagnosis.incident.LogContextSource;
import dev.faultline.diagnosis.incident.LogLine;
import dev.faultline.diagnosis.incident.RecentLogs;
import java.text.MessageFormat;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.MissingResourceException;
import java.util.Objects;
import java.util.ResourceBundle;
import java.util.function.Supplier;
import java.util.logging.ErrorManager;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;

/**
 * A {@code java.util.logging} handler that keeps the recent log lines of each thread and of each trace in bounded rings
 * ({@link RecentLogs}), so that an incident built with {@code Incident.builder(e).logContext(handler)} carries the
 * lines that led to its failure; thread-safe.
 *
 * <p>Made in code with {@link #FaultlineHandler(RecentLogs, Supplier)}, or by the {@link LogManager} from
 * {@code logging.properties} through the no-argument constructor, which reads these properties (all optional; defaults
 * as in {@link RecentLogs.Builder}):
 * <pre>
 * handlers = dev.faultline.jul.FaultlineHandler
 * dev.faultline.jul.FaultlineHandler.level = INFO
 * dev.faultline.jul.FaultlineHandler.linesPerThread = 32
 * dev.faultline.jul.FaultlineHandler.linesPerTrace = 32
 * dev.faultline.jul.FaultlineHandler.maxThreads = 256
 * dev.faultline.jul.FaultlineHandler.maxTraces = 1024
 * dev.faultline.jul.FaultlineHandler.maxLineLength = 500
 * dev.faultline.jul.FaultlineHandler.idleTimeout = PT5M
 * </pre>
 * {@code java.util.logging} has no MDC, so the trace id comes from a {@link #setTraceIdSource trace id source} asked on
 * the logging thread (for example the current OpenTelemetry span, or an MDC of another framework); without one, lines
 * are kept per thread only. Lines are keyed by {@link LogRecord#getLongThreadID()}; the message is formatted as
 * {@link java.util.logging.Formatter#formatMessage} does, without that method's lock.
 *
 * <p>Concurrency: {@link #publish} takes no lock; {@code logs} is final and thread-safe, {@code traceIdSource} and
 * {@code closed} are volatile.
 */
public final class FaultlineHandler extends Handler implements LogContextSource {
  private final RecentLogs logs;
  private volatile Supplier<String> traceIdSource;
  private volatile boolean closed;
  /** Set on a thread while it asks the trace id source, which may itself log through this handler. */
  private final ThreadLocal<Boolean> askingTraceId = new ThreadLocal<>();

  /** A handler configured from the {@link LogManager}'s properties (see the class comment). */
  public FaultlineHandler() {
    this(fromLogManager(), null);
    String level = LogManager.getLogManager().getProperty(FaultlineHandler.class.getName() + ".level");
    if (level != null) {
      try {
        setLevel(Level.parse(level.strip()));
      } catch (IllegalArgumentException e) {
        throw new ConfigurationException(FaultlineHandler.class.getName() + ".level", "be a level name or number",
            level);
      }
    }
  }

  /**
   * A handler keeping lines in {@code logs}, with the trace id given by {@code traceIdSource} (may be null: no trace
   * rings).
   */
  public FaultlineHandler(RecentLogs logs, Supplier<String> traceIdSource) {
    this.logs = Objects.requireNonNull(logs, "logs");
    this.traceIdSource = traceIdSource;
  }

  private static RecentLogs fromLogManager() {
    LogManager manager = LogManager.getLogManager();
    String prefix = FaultlineHandler.class.getName() + ".";
    RecentLogs.Builder b = RecentLogs.builder();
    Integer v;
    if ((v = intProperty(manager, prefix + "linesPerThread")) != null) {
      b.linesPerThread(v);
    }
    if ((v = intProperty(manager, prefix + "linesPerTrace")) != null) {
      b.linesPerTrace(v);
    }
    if ((v = intProperty(manager, prefix + "maxThreads")) != null) {
      b.maxThreads(v);
    }
    if ((v = intProperty(manager, prefix + "maxTraces")) != null) {
      b.maxTraces(v);
    }
    if ((v = intProperty(manager, prefix + "maxLineLength")) != null) {
      b.maxLineLength(v);
    }
    String idle = manager.getProperty(prefix + "idleTimeout");
    if (idle != null) {
      try {
        b.idleTimeout(Duration.parse(idle.strip()));
      } catch (DateTimeParseException e) {
        throw new ConfigurationException(prefix + "idleTimeout", "be an ISO-8601 duration such as PT5M", idle);
      }
    }
    return b.build();
  }

  private static Integer intProperty(LogManager manager, String name) {
    String v = manager.getProperty(name);
    if (v == null) {
      return null;
    }
    try {
      return Integer.parseInt(v.strip());
    } catch (NumberFormatException e) {
      throw new ConfigurationException(name, "be an integer", v);
    }
  }

  /** Where the trace id of the logging thread comes from; null for none. Asked once per record, on its thread. */
  public void setTraceIdSource(Supplier<String> source) {
    this.traceIdSource = source;
  }

  @Override
  public void publish(LogRecord record) {
    if (closed || record == null || !isLoggable(record)) {
      return;
    }
    try {
      Supplier<String> source = traceIdSource;
      String traceId = null;
      if (source != null && askingTraceId.get() == null) {
        // A record the source logs while it is asked is kept by its thread only, without asking again (no recursion).
        askingTraceId.set(Boolean.TRUE);
        try {
          traceId = source.get();
        } finally {
          askingTraceId.remove();
        }
      }
      long threadId = record.getLongThreadID();
      Thread current = Thread.currentThread();
      String threadName = current.getId() == threadId ? current.getName() : "thread-" + threadId;
      String message = message(record);
      Throwable thrown = record.getThrown();
      if (thrown != null) {
        message = message + " [" + thrown.getClass().getName()
            + (thrown.getMessage() == null ? "" : ": " + thrown.getMessage()) + "]";
      }
      logs.add(threadId, traceId, new LogLine(record.getMillis(), record.getLevel().getName(),
          String.valueOf(record.getLoggerName()), threadName, message));
    } catch (RuntimeException e) {
      // A handler must not throw into the code that logs: report as java.util.logging expects.
      reportError("FaultlineHandler could not keep a record", e, ErrorManager.WRITE_FAILURE);
    }
  }

  /** The message of a record with its resource bundle and parameters applied, as Formatter.formatMessage does. */
  static String message(LogRecord record) {
    String format = record.getMessage();
    if (format == null) {
      return "";
    }
    ResourceBundle bundle = record.getResourceBundle();
    if (bundle != null) {
      try {
        format = bundle.getString(format);
      } catch (MissingResourceException e) {
        // The key is the message itself, as in Formatter.formatMessage.
      }
    }
    Object[] parameters = record.getParameters();
    if (parameters == null || parameters.length == 0) {
      return format;
    }
    // The same test as the JDK's: a format holding '{' followed by a digit is a MessageFormat pattern; when
    // formatting fails (a bad pattern, a parameter whose toString throws), the format itself is the message.
    for (int i = format.indexOf('{'); i >= 0 && i < format.length() - 1; i = format.indexOf('{', i + 1)) {
      char c = format.charAt(i + 1);
      if (c >= '0' && c <= '9') {
        try {
          return MessageFormat.format(format, parameters);
        } catch (RuntimeException e) {
          return format;
        }
      }
    }
    return format;
  }

  /** Nothing to flush: lines are kept in memory. */
  @Override
  public void flush() {}

  /** Stops keeping lines; those kept stay readable. */
  @Override
  public void close() {
    closed = true;
  }

  /** The store of recent lines. */
  public RecentLogs logs() {
    return logs;
  }

  @Override
  public List<String> recentLines(String traceId, long threadId) {
    return logs.recentLines(traceId, threadId);
  }
}
