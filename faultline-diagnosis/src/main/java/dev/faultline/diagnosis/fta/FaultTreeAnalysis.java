package dev.faultline.diagnosis.fta;

import dev.faultline.core.Clock;
import dev.faultline.core.ConfigurationException;
import dev.faultline.core.internal.Durations;
import dev.faultline.diagnosis.fta.internal.Cancellation;
import dev.faultline.diagnosis.fta.internal.Engine;
import dev.faultline.diagnosis.fta.internal.Pdag;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A fault-tree analysis of one top gate: exact probability (BDD), minimal cut sets (ZBDD, counted without listing
 * them), rare-event and MCUB approximations, importance and live evaluation. Configure with {@link #builder}, then
 * {@link #run()}:
 *
 * <pre>{@code
 * FaultTreeResult r = FaultTreeAnalysis.builder(MefReader.read(path)).missionTime(8760).build().run();
 * r.probability(); r.cutSetCount(); r.orderDistribution(); r.cutSets().limit(10).forEach(...);
 * }</pre>
 *
 * <p>Minimal cut sets of non-coherent trees (with NOT, XOR, ...) are those of the monotone part, negations dropped,
 * as SCRAM and XFTA report them; the probability is exact for the tree as written. On request
 * ({@link Builder#primeImplicants}) the prime implicants are computed instead, with their negative literals. Immutable
 * and thread-safe; each {@link #run()} is independent.
 *
 * <p>The work is exponential in the size of the tree in the worst case. An analysis can be bounded
 * ({@link Builder#timeout}) and cancelled (interrupt the thread that called {@link #run()}); either ends {@code run()}
 * with an {@link AnalysisStoppedException} and returns nothing half-computed. Both are cooperative: the compilation,
 * the BDD and ZBDD node requests and the enumerations count their steps and look at the clock and the stop request
 * once every few thousand steps, so an analysis stops within microseconds of its deadline or interrupt.
 */
public final class FaultTreeAnalysis {
  private final FaultTreeModel model;
  private final String top;
  private final double missionTime;
  private final int limitOrder;
  private final double cutOff;
  private final boolean primeImplicants;
  private final Consumer<String> progress;
  private final Duration timeout;
  private final Clock clock;
  private final Consumer<Thread> onWorker;

  private FaultTreeAnalysis(Builder b, String top) {
    this.timeout = b.timeout;
    this.clock = b.clock;
    this.onWorker = b.onWorker;
    this.model = b.model;
    this.top = top;
    this.missionTime = b.missionTime;
    this.limitOrder = b.limitOrder;
    this.cutOff = b.cutOff;
    this.primeImplicants = b.primeImplicants;
    this.progress = b.progress;
  }

  /** A builder for an analysis of {@code model}; not thread-safe. */
  public static Builder builder(FaultTreeModel model) {
    return new Builder(model);
  }

  /** The top gate analysed. */
  public String top() {
    return top;
  }

  /**
   * Runs the analysis. The recursive parts run on a thread of their own with a large stack, so that deep trees do
   * not overflow the caller's stack; this call waits for it. When the calling thread is interrupted, the analysis
   * thread is asked to stop, and this call waits for it to end (within a few thousand steps of the analysis) before
   * it throws.
   *
   * @throws MefException when a probability is outside [0, 1] at this mission time or a basic event has none
   * @throws AnalysisStoppedException when the timeout passed ({@value AnalysisStoppedException#TIMED_OUT}) or the
   *     calling thread was interrupted ({@value AnalysisStoppedException#INTERRUPTED}; its interrupt flag is set
   *     again); nothing of the analysis is returned
   */
  public FaultTreeResult run() {
    long start = clock.nanoTime();
    Cancellation cancellation = timeout == null ? Cancellation.unbounded()
        : Cancellation.of(clock, start, Durations.toNanosSaturated(timeout));
    FaultTreeResult done;
    try {
      done = onLargeStack(() -> {
        cancellation.check();
        progress.accept("compiling " + top);
        Pdag pdag = Pdag.compile(model, top, missionTime, cancellation);
        Engine engine = new Engine(pdag, limitOrder, primeImplicants, progress, cancellation);
        engine.run();
        FaultTreeResult result = new FaultTreeResult(model, top, pdag, engine, limitOrder, cutOff, progress,
            cancellation);
        // A stop asked for after the last poll still wins: the caller learns of it either way.
        cancellation.check();
        progress.accept("done");
        return result;
      }, cancellation::stop, onWorker);
    } catch (Cancellation.Stopped stopped) {
      Duration elapsed = Duration.ofNanos(Math.max(0, clock.nanoTime() - start));
      throw new AnalysisStoppedException(stopped.reason() == Cancellation.Reason.TIMED_OUT
          ? AnalysisStoppedException.TIMED_OUT : AnalysisStoppedException.INTERRUPTED, top, elapsed, timeout);
    }
    // An interrupt that reached this call after the work's last poll, while it waited for the work thread to end (or
    // as that thread ended, when the wait returns without noticing it), stops it all the same: nothing is returned.
    if (Thread.currentThread().isInterrupted()) {
      Duration elapsed = Duration.ofNanos(Math.max(0, clock.nanoTime() - start));
      throw new AnalysisStoppedException(AnalysisStoppedException.INTERRUPTED, top, elapsed, timeout);
    }
    return done;
  }

  /**
   * Runs {@code work} on a thread with a 1 GiB stack (reserved, committed only as used) and returns its result, or
   * throws what it threw (a checked exception wrapped in an {@link IllegalStateException}). When the caller is
   * interrupted meanwhile, the work thread is interrupted too, the caller waits for it to end, and the caller's
   * interrupt flag is set again. {@link #run()} and the result's evaluations run there already. The streams of
   * {@link FaultTreeResult#cutSets()} and {@link FaultTreeResult#primeImplicants()} need no large stack: they walk
   * chains of nested gates and products of modules, however deep they nest, with stacks of their own on the heap.
   */
  public static <T> T onLargeStack(Supplier<T> work) {
    return onLargeStack(work, () -> { }, t -> { });
  }

  /**
   * Runs {@code work} as {@link #onLargeStack(Supplier)} does; on the caller's interrupt, first runs
   * {@code onInterrupt} (which asks the work to stop), before the work starts when the caller was interrupted already.
   * {@code onWorker} sees the work thread before it starts (a test hook).
   */
  static <T> T onLargeStack(Supplier<T> work, Runnable onInterrupt, Consumer<Thread> onWorker) {
    Object[] out = new Object[1];
    Throwable[] failure = new Throwable[1];
    Thread t = new Thread(null, () -> {
      try {
        out[0] = work.get();
      } catch (Throwable e) {
        failure[0] = e;
      }
    }, "faultline-fta", 1L << 30);
    onWorker.accept(t);
    // An interrupt that came before this call counts as one during it: asked to stop before the work starts, it stops
    // at its first poll. (Waiting on a work thread that already ended would not notice the flag, so a short analysis
    // could otherwise return its result to a caller interrupted all along.)
    boolean interrupted = Thread.interrupted();
    if (interrupted) {
      onInterrupt.run();
    }
    t.start();
    if (interrupted) {
      t.interrupt();
    }
    while (true) {
      try {
        t.join();
        break;
      } catch (InterruptedException e) {
        // Pass the interrupt on, then keep waiting: the work thread's results and memory are ours until it ends.
        if (!interrupted) {
          interrupted = true;
          onInterrupt.run();
          t.interrupt();
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (failure[0] instanceof RuntimeException r) {
      throw r;
    }
    if (failure[0] instanceof Error e) {
      throw e;
    }
    if (failure[0] != null) {
      throw new IllegalStateException(failure[0]);
    }
    @SuppressWarnings("unchecked")
    T result = (T) out[0];
    return result;
  }

  /**
   * Configures a {@link FaultTreeAnalysis}; {@link #build()} checks the settings and picks the top gate. Not
   * thread-safe.
   */
  public static final class Builder {
    private final FaultTreeModel model;
    private String top;
    private double missionTime = FaultTreeModel.DEFAULT_MISSION_TIME;
    private int limitOrder = Integer.MAX_VALUE;
    private double cutOff = 0;
    private boolean primeImplicants;
    private Consumer<String> progress = s -> { };
    private Duration timeout;
    private Clock clock = Clock.system();
    private Consumer<Thread> onWorker = t -> { };

    private Builder(FaultTreeModel model) {
      this.model = Objects.requireNonNull(model, "model");
    }

    /** The gate to analyse; by default the model's only gate that no other gate references. */
    public Builder top(String gate) {
      this.top = gate;
      return this;
    }

    /** The mission time in hours for time-dependent probabilities (default 8760). */
    public Builder missionTime(double hours) {
      this.missionTime = hours;
      return this;
    }

    /** Keeps only minimal cut sets of at most this many events (default: no limit). */
    public Builder limitOrder(int order) {
      this.limitOrder = order;
      return this;
    }

    /** Keeps only minimal cut sets whose probability is at least this (default 0: all). */
    public Builder cutOff(double probability) {
      this.cutOff = probability;
      return this;
    }

    /**
     * Computes the prime implicants instead of the minimal cut sets (default false): the minimal conjunctions of
     * failed and working events that fail the top (Coudert and Madre's BDD decomposition into a ZBDD of literals).
     * For a coherent tree they are the minimal cut sets; for a non-coherent one they also say which events must be
     * working. The order limit counts literals, and the cut-off applies to their probability ({@code 1 - p} for a
     * working event). There can be far more prime implicants than minimal cut sets.
     */
    public Builder primeImplicants(boolean primeImplicants) {
      this.primeImplicants = primeImplicants;
      return this;
    }

    /** Receives one line per analysis stage (compiled, BDD built, ...), for progress reports. */
    public Builder progress(Consumer<String> listener) {
      this.progress = Objects.requireNonNull(listener, "progress");
      return this;
    }

    /**
     * Stops the analysis once it has run this long, ending {@link FaultTreeAnalysis#run()} with an
     * {@link AnalysisStoppedException} ({@value AnalysisStoppedException#TIMED_OUT}); must be positive (default: no
     * timeout). Measured on the {@link #clock}, from the start of {@code run()}.
     */
    public Builder timeout(Duration timeout) {
      this.timeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /** The clock that measures the {@link #timeout} (default {@link Clock#system()}). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** A test hook: sees each analysis thread of {@code run()} before it starts. */
    Builder onWorker(Consumer<Thread> listener) {
      this.onWorker = Objects.requireNonNull(listener, "onWorker");
      return this;
    }

    /** Checks the settings and returns the analysis. */
    public FaultTreeAnalysis build() {
      if (timeout != null && (timeout.isZero() || timeout.isNegative())) {
        throw new ConfigurationException("timeout", "be positive", timeout);
      }
      if (!(missionTime >= 0) || Double.isInfinite(missionTime)) {
        throw new ConfigurationException("missionTime", "be a finite number of hours >= 0", missionTime);
      }
      if (limitOrder < 1) {
        throw new ConfigurationException("limitOrder", "be at least 1", limitOrder);
      }
      if (!(cutOff >= 0 && cutOff <= 1)) {
        throw new ConfigurationException("cutOff", "lie in [0, 1]", cutOff);
      }
      String chosen = top;
      if (chosen == null) {
        List<String> tops = model.topGates();
        if (tops.size() != 1) {
          throw new ConfigurationException("top", "name the gate to analyse when the model has "
              + (tops.isEmpty() ? "no gates" : "several top gates " + tops), "none");
        }
        chosen = tops.get(0);
      } else if (!model.gates().containsKey(chosen)) {
        throw new ConfigurationException("top", "name a gate of the model", "\"" + chosen + "\"");
      }
      return new FaultTreeAnalysis(this, chosen);
    }
  }
}
