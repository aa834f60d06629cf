package dev.faultline.diagnosis.fta.internal;

import dev.faultline.core.Clock;

/**
 * The cooperative stop of one analysis: a deadline on an injected {@link Clock} and a request to stop (the caller was
 * interrupted). The analysis calls {@link #tick()} at its regular points (every node request of the BDD and ZBDD unique
 * tables, every formula compiled, every cut set enumerated); one in {@value #INTERVAL} ticks polls the deadline and
 * the stop request, and throws {@link Stopped} when either says so. A tick costs a decrement and a branch; a poll, one
 * volatile read, the thread's interrupt flag and one clock reading. {@link #check()} polls at once, between stages.
 *
 * <h2>Concurrency design</h2>
 * One analysis thread calls {@code tick} and {@code check}; {@code countdown} is confined to it. Any thread may call
 * {@link #stop()}: {@code stopRequested} is volatile, so the analysis sees it at its next poll.
 */
public final class Cancellation {
  /** Ticks between two polls: enough to make a poll's cost negligible, few enough to stop within microseconds. */
  public static final int INTERVAL = 4096;

  /** Why an analysis stopped. */
  public enum Reason {
    /** The deadline passed. */
    TIMED_OUT,
    /** {@link #stop()} was called, or the analysis thread was interrupted. */
    INTERRUPTED
  }

  /**
   * Thrown by a poll to unwind the analysis; carries no stack trace. Whoever started the analysis turns it into a
   * public exception.
   */
  public static final class Stopped extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final Reason reason;

    Stopped(Reason reason) {
      super(reason.name(), null, false, false);
      this.reason = reason;
    }

    /** Why the analysis stopped. */
    public Reason reason() {
      return reason;
    }
  }

  private final Clock clock;
  private final long start;
  private final long timeout;
  private final boolean bounded;
  private final boolean interruptible;
  private volatile boolean stopRequested;
  private int countdown = INTERVAL;
  private long polls;

  private Cancellation(Clock clock, long start, long timeout, boolean bounded, boolean interruptible) {
    this.clock = clock;
    this.start = start;
    this.timeout = timeout;
    this.bounded = bounded;
    this.interruptible = interruptible;
  }

  /** A cancellation that never stops the analysis (for the diagrams used alone). */
  public static Cancellation never() {
    return new Cancellation(null, 0, 0, false, false);
  }

  /**
   * A cancellation that stops the analysis when stopped or its thread interrupted, and once {@code timeoutNanos} have
   * passed on {@code clock} since its reading {@code startNanos} (compared as a difference of readings, so that
   * neither overflows).
   */
  public static Cancellation of(Clock clock, long startNanos, long timeoutNanos) {
    return new Cancellation(clock, startNanos, timeoutNanos, true, true);
  }

  /** A cancellation that stops the analysis only when stopped or its thread interrupted. */
  public static Cancellation unbounded() {
    return new Cancellation(null, 0, 0, false, true);
  }

  /** Counts one unit of work, and polls once every {@value #INTERVAL} of them. */
  public void tick() {
    if (--countdown == 0) {
      countdown = INTERVAL;
      check();
    }
  }

  /**
   * Polls now.
   *
   * @throws Stopped if the analysis was stopped, its thread interrupted or its deadline passed
   */
  public void check() {
    if (!interruptible) {
      return;
    }
    polls++;
    if (stopRequested || Thread.currentThread().isInterrupted()) {
      throw new Stopped(Reason.INTERRUPTED);
    }
    if (bounded && clock.nanoTime() - start >= timeout) {
      throw new Stopped(Reason.TIMED_OUT);
    }
  }

  /** Asks the analysis to stop at its next poll; any thread. */
  public void stop() {
    stopRequested = true;
  }

  /** The number of polls so far (read by the analysis thread, or after it ended). */
  public long polls() {
    return polls;
  }
}
