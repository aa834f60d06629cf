package dev.faultline.core.hedge;

import dev.faultline.core.Scheduler;
import dev.faultline.core.internal.Exceptions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

/**
 * One execution of a {@link Hedge}: the primary, the hedges it starts, and the decision of its outcome. Subclasses say
 * how an attempt is launched (on an executor, or by calling an asynchronous supplier).
 *
 * <p>Concurrency: attempts report their outcome from any thread, timers fire on the scheduler's thread and the caller
 * may abort. Every field below marked "guarded" is read and written only while holding {@code this}; {@code done} is
 * also volatile so that late reports can leave without taking the lock. Decisions (start hedge k, win, give up) are
 * taken under the lock, and carried out after releasing it: no listener, launch, cancellation or scheduling runs while
 * it is held, so a scheduler or attempt that calls back inline cannot deadlock or see half-made decisions.
 *
 * <p>Three rules keep the pieces consistent without holding the lock across them:
 * <ul>
 *   <li>{@code started} only grows, and a hedge number is taken by exactly one thread (the timer, the chain of a zero
 *       delay, or the report of a failure) when it increments {@code started} from that number.
 *   <li>A launched attempt registers its cancellation handle under the lock; if the execution is already done, the
 *       registration fails and the launcher cancels (or does not submit) the attempt itself. Once {@code done} is set,
 *       {@code handles} never changes again, so the thread that set it may read it after releasing the lock.
 *   <li>A timer for hedge {@code k} is kept in {@code timer} only while hedge {@code k} has not started; a timer that
 *       fires after its hedge was started by a failure finds {@code started > k} and does nothing.
 * </ul>
 *
 * <p>Events are published before the decision they lead to becomes visible: {@code HedgeStarted} before the hedge is
 * launched, {@code AttemptFailed} before the failure is counted, {@code HedgeWon} before the result completes.
 */
abstract class HedgedExecution<T> {
  final DefaultHedge hedge;
  final CompletableFuture<T> result = new CompletableFuture<>();
  private final long startNanos;
  private final long delayNanos;
  private final int maxHedges;

  private final Future<?>[] handles; // guarded
  private int started; // guarded: attempts started, the primary included
  private int failed; // guarded
  private Scheduler.Task timer; // guarded
  private List<Throwable> failures; // guarded: failures of attempts, in the order they happened
  private volatile boolean done; // written under the lock

  HedgedExecution(DefaultHedge hedge) {
    this.hedge = hedge;
    this.startNanos = hedge.clock.nanoTime();
    this.delayNanos = hedge.delayNanos();
    this.maxHedges = hedge.maxHedges;
    this.handles = new Future<?>[maxHedges + 1];
  }

  /** Launches attempt {@code number}; its outcome must reach {@link #report} exactly once, from any thread. */
  abstract void launch(int number);

  /** Starts the primary (and, with a zero delay, every hedge). */
  final void start() {
    synchronized (this) {
      started = 1;
    }
    begin(0);
  }

  /** Nanoseconds since the execution started, on the hedge's clock. */
  final long elapsedNanos() {
    return hedge.clock.nanoTime() - startNanos;
  }

  /** Begins attempt {@code number}, which the calling thread has taken; with a zero delay, also takes the next ones. */
  private void begin(int number) {
    int current = number;
    while (true) {
      if (current > 0) {
        hedge.hedgeStarted(current, elapsedNanos());
      }
      int next = current + 1;
      boolean startNextNow = false;
      if (next <= maxHedges) {
        if (delayNanos > 0) {
          // Armed before launching, so the timer exists by the time the attempt runs (and can be observed waiting).
          armTimer(next);
        } else {
          startNextNow = true;
        }
      }
      launch(current);
      if (!startNextNow) {
        return;
      }
      synchronized (this) {
        if (done || started != next) {
          return;
        }
        started = next + 1;
      }
      current = next;
    }
  }

  private void armTimer(int number) {
    if (done) {
      return;
    }
    Scheduler.Task task = hedge.scheduler.schedule(() -> onTimer(number), delayNanos);
    boolean keep;
    synchronized (this) {
      keep = !done && started <= number;
      if (keep) {
        timer = task;
      }
    }
    if (!keep) {
      task.cancel();
    }
  }

  private void onTimer(int number) {
    synchronized (this) {
      if (done || started != number) {
        return;
      }
      started = number + 1;
      timer = null;
    }
    begin(number);
  }

  /** Registers the cancellation handle of attempt {@code number}; false if the execution is already decided. */
  final boolean register(int number, Future<?> handle) {
    synchronized (this) {
      if (done) {
        return false;
      }
      handles[number] = handle;
      return true;
    }
  }

  /**
   * Reports the outcome of attempt {@code number}: {@code failure} is null for a result. Reports that arrive after the
   * execution was decided (cancelled losers) are dropped.
   */
  final void report(int number, T value, Throwable failure) {
    if (done) {
      return;
    }
    if (failure == null) {
      boolean hedgeOnResult;
      try {
        hedgeOnResult = hedge.hedgesOnResult(value);
      } catch (Throwable predicateFailure) {
        endWith(number, predicateFailure);
        return;
      }
      if (hedgeOnResult) {
        attemptFailed(number, null, value, true);
      } else {
        succeed(number, value);
      }
      return;
    }
    if (Exceptions.isFatal(failure)) {
      endWithFatal(failure);
      return;
    }
    boolean hedgeOnFailure;
    try {
      hedgeOnFailure = hedge.hedgesOnFailure(failure);
    } catch (Throwable predicateFailure) {
      if (predicateFailure != failure) {
        predicateFailure.addSuppressed(failure);
      }
      endWith(number, predicateFailure);
      return;
    }
    if (hedgeOnFailure) {
      attemptFailed(number, failure, null, false);
    } else {
      endWith(number, failure);
    }
  }

  /** Stops every attempt and the timer, if the execution is not decided yet; for a caller that gave up. */
  final void abort() {
    Scheduler.Task stale;
    synchronized (this) {
      if (done) {
        return;
      }
      done = true;
      stale = timer;
      timer = null;
    }
    cancel(stale, -1);
  }

  private void succeed(int winner, T value) {
    Scheduler.Task stale;
    int attempts;
    synchronized (this) {
      if (done) {
        return;
      }
      done = true;
      stale = timer;
      timer = null;
      attempts = started;
    }
    cancel(stale, winner);
    hedge.succeeded(winner, attempts > 1, elapsedNanos());
    result.complete(value);
  }

  private void attemptFailed(int number, Throwable failure, T value, boolean isResult) {
    hedge.attemptFailed(number, failure, elapsedNanos());
    int next = -1;
    boolean exhausted = false;
    Scheduler.Task stale = null;
    List<Throwable> history = null;
    synchronized (this) {
      if (done) {
        return;
      }
      failed++;
      if (!isResult) {
        failures().add(failure);
      }
      if (started <= maxHedges) {
        next = started++;
        stale = timer;
        timer = null;
      } else if (failed == started) {
        done = true;
        exhausted = true;
        stale = timer;
        timer = null;
        history = failures;
      }
    }
    if (stale != null) {
      stale.cancel();
    }
    if (next >= 0) {
      begin(next);
    } else if (exhausted) {
      // The attempt that failed last decides the outcome: its result, or its failure with the earlier ones
      // (the list no longer changes once done is set).
      hedge.failed();
      if (isResult) {
        result.complete(value);
      } else {
        result.completeExceptionally(withHistory(history));
      }
    }
  }

  /** Ends the execution at once with a failure that does not start a hedge; earlier failures are suppressed. */
  private void endWith(int number, Throwable failure) {
    if (Exceptions.isFatal(failure)) {
      endWithFatal(failure);
      return;
    }
    hedge.attemptFailed(number, failure, elapsedNanos());
    Scheduler.Task stale;
    List<Throwable> history;
    synchronized (this) {
      if (done) {
        return;
      }
      done = true;
      stale = timer;
      timer = null;
      history = failures();
      history.add(failure);
    }
    cancel(stale, number);
    hedge.failed();
    result.completeExceptionally(withHistory(history));
  }

  /** Ends the execution at once with a fatal error, which is neither counted nor reported. */
  private void endWithFatal(Throwable error) {
    Scheduler.Task stale;
    synchronized (this) {
      if (done) {
        return;
      }
      done = true;
      stale = timer;
      timer = null;
    }
    cancel(stale, -1);
    result.completeExceptionally(error);
  }

  private List<Throwable> failures() {
    if (failures == null) {
      failures = new ArrayList<>(2);
    }
    return failures;
  }

  /** Cancels the timer and every attempt but {@code keep}; called once {@code done} is set, outside the lock. */
  private void cancel(Scheduler.Task stale, int keep) {
    if (stale != null) {
      stale.cancel();
    }
    for (int i = 0; i < handles.length; i++) {
      Future<?> handle = handles[i];
      if (handle != null && i != keep) {
        handle.cancel(true);
      }
    }
  }

  /** The last failure of {@code history}, with the earlier ones attached as suppressed (each instance once). */
  private static Throwable withHistory(List<Throwable> history) {
    Throwable last = history.get(history.size() - 1);
    if (history.size() > 1) {
      Set<Throwable> attached = Collections.newSetFromMap(new IdentityHashMap<>());
      attached.add(last);
      for (int i = 0; i < history.size() - 1; i++) {
        Throwable earlier = history.get(i);
        if (attached.add(earlier)) {
          last.addSuppressed(earlier);
        }
      }
    }
    return last;
  }
}
