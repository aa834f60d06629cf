package dev.faultline.console.demo;

import dev.faultline.core.Clock;
import java.io.IOException;
import java.util.SplittableRandom;

/**
 * A flaky downstream service for the demo: it cycles through scripted phases — healthy, latency spikes, an error
 * burst, a full outage, and recovery — so that every policy of the demo pipeline has something to do.
 *
 * <p>Thread-safe: the phase is derived from the clock; each call draws from a per-call split of a seeded random.
 */
public final class SimulatedDownstream {

  /** The phases of one cycle, in order, with their share of the cycle. */
  public enum Phase {
    /** Fast, almost never fails. */
    HEALTHY(0.30, 0.01, 0.00),
    /** One call in five takes far longer than usual. */
    LATENCY_SPIKES(0.20, 0.02, 0.20),
    /** Half the calls fail. */
    ERROR_BURST(0.15, 0.50, 0.05),
    /** Every call fails: the downstream is down. */
    OUTAGE(0.15, 1.00, 0.00),
    /** The downstream is back. */
    RECOVERY(0.20, 0.02, 0.02);

    final double share;
    final double errorRate;
    final double slowRate;

    Phase(double share, double errorRate, double slowRate) {
      this.share = share;
      this.errorRate = errorRate;
      this.slowRate = slowRate;
    }
  }

  /** The failure the downstream answers with. */
  public static final class DownstreamException extends IOException {
    private static final long serialVersionUID = 1L;

    DownstreamException(String message) {
      super(message);
    }
  }

  private final Clock clock;
  private final long startNanos;
  private final long cycleNanos;
  private final long fastNanos;
  private final long slowNanos;
  private final SplittableRandom seed;

  /**
   * A downstream whose phases repeat every {@code cycleNanos}; healthy calls take about {@code fastNanos}, slow ones
   * about {@code slowNanos}.
   */
  public SimulatedDownstream(Clock clock, long cycleNanos, long fastNanos, long slowNanos, long seed) {
    this(clock, cycleNanos, 0, fastNanos, slowNanos, seed);
  }

  /**
   * As {@link #SimulatedDownstream(Clock, long, long, long, long)}, starting {@code offsetNanos} into the cycle (so a
   * short demo reaches the outage, and the recovery after it, sooner).
   */
  public SimulatedDownstream(Clock clock, long cycleNanos, long offsetNanos, long fastNanos, long slowNanos, long seed) {
    if (offsetNanos < 0 || offsetNanos >= cycleNanos) {
      throw new IllegalArgumentException("offsetNanos must be from 0 to cycleNanos - 1, but was " + offsetNanos);
    }
    this.clock = clock;
    this.startNanos = clock.nanoTime() - offsetNanos;
    this.cycleNanos = cycleNanos;
    this.fastNanos = fastNanos;
    this.slowNanos = slowNanos;
    this.seed = new SplittableRandom(seed);
  }

  /** The phase the downstream is in now. */
  public Phase phase() {
    double position = (double) ((clock.nanoTime() - startNanos) % cycleNanos) / cycleNanos;
    double end = 0;
    for (Phase phase : Phase.values()) {
      end += phase.share;
      if (position < end) {
        return phase;
      }
    }
    return Phase.RECOVERY;
  }

  /**
   * Serves one request for {@code replica}: waits as long as the phase makes it, then answers or fails.
   *
   * @throws DownstreamException when the downstream fails the call
   * @throws InterruptedException when the caller gives up on the call
   */
  public String call(int replica) throws DownstreamException, InterruptedException {
    SplittableRandom random;
    synchronized (seed) {
      random = seed.split();
    }
    Phase phase = phase();
    boolean slow = random.nextDouble() < phase.slowRate;
    long base = slow ? slowNanos : fastNanos;
    clock.sleep(base / 2 + random.nextLong(Math.max(1, base)));
    if (random.nextDouble() < phase.errorRate) {
      throw new DownstreamException(phase == Phase.OUTAGE ? "connection refused by replica " + replica
          : "503 from replica " + replica);
    }
    return "ok from replica " + replica;
  }
}
