package dev.faultline.jul;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.ConfigurationException;
import dev.faultline.core.testing.FakeClock;
import dev.faultline.diagnosis.incident.Incident;
import dev.faultline.diagnosis.incident.LogLine;
import dev.faultline.diagnosis.incident.RecentLogs;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.ListResourceBundle;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The handler as java.util.logging calls it: per-thread and per-trace lines, formatted messages, incidents. */
class FaultlineHandlerTest {
  private final Logger logger = Logger.getLogger("app.Orders." + System.identityHashCode(this));

  @AfterEach
  void resetLogManager() throws IOException {
    LogManager.getLogManager().readConfiguration();
  }

  static List<String> messages(List<LogLine> lines) {
    return lines.stream().map(LogLine::message).toList();
  }

  FaultlineHandler attach(RecentLogs logs, AtomicReference<String> trace) {
    FaultlineHandler handler = new FaultlineHandler(logs, trace::get);
    logger.setUseParentHandlers(false);
    logger.setLevel(Level.ALL);
    logger.addHandler(handler);
    return handler;
  }

  @Test
  void linesOfTheThreadAndOfTheTrace() throws Exception {
    AtomicReference<String> trace = new AtomicReference<>();
    FaultlineHandler handler = attach(RecentLogs.builder().linesPerThread(3).clock(new FakeClock()).build(), trace);
    Thread worker = new Thread(() -> {
      logger.info("no trace yet");
      trace.set("t-1");
      logger.log(Level.FINE, "charging card {0} for {1}", new Object[] {"4242", 17});
      logger.log(Level.WARNING, "slow answer from {0}", "bank");
      logger.log(Level.SEVERE, "payment failed", new IllegalStateException("declined"));
      trace.set(null);
    }, "worker-7");
    worker.start();
    worker.join();
    assertEquals(List.of("charging card 4242 for 17", "slow answer from bank",
        "payment failed [java.lang.IllegalStateException: declined]"),
        messages(handler.logs().threadLines(worker.getId())));
    List<LogLine> traced = handler.logs().traceLines("t-1");
    assertEquals(3, traced.size());
    assertEquals("FINE", traced.get(0).level());
    assertEquals("worker-7", traced.get(0).threadName());
    assertEquals(logger.getName(), traced.get(0).logger());
  }

  @Test
  void anIncidentCarriesTheLinesOfItsThread() {
    FaultlineHandler handler = attach(RecentLogs.builder().clock(new FakeClock()).build(), new AtomicReference<>());
    logger.info("reserving stock");
    Incident incident = Incident.builder(new IllegalStateException("out of stock")).component("orders")
        .clock(new FakeClock()).logContext(handler).build();
    assertEquals(1, incident.logLines().size());
    assertTrue(incident.logLines().get(0).endsWith(" INFO [" + Thread.currentThread().getName() + "] "
        + logger.getName() + " - reserving stock"), incident.logLines().get(0));
  }

  @Test
  void messagesAreFormattedAsTheJdkFormatsThem() {
    LogRecord plain = new LogRecord(Level.INFO, "a {x} b {0}");
    plain.setParameters(new Object[] {"P"});
    assertEquals(new java.util.logging.SimpleFormatter().formatMessage(plain), FaultlineHandler.message(plain));
    LogRecord unformatted = new LogRecord(Level.INFO, "{no params}");
    assertEquals("{no params}", FaultlineHandler.message(unformatted));
    LogRecord bundled = new LogRecord(Level.INFO, "greeting");
    bundled.setResourceBundle(new ListResourceBundle() {
      @Override
      protected Object[][] getContents() {
        return new Object[][] {{"greeting", "hello {0}"}};
      }
    });
    bundled.setParameters(new Object[] {"world"});
    assertEquals("hello world", FaultlineHandler.message(bundled));
    LogRecord broken = new LogRecord(Level.INFO, "{0");
    broken.setParameters(new Object[] {"x"});
    assertEquals(new java.util.logging.SimpleFormatter().formatMessage(broken), FaultlineHandler.message(broken));
    assertEquals("", FaultlineHandler.message(new LogRecord(Level.INFO, null)));
  }

  @Test
  void anyNumberedParameterIsFormattedAndABrokenParameterLeavesTheFormatAsTheJdkDoes() {
    LogRecord fifth = new LogRecord(Level.INFO, "retry {4} of {5}");
    fifth.setParameters(new Object[] {"a", "b", "c", "d", 2, 3});
    assertEquals(new java.util.logging.SimpleFormatter().formatMessage(fifth), FaultlineHandler.message(fifth));
    assertEquals("retry 2 of 3", FaultlineHandler.message(fifth));
    LogRecord broken = new LogRecord(Level.INFO, "order {0}");
    broken.setParameters(new Object[] {new Object() {
      @Override
      public String toString() {
        throw new IllegalStateException("lazy proxy");
      }
    }});
    assertEquals(new java.util.logging.SimpleFormatter().formatMessage(broken), FaultlineHandler.message(broken));
    FaultlineHandler handler = new FaultlineHandler(RecentLogs.builder().clock(new FakeClock()).build(), null);
    handler.publish(broken);
    assertEquals(List.of("order {0}"), messages(handler.logs().threadLines(broken.getLongThreadID())),
        "the line is kept, not lost to the parameter's failure");
  }

  @Test
  void belowItsLevelOrClosedItKeepsNothing() {
    FaultlineHandler handler = attach(RecentLogs.builder().clock(new FakeClock()).build(), new AtomicReference<>());
    handler.setLevel(Level.WARNING);
    logger.info("ignored");
    logger.warning("kept");
    handler.close();
    logger.severe("after close");
    assertEquals(List.of("kept"), messages(handler.logs().threadLines(Thread.currentThread().getId())));
  }

  @Test
  void configuredFromLoggingProperties() throws IOException {
    String p = FaultlineHandler.class.getName();
    LogManager.getLogManager().readConfiguration(new ByteArrayInputStream((p + ".level = WARNING\n"
        + p + ".linesPerThread = 2\n" + p + ".maxThreads = 3\n" + p + ".idleTimeout = PT1M\n")
        .getBytes(StandardCharsets.ISO_8859_1)));
    FaultlineHandler handler = new FaultlineHandler();
    assertEquals(Level.WARNING, handler.getLevel());
    for (int i = 0; i < 5; i++) {
      handler.publish(new LogRecord(Level.SEVERE, "m" + i));
    }
    assertEquals(List.of("m3", "m4"), messages(handler.logs().threadLines(Thread.currentThread().getId())));
  }

  @Test
  void badPropertiesNameTheProperty() throws IOException {
    String p = FaultlineHandler.class.getName();
    LogManager.getLogManager().readConfiguration(new ByteArrayInputStream((p + ".maxTraces = lots\n")
        .getBytes(StandardCharsets.ISO_8859_1)));
    assertEquals(p + ".maxTraces", assertThrows(ConfigurationException.class, FaultlineHandler::new).field());
    LogManager.getLogManager().readConfiguration(new ByteArrayInputStream((p + ".idleTimeout = 5 minutes\n")
        .getBytes(StandardCharsets.ISO_8859_1)));
    assertEquals(p + ".idleTimeout", assertThrows(ConfigurationException.class, FaultlineHandler::new).field());
    LogManager.getLogManager().readConfiguration(new ByteArrayInputStream((p + ".linesPerTrace = -1\n")
        .getBytes(StandardCharsets.ISO_8859_1)));
    assertEquals("linesPerTrace", assertThrows(ConfigurationException.class, FaultlineHandler::new).field());
  }

  @Test
  void aFailingTraceSourceIsReportedNotThrown() {
    FaultlineHandler handler = new FaultlineHandler(RecentLogs.builder().clock(new FakeClock()).build(), () -> {
      throw new IllegalStateException("no context");
    });
    AtomicReference<Exception> reported = new AtomicReference<>();
    handler.setErrorManager(new java.util.logging.ErrorManager() {
      @Override
      public synchronized void error(String msg, Exception ex, int code) {
        reported.set(ex);
      }
    });
    handler.publish(new LogRecord(Level.INFO, "x"));
    assertEquals("no context", reported.get().getMessage());
  }

  @Test
  void aTraceSourceThatLogsDoesNotMakeTheHandlerRecurse() {
    AtomicReference<String> trace = new AtomicReference<>("t-9");
    FaultlineHandler handler = attach(RecentLogs.builder().clock(new FakeClock()).build(), trace);
    handler.setTraceIdSource(() -> {
      logger.fine("looking up the current span"); // as a tracing library logging through java.util.logging might
      return trace.get();
    });
    logger.info("reserving stock");
    assertEquals(List.of("reserving stock"), messages(handler.logs().traceLines("t-9")));
    assertEquals(List.of("looking up the current span", "reserving stock"),
        messages(handler.logs().threadLines(Thread.currentThread().getId())));
  }

  @Test
  void manyTracesStayWithinTheLimit() {
    FakeClock clock = new FakeClock();
    AtomicReference<String> trace = new AtomicReference<>();
    FaultlineHandler handler = attach(RecentLogs.builder().maxTraces(16).idleTimeout(Duration.ofSeconds(10))
        .clock(clock).build(), trace);
    for (int i = 0; i < 1000; i++) {
      trace.set("t" + i);
      logger.info("step " + i);
      assertTrue(handler.logs().traceCount() <= 16, "trace rings: " + handler.logs().traceCount());
    }
    clock.advance(Duration.ofSeconds(11));
    handler.logs().evictIdle();
    assertEquals(0, handler.logs().traceCount());
  }
}
