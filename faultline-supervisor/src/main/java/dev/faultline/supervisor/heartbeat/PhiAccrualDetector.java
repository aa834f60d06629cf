package dev.faultline.supervisor.heartbeat;

import dev.faultline.core.internal.Durations;
import dev.faultline.core.internal.Validate;
import dev.faultline.core.Clock;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A phi-accrual failure detector for one monitored peer (Hayashibara et al., "The φ Accrual Failure Detector", 2004):
 * instead of a yes/no timeout it reports phi, the suspicion level {@code -log10(P(a heartbeat arrives later than
 * now))}, computed from a normal distribution fitted to the recent inter-arrival times, with the mean shifted by the
 * acceptable pause. Phi 1 means a 10% chance that the peer is in fact alive, phi 8 one in 10^8. The peer is
 * {@linkplain #isAvailable() available} while phi is below the threshold.
 *
 * <p>The arithmetic follows Akka's and Pekko's detectors, so that the same settings behave the same: the history starts
 * with two samples at {@code estimate ± estimate/4}; an interval is recorded only if the peer was available when its
 * heartbeat came (a gap that already made us suspect the peer does not widen the distribution); the normal tail is the
 * logistic approximation of Bowling et al. (2009).
 *
 * <p>Thread-safe and lock-free: the state (the history of intervals and the last arrival) is one immutable value,
 * replaced as a whole by compare-and-set; readers see either the old state or the new one. Time comes from the injected
 * {@link Clock}.
 */
public final class PhiAccrualDetector {
  private final PhiAccrualConfig config;
  private final Clock clock;
  private final double minStdDeviationNanos;
  private final double acceptablePauseNanos;
  private final AtomicReference<State> state;

  /** A detector with {@code config}, reading time from {@code clock}, that has received no heartbeat yet. */
  public PhiAccrualDetector(PhiAccrualConfig config, Clock clock) {
    this.config = Validate.notNull("config", config);
    this.clock = Validate.notNull("clock", clock);
    this.minStdDeviationNanos = Durations.toNanosSaturated(config.minStdDeviation());
    this.acceptablePauseNanos = Durations.toNanosSaturated(config.acceptableHeartbeatPause());
    long estimate = Durations.toNanosSaturated(config.firstHeartbeatEstimate());
    long deviation = estimate / 4;
    History first = History.empty(config.maxSampleSize()).append(estimate - deviation).append(estimate + deviation);
    this.state = new AtomicReference<>(new State(first, 0L, false, false));
  }

  /** The settings of this detector. */
  public PhiAccrualConfig config() {
    return config;
  }

  /** Records a heartbeat from the peer, now. */
  public void heartbeat() {
    heartbeat(clock.nanoTime());
  }

  /**
   * Records a heartbeat that arrived at {@code nanoTime} (a reading of this detector's clock). A reading older than the
   * last arrival recorded (taken before a concurrent heartbeat's, which was recorded first) changes nothing: it would
   * otherwise record a negative interval and move the last arrival back.
   */
  public void heartbeat(long nanoTime) {
    while (true) {
      State old = state.get();
      if (old.monitoring && nanoTime < old.lastNanos) {
        return;
      }
      History history = old.history;
      if (old.monitoring && !old.restarted && phi(old, nanoTime) < config.threshold()) {
        history = history.append(nanoTime - old.lastNanos);
      }
      if (state.compareAndSet(old, new State(history, nanoTime, true, false))) {
        return;
      }
    }
  }

  /**
   * Forgets the last arrival, keeping the measured intervals: the next heartbeat starts monitoring again without
   * recording the gap before it. Used after this process itself was paused, when that gap says nothing about the peer.
   * A {@code nanoTime} older than the last arrival does not move it back.
   */
  public void restartMonitoring(long nanoTime) {
    while (true) {
      State old = state.get();
      long from = Math.max(old.lastNanos, nanoTime);
      if (!old.monitoring || state.compareAndSet(old, new State(old.history, from, true, true))) {
        return;
      }
    }
  }

  /** Whether any heartbeat was received: before the first, phi is 0 and the peer counts as available. */
  public boolean isMonitoring() {
    return state.get().monitoring;
  }

  /** Phi now. */
  public double phi() {
    return phi(clock.nanoTime());
  }

  /** Phi at {@code nanoTime}. */
  public double phi(long nanoTime) {
    return phi(state.get(), nanoTime);
  }

  /** Whether phi is below the threshold now. */
  public boolean isAvailable() {
    return isAvailable(clock.nanoTime());
  }

  /** Whether phi is below the threshold at {@code nanoTime}. */
  public boolean isAvailable(long nanoTime) {
    return phi(nanoTime) < config.threshold();
  }

  /** The last arrival, as a reading of the clock; meaningful only when {@link #isMonitoring()}. */
  public long lastHeartbeatNanos() {
    return state.get().lastNanos;
  }

  /** How many intervals the history holds (including the two seeded from the first-heartbeat estimate). */
  public int sampleCount() {
    return state.get().history.size;
  }

  private double phi(State s, long nanoTime) {
    if (!s.monitoring) {
      return 0.0;
    }
    double timeDiff = nanoTime - s.lastNanos;
    double mean = s.history.mean() + acceptablePauseNanos;
    double stdDeviation = Math.max(s.history.stdDeviation(), minStdDeviationNanos);
    return phi(timeDiff, mean, stdDeviation);
  }

  /** The phi of a gap {@code timeDiff} for a normal distribution of the given mean and standard deviation. */
  static double phi(double timeDiff, double mean, double stdDeviation) {
    double y = (timeDiff - mean) / stdDeviation;
    double e = Math.exp(-y * (1.5976 + 0.070566 * y * y));
    if (timeDiff > mean) {
      return -Math.log10(e / (1.0 + e));
    }
    return -Math.log10(1.0 - 1.0 / (1.0 + e));
  }

  /**
   * One immutable snapshot: the intervals, the last arrival, whether any heartbeat came, and whether monitoring was
   * restarted since the last heartbeat (then {@code lastNanos} is the restart, not an arrival, and the next heartbeat
   * records no interval).
   */
  private static final class State {
    final History history;
    final long lastNanos;
    final boolean monitoring;
    final boolean restarted;

    State(History history, long lastNanos, boolean monitoring, boolean restarted) {
      this.history = history;
      this.lastNanos = lastNanos;
      this.monitoring = monitoring;
      this.restarted = restarted;
    }
  }

  /**
   * An immutable window of the last {@code capacity} intervals with their running sum and sum of squares. Appending
   * copies the ring and sums it again (O(capacity), a few microseconds at 1000 samples; heartbeats come about once a
   * second).
   */
  private static final class History {
    final long[] ring;
    final int start;
    final int size;
    final double sum;
    final double squaredSum;

    private History(long[] ring, int start, int size, double sum, double squaredSum) {
      this.ring = ring;
      this.start = start;
      this.size = size;
      this.sum = sum;
      this.squaredSum = squaredSum;
    }

    static History empty(int capacity) {
      return new History(new long[capacity], 0, 0, 0.0, 0.0);
    }

    History append(long interval) {
      long[] copy = ring.clone();
      int newStart = start;
      int newSize = size;
      if (size < ring.length) {
        copy[(start + size) % ring.length] = interval;
        newSize++;
      } else {
        copy[start] = interval;
        newStart = (start + 1) % ring.length;
      }
      // Summed afresh from the window (we copy it anyway) so that rounding cannot drift over months of heartbeats.
      double newSum = 0.0;
      double newSquaredSum = 0.0;
      for (int i = 0; i < newSize; i++) {
        double d = copy[(newStart + i) % copy.length];
        newSum += d;
        newSquaredSum += d * d;
      }
      return new History(copy, newStart, newSize, newSum, newSquaredSum);
    }

    double mean() {
      return sum / size;
    }

    double stdDeviation() {
      double mean = mean();
      double variance = squaredSum / size - mean * mean;
      return variance > 0 ? Math.sqrt(variance) : 0.0;
    }
  }
}
