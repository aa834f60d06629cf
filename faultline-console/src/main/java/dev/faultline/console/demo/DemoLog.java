package dev.faultline.console.demo;

import dev.faultline.core.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The recent log lines of one demo service, in the format the log-traceback parser reads
 * ({@code 2026-11-27T10:00:01.123Z INFO fulfilment job 42: ...}); an incident carries the lines that led to it.
 *
 * <p>Thread-safe: the bounded buffer is guarded by its own monitor.
 */
public final class DemoLog {
  private final String service;
  private final Clock clock;
  private final int capacity;
  private final Deque<String> lines = new ArrayDeque<>();

  /** A log of {@code service} keeping its last {@code capacity} lines, stamped by {@code clock}'s wall time. */
  public DemoLog(String service, Clock clock, int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1, but was " + capacity);
    }
    this.service = service;
    this.clock = clock;
    this.capacity = capacity;
  }

  /** Logs an informational line. */
  public void info(String message) {
    add("INFO", message);
  }

  /** Logs a warning. */
  public void warn(String message) {
    add("WARN", message);
  }

  /** Logs an error. */
  public void error(String message) {
    add("ERROR", message);
  }

  private void add(String level, String message) {
    String line = Instant.ofEpochMilli(clock.wallMillis()) + " " + level + " " + service + " " + message;
    synchronized (lines) {
      lines.addLast(line);
      while (lines.size() > capacity) {
        lines.removeFirst();
      }
    }
  }

  /** The kept lines, oldest first. */
  public List<String> lines() {
    synchronized (lines) {
      return new ArrayList<>(lines);
    }
  }
}
