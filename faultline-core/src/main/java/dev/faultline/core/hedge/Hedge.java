package dev.faultline.core.hedge;

import dev.faultline.core.Clock;
import dev.faultline.core.ConfigurationException;
import dev.faultline.core.Policy;
import dev.faultline.core.PolicyKind;
import dev.faultline.core.Scheduler;
import dev.faultline.core.event.FaultEventListener;
import dev.faultline.core.internal.Validate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A policy that starts redundant attempts of a slow call — hedges — and keeps the first success.
 *
 * <h2>How an execution runs</h2>
 * The primary attempt (hedge 0) starts at once. If no attempt has succeeded {@linkplain Builder#delay after the hedge
 * delay}, hedge 1 starts; then hedge 2 one delay after hedge 1, and so on up to {@linkplain Builder#maxHedges
 * maxHedges} hedges. A delay of zero starts every hedge at once. The first attempt to succeed wins: the others are
 * cancelled, then its result is returned.
 *
 * <p><b>Failure triggers the next hedge immediately</b> (as in Polly's hedging): a failed attempt does not wait for the
 * timer, the next hedge starts at once if hedges remain. The execution fails only when every started attempt has
 * failed and no more may start; it then throws the failure of the attempt that failed last, with the failures of the
 * others attached as {@linkplain Throwable#getSuppressed() suppressed}, in the order they happened.
 *
 * <p>A failure that {@linkplain Builder#hedgeOnFailure hedgeOnFailure} does not accept ends the execution at once with
 * that failure (earlier failures suppressed), cancelling the other attempts. A fatal error
 * ({@link VirtualMachineError}, {@link LinkageError}) ends it at once too and is never counted or reported as an
 * attempt failure. A result that {@linkplain Builder#hedgeOnResult hedgeOnResult} accepts counts as a failed attempt;
 * if the attempt that "failed" last did so with such a result, that result is returned.
 *
 * <h2>Delay</h2>
 * The delay is fixed, or the {@linkplain Builder#delayPercentile percentile} of recent latencies, measured on the
 * hedge's clock: the time from the start of an execution to its first success (the primary's latency, or a lower bound
 * of it when a hedge won). Until {@linkplain Builder#minSamples minSamples} latencies have been recorded, the fixed
 * delay is used. An execution keeps the delay it started with.
 *
 * <h2>Synchronous and asynchronous calls</h2>
 * Synchronous calls ({@link #call}, {@link #execute}, {@link Replicated#callWith}) run every attempt, the primary
 * included, on the {@linkplain Builder#executor executor}, which is <b>required for synchronous use</b>; the calling
 * thread waits for the outcome. Losers are interrupted with {@link java.util.concurrent.Future#cancel(boolean)
 * Future.cancel(true)}; one that ignores interruption keeps its executor thread until it returns. If the waiting caller
 * is interrupted, every attempt is cancelled and the call throws {@link InterruptedException}. A task the executor
 * rejects counts as a failed attempt.
 *
 * <p>Asynchronous calls ({@link #callAsync}, {@link #executeAsync}, {@link Replicated#callWithAsync}) never block: the
 * primary is started by the calling thread, a hedge by the scheduler's thread when its timer fires, or by the thread
 * that reported the failure that triggered it. Losers whose stages are {@link java.util.concurrent.Future}s (such as
 * {@link java.util.concurrent.CompletableFuture}) are cancelled with {@code cancel(true)}. Cancelling the returned
 * future cancels every attempt and the pending timer.
 *
 * <h2>Which attempt is running</h2>
 * {@link #currentAttempt()} tells the call which hedge it is running as. A hedge built with
 * {@linkplain Builder#build(List) replicas} passes each attempt its replica (the primary gets replica 0, hedge
 * {@code i} replica {@code i mod size}) through {@link Replicated#callWith} and {@link Replicated#callWithAsync}, or
 * tells it through {@link Replicated#currentReplica()}, for example inside a {@link dev.faultline.core.Pipeline}.
 *
 * <h2>Events</h2>
 * {@code HedgeStarted(hedge, after)} before hedge {@code hedge} starts, {@code after} the execution began;
 * {@code AttemptFailed(kind HEDGE)} for each attempt that failed (or returned a result that hedgeOnResult accepts, with
 * a null failure) before the execution was decided, its {@code attempt} being the hedge number (0 for the primary);
 * {@code HedgeWon(winner, elapsed)} when an execution in which at least one hedge started succeeds. An execution whose
 * primary succeeds before any hedge starts publishes nothing.
 *
 * <h2>In a pipeline</h2>
 * Hedge is the innermost link: every attempt runs the call with the execution's shared
 * {@link dev.faultline.core.CallContext}, whose attempt number the hedge leaves alone (it belongs to the retry).
 *
 * <p>Thread-safe; one instance serves any number of concurrent calls.
 */
public interface Hedge extends Policy {

  /** Starts a builder for a hedge named {@code name}. Builders are not thread-safe. */
  static Builder builder(String name) {
    return new Builder(name);
  }

  /**
   * The hedge number of the attempt that the current thread is running, 0 for the primary, or -1 if the thread is not
   * running a hedged attempt. For asynchronous calls it is set only while the supplier that starts the attempt runs.
   */
  static int currentAttempt() {
    return DefaultHedge.currentAttempt();
  }

  /** This hedge's configuration. */
  HedgeConfig config();

  /** A snapshot of this hedge's counters and current delay. */
  Metrics metrics();

  @Override
  default PolicyKind kind() {
    return PolicyKind.HEDGE;
  }

  /**
   * Counters of a hedge since it was built, and the delay an execution starting now would use.
   *
   * @param calls executions started
   * @param primaryWins executions won by the primary attempt
   * @param hedgeWins executions won by a hedge (winner greater than 0)
   * @param failures executions that ended with a failure, or with a result that hedgeOnResult accepts; executions
   *     cancelled by the caller, and fatal errors, are not counted
   * @param hedgesStarted hedges started, over all executions
   * @param delay the hedge delay now: the percentile of recent latencies once enough are recorded, else the fixed delay
   */
  record Metrics(long calls, long primaryWins, long hedgeWins, long failures, long hedgesStarted, Duration delay) {
    /** Executions that succeeded: {@code primaryWins + hedgeWins}. */
    public long successes() {
      return primaryWins + hedgeWins;
    }
  }

  /** A synchronous call that is given the replica its attempt must use. */
  @FunctionalInterface
  interface ReplicaCall<R, T> {
    /** Runs one attempt against {@code replica}. */
    T call(R replica) throws Exception;
  }

  /**
   * A hedge whose attempts go to replicas: the primary to replica 0, hedge {@code i} to replica {@code i mod size}.
   * Thread-safe.
   *
   * @param <R> the type of a replica (a client, an address, a connection pool)
   */
  interface Replicated<R> extends Hedge {

    /** The replicas, in the order attempts use them. */
    List<R> replicas();

    /** Runs {@code call} under this hedge, passing each attempt its replica. Requires an executor. */
    <T> T callWith(ReplicaCall<? super R, ? extends T> call) throws Exception;

    /** Starts {@code call} under this hedge, passing each attempt its replica. */
    <T> CompletionStage<T> callWithAsync(Function<? super R, ? extends CompletionStage<T>> call);

    /**
     * The replica of the attempt that the current thread is running ({@link Hedge#currentAttempt()}).
     *
     * @throws IllegalStateException if the current thread is not running a hedged attempt
     */
    R currentReplica();
  }

  /**
   * Builds a {@link Hedge}. Not thread-safe. Setters check only for null; {@link #build()} checks every rule and names
   * the field, the rule and the value that broke it.
   */
  final class Builder {
    static final int MAX_HEDGES_LIMIT = 32;
    static final int SAMPLE_WINDOW_LIMIT = 65_536;

    final String name;
    Duration delay;
    boolean percentileSet;
    double delayPercentile;
    int minSamples = 20;
    int sampleWindow = 128;
    int maxHedges = 1;
    Executor executor;
    Clock clock = Clock.system();
    Scheduler scheduler;
    final List<FaultEventListener> listeners = new ArrayList<>();
    Predicate<? super Throwable> hedgeOnFailure = failure -> true;
    Predicate<Object> hedgeOnResult;

    private Builder(String name) {
      this.name = name;
    }

    /**
     * The fixed delay after which the next hedge starts (required): used until enough latencies are recorded for the
     * {@linkplain #delayPercentile percentile}, or always if none is set. Zero starts every hedge at once.
     */
    public Builder delay(Duration delay) {
      this.delay = delay;
      return this;
    }

    /**
     * Derives the delay from recent latencies: the given percentile (greater than 0, at most 100; 95 for p95, by
     * nearest rank) of the last {@linkplain #sampleWindow sampleWindow} latencies, once {@linkplain #minSamples
     * minSamples} are recorded. The percentile is recomputed when {@code minSamples} is reached and then every
     * {@code max(1, sampleWindow / 16)} samples. Not set by default: the fixed delay is used.
     */
    public Builder delayPercentile(double percentile) {
      this.delayPercentile = percentile;
      this.percentileSet = true;
      return this;
    }

    /** How many latencies must be recorded before the percentile replaces the fixed delay (default 20). */
    public Builder minSamples(int minSamples) {
      this.minSamples = minSamples;
      return this;
    }

    /** How many recent latencies the percentile is taken over (default 128, at most 65536). */
    public Builder sampleWindow(int sampleWindow) {
      this.sampleWindow = sampleWindow;
      return this;
    }

    /** The most hedges an execution may start besides the primary (default 1, at most 32). */
    public Builder maxHedges(int maxHedges) {
      this.maxHedges = maxHedges;
      return this;
    }

    /**
     * The executor that runs the attempts of synchronous calls, the primary included. Required for synchronous calls
     * (they fail with {@link IllegalStateException} without one); not used by asynchronous calls. Its threads must be
     * able to run {@code maxHedges + 1} attempts of one call at the same time for hedging to help.
     */
    public Builder executor(Executor executor) {
      this.executor = Validate.notNull("executor", executor);
      return this;
    }

    /** The clock that times delays, latencies and events (default {@link Clock#system()}). */
    public Builder clock(Clock clock) {
      this.clock = Validate.notNull("clock", clock);
      return this;
    }

    /**
     * The scheduler that starts hedges when their delay has passed. Default: the clock, if it is also a scheduler (as
     * {@link dev.faultline.core.testing.FakeClock} is), else {@link Scheduler#system()}.
     */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = Validate.notNull("scheduler", scheduler);
      return this;
    }

    /** Adds a listener of this hedge's events; may be called several times. */
    public Builder listener(FaultEventListener listener) {
      listeners.add(Validate.notNull("listener", listener));
      return this;
    }

    /**
     * Which failures of an attempt start the next hedge at once (default: every non-fatal failure). A failure it does
     * not accept ends the execution at once with that failure.
     */
    public Builder hedgeOnFailure(Predicate<? super Throwable> hedgeOnFailure) {
      this.hedgeOnFailure = Validate.notNull("hedgeOnFailure", hedgeOnFailure);
      return this;
    }

    /**
     * Which results count as a failed attempt, starting the next hedge at once (default: none). If every attempt ends
     * so, the result of the last one is returned.
     */
    public Builder hedgeOnResult(Predicate<Object> hedgeOnResult) {
      this.hedgeOnResult = Validate.notNull("hedgeOnResult", hedgeOnResult);
      return this;
    }

    /**
     * Builds the hedge.
     *
     * @throws ConfigurationException naming the field, rule and value of the first invalid setting
     */
    public Hedge build() {
      return new DefaultHedge(config());
    }

    /**
     * Builds a hedge whose attempts go to {@code replicas}: the primary to replica 0, hedge {@code i} to replica
     * {@code i mod replicas.size()}.
     *
     * @throws ConfigurationException naming the field, rule and value of the first invalid setting, or if
     *     {@code replicas} is empty or holds a null
     */
    public <R> Replicated<R> build(List<? extends R> replicas) {
      Validate.notNull("replicas", replicas);
      if (replicas.isEmpty()) {
        throw new ConfigurationException("replicas", "hold at least one replica", "[]");
      }
      for (int i = 0; i < replicas.size(); i++) {
        if (replicas.get(i) == null) {
          throw new ConfigurationException("replicas", "not hold null (at index " + i + ")", replicas);
        }
      }
      List<R> copy = List.copyOf(replicas);
      return new ReplicatedHedge<>(new DefaultHedge(config()), copy);
    }

    private HedgeConfig config() {
      Validate.notBlank("name", name);
      Validate.notNegative("delay", delay);
      if (maxHedges < 1 || maxHedges > MAX_HEDGES_LIMIT) {
        throw new ConfigurationException("maxHedges", "be between 1 and " + MAX_HEDGES_LIMIT, maxHedges);
      }
      if (percentileSet && !(delayPercentile > 0 && delayPercentile <= 100)) {
        throw new ConfigurationException("delayPercentile", "be greater than 0 and at most 100", delayPercentile);
      }
      if (sampleWindow < 1 || sampleWindow > SAMPLE_WINDOW_LIMIT) {
        throw new ConfigurationException("sampleWindow", "be between 1 and " + SAMPLE_WINDOW_LIMIT, sampleWindow);
      }
      Validate.atLeast("minSamples", minSamples, 1);
      if (minSamples > sampleWindow) {
        throw new ConfigurationException("minSamples", "be at most sampleWindow (" + sampleWindow + ")", minSamples);
      }
      Scheduler resolvedScheduler = scheduler != null ? scheduler
          : clock instanceof Scheduler ? (Scheduler) clock : Scheduler.system();
      return new HedgeConfig(this, resolvedScheduler);
    }
  }
}
