package dev.faultline.supervisor.heartbeat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.pekko.remote.FailureDetector;
import org.apache.pekko.remote.PhiAccrualFailureDetector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import scala.concurrent.duration.FiniteDuration;

/**
 * Replays identical synthetic heartbeat traces through our {@link HeartbeatMonitor} and through Pekko's
 * {@link PhiAccrualFailureDetector}, with the same settings and the same fake time (whole milliseconds, which is
 * Pekko's resolution): after a crash ours suspects the peer no later than Pekko's, and it raises no more false
 * suspicions (suspicions while the peer is alive).
 *
 * <p>The observing process evaluates both detectors every 10 ms and ticks our monitor every 100 ms, except while it is
 * itself paused; when it wakes, it evaluates first and then reads the heartbeats that queued up meanwhile.
 */
class PekkoComparisonTest {
  private static final long STEP_MS = 10;
  private static final long TICK_MS = 100;

  /** A trace: heartbeat send times, the crash time (or -1), and windows in which the observer itself is paused. */
  record Trace(String name, List<Long> heartbeats, long crashMs, long endMs, List<long[]> observerPauses) {
    @Override
    public String toString() {
      return name;
    }
  }

  /** Settings shared by both detectors. */
  record Settings(double threshold, int maxSamples, long minStdMs, long pauseMs, long firstMs) {
    PhiAccrualConfig ours() {
      return PhiAccrualConfig.builder().threshold(threshold).maxSampleSize(maxSamples)
          .minStdDeviation(Duration.ofMillis(minStdMs)).acceptableHeartbeatPause(Duration.ofMillis(pauseMs))
          .firstHeartbeatEstimate(Duration.ofMillis(firstMs)).build();
    }

    @Override
    public String toString() {
      return "phi>=" + threshold + " samples=" + maxSamples + " minStd=" + minStdMs + "ms pause=" + pauseMs
          + "ms first=" + firstMs + "ms";
    }
  }

  /** What one detector did over a trace. */
  record Outcome(int falseSuspicions, Long detectionDelayMs) {}

  static Stream<Arguments> cases() {
    List<Settings> settings = List.of(
        new Settings(8.0, 1000, 100, 3000, 1000),
        new Settings(5.0, 200, 50, 1000, 1000),
        new Settings(10.0, 100, 200, 0, 500));
    List<Trace> traces = List.of(regular(), jittery(), crashAfterRegular(), peerPauses(), observerPaused());
    List<Arguments> out = new ArrayList<>();
    for (Settings s : settings) {
      for (Trace t : traces) {
        out.add(Arguments.of(s, t));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{1} with {0}")
  @MethodSource("cases")
  void oursSuspectsNoLaterAndNoMoreFalsely(Settings settings, Trace trace) {
    Outcome pekko = replay(trace, new PekkoSide(settings));
    Outcome ours = replay(trace, new OurSide(settings));
    assertTrue(ours.falseSuspicions <= pekko.falseSuspicions,
        trace + ": false suspicions ours " + ours.falseSuspicions + " > Pekko " + pekko.falseSuspicions);
    if (trace.crashMs >= 0) {
      assertNotNull(pekko.detectionDelayMs, trace + ": Pekko never suspected the crashed peer");
      assertNotNull(ours.detectionDelayMs, trace + ": ours never suspected the crashed peer");
      assertTrue(ours.detectionDelayMs <= pekko.detectionDelayMs,
          trace + ": ours suspected after " + ours.detectionDelayMs + " ms, Pekko after " + pekko.detectionDelayMs);
    }
    if (trace.name.equals("regular")) {
      assertEquals(0, pekko.falseSuspicions, "a regular trace raises no suspicion in Pekko");
      assertEquals(0, ours.falseSuspicions, "a regular trace raises no suspicion in ours");
    }
    if (trace.name.equals("observer-paused")) {
      assertTrue(pekko.falseSuspicions >= 1, "Pekko suspects the live peer after its own 10 s pause");
      assertEquals(0, ours.falseSuspicions, "the self-pause guard withholds that suspicion");
    }
  }

  private static Outcome replay(Trace trace, Side side) {
    int falseSuspicions = 0;
    Long detection = null;
    boolean wasSuspected = false;
    int next = 0;
    List<Long> queued = new ArrayList<>();
    for (long t = 0; t <= trace.endMs; t += STEP_MS) {
      side.advanceTo(t);
      boolean paused = false;
      for (long[] p : trace.observerPauses) {
        paused |= t >= p[0] && t < p[1];
      }
      while (next < trace.heartbeats.size() && trace.heartbeats.get(next) <= t) {
        queued.add(trace.heartbeats.get(next++));
      }
      if (paused) {
        continue;
      }
      if (t % TICK_MS == 0) {
        side.tick();
      }
      boolean suspected = side.suspected();
      if (suspected && !wasSuspected) {
        if (trace.crashMs >= 0 && t > trace.crashMs) {
          if (detection == null) {
            detection = t - trace.crashMs;
          }
        } else {
          falseSuspicions++;
        }
      }
      wasSuspected = suspected;
      for (int i = 0; i < queued.size(); i++) {
        side.heartbeat();
        if (!side.suspected()) {
          wasSuspected = false;
        }
      }
      queued.clear();
    }
    return new Outcome(falseSuspicions, detection);
  }

  // --- the two detectors behind one face ---

  interface Side {
    void advanceTo(long ms);

    void tick();

    void heartbeat();

    boolean suspected();
  }

  static final class PekkoSide implements Side {
    private long nowMs;
    private final PhiAccrualFailureDetector detector;

    PekkoSide(Settings s) {
      FailureDetector.Clock clock = new FailureDetector.Clock() {
        @Override
        public long apply$mcJ$sp() {
          return nowMs;
        }

        @Override
        public Object apply() {
          return nowMs;
        }
      };
      detector = new PhiAccrualFailureDetector(s.threshold, s.maxSamples, millis(s.minStdMs), millis(s.pauseMs),
          millis(s.firstMs), clock);
    }

    private static FiniteDuration millis(long ms) {
      return FiniteDuration.apply(ms, TimeUnit.MILLISECONDS);
    }

    @Override
    public void advanceTo(long ms) {
      nowMs = ms;
    }

    @Override
    public void tick() {}

    @Override
    public void heartbeat() {
      detector.heartbeat();
    }

    @Override
    public boolean suspected() {
      return !detector.isAvailable();
    }
  }

  static final class OurSide implements Side {
    private final FakeClock clock = new FakeClock();
    private final HeartbeatMonitor monitor;

    OurSide(Settings s) {
      monitor = HeartbeatMonitor.builder("observer").detector(s.ours()).clock(clock)
          .tickInterval(Duration.ofMillis(TICK_MS)).selfPauseThreshold(Duration.ofSeconds(1)).build();
    }

    @Override
    public void advanceTo(long ms) {
      clock.advance(TimeUnit.MILLISECONDS.toNanos(ms) - clock.nanoTime());
    }

    @Override
    public void tick() {
      monitor.tick();
    }

    @Override
    public void heartbeat() {
      monitor.heartbeat("peer");
    }

    @Override
    public boolean suspected() {
      return monitor.peers().contains("peer") && !monitor.isAvailable("peer");
    }
  }

  // --- traces (times in ms; heartbeats rounded to the 10 ms evaluation step by delivery) ---

  static Trace regular() {
    List<Long> hb = new ArrayList<>();
    for (long t = 1000; t <= 60_000; t += 1000) {
      hb.add(t);
    }
    return new Trace("regular", hb, -1, 60_500, List.of());
  }

  static Trace jittery() {
    Random random = new Random(42);
    List<Long> hb = new ArrayList<>();
    long t = 1000;
    for (int i = 0; i < 120; i++) {
      hb.add(t);
      t += 700 + random.nextInt(601);
    }
    long crash = hb.get(hb.size() - 1);
    return new Trace("jittery-then-crash", hb, crash, crash + 40_000, List.of());
  }

  static Trace crashAfterRegular() {
    List<Long> hb = new ArrayList<>();
    for (long t = 1000; t <= 20_000; t += 1000) {
      hb.add(t);
    }
    return new Trace("crash", hb, 20_000, 60_000, List.of());
  }

  static Trace peerPauses() {
    List<Long> hb = new ArrayList<>();
    long t = 1000;
    long[] gaps = {1000, 1000, 1000, 1000, 2500, 1000, 1000, 1000, 4000, 1000, 1000, 1000, 1000, 6000, 1000, 1000,
        1000, 1000, 1000, 3000, 1000, 1000};
    for (long gap : gaps) {
      hb.add(t);
      t += gap;
    }
    hb.add(t);
    return new Trace("peer-pauses-then-crash", hb, t, t + 40_000, List.of());
  }

  static Trace observerPaused() {
    List<Long> hb = new ArrayList<>();
    for (long t = 1000; t <= 60_000; t += 1000) {
      hb.add(t);
    }
    return new Trace("observer-paused", hb, -1, 60_500, List.of(new long[] {30_005, 40_005}));
  }
}
