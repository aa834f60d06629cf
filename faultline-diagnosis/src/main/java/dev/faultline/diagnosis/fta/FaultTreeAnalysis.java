package dev.faultline.diagnosis.fta;

import dev.faultline.core.ConfigurationException;
import dev.faultline.diagnosis.fta.internal.Engine;
import dev.faultline.diagnosis.fta.internal.Pdag;
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
 */
public final class FaultTreeAnalysis {
  private final FaultTreeModel model;
  private final String top;
  private final double missionTime;
  private final int limitOrder;
  private final double cutOff;
  private final boolean primeImplicants;
  private final Consumer<String> progress;

  private FaultTreeAnalysis(Builder b, String top) {
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
   * not overflow the caller's stack; this call waits for it.
   *
   * @throws MefException when a probability is outside [0, 1] at this mission time or a basic event has none
   */
  public FaultTreeResult run() {
    return onLargeStack(() -> {
      progress.accept("compiling " + top);
      Pdag pdag = Pdag.compile(model, top, missionTime);
      Engine engine = new Engine(pdag, limitOrder, primeImplicants, progress);
      engine.run();
      FaultTreeResult result = new FaultTreeResult(model, top, pdag, engine, limitOrder, cutOff, progress);
      progress.accept("done");
      return result;
    });
  }

  /** Runs {@code work} on a thread with a 1 GiB stack (reserved, committed only as used) and returns its result. */
  static <T> T onLargeStack(Supplier<T> work) {
    Object[] out = new Object[1];
    Throwable[] failure = new Throwable[1];
    Thread t = new Thread(null, () -> {
      try {
        out[0] = work.get();
      } catch (Throwable e) {
        failure[0] = e;
      }
    }, "faultline-fta", 1L << 30);
    t.start();
    boolean interrupted = false;
    while (true) {
      try {
        t.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
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

    /** Checks the settings and returns the analysis. */
    public FaultTreeAnalysis build() {
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
