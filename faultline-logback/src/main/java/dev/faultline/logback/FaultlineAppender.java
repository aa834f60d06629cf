package dev.faultline.logback;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.util.Duration;
import dev.faultline.core.Clock;
import dev.faultline.core.ConfigurationException;
import dev.faultline.diagnosis.incident.LogContextSource;
import dev.faultline.diagnosis.incident.LogLine;
import dev.faultline.diagnosis.incident.RecentLogs;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A Logback appender that keeps the recent log lines of each thread and of each trace in bounded rings
 * ({@link RecentLogs}), so that an incident built with {@code Incident.builder(e).logContext(appender)} carries the
 * lines that led to its failure; thread-safe.
 *
 * <p>Configured in {@code logback.xml} like any appender; every setting is optional (defaults as in
 * {@link RecentLogs.Builder}):
 * <pre>{@code
 * <appender name="FAULTLINE" class="dev.faultline.logback.FaultlineAppender">
 *   <linesPerThread>32</linesPerThread>
 *   <linesPerTrace>32</linesPerTrace>
 *   <maxThreads>256</maxThreads>
 *   <maxTraces>1024</maxTraces>
 *   <maxLineLength>500</maxLineLength>
 *   <idleTimeout>5 minutes</idleTimeout>
 *   <traceIdKeys>trace_id,traceId</traceIdKeys>
 * </appender>
 * }</pre>
 * The trace id of a line is the value of the first of {@code traceIdKeys} present in its MDC (the OpenTelemetry and
 * Spring/Micrometer names by default). The appender keys thread rings by the thread that calls it, so attach it
 * directly, not behind an {@code AsyncAppender} (it is cheap: it keeps references to the event's already formatted
 * message and names, and renders text only when an incident asks). Find it from code with {@link #find}.
 *
 * <p>Concurrency: it extends {@link UnsynchronizedAppenderBase}, so Logback takes no lock around {@link #append};
 * {@code logs} is written once by {@link #start()} before {@code started} is published and is thread-safe itself.
 */
public final class FaultlineAppender extends UnsynchronizedAppenderBase<ILoggingEvent> implements LogContextSource {
  private final RecentLogs.Builder settings = RecentLogs.builder();
  private List<String> traceIdKeys = List.of("trace_id", "traceId");
  private volatile RecentLogs logs;

  /** Creates an appender with the default settings; Logback calls this, then the setters, then {@link #start()}. */
  public FaultlineAppender() {}

  /** Lines kept per thread; 0 keeps none. */
  public void setLinesPerThread(int lines) {
    settings.linesPerThread(lines);
  }

  /** Lines kept per trace; 0 keeps none. */
  public void setLinesPerTrace(int lines) {
    settings.linesPerTrace(lines);
  }

  /** Most thread rings held. */
  public void setMaxThreads(int max) {
    settings.maxThreads(max);
  }

  /** Most trace rings held. */
  public void setMaxTraces(int max) {
    settings.maxTraces(max);
  }

  /** Characters of a message kept. */
  public void setMaxLineLength(int length) {
    settings.maxLineLength(length);
  }

  /** How long a thread or trace may log nothing before its ring is dropped, such as {@code 5 minutes}. */
  public void setIdleTimeout(Duration idleTimeout) {
    settings.idleTimeout(java.time.Duration.ofMillis(idleTimeout.getMilliseconds()));
  }

  /** The MDC keys that hold the trace id, comma-separated, first present wins; default {@code trace_id,traceId}. */
  public void setTraceIdKeys(String keys) {
    List<String> out = new ArrayList<>();
    for (String k : keys.split(",")) {
      if (!k.isBlank()) {
        out.add(k.strip());
      }
    }
    this.traceIdKeys = List.copyOf(out);
  }

  /** The clock that times idleness; default the system clock. For tests; call before {@link #start()}. */
  public void setClock(Clock clock) {
    settings.clock(clock);
  }

  /** The MDC keys read for the trace id, in order. */
  public List<String> traceIdKeys() {
    return traceIdKeys;
  }

  /** Checks the settings and starts; a bad setting is reported to Logback's status and leaves it stopped. */
  @Override
  public void start() {
    try {
      logs = settings.build();
    } catch (ConfigurationException e) {
      addError("FaultlineAppender \"" + getName() + "\" not started: " + e.getMessage());
      return;
    }
    super.start();
  }

  @Override
  protected void append(ILoggingEvent event) {
    Map<String, String> mdc = event.getMDCPropertyMap();
    String traceId = null;
    if (mdc != null && !mdc.isEmpty()) {
      for (int i = 0; i < traceIdKeys.size() && traceId == null; i++) {
        traceId = mdc.get(traceIdKeys.get(i));
      }
    }
    String message = event.getFormattedMessage();
    IThrowableProxy thrown = event.getThrowableProxy();
    if (thrown != null) {
      message = (message == null ? "" : message + " ") + "[" + thrown.getClassName()
          + (thrown.getMessage() == null ? "" : ": " + thrown.getMessage()) + "]";
    }
    logs.add(Thread.currentThread().getId(), traceId, new LogLine(event.getTimeStamp(), event.getLevel().toString(),
        String.valueOf(event.getLoggerName()), String.valueOf(event.getThreadName()),
        message == null ? "" : message));
  }

  /**
   * The store of recent lines.
   *
   * @throws IllegalStateException if the appender has not been started
   */
  public RecentLogs logs() {
    RecentLogs l = logs;
    if (l == null) {
      throw new IllegalStateException("FaultlineAppender \"" + getName() + "\" has not been started");
    }
    return l;
  }

  /** The recent lines of the trace, or else of the thread; empty before the appender is started. */
  @Override
  public List<String> recentLines(String traceId, long threadId) {
    RecentLogs l = logs;
    return l == null ? List.of() : l.recentLines(traceId, threadId);
  }

  /** The first started {@code FaultlineAppender} attached to any logger of {@code context}, if there is one. */
  public static Optional<FaultlineAppender> find(LoggerContext context) {
    for (Logger logger : context.getLoggerList()) {
      for (Iterator<Appender<ILoggingEvent>> it = logger.iteratorForAppenders(); it.hasNext(); ) {
        Appender<ILoggingEvent> a = it.next();
        if (a instanceof FaultlineAppender f && f.isStarted()) {
          return Optional.of(f);
        }
      }
    }
    return Optional.empty();
  }
}
