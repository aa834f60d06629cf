package dev.faultline.core.hedge;

import dev.faultline.core.internal.Exceptions;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;

/**
 * A hedged execution of a synchronous call: every attempt runs on the executor as a {@link FutureTask}, whose
 * {@code cancel(true)} interrupts a losing attempt; the caller waits in {@link #await()}. Thread-safe as its parent.
 */
final class SyncExecution<T> extends HedgedExecution<T> {

  /** Runs attempt {@code hedge} of a synchronous call. */
  @FunctionalInterface
  interface Attempt<T> {
    T run(int hedge) throws Exception;
  }

  private final Attempt<T> attempt;
  private final Executor executor;

  SyncExecution(DefaultHedge hedge, Attempt<T> attempt, Executor executor) {
    super(hedge);
    this.attempt = attempt;
    this.executor = executor;
  }

  @Override
  void launch(int number) {
    FutureTask<Void> task = new FutureTask<>(() -> run(number), null);
    if (!register(number, task)) {
      return;
    }
    try {
      executor.execute(task);
    } catch (RuntimeException rejected) {
      report(number, null, rejected);
    }
  }

  private void run(int number) {
    int previous = DefaultHedge.enter(number);
    T value;
    try {
      value = attempt.run(number);
    } catch (Throwable failure) {
      DefaultHedge.exit(previous);
      report(number, null, failure);
      return;
    }
    DefaultHedge.exit(previous);
    report(number, value, null);
  }

  /**
   * Waits for the outcome: returns the winner's result or throws the final failure as it is. If the waiting thread is
   * interrupted, every attempt is cancelled and {@link InterruptedException} is thrown.
   */
  T await() throws Exception {
    try {
      return result.get();
    } catch (ExecutionException e) {
      throw Exceptions.sneakyThrow(e.getCause());
    } catch (InterruptedException e) {
      abort();
      throw e;
    }
  }
}
