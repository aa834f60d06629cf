package dev.faultline.console.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.diagnosis.fta.FaultTreeAnalysis;
import dev.faultline.diagnosis.fta.FaultTreeResult;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Uncached fault tree analyses are bounded server-wide: at most {@code maxConcurrentAnalyses} compute at once, and a
 * further uncached request is refused at once (503 {@code busy}, {@code Retry-After}) while cached ones are still
 * served. Before, a request for an uncached analysis waited up to 60 s on the request thread for its turn, so a viewer
 * varying {@code missionTime} held every server thread. Analyses are held in progress by a runner that waits on a
 * latch; no sleeps, no timing.
 */
class AnalysisCapacityTest {
  /** Bounds a wait that should end at once, so that a regression fails instead of hanging; never asserted on. */
  private static final Duration BOUND = Duration.ofSeconds(10);

  @TempDir
  Path dir;

  /** Runs analyses, holding each one in progress while {@link #hold} is set, until {@link #release}. */
  static final class HeldAnalyses implements FaultTreeApi.Runner {
    volatile boolean hold;
    final Semaphore entered = new Semaphore(0);
    final CountDownLatch release = new CountDownLatch(1);

    @Override
    public FaultTreeResult run(FaultTreeAnalysis analysis) throws InterruptedException {
      if (hold) {
        entered.release();
        release.await();
      }
      return analysis.run();
    }

    void awaitInProgress(int n) throws InterruptedException {
      assertTrue(entered.tryAcquire(n, BOUND.toSeconds(), TimeUnit.SECONDS), n + " analyses never started");
    }
  }

  private static String pumps() throws IOException {
    try (InputStream in = AnalysisCapacityTest.class.getResourceAsStream("/fta/pumps.xml")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static ServerFixture.Reply analysis(ServerFixture f, String token, double missionTime) {
    return f.send(f.request("/api/v1/fault-trees/plant/analysis?missionTime=" + missionTime, token).timeout(BOUND)
        .GET());
  }

  private static CompletableFuture<HttpResponse<String>> analysisAsync(ServerFixture f, String token,
      double missionTime) {
    return f.client.sendAsync(f.request("/api/v1/fault-trees/plant/analysis?missionTime=" + missionTime, token)
        .GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void anUncachedAnalysisBeyondTheLimitIsRefusedAtOnceAndACachedOneIsServed() throws Exception {
    HeldAnalyses held = new HeldAnalyses();
    try (ServerFixture f = new ServerFixture(dir, b -> b.maxConcurrentAnalyses(1).analysisRunner(held))) {
      String admin = f.setUpAndLogInAdmin();
      String operator = f.userSession(admin, "olga", "operator");
      String viewer = f.userSession(admin, "vera", "viewer");
      assertEquals(201, f.put("/api/v1/fault-trees/plant", operator, "application/xml", pumps()).status());
      assertEquals(200, analysis(f, viewer, 10).status(), "computed and cached");

      held.hold = true;
      CompletableFuture<HttpResponse<String>> first = analysisAsync(f, viewer, 20);
      try {
        held.awaitInProgress(1);
        ServerFixture.Reply refused = analysis(f, viewer, 30);
        assertEquals(503, refused.status(), refused.body());
        assertEquals("busy", refused.error());
        assertEquals("5", refused.retryAfter());
        ServerFixture.Reply live = f.get("/api/v1/fault-trees/plant/live?auto=false", viewer);
        assertEquals(503, live.status(), "the live state of an uncached analysis is refused too: " + live.body());
        ServerFixture.Reply cached = analysis(f, viewer, 10);
        assertEquals(200, cached.status(), "a cached analysis is served while the limit is reached: " + cached.body());
      } finally {
        held.hold = false;
        held.release.countDown();
      }
      assertEquals(200, first.get(BOUND.toSeconds(), TimeUnit.SECONDS).statusCode());
      assertEquals(200, analysis(f, viewer, 30).status(), "the place is given back once the analysis ends");
    }
  }

  @Test
  void asManyAnalysesAsTheLimitRunAtOnce() throws Exception {
    HeldAnalyses held = new HeldAnalyses();
    try (ServerFixture f = new ServerFixture(dir, b -> b.maxConcurrentAnalyses(3).analysisRunner(held))) {
      String admin = f.setUpAndLogInAdmin();
      String operator = f.userSession(admin, "olga", "operator");
      assertEquals(201, f.put("/api/v1/fault-trees/plant", operator, "application/xml", pumps()).status());
      held.hold = true;
      List<CompletableFuture<HttpResponse<String>>> running = new ArrayList<>();
      try {
        for (int i = 1; i <= 3; i++) {
          running.add(analysisAsync(f, admin, i));
        }
        held.awaitInProgress(3);
        assertEquals(503, analysis(f, admin, 4).status(), "the fourth is refused");
      } finally {
        held.hold = false;
        held.release.countDown();
      }
      for (CompletableFuture<HttpResponse<String>> r : running) {
        assertEquals(200, r.get(BOUND.toSeconds(), TimeUnit.SECONDS).statusCode());
      }
    }
  }

  @Test
  void aFailedAnalysisGivesItsPlaceBack() throws Exception {
    try (ServerFixture f = new ServerFixture(dir, b -> b.maxConcurrentAnalyses(1).analysisRunner(a -> {
      throw new IllegalStateException("an analysis failed");
    }))) {
      String admin = f.setUpAndLogInAdmin();
      String operator = f.userSession(admin, "olga", "operator");
      assertEquals(201, f.put("/api/v1/fault-trees/plant", operator, "application/xml", pumps()).status());
      for (int i = 0; i < 3; i++) {
        ServerFixture.Reply failed = analysis(f, admin, i);
        assertEquals(500, failed.status(), "not 503: the failed analysis gave its place back: " + failed.body());
      }
    }
  }
}
