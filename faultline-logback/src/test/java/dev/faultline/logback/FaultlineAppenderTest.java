package dev.faultline.logback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import ch.qos.logback.core.status.Status;
import dev.faultline.core.testing.FakeClock;
import dev.faultline.diagnosis.incident.Incident;
import dev.faultline.diagnosis.incident.LogLine;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** The appender as Logback configures and calls it: settings from XML, trace ids from the MDC, incidents get lines. */
class FaultlineAppenderTest {
  private static final Logger LOG = LoggerFactory.getLogger("app.Orders");

  @AfterEach
  void clearMdc() {
    MDC.clear();
  }

  static FaultlineAppender appender() {
    return FaultlineAppender.find((LoggerContext) LoggerFactory.getILoggerFactory())
        .orElseThrow(() -> new AssertionError("logback-test.xml attaches a started FaultlineAppender"));
  }

  static List<String> messages(List<LogLine> lines) {
    return lines.stream().map(LogLine::message).toList();
  }

  @Test
  void linesOfTheThreadAndOfTheTraceFromTheMdc() throws Exception {
    FaultlineAppender appender = appender();
    assertEquals(List.of("trace_id", "traceId", "x-request-id"), appender.traceIdKeys());
    Thread worker = new Thread(() -> {
      LOG.info("no trace yet");
      MDC.put("x-request-id", "req-1");
      LOG.debug("charging card {} for {}", "4242", 17);
      MDC.put("traceId", "trace-b");
      LOG.warn("slow answer from {}", "bank");
      LOG.error("payment failed", new IllegalStateException("declined"));
      MDC.clear();
    }, "worker-7");
    worker.start();
    worker.join();
    long id = worker.getId();
    assertEquals(List.of("charging card 4242 for 17", "slow answer from bank",
        "payment failed [java.lang.IllegalStateException: declined]"), messages(appender.logs().threadLines(id)),
        "the thread keeps its last 3 lines");
    assertEquals(List.of("charging card 4242 for 17"), messages(appender.logs().traceLines("req-1")));
    assertEquals(List.of("slow answer from bank", "payment failed [java.lang.IllegalStateException: declined]"),
        messages(appender.logs().traceLines("trace-b")), "traceId comes before x-request-id");
    LogLine warn = appender.logs().traceLines("trace-b").get(0);
    assertEquals("WARN", warn.level());
    assertEquals("app.Orders", warn.logger());
    assertEquals("worker-7", warn.threadName());
  }

  @Test
  void anIncidentCarriesTheLinesOfItsTrace() {
    MDC.put("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736");
    LOG.info("reserving stock");
    LOG.info("x".repeat(100));
    Incident incident = Incident.builder(new IllegalStateException("out of stock")).component("orders")
        .clock(new FakeClock()).trace("4bf92f3577b34da6a3ce929d0e0e4736", null).logContext(appender()).build();
    List<String> lines = incident.logLines();
    assertEquals(2, lines.size(), lines.toString());
    assertTrue(lines.get(0).endsWith(" INFO [" + Thread.currentThread().getName() + "] app.Orders - reserving stock"),
        lines.get(0));
    assertTrue(lines.get(1).endsWith(" - " + "x".repeat(70) + "... [30 more characters]"), lines.get(1));
  }

  /** Twenty threads that log and end: the appender holds at most four thread rings (maxThreads in the XML). */
  @Test
  void manyThreadsStayWithinTheLimit() throws Exception {
    FaultlineAppender appender = appender();
    for (int i = 0; i < 20; i++) {
      CountDownLatch logged = new CountDownLatch(1);
      Thread t = new Thread(() -> {
        LOG.info("hello");
        logged.countDown();
      });
      t.start();
      logged.await();
      t.join();
      assertTrue(appender.logs().threadCount() <= 4, "thread rings: " + appender.logs().threadCount());
    }
  }

  @Test
  void aBadSettingLeavesTheAppenderStoppedAndSaysWhy() throws JoranException {
    LoggerContext context = new LoggerContext();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(new ByteArrayInputStream(("<configuration><appender name=\"F\" "
        + "class=\"dev.faultline.logback.FaultlineAppender\"><maxTraces>0</maxTraces></appender>"
        + "<root level=\"INFO\"><appender-ref ref=\"F\"/></root></configuration>").getBytes(StandardCharsets.UTF_8)));
    assertFalse(FaultlineAppender.find(context).isPresent(), "not started");
    List<String> errors = context.getStatusManager().getCopyOfStatusList().stream()
        .filter(s -> s.getLevel() == Status.ERROR).map(Status::getMessage).toList();
    assertTrue(errors.stream().anyMatch(m -> m.contains("FaultlineAppender \"F\" not started") && m.contains("maxTraces")),
        errors.toString());
    context.stop();
  }

  @Test
  void idleRingsAreDroppedByTheInjectedClock() {
    FakeClock clock = new FakeClock();
    FaultlineAppender appender = new FaultlineAppender();
    appender.setContext(new LoggerContext());
    appender.setIdleTimeout(ch.qos.logback.core.util.Duration.buildByMinutes(1));
    appender.setClock(clock);
    appender.start();
    ch.qos.logback.classic.Logger logger = new LoggerContext().getLogger("x");
    for (int i = 0; i < 10; i++) {
      ch.qos.logback.classic.spi.LoggingEvent e = new ch.qos.logback.classic.spi.LoggingEvent(
          "x", logger, ch.qos.logback.classic.Level.INFO, "m" + i, null, null);
      e.setMDCPropertyMap(java.util.Map.of("trace_id", "t" + i));
      appender.doAppend(e);
    }
    assertEquals(10, appender.logs().traceCount());
    clock.advance(Duration.ofMinutes(2));
    appender.logs().evictIdle();
    assertEquals(0, appender.logs().traceCount());
    assertEquals(0, appender.logs().threadCount());
  }
}
