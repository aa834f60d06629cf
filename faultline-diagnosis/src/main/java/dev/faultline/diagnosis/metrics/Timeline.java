package dev.faultline.diagnosis.metrics;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The history of one component in epoch milliseconds: observed periods, down intervals and data losses. Not
 * thread-safe: {@link ReliabilityMetrics} guards every timeline with its own lock.
 */
final class Timeline {
  static final long OPEN = Long.MAX_VALUE;
  static final long UNKNOWN = Long.MIN_VALUE;

  /** A period of observation, {@code end == OPEN} while it lasts. */
  static final class Period {
    long start;
    long end = OPEN;

    Period(long start) {
      this.start = start;
    }
  }

  /** A down interval; {@code onset} is the first symptom ({@code UNKNOWN} if none), {@code start} its detection. */
  static final class Down {
    final long start;
    final long onset;
    long end = OPEN;
    boolean recovered;

    Down(long start, long onset) {
      this.start = start;
      this.onset = onset;
    }
  }

  /** Records lost at {@code time}; {@code span} is the lost span of time in milliseconds, or -1 if unknown. */
  record Loss(long time, long records, long span) {}

  final List<Period> periods = new ArrayList<>();
  final List<Down> downs = new ArrayList<>();
  final List<Loss> losses = new ArrayList<>();

  boolean observing() {
    return !periods.isEmpty() && periods.get(periods.size() - 1).end == OPEN;
  }

  boolean isDown() {
    return !downs.isEmpty() && downs.get(downs.size() - 1).end == OPEN;
  }

  Down lastDown() {
    return downs.isEmpty() ? null : downs.get(downs.size() - 1);
  }

  /**
   * Time of the latest event that ended a period or an interval, or resumed observation after a stop, so that a late
   * retroactive interval cannot overlap it (nor the unobserved gap between a stop and the next start).
   */
  long lastBoundary() {
    long boundary = UNKNOWN;
    for (int i = 0; i < periods.size(); i++) {
      Period p = periods.get(i);
      if (p.end != OPEN) {
        boundary = Math.max(boundary, p.end);
      }
      if (i > 0) {
        boundary = Math.max(boundary, p.start);
      }
    }
    Down down = lastDown();
    if (down != null) {
      boundary = Math.max(boundary, down.end == OPEN ? down.start : down.end);
    }
    return boundary;
  }

  void observe(long time) {
    if (!observing()) {
      periods.add(new Period(time));
    }
  }

  void stopObserving(long time) {
    if (observing()) {
      periods.get(periods.size() - 1).end = Math.max(time, periods.get(periods.size() - 1).start);
    }
  }

  void goDown(long time, long onset) {
    observe(time);
    if (!isDown()) {
      downs.add(new Down(time, onset == UNKNOWN || onset > time ? UNKNOWN : onset));
    }
  }

  void goUp(long time, boolean recovered) {
    if (isDown()) {
      Down down = lastDown();
      down.end = Math.max(time, down.start);
      down.recovered = recovered;
    }
  }

  /** Drops what ended before {@code horizon}. */
  void prune(long horizon) {
    periods.removeIf(p -> p.end != OPEN && p.end < horizon);
    downs.removeIf(d -> d.end != OPEN && d.end < horizon);
    losses.removeIf(l -> l.time < horizon);
  }

  /** The union of several timelines: observed when any is observed, down when any is down. */
  static Timeline union(List<Timeline> parts) {
    Timeline union = new Timeline();
    List<long[]> periods = new ArrayList<>();
    List<Down> downs = new ArrayList<>();
    for (Timeline part : parts) {
      for (Period p : part.periods) {
        periods.add(new long[] {p.start, p.end});
      }
      downs.addAll(part.downs);
      union.losses.addAll(part.losses);
    }
    periods.sort(Comparator.comparingLong((long[] p) -> p[0]));
    for (long[] p : periods) {
      Period last = union.periods.isEmpty() ? null : union.periods.get(union.periods.size() - 1);
      if (last != null && p[0] <= last.end) {
        last.end = Math.max(last.end, p[1]);
      } else {
        Period merged = new Period(p[0]);
        merged.end = p[1];
        union.periods.add(merged);
      }
    }
    downs.sort(Comparator.comparingLong((Down d) -> d.start).thenComparingLong(d -> d.end));
    for (Down d : downs) {
      Down last = union.lastDown();
      if (last != null && d.start <= last.end) {
        if (d.end > last.end || d.end == OPEN) {
          last.end = d.end;
          last.recovered = d.recovered;
        }
      } else {
        Down merged = new Down(d.start, d.onset);
        merged.end = d.end;
        merged.recovered = d.recovered;
        union.downs.add(merged);
      }
    }
    union.losses.sort(Comparator.comparingLong(Loss::time));
    return union;
  }

  private static long overlap(long start, long end, long from, long to) {
    long s = Math.max(start, from);
    long e = Math.min(end, to);
    return Math.max(0, e - s);
  }

  /**
   * The metrics over {@code [from, to)}: a failure, recovery or loss at {@code to} belongs to the next window, so that
   * windows laid end to end count each event once; {@code down} is the state at the instant {@code to}.
   */
  ComponentMetrics metrics(String name, long from, long to) {
    long observed = 0;
    for (Period p : periods) {
      observed += overlap(p.start, p.end, from, to);
    }
    long downtime = 0;
    int failures = 0;
    int recoveries = 0;
    long repairTotal = 0;
    int detected = 0;
    long detectTotal = 0;
    for (Down d : downs) {
      downtime += overlap(d.start, d.end, from, to);
      if (d.start >= from && d.start < to) {
        failures++;
        if (d.onset != UNKNOWN) {
          detected++;
          detectTotal += d.start - d.onset;
        }
      }
      if (d.recovered && d.end != OPEN && d.end >= from && d.end < to) {
        recoveries++;
        repairTotal += d.end - d.start;
      }
    }
    downtime = Math.min(downtime, observed);
    long uptime = observed - downtime;
    long lost = 0;
    long rpo = -1;
    for (Loss loss : losses) {
      if (loss.time >= from && loss.time < to) {
        lost += loss.records;
        rpo = Math.max(rpo, loss.span);
      }
    }
    double perHour = observed == 0 ? 0.0 : failures / (observed / 3_600_000.0);
    return new ComponentMetrics(
        name,
        Instant.ofEpochMilli(from),
        Instant.ofEpochMilli(to),
        Duration.ofMillis(observed),
        Duration.ofMillis(downtime),
        failures,
        recoveries,
        perHour,
        failures == 0 ? Optional.empty() : Optional.of(Duration.ofMillis(uptime / failures)),
        recoveries == 0 ? Optional.empty() : Optional.of(Duration.ofMillis(repairTotal / recoveries)),
        detected == 0 ? Optional.empty() : Optional.of(Duration.ofMillis(detectTotal / detected)),
        observed == 0 ? OptionalDouble.empty() : OptionalDouble.of(uptime / (double) observed),
        lost,
        rpo < 0 ? Optional.empty() : Optional.of(Duration.ofMillis(rpo)),
        isDown() && lastDown().start <= to);
  }
}
