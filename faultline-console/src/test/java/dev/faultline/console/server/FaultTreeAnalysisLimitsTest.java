package dev.faultline.console.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.faultline.core.Clock;
import dev.faultline.core.testing.FakeClock;
import dev.faultline.diagnosis.fta.AnalysisStoppedException;
import dev.faultline.diagnosis.fta.FaultTreeResult;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console bounds each fault tree analysis by {@code analysisTimeout} (a timed-out one answers 422
 * {@code analysis-timed-out} and is not kept), interrupts analyses in progress when it closes, and computes a kept
 * result's importance list once. Regression tests: before, an analysis could hold a request thread for ever, closing
 * waited for it, and every {@code importance=true} request recomputed the list.
 */
class FaultTreeAnalysisLimitsTest {
  /** Bounds a wait that should end at once, so that a regression fails instead of hanging; never asserted on. */
  private static final Duration BOUND = Duration.ofSeconds(10);

  @TempDir
  Path dir;

  /**
   * The fixture's fake time, read ahead by {@code ahead} on the analysis threads ({@code faultline-fta}) only: an
   * analysis then sees its deadline pass at its first poll, while sessions and rate limits see the fake time.
   */
  static final class AheadOnAnalysisThreads implements Clock {
    final FakeClock base = new FakeClock();
    volatile Duration ahead = Duration.ZERO;

    @Override
    public long nanoTime() {
      long now = base.nanoTime();
      return Thread.currentThread().getName().equals("faultline-fta") ? now + ahead.toNanos() : now;
    }

    @Override
    public long wallMillis() {
      return base.wallMillis();
    }

    @Override
    public void sleep(long nanos) throws InterruptedException {
      base.sleep(nanos);
    }
  }

  private static String pumps() throws IOException {
    try (InputStream in = FaultTreeAnalysisLimitsTest.class.getResourceAsStream("/fta/pumps.xml")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /**
   * {@code (x0 + ... + xn-1) . (x0 y0 + ... + xn-1 yn-1)}: the first argument puts every x before every y in the
   * variable order, so the BDD has about 2^(n+1) nodes; at n = 18, most of a second of work.
   */
  static String hostile(int n) {
    StringBuilder xs = new StringBuilder();
    StringBuilder pairs = new StringBuilder();
    StringBuilder data = new StringBuilder();
    for (int i = 0; i < n; i++) {
      xs.append("<basic-event name=\"x").append(i).append("\"/>");
      pairs.append("<and><basic-event name=\"x").append(i).append("\"/><basic-event name=\"y").append(i)
          .append("\"/></and>");
      data.append("<define-basic-event name=\"x").append(i).append("\"><float value=\"0.01\"/></define-basic-event>")
          .append("<define-basic-event name=\"y").append(i).append("\"><float value=\"0.02\"/></define-basic-event>");
    }
    return "<?xml version=\"1.0\"?>\n<opsa-mef><define-fault-tree name=\"hostile\"><define-gate name=\"top\"><and><or>"
        + xs + "</or><or>" + pairs + "</or></and></define-gate></define-fault-tree><model-data>" + data
        + "</model-data></opsa-mef>\n";
  }

  @Test
  void aTimedOutAnalysisAnswersTheErrorAndIsNotKept() throws IOException {
    AheadOnAnalysisThreads clock = new AheadOnAnalysisThreads();
    AtomicInteger runs = new AtomicInteger();
    try (ServerFixture f = new ServerFixture(dir, b -> b.clock(clock).analysisTimeout(Duration.ofSeconds(60))
        .analysisRunner(a -> {
          runs.incrementAndGet();
          return a.run();
        }))) {
      String admin = f.setUpAndLogInAdmin();
      assertEquals(201, f.put("/api/v1/fault-trees/plant", admin, "application/xml", pumps()).status());

      clock.ahead = Duration.ofMinutes(2);
      ServerFixture.Reply timedOut = f.get("/api/v1/fault-trees/plant/analysis", admin);
      assertEquals(422, timedOut.status(), timedOut.body());
      assertEquals("analysis-timed-out", timedOut.error());
      String message = timedOut.json().get("message").asText();
      assertTrue(message.contains("\"top\"") && message.contains("PT1M"), message);
      ServerFixture.Reply live = f.get("/api/v1/fault-trees/plant/live?auto=false", admin);
      assertEquals(422, live.status(), "the live state needs the same analysis: " + live.body());
      assertEquals(2, runs.get());

      clock.ahead = Duration.ZERO;
      ServerFixture.Reply computed = f.get("/api/v1/fault-trees/plant/analysis", admin);
      assertEquals(200, computed.status(), "the timed-out analysis was not kept: " + computed.body());
      assertEquals(3, runs.get());
      assertEquals(200, f.get("/api/v1/fault-trees/plant/analysis", admin).status());
      assertEquals(3, runs.get(), "the finished analysis is kept");
    }
  }

  @Test
  void theImportanceOfAKeptAnalysisIsComputedOnce() throws IOException {
    AtomicInteger computed = new AtomicInteger();
    try (ServerFixture f = new ServerFixture(dir, b -> b.importanceCalculator(r -> {
      computed.incrementAndGet();
      return r.importance();
    }))) {
      String admin = f.setUpAndLogInAdmin();
      assertEquals(201, f.put("/api/v1/fault-trees/plant", admin, "application/xml", pumps()).status());
      assertEquals(200, f.get("/api/v1/fault-trees/plant/analysis", admin).status());
      assertEquals(0, computed.get(), "not computed until asked for");

      JsonNode first = f.get("/api/v1/fault-trees/plant/analysis?importance=true", admin).json();
      JsonNode second = f.get("/api/v1/fault-trees/plant/analysis?importance=true&cutSets=1", admin).json();
      assertEquals(1, computed.get());
      assertEquals(3, first.get("importance").size());
      assertEquals(first.get("importance"), second.get("importance"));

      assertEquals(200, f.get("/api/v1/fault-trees/plant/analysis?importance=true&missionTime=10", admin).status());
      assertEquals(2, computed.get(), "another analysis has its own");
    }
  }

  @Test
  void closingTheServerInterruptsAnAnalysisInProgress() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch finished = new CountDownLatch(1);
    AtomicReference<Object> outcome = new AtomicReference<>();
    ServerFixture f = new ServerFixture(dir, b -> b.analysisRunner(a -> {
      entered.countDown();
      try {
        FaultTreeResult r = a.run();
        outcome.set(r);
        return r;
      } catch (RuntimeException e) {
        outcome.set(e);
        throw e;
      } finally {
        finished.countDown();
      }
    }));
    String admin = f.setUpAndLogInAdmin();
    assertEquals(201, f.put("/api/v1/fault-trees/hostile", admin, "application/xml", hostile(18)).status());
    f.client.sendAsync(f.request("/api/v1/fault-trees/hostile/analysis", admin).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertTrue(entered.await(BOUND.toSeconds(), TimeUnit.SECONDS), "the analysis never started");

    f.close();

    assertTrue(finished.await(BOUND.toSeconds(), TimeUnit.SECONDS), "the analysis never ended");
    AnalysisStoppedException e = assertInstanceOf(AnalysisStoppedException.class, outcome.get());
    assertEquals("analysis-interrupted", e.code());
  }
}
