package dev.faultline.core.hedge;

import dev.faultline.core.Pipeline;
import dev.faultline.core.Scheduler;
import dev.faultline.core.support.Harness;
import dev.faultline.core.support.Harness.Behavior;
import dev.faultline.core.support.Harness.Mode;
import dev.faultline.core.support.Harness.Outcome;
import dev.faultline.core.support.Harness.Script;
import dev.faultline.core.testing.FakeClock;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Runs {@link Harness} scenarios through a hedge in both modes, deterministically, with the test thread driving the
 * {@link FakeClock}.
 *
 * <p>ASYNC: {@link Harness#run} as it is; the test thread runs the clock's tasks until the outcome is known.
 *
 * <p>SYNC: a hedge runs its attempts on an executor, so the harness's call runs on a caller thread and the attempts on
 * a real pool, through {@link #executor}, which counts the tasks it was given and those that finished. An attempt that
 * takes time does not sleep on the fake clock (that would move time from a pool thread): it <em>parks</em>, waiting
 * for a completion scheduled on the clock. The test thread advances the clock to its next task only when everything is
 * quiet — every task given to the executor has finished or is parked — and stops as soon as the hedge has decided.
 * A parked attempt that is interrupted (a losing attempt cancelled by the hedge) is recorded, see
 * {@link #awaitInterrupted}. Every wait is bounded.
 *
 * <p>Thread-safe: the counters are guarded by {@code monitor}.
 */
final class HedgeDriver {
  private static final int WAIT_STEPS = 1_000;
  private static final long WAIT_STEP_MILLIS = 10;

  private final FakeClock clock;
  private final ExecutorService pool;
  private final ExecutorService caller;
  private final Object monitor = new Object();
  private int submitted; // guarded by monitor
  private int finished; // guarded by monitor
  private int parked; // guarded by monitor
  private final Set<Integer> interrupted = new HashSet<>(); // guarded by monitor

  /** The executor to give the hedge under test. */
  final Executor executor = this::submit;

  HedgeDriver(FakeClock clock) {
    this.clock = clock;
    AtomicInteger threads = new AtomicInteger();
    this.pool = Executors.newFixedThreadPool(6, task -> daemon(task, "hedge-attempt-" + threads.incrementAndGet()));
    this.caller = Executors.newSingleThreadExecutor(task -> daemon(task, "hedge-caller"));
  }

  private static Thread daemon(Runnable task, String name) {
    Thread thread = new Thread(task, name);
    thread.setDaemon(true);
    return thread;
  }

  private void submit(Runnable task) {
    synchronized (monitor) {
      submitted++;
    }
    try {
      pool.execute(() -> {
        try {
          task.run();
        } finally {
          synchronized (monitor) {
            finished++;
            monitor.notifyAll();
          }
        }
      });
    } catch (RuntimeException rejected) {
      synchronized (monitor) {
        submitted--;
        monitor.notifyAll();
      }
      throw rejected;
    }
  }

  /** Runs {@code script} through {@code hedge} in {@code mode}. */
  <T> Outcome<T> run(Mode mode, Hedge hedge, Script<T> script) {
    if (mode == Mode.ASYNC) {
      return Harness.run(Mode.ASYNC, clock, hedge, script);
    }
    Script<T> parking = parking(script);
    return drive(hedge, () -> Harness.run(Mode.SYNC, clock, hedge, parking));
  }

  /** Runs {@code script} through {@code pipeline}, whose hedge is {@code hedge}, in {@code mode}. */
  <T> Outcome<T> run(Mode mode, Hedge hedge, Pipeline pipeline, Script<T> script) {
    if (mode == Mode.ASYNC) {
      return Harness.run(Mode.ASYNC, clock, pipeline, script);
    }
    Script<T> parking = parking(script);
    return drive(hedge, () -> Harness.run(Mode.SYNC, clock, pipeline, parking));
  }

  /** Whether attempt {@code attempt} (numbered by the harness, from 1) was interrupted while parked; waits a while. */
  boolean awaitInterrupted(int attempt) throws InterruptedException {
    synchronized (monitor) {
      for (int step = 0; step < WAIT_STEPS && !interrupted.contains(attempt); step++) {
        monitor.wait(WAIT_STEP_MILLIS);
      }
      return interrupted.contains(attempt);
    }
  }

  private <T> Script<T> parking(Script<T> script) {
    return attempt -> {
      Behavior<T> behavior = script.attempt(attempt);
      if (behavior.after().isZero()) {
        return behavior;
      }
      park(attempt, behavior.after());
      return new Behavior<>(Duration.ZERO, behavior.value(), behavior.failure());
    };
  }

  /** Waits until the clock has moved {@code after} on, or throws InterruptedException if interrupted first. */
  private void park(int attempt, Duration after) throws InterruptedException {
    CompletableFuture<Void> due = new CompletableFuture<>();
    // The task itself unparks, in the thread that advances the clock, so that the driver never sees the woken attempt
    // as quiet before it has reported its outcome.
    Scheduler.Task task = clock.schedule(() -> {
      synchronized (monitor) {
        parked--;
      }
      due.complete(null);
    }, after.toNanos());
    synchronized (monitor) {
      parked++;
      monitor.notifyAll();
    }
    try {
      due.get(WAIT_STEPS * WAIT_STEP_MILLIS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      synchronized (monitor) {
        if (task.cancel()) {
          parked--;
        }
        interrupted.add(attempt);
        monitor.notifyAll();
      }
      throw e;
    } catch (ExecutionException | TimeoutException e) {
      throw new AssertionError("attempt " + attempt + " was never woken by the fake clock", e);
    }
  }

  private <T> Outcome<T> drive(Hedge hedge, Supplier<Outcome<T>> call) {
    long settledBefore = settled(hedge);
    int submittedBefore;
    synchronized (monitor) {
      submittedBefore = submitted;
    }
    CompletableFuture<Outcome<T>> outcome = CompletableFuture.supplyAsync(call, caller);
    outcome.whenComplete((value, failure) -> {
      synchronized (monitor) {
        monitor.notifyAll();
      }
    });
    for (int step = 0; step < 10_000; step++) {
      if (!awaitQuiet(submittedBefore, outcome) || settled(hedge) > settledBefore || !clock.runNext()) {
        break;
      }
    }
    try {
      return outcome.get(WAIT_STEPS * WAIT_STEP_MILLIS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException | ExecutionException | TimeoutException e) {
      throw new AssertionError("the synchronous call did not return", e);
    }
  }

  private static long settled(Hedge hedge) {
    Hedge.Metrics metrics = hedge.metrics();
    return metrics.successes() + metrics.failures();
  }

  /** Waits until the call has started and every attempt is finished or parked: true; or the call returned: false. */
  private boolean awaitQuiet(int submittedBefore, CompletableFuture<?> outcome) {
    synchronized (monitor) {
      for (int step = 0; step < WAIT_STEPS; step++) {
        if (outcome.isDone()) {
          return false;
        }
        if (submitted > submittedBefore && submitted == finished + parked) {
          return true;
        }
        try {
          monitor.wait(WAIT_STEP_MILLIS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError("interrupted while driving the fake clock", e);
        }
      }
    }
    throw new AssertionError("the hedge's attempts did not settle");
  }

  /** Stops the driver's threads, interrupting attempts still running. */
  void close() throws InterruptedException {
    pool.shutdownNow();
    caller.shutdownNow();
    if (!pool.awaitTermination(10, TimeUnit.SECONDS) || !caller.awaitTermination(10, TimeUnit.SECONDS)) {
      throw new AssertionError("hedge test threads did not stop");
    }
  }
}
