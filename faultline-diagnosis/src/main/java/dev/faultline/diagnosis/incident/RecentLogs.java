package dev.faultline.diagnosis.incident;

import dev.faultline.core.Clock;
import dev.faultline.core.internal.Validate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The recent log lines of each thread and of each trace, in bounded rings, for incidents to attach; thread-safe. Log
 * capture adapters (the Logback appender, the {@code java.util.logging} handler) feed it with {@link #add}, and it
 * answers {@link Incident.Builder#logContext(LogContextSource)} as a {@link LogContextSource}.
 *
 * <p><b>Bounded memory.</b> Each thread keeps its last {@code linesPerThread} lines and each trace its last
 * {@code linesPerTrace} (a line of a trace is shared with its thread's ring, not copied); a message longer than
 * {@code maxLineLength} characters is cut. At most {@code maxThreads} thread rings and {@code maxTraces} trace rings
 * are held, exceeded by at most one ring per thread creating one at that moment (such a thread waits for the sweep
 * in progress). A ring not written for {@code idleTimeout} is dropped (dead threads, finished traces), and when there
 * are still too many, the least recently written are dropped down to 7/8 of the limit, so that sorting them is paid
 * once per limit/8 new rings. So memory is
 * bounded by {@code (maxThreads * linesPerThread + maxTraces * linesPerTrace)} lines of at most
 * {@code maxLineLength} characters of message.
 *
 * <p><b>Cost on the logging path.</b> {@link #add} reads the clock once, looks its thread and trace up in concurrent
 * maps and stores the line in each ring under that ring's monitor; a thread's ring is written by that thread alone, so
 * its monitor is uncontended. Rings are created, and the sweep that drops idle ones runs, only when a new thread or
 * trace appears; a logging thread waits for a sweep only when rings are over the limit, once per limit/8 new rings.
 *
 * <p><b>Concurrency.</b> {@code threads} and {@code traces} are {@link ConcurrentHashMap}s. Each {@code Ring} guards its
 * array, size and {@code evicted} flag with its own monitor; {@code lastWrite} is volatile so that the sweep reads it
 * without the monitor. {@code sweepLock} lets one thread sweep at a time: a thread that created a ring over the limit
 * waits for it (never while holding a ring's monitor), an idle-time sweep only tries it. The sweep marks a ring evicted
 * under the ring's monitor, empties it, and then removes it from its map only if it is still the ring mapped to its key. A writer
 * that finds its ring evicted removes it the same way and writes into a new one, so no line is lost to a sweep that
 * races with it. Reads copy a ring under its monitor.
 */
public final class RecentLogs implements LogContextSource {
  private final int linesPerThread;
  private final int linesPerTrace;
  private final int maxThreads;
  private final int maxTraces;
  private final int maxLineLength;
  private final long idleNanos;
  private final Clock clock;
  private final ConcurrentHashMap<Long, Ring> threads = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Ring> traces = new ConcurrentHashMap<>();
  private final ReentrantLock sweepLock = new ReentrantLock();
  private volatile long lastSweep;

  private RecentLogs(Builder b) {
    this.linesPerThread = b.linesPerThread;
    this.linesPerTrace = b.linesPerTrace;
    this.maxThreads = b.maxThreads;
    this.maxTraces = b.maxTraces;
    this.maxLineLength = b.maxLineLength;
    this.idleNanos = nanos(b.idleTimeout);
    this.clock = b.clock;
    this.lastSweep = clock.nanoTime();
  }

  private static long nanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException tooLong) {
      return Long.MAX_VALUE;
    }
  }

  /** A builder with the defaults listed on its setters; not thread-safe. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Keeps a line in the ring of its thread and, when {@code traceId} is not null, in the ring of its trace.
   *
   * @param threadId the id of the thread that logged it
   * @param traceId the trace id of the logging context, or null
   * @param line the line
   */
  public void add(long threadId, String traceId, LogLine line) {
    Objects.requireNonNull(line, "line");
    LogLine kept = line.message().length() > maxLineLength ? cut(line) : line;
    long now = clock.nanoTime();
    if (linesPerThread > 0) {
      put(threads, threadId, kept, now, linesPerThread);
    }
    if (traceId != null && linesPerTrace > 0) {
      put(traces, traceId, kept, now, linesPerTrace);
    }
  }

  private LogLine cut(LogLine line) {
    String m = line.message();
    // Never keep half a surrogate pair: it is not text, and no UTF-8 encoder can write it.
    int keep = Character.isHighSurrogate(m.charAt(maxLineLength - 1))
        && Character.isLowSurrogate(m.charAt(maxLineLength)) ? maxLineLength - 1 : maxLineLength;
    return new LogLine(line.epochMillis(), line.level(), line.logger(), line.threadName(),
        m.substring(0, keep) + "... [" + (m.length() - keep) + " more characters]");
  }

  private <K> void put(ConcurrentHashMap<K, Ring> map, K key, LogLine line, long now, int capacity) {
    while (true) {
      Ring ring = map.get(key);
      if (ring == null) {
        Ring fresh = new Ring(capacity, now);
        ring = map.putIfAbsent(key, fresh);
        if (ring == null) {
          ring = fresh;
          created(now);
        }
      }
      if (ring.add(line, now)) {
        return;
      }
      map.remove(key, ring);
    }
  }

  private void created(long now) {
    boolean over = threads.size() > maxThreads || traces.size() > maxTraces;
    if (over) {
      // Wait for a sweep in progress rather than add to the excess: each thread exceeds the limit by one ring at most.
      sweepLock.lock();
    } else if (now - lastSweep < idleNanos || !sweepLock.tryLock()) {
      return;
    }
    try {
      lastSweep = now;
      sweep(threads, maxThreads, now);
      sweep(traces, maxTraces, now);
    } finally {
      sweepLock.unlock();
    }
  }

  /** Drops every ring not written for the idle timeout; adding lines does this by itself as new rings appear. */
  public void evictIdle() {
    long now = clock.nanoTime();
    sweepLock.lock();
    try {
      lastSweep = now;
      sweep(threads, maxThreads, now);
      sweep(traces, maxTraces, now);
    } finally {
      sweepLock.unlock();
    }
  }

  private <K> void sweep(ConcurrentHashMap<K, Ring> map, int max, long now) {
    for (Map.Entry<K, Ring> e : map.entrySet()) {
      Ring ring = e.getValue();
      if (now - ring.lastWrite >= idleNanos && ring.evict(now, idleNanos)) {
        map.remove(e.getKey(), ring);
      }
    }
    if (map.size() <= max) {
      return;
    }
    // lastWrite moves while we sort, so sort a copy of it.
    record Candidate<K>(K key, Ring ring, long lastWrite) {}
    List<Candidate<K>> candidates = new ArrayList<>(map.size());
    map.forEach((k, r) -> candidates.add(new Candidate<>(k, r, r.lastWrite)));
    candidates.sort(Comparator.comparingLong(c -> c.lastWrite() - now));
    int target = max - max / 8;
    for (int i = 0; i < candidates.size() && map.size() > target; i++) {
      Candidate<K> c = candidates.get(i);
      if (c.ring().evict(now, -1)) {
        map.remove(c.key(), c.ring());
      }
    }
  }

  /** The lines of a thread, oldest first; empty if none are held. */
  public List<LogLine> threadLines(long threadId) {
    Ring ring = threads.get(threadId);
    return ring == null ? List.of() : ring.snapshot();
  }

  /** The lines of a trace, oldest first; empty if none are held. */
  public List<LogLine> traceLines(String traceId) {
    Objects.requireNonNull(traceId, "traceId");
    Ring ring = traces.get(traceId);
    return ring == null ? List.of() : ring.snapshot();
  }

  @Override
  public List<String> recentLines(String traceId, long threadId) {
    List<LogLine> lines = traceId == null ? List.of() : traceLines(traceId);
    if (lines.isEmpty()) {
      lines = threadLines(threadId);
    }
    List<String> out = new ArrayList<>(lines.size());
    for (LogLine l : lines) {
      out.add(l.render());
    }
    return out;
  }

  /** How many thread rings are held. */
  public int threadCount() {
    return threads.size();
  }

  /** How many trace rings are held. */
  public int traceCount() {
    return traces.size();
  }

  /** The last lines of one thread or trace; guarded by its own monitor except {@code lastWrite}. */
  private static final class Ring {
    private final LogLine[] lines;
    private int next;
    private int size;
    private boolean evicted;
    volatile long lastWrite;

    Ring(int capacity, long now) {
      this.lines = new LogLine[capacity];
      this.lastWrite = now;
    }

    /** Adds a line; false if the ring was evicted and the line must go to a new one. */
    synchronized boolean add(LogLine line, long now) {
      if (evicted) {
        return false;
      }
      lines[next] = line;
      next = next + 1 == lines.length ? 0 : next + 1;
      if (size < lines.length) {
        size++;
      }
      lastWrite = now;
      return true;
    }

    /**
     * Marks the ring evicted and empties it if it is still idle for {@code idleNanos} (always, when negative);
     * true if it was evicted.
     */
    synchronized boolean evict(long now, long idleNanos) {
      if (evicted || (idleNanos >= 0 && now - lastWrite < idleNanos)) {
        return false;
      }
      evicted = true;
      Arrays.fill(lines, null);
      size = 0;
      return true;
    }

    synchronized List<LogLine> snapshot() {
      List<LogLine> out = new ArrayList<>(size);
      int start = size < lines.length ? 0 : next;
      for (int i = 0; i < size; i++) {
        out.add(lines[(start + i) % lines.length]);
      }
      return out;
    }
  }

  /** Sets up a {@link RecentLogs}; not thread-safe. */
  public static final class Builder {
    private int linesPerThread = 32;
    private int linesPerTrace = 32;
    private int maxThreads = 256;
    private int maxTraces = 1024;
    private int maxLineLength = 500;
    private Duration idleTimeout = Duration.ofMinutes(5);
    private Clock clock = Clock.system();

    private Builder() {}

    /** Lines kept per thread; 0 keeps none. Default 32. */
    public Builder linesPerThread(int lines) {
      this.linesPerThread = lines;
      return this;
    }

    /** Lines kept per trace; 0 keeps none. Default 32. */
    public Builder linesPerTrace(int lines) {
      this.linesPerTrace = lines;
      return this;
    }

    /** Most thread rings held. Default 256. */
    public Builder maxThreads(int max) {
      this.maxThreads = max;
      return this;
    }

    /** Most trace rings held. Default 1024. */
    public Builder maxTraces(int max) {
      this.maxTraces = max;
      return this;
    }

    /** Characters of a message kept; the rest is cut and counted. Default 500. */
    public Builder maxLineLength(int length) {
      this.maxLineLength = length;
      return this;
    }

    /** How long a thread or trace may log nothing before its ring is dropped. Default 5 minutes. */
    public Builder idleTimeout(Duration idleTimeout) {
      this.idleTimeout = idleTimeout;
      return this;
    }

    /** The clock that times idleness; default the system clock. */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /**
     * The store.
     *
     * @throws dev.faultline.core.ConfigurationException naming the field, rule and value of a bad setting
     */
    public RecentLogs build() {
      Validate.between("linesPerThread", linesPerThread, 0, 1 << 16);
      Validate.between("linesPerTrace", linesPerTrace, 0, 1 << 16);
      Validate.between("maxThreads", maxThreads, 1, 1 << 20);
      Validate.between("maxTraces", maxTraces, 1, 1 << 20);
      Validate.between("maxLineLength", maxLineLength, 16, 1 << 20);
      Validate.positive("idleTimeout", idleTimeout);
      Validate.notNull("clock", clock);
      return new RecentLogs(this);
    }
  }
}
