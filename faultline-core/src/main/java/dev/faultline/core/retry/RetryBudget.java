package dev.faultline.core.retry;

import dev.faultline.core.Clock;
import dev.faultline.core.ConfigurationException;
import dev.faultline.core.internal.Validate;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * A limit on retries relative to calls: over a sliding time window, retries may be at most {@code ratio} times the
 * calls made, plus a reserve of {@code minRetriesPerSecond} per second of window that is always allowed (the shape of
 * Finagle's {@code RetryBudget} and of gRPC retry throttling). It keeps retries from multiplying the load on a
 * downstream that is already failing.
 *
 * <p>Within the window, the number of retries granted never exceeds
 * <pre>
 *   floor(ratio * calls + minRetriesPerSecond * window in seconds)
 * </pre>
 * where {@code calls} counts {@link #recordCall() recorded calls} (executions, not attempts: a retry is not a call).
 * The reserve is spread over the whole window, not per second: a burst may spend the window's whole reserve at once,
 * as in Finagle.
 *
 * <p>The window is a ring of {@code buckets} buckets of {@code window / buckets} each, on the injected {@link Clock};
 * a bucket is reset lazily when time comes back round to it, so a budget needs no timer thread. One budget may be
 * shared by several {@link Retry} instances (for example every retry that calls the same downstream).
 *
 * <p>Thread-safe and lock-free; {@link #recordCall()} never waits and allocates nothing.
 */
public final class RetryBudget {
  /*
   * Concurrency design.
   *
   * An "epoch" is the number of whole buckets since construction: floor((now - baseNanos) / bucketNanos). Epoch e
   * lives in slot e % buckets, so the window at epoch E is the slots holding epochs E-buckets+1 .. E.
   *
   * epochs[slot] (AtomicLongArray) says whose calls calls[slot] counts: an epoch >= 0, EMPTY, or claimed(e) = -2 - e
   * while one thread resets the slot for epoch e. A thread that finds a stale epoch CASes it to claimed(e) (only one
   * wins), zeroes calls[slot], then publishes e with a volatile write; anyone who reads e afterwards increments the
   * zeroed counter. A thread that finds the slot claimed, or holding a newer epoch (its own clock reading is stale),
   * does not count its call: calls are only ever under-counted, which can only grant fewer retries.
   *
   * retries[slot] (AtomicLongArray) is self-describing, so it needs no reset protocol: the high 24 bits are the
   * epoch's low 24 bits (its tag) and the low 40 bits count the retries granted in that epoch. Every change is a CAS
   * that either increments a cell with the current tag or replaces an older tag with (tag, 1). A cell belongs to the
   * window if its tag is one of the window's epochs; a tag that aliases an older epoch (2^24 buckets earlier) is
   * counted too, which again can only grant fewer retries.
   *
   * tryAcquireRetry increments first and checks after: it counts its own retry, sums the window and, if that exceeds
   * the allowance, takes its retry back with a CAS that only decrements a cell still carrying its tag. Of all retries
   * granted, the last one to increment saw every earlier granted retry in its sum, so grants never exceed the bound;
   * concurrent over-counting can only cause a spurious refusal.
   *
   * rejections (LongAdder) is a statistic.
   */
  private static final long EMPTY = -1L;
  private static final int TAG_SHIFT = 40;
  private static final long COUNT_MASK = (1L << TAG_SHIFT) - 1;
  private static final long TAG_MASK = (1L << (64 - TAG_SHIFT)) - 1;

  private final Clock clock;
  private final double ratio;
  private final double minRetriesPerSecond;
  private final Duration window;
  private final int buckets;
  private final long bucketNanos;
  private final double reserve;
  private final long baseNanos;
  private final AtomicLongArray epochs;
  private final AtomicLongArray calls;
  private final AtomicLongArray retries;
  private final LongAdder rejections = new LongAdder();

  private RetryBudget(Builder builder) {
    this.clock = builder.clock;
    this.ratio = builder.ratio;
    this.minRetriesPerSecond = builder.minRetriesPerSecond;
    this.window = builder.window;
    this.buckets = builder.buckets;
    this.bucketNanos = window.toNanos() / buckets;
    this.reserve = minRetriesPerSecond * (window.toNanos() / 1e9);
    this.epochs = new AtomicLongArray(buckets);
    this.calls = new AtomicLongArray(buckets);
    this.retries = new AtomicLongArray(buckets);
    for (int slot = 0; slot < buckets; slot++) {
      epochs.set(slot, EMPTY);
    }
    this.baseNanos = clock.nanoTime();
    epochs.set(0, 0L);
  }

  /** Starts a builder with the defaults: ratio 0.2, 10 retries per second, a 10 s window in 10 buckets. */
  public static Builder builder() {
    return new Builder();
  }

  /** The fraction of calls that may be retried. */
  public double ratio() {
    return ratio;
  }

  /** The retries per second of window that are always allowed. */
  public double minRetriesPerSecond() {
    return minRetriesPerSecond;
  }

  /** The length of the sliding window. */
  public Duration window() {
    return window;
  }

  /** The number of buckets the window is divided into. */
  public int buckets() {
    return buckets;
  }

  /** Records a call (an execution, whatever its number of attempts): one atomic add on the current bucket. */
  public void recordCall() {
    long epoch = epoch(clock.nanoTime());
    int slot = (int) (epoch % buckets);
    if (epochs.get(slot) == epoch || claim(slot, epoch)) {
      calls.getAndIncrement(slot);
    }
  }

  /**
   * Takes one retry from the budget if the window allows it.
   *
   * @return whether the retry may go ahead; false means the budget is spent and the caller must not retry
   */
  public boolean tryAcquireRetry() {
    long rereadAt = -1L;
    while (true) {
      long epoch = epoch(clock.nanoTime());
      int slot = (int) (epoch % buckets);
      long tag = epoch & TAG_MASK;
      long cell = retries.get(slot);
      long cellTag = cell >>> TAG_SHIFT;
      long next;
      if (cellTag == tag) {
        next = cell + 1;
      } else if (epoch == rereadAt || (cell & COUNT_MASK) == 0
          || ((tag - cellTag) & TAG_MASK) <= (TAG_MASK >>> 1)) {
        next = (tag << TAG_SHIFT) | 1L;
      } else {
        // The cell looks newer than our clock reading: another thread may have read the clock after us. A fresh
        // reading (the clock is monotonic) is at least theirs; if it gives the same epoch and the cell still looks
        // newer, the cell is an alias from 2^23 or more buckets ago.
        rereadAt = epoch;
        continue;
      }
      if (!retries.compareAndSet(slot, cell, next)) {
        continue;
      }
      if (retriesIn(epoch) <= allowed(callsIn(epoch))) {
        return true;
      }
      release(slot, tag);
      rejections.increment();
      return false;
    }
  }

  /** What the window holds now: an immutable snapshot, each figure read separately. */
  public Metrics metrics() {
    long epoch = epoch(clock.nanoTime());
    long windowCalls = callsIn(epoch);
    return new Metrics(windowCalls, retriesIn(epoch), allowed(windowCalls), rejections.sum());
  }

  /**
   * A snapshot of a {@link RetryBudget}.
   *
   * @param calls calls recorded in the window
   * @param retries retries granted in the window
   * @param allowed the most retries the window allows with these calls
   * @param rejections retries refused since the budget was built
   */
  public record Metrics(long calls, long retries, long allowed, long rejections) {}

  private long epoch(long nowNanos) {
    return Math.max(0L, nowNanos - baseNanos) / bucketNanos;
  }

  private long allowed(long windowCalls) {
    return (long) Math.floor(ratio * windowCalls + reserve);
  }

  /** Resets {@code slot} for {@code epoch}; returns false if the call should go uncounted (see the design above). */
  private boolean claim(int slot, long epoch) {
    while (true) {
      long seen = epochs.get(slot);
      if (seen == epoch) {
        return true;
      }
      if (seen < EMPTY || seen > epoch) {
        return false;
      }
      if (epochs.compareAndSet(slot, seen, -2L - epoch)) {
        calls.set(slot, 0L);
        epochs.set(slot, epoch);
        return true;
      }
    }
  }

  private long callsIn(long epoch) {
    long oldest = epoch - buckets;
    long sum = 0;
    for (int slot = 0; slot < buckets; slot++) {
      long seen = epochs.get(slot);
      if (seen > oldest && seen <= epoch) {
        sum += calls.get(slot);
      }
    }
    return sum;
  }

  private long retriesIn(long epoch) {
    long tag = epoch & TAG_MASK;
    long sum = 0;
    for (int slot = 0; slot < buckets; slot++) {
      long cell = retries.get(slot);
      if (((tag - (cell >>> TAG_SHIFT)) & TAG_MASK) < buckets) {
        sum += cell & COUNT_MASK;
      }
    }
    return sum;
  }

  /** Takes back a retry counted under {@code tag}, unless its cell has moved on to a later epoch. */
  private void release(int slot, long tag) {
    while (true) {
      long cell = retries.get(slot);
      if ((cell >>> TAG_SHIFT) != tag || (cell & COUNT_MASK) == 0) {
        return;
      }
      if (retries.compareAndSet(slot, cell, cell - 1)) {
        return;
      }
    }
  }

  /** Builds a {@link RetryBudget}. Not thread-safe. */
  public static final class Builder {
    private double ratio = 0.2;
    private double minRetriesPerSecond = 10;
    private Duration window = Duration.ofSeconds(10);
    private int buckets = 10;
    private Clock clock = Clock.system();

    private Builder() {}

    /** The fraction of calls that may be retried, between 0 and 1 (default 0.2). */
    public Builder ratio(double ratio) {
      this.ratio = ratio;
      return this;
    }

    /** The retries per second of window always allowed, whatever the calls (default 10; 0 for none). */
    public Builder minRetriesPerSecond(double minRetriesPerSecond) {
      this.minRetriesPerSecond = minRetriesPerSecond;
      return this;
    }

    /** The length of the sliding window (default 10 s). */
    public Builder window(Duration window) {
      this.window = window;
      return this;
    }

    /** The number of buckets the window slides by (default 10), from 1 to 1000. */
    public Builder buckets(int buckets) {
      this.buckets = buckets;
      return this;
    }

    /** The clock that places calls and retries in buckets (default {@link Clock#system()}). */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /**
     * Builds the budget.
     *
     * @throws ConfigurationException naming the field, rule and value if the configuration is invalid
     */
    public RetryBudget build() {
      Validate.fraction("ratio", ratio);
      Validate.between("minRetriesPerSecond", minRetriesPerSecond, 0.0, 1_000_000.0);
      Validate.positive("window", window);
      try {
        window.toNanos();
      } catch (ArithmeticException tooLong) {
        // Buckets are counted in nanoseconds.
        throw new ConfigurationException("window", "be at most " + Duration.ofNanos(Long.MAX_VALUE), window);
      }
      Validate.atLeast("buckets", buckets, 1);
      if (buckets > 1000) {
        throw new ConfigurationException("buckets", "be at most 1000", buckets);
      }
      if (window.toNanos() % buckets != 0) {
        throw new ConfigurationException("buckets", "divide window (" + window + ") into whole nanoseconds", buckets);
      }
      if (window.toNanos() / buckets < 1_000_000L) {
        throw new ConfigurationException("window", "be at least 1 ms per bucket (" + buckets + " buckets)", window);
      }
      Validate.notNull("clock", clock);
      return new RetryBudget(this);
    }
  }

  @Override
  public String toString() {
    return "RetryBudget[ratio=" + ratio + ", minRetriesPerSecond=" + minRetriesPerSecond + ", window=" + window
        + ", buckets=" + buckets + "]";
  }
}
