package dev.faultline.core.retry;

import dev.faultline.core.AsyncChain;
import dev.faultline.core.CallContext;
import dev.faultline.core.Scheduler;
import dev.faultline.core.internal.Exceptions;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * One asynchronous execution of a {@link DefaultRetry}: it follows each attempt's stage, decides, and schedules the
 * next attempt on the retry's scheduler, until it completes {@link #promise}.
 *
 * <p>Thread-safe as used. Attempts run one after another: the decision after attempt n runs when its stage completes,
 * attempt n+1 starts in the scheduled task, and both the stage completion and the scheduler hand-off order these steps,
 * so the inherited {@link Execution} fields need no further guard. Only cancellation of {@link #promise} runs
 * concurrently with them; it reads {@link #pending} and {@link #current} (volatile) and cancels what they hold, and
 * an attempt that stores {@code current} then checks for a cancellation it may have missed (both sides write, then
 * read the other's volatile field, so at least one of them cancels the new attempt's stage).
 * {@code pending} only moves forward: a decision that returns late from {@code schedule} (the task may already have
 * run on another thread and the next decision may have stored its own task) never replaces a later retry's task.
 */
final class AsyncExecution<T> extends Execution implements BiConsumer<T, Throwable>, Runnable {
  private static final VarHandle PENDING;

  static {
    try {
      PENDING = MethodHandles.lookup().findVarHandle(AsyncExecution.class, "pending", Pending.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** A scheduled retry and the attempt it will start. */
  private record Pending(int attempt, Scheduler.Task task) {}

  private final DefaultRetry retry;
  private final AsyncChain<T> chain;
  private final Supplier<? extends CompletionStage<T>> call;
  private final CallContext context;
  private final CompletableFuture<T> promise = new CompletableFuture<>();
  private volatile Pending pending;
  private volatile CompletionStage<T> current;

  AsyncExecution(DefaultRetry retry, AsyncChain<T> chain, Supplier<? extends CompletionStage<T>> call,
      long startNanos) {
    super(startNanos);
    this.retry = retry;
    this.chain = chain;
    this.call = call;
    this.context = chain != null ? chain.context() : null;
  }

  /** The future the caller gets: the execution's final outcome. */
  CompletableFuture<T> promise() {
    return promise;
  }

  /** Starts following the first attempt's stage. */
  void start(CompletionStage<T> first) {
    watchCancellation();
    follow(first);
  }

  /** Starts from a first attempt that already returned {@code value}, which its result verdict says has failed. */
  void startFailed(CompletionStage<T> first, T value, int verdict) {
    watchCancellation();
    current = first;
    try {
      decide(value, null, verdict);
    } catch (Throwable t) {
      promise.completeExceptionally(t);
    }
  }

  private void watchCancellation() {
    promise.whenComplete((value, failure) -> {
      if (promise.isCancelled()) {
        cancelPending();
      }
    });
  }

  private void follow(CompletionStage<T> stage) {
    current = stage;
    if (promise.isCancelled()) {
      // Cancelled while this attempt was starting: the cancellation may have read the previous attempt's stage.
      cancel(stage);
    }
    stage.whenComplete(this);
  }

  /** Called when the current attempt's stage completes. */
  @Override
  public void accept(T value, Throwable thrown) {
    if (promise.isDone()) {
      return;
    }
    try {
      if (thrown == null) {
        decide(value, null, retry.classifyResult(value));
      } else {
        Throwable failure = Exceptions.unwrap(thrown);
        decide(null, failure, retry.classify(failure, this));
      }
    } catch (Throwable t) {
      promise.completeExceptionally(t);
    }
  }

  private void decide(T value, Throwable failure, int verdict) {
    if (verdict == DefaultRetry.OK) {
      retry.succeeded(this);
      promise.complete(value);
      return;
    }
    long delay = retry.decide(this, failure, value, verdict, context);
    if (delay == DefaultRetry.STOP) {
      if (failure != null) {
        promise.completeExceptionally(withHistory(failure));
      } else {
        promise.complete(value);
      }
      return;
    }
    int next = attempt + 1;
    Pending scheduled = new Pending(next, retry.scheduler().schedule(this, delay));
    Pending seen;
    do {
      seen = pending;
      if (seen != null && seen.attempt() >= scheduled.attempt()) {
        return;
      }
    } while (!PENDING.compareAndSet(this, seen, scheduled));
    if (promise.isDone()) {
      scheduled.task().cancel();
    }
  }

  /** The scheduled retry: starts the next attempt. */
  @Override
  public void run() {
    if (promise.isDone()) {
      return;
    }
    attempt++;
    retry.retried();
    try {
      follow(retry.attemptAsync(chain, call));
    } catch (Throwable t) {
      promise.completeExceptionally(t);
    }
  }

  private void cancelPending() {
    Pending scheduled = pending;
    if (scheduled != null) {
      scheduled.task().cancel();
    }
    CompletionStage<T> stage = current;
    if (stage != null) {
      cancel(stage);
    }
  }

  private static void cancel(CompletionStage<?> stage) {
    try {
      stage.toCompletableFuture().cancel(false);
    } catch (UnsupportedOperationException e) {
      // A stage that cannot be converted cannot be cancelled: its outcome is ignored instead.
    }
  }
}
