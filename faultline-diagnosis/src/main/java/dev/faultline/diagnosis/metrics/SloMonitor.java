package dev.faultline.diagnosis.metrics;

import dev.faultline.core.internal.Validate;
import dev.faultline.core.Clock;
import dev.faultline.core.ConfigurationException;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A service level objective measured from counts of good and bad events, with its error budget and multi-window
 * burn-rate alerts; thread-safe.
 *
 * <p>Counts are kept in buckets of fixed length on the injected {@link Clock}'s monotonic time, in a ring covering the
 * SLO's period. A window of {@code n} buckets is the last {@code n} buckets, the current (partial) one included: at
 * time {@code t}, with buckets of length {@code b}, it covers events at times from {@code (floor(t/b) - n + 1) * b} to
 * {@code t}. Windows and the period must be whole multiples of the bucket length.
 *
 * <p>The burn rate of a window is the fraction of its events that were bad divided by the fraction the objective
 * allows, {@code 1 - target}; a window without events burns at zero.
 */
public final class SloMonitor {
  /*
   * Concurrency: `good`, `bad` and `current` are guarded by `lock` (private, so that no caller can hold it); every
   * method that reads or writes them holds it, briefly and without calling out. The configuration fields are final and
   * immutable.
   */
  private final Clock clock;
  private final double target;
  /** {@code 1 - target} in decimal, as written: 0.001 for 0.999 (subtracting doubles gives 0.0010000000000000009). */
  private final BigDecimal allowedExact;
  private final double allowed;
  private final Duration period;
  private final long bucketNanos;
  private final List<BurnRateAlert> alerts;
  private final Object lock = new Object();
  private final long[] good;
  private final long[] bad;
  private long current;

  private SloMonitor(Builder b) {
    this.clock = b.clock;
    this.target = b.target;
    this.allowedExact = BigDecimal.ONE.subtract(BigDecimal.valueOf(target));
    this.allowed = allowedExact.doubleValue();
    this.period = b.period;
    this.bucketNanos = b.bucket.toNanos();
    this.alerts = List.copyOf(b.alerts);
    int buckets = (int) (period.toNanos() / bucketNanos);
    this.good = new long[buckets];
    this.bad = new long[buckets];
    synchronized (lock) {
      this.current = Math.floorDiv(clock.nanoTime(), bucketNanos);
    }
  }

  /**
   * A builder on {@code clock}: target 0.999 over 30 days, buckets of one minute, the
   * {@linkplain BurnRateAlert#workbookDefaults() workbook alerts}; not thread-safe.
   */
  public static Builder builder(Clock clock) {
    return new Builder(clock);
  }

  /** Counts one good event now. */
  public void recordGood() {
    record(1, 0);
  }

  /** Counts one bad event now. */
  public void recordBad() {
    record(0, 1);
  }

  /**
   * Counts {@code goodEvents} good and {@code badEvents} bad events now.
   *
   * @throws IllegalArgumentException if a count is negative
   */
  public void record(long goodEvents, long badEvents) {
    if (goodEvents < 0 || badEvents < 0) {
      throw new IllegalArgumentException("event counts must be at least 0, but were good=" + goodEvents + " bad="
          + badEvents);
    }
    synchronized (lock) {
      int slot = advance();
      good[slot] += goodEvents;
      bad[slot] += badEvents;
    }
  }

  /** The objective's target fraction of good events. */
  public double target() {
    return target;
  }

  /** The alerts evaluated by {@link #alerts()}. */
  public List<BurnRateAlert> alertRules() {
    return alerts;
  }

  /** The error budget over the period ending now. */
  public ErrorBudget budget() {
    long[] counts;
    synchronized (lock) {
      advance();
      counts = sum(good.length);
    }
    double allowedBad = allowed * (counts[0] + counts[1]);
    double consumed = counts[1] == 0 ? 0.0 : counts[1] / allowedBad;
    return new ErrorBudget(target, period, counts[0], counts[1], allowedBad, consumed);
  }

  /**
   * The burn rate over the {@code window} ending now.
   *
   * @throws ConfigurationException if the window is not a positive multiple of the bucket length within the period
   */
  public double burnRate(Duration window) {
    int buckets = buckets("window", window);
    synchronized (lock) {
      advance();
      return burn(sum(buckets));
    }
  }

  /** The state of every alert now, in the order they were configured. */
  public List<AlertStatus> alerts() {
    List<AlertStatus> result = new ArrayList<>(alerts.size());
    synchronized (lock) {
      advance();
      for (BurnRateAlert alert : alerts) {
        long[] longCounts = sum(buckets("longWindow", alert.longWindow()));
        long[] shortCounts = sum(buckets("shortWindow", alert.shortWindow()));
        result.add(new AlertStatus(alert, burn(longCounts), burn(shortCounts),
            reaches(longCounts, alert.burnRate()) && reaches(shortCounts, alert.burnRate())));
      }
    }
    return List.copyOf(result);
  }

  /** The alerts firing now. */
  public List<AlertStatus> firing() {
    List<AlertStatus> result = new ArrayList<>();
    for (AlertStatus status : alerts()) {
      if (status.firing()) {
        result.add(status);
      }
    }
    return List.copyOf(result);
  }

  private double burn(long[] counts) {
    long total = counts[0] + counts[1];
    return total == 0 ? 0.0 : counts[1] / (total * allowed);
  }

  /**
   * Whether {@code counts} burn at least {@code rate}, that is {@code bad >= rate * (1 - target) * total}, decided in
   * exact decimal arithmetic: in doubles a burn of exactly 14.4 comes out as 14.399999999999986 and would not fire.
   */
  private boolean reaches(long[] counts, double rate) {
    long total = counts[0] + counts[1];
    return total > 0 && BigDecimal.valueOf(counts[1])
        .compareTo(BigDecimal.valueOf(rate).multiply(allowedExact).multiply(BigDecimal.valueOf(total))) >= 0;
  }

  private int buckets(String field, Duration window) {
    return bucketsOf(field, window, bucketNanos, good.length);
  }

  private static int bucketsOf(String field, Duration window, long bucketNanos, int max) {
    Validate.positive(field, window);
    long nanos = window.toNanos();
    if (nanos % bucketNanos != 0) {
      throw new ConfigurationException(field, "be a multiple of the bucket length (" + Duration.ofNanos(bucketNanos)
          + ")", window);
    }
    long n = nanos / bucketNanos;
    if (n > max) {
      throw new ConfigurationException(field, "be at most the period (" + Duration.ofNanos(bucketNanos * max) + ")",
          window);
    }
    return (int) n;
  }

  /** Sums the last {@code n} buckets: {good, bad}. Caller holds the lock. */
  private long[] sum(int n) {
    long g = 0;
    long b = 0;
    for (int i = 0; i < n; i++) {
      int slot = (int) Math.floorMod(current - i, (long) good.length);
      g += good[slot];
      b += bad[slot];
    }
    return new long[] {g, b};
  }

  /** Moves the ring to the current bucket, clearing those passed over; returns its slot. Caller holds the lock. */
  private int advance() {
    long now = Math.floorDiv(clock.nanoTime(), bucketNanos);
    if (now > current) {
      long clear = Math.min(now - current, good.length);
      for (long i = 1; i <= clear; i++) {
        int slot = (int) Math.floorMod(current + i, (long) good.length);
        good[slot] = 0;
        bad[slot] = 0;
      }
      current = now;
    }
    return (int) Math.floorMod(current, (long) good.length);
  }

  /** Configures a {@link SloMonitor}; not thread-safe. */
  public static final class Builder {
    private static final int MAX_BUCKETS = 1 << 20;

    private final Clock clock;
    private double target = 0.999;
    private Duration period = Duration.ofDays(30);
    private Duration bucket = Duration.ofMinutes(1);
    private List<BurnRateAlert> alerts = BurnRateAlert.workbookDefaults();

    private Builder(Clock clock) {
      this.clock = Validate.notNull("clock", clock);
    }

    /** The fraction of events that must be good, strictly between 0 and 1 (default 0.999). */
    public Builder target(double target) {
      if (!(target > 0 && target < 1)) {
        throw new ConfigurationException("target", "be strictly between 0 and 1", target);
      }
      this.target = target;
      return this;
    }

    /** The rolling period of the objective (default 30 days). */
    public Builder period(Duration period) {
      this.period = Validate.positive("period", period);
      return this;
    }

    /** The length of a bucket (default one minute). */
    public Builder bucket(Duration bucket) {
      this.bucket = Validate.positive("bucket", bucket);
      return this;
    }

    /** The burn-rate alerts to evaluate (default {@link BurnRateAlert#workbookDefaults()}); may be empty. */
    public Builder alerts(List<BurnRateAlert> alerts) {
      Validate.notNull("alerts", alerts);
      for (BurnRateAlert alert : alerts) {
        Validate.notNull("alerts element", alert);
      }
      this.alerts = List.copyOf(alerts);
      return this;
    }

    /**
     * The monitor.
     *
     * @throws ConfigurationException if the period or a window is not a multiple of the bucket, a window is longer
     *     than the period, or the period holds more than 2^20 buckets
     */
    public SloMonitor build() {
      long bucketNanos = bucket.toNanos();
      if (period.toNanos() % bucketNanos != 0) {
        throw new ConfigurationException("period", "be a multiple of the bucket length (" + bucket + ")", period);
      }
      long buckets = period.toNanos() / bucketNanos;
      if (buckets > MAX_BUCKETS) {
        throw new ConfigurationException("period", "hold at most " + MAX_BUCKETS + " buckets of " + bucket, period);
      }
      for (BurnRateAlert alert : alerts) {
        bucketsOf("alert " + alert.name() + " longWindow", alert.longWindow(), bucketNanos, (int) buckets);
        bucketsOf("alert " + alert.name() + " shortWindow", alert.shortWindow(), bucketNanos, (int) buckets);
      }
      return new SloMonitor(this);
    }
  }
}
