package dev.faultline.core.timeout;

import dev.faultline.core.AsyncChain;
import dev.faultline.core.Chain;
import dev.faultline.core.PolicyKind;
import dev.faultline.core.Scheduler;
import dev.faultline.core.TimeoutExceededException;
import dev.faultline.core.event.PolicyEvent;
import dev.faultline.core.internal.Durations;
import dev.faultline.core.internal.Events;
import dev.faultline.core.internal.Exceptions;
import dev.faultline.core.internal.Stages;
import dev.faultline.core.internal.ThreadCounters;
import dev.faultline.core.internal.ThreadDeadlines;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * The implementation of {@link Timeout}.
 *
 * <p>Concurrency: the policy's own fields are final; its counters are {@link ThreadCounters} (a sync call on time
 * adds to its thread's cell: no atomic instruction). A sync call on the system scheduler arms the calling thread's
 * reusable {@link ThreadDeadlines} slot (no allocation, no clock read); the slot's state word decides, by
 * compare-and-set, whether the call or the deadline won, and the expiry (count, interrupt, hand the event to the
 * pool) runs on the deadline watcher while the caller that lost waits for it. Any other execution
 * (another scheduler, a nested sync deadline on the same thread, async) has its own state word changed only by
 * compare-and-set, so exactly one of "the call ended" and "the deadline passed" wins:
 * <ul>
 *   <li>sync: {@code RUNNING -> DONE} (the caller, call ended in time) or {@code RUNNING -> TIMED_OUT} (deadline, no
 *       interrupt) or {@code RUNNING -> INTERRUPTING -> INTERRUPTED} (deadline with interrupt). The caller that lost
 *       waits (spinning; {@link Thread#interrupt()} is short) while the state is {@code INTERRUPTING}, so that the
 *       interrupt lands before it clears it, and never after the call returned;
 *   <li>async: {@code RUNNING -> DONE} (the call's stage completed) or {@code RUNNING -> TIMED_OUT} (deadline). The
 *       returned future is completed only by the winner (or cancelled by the user).
 * </ul>
 * Events are published by the thread that won, holding no lock.
 */
final class DefaultTimeout implements Timeout, ThreadDeadlines.Expiry {
  private static final int RUNNING = 0;
  private static final int DONE = 1;
  private static final int TIMED_OUT = 2;
  private static final int INTERRUPTING = 3;
  private static final int INTERRUPTED = 4;
  /** Counter numbers in {@link #counters}. */
  private static final int CALLS = 0;
  private static final int SUCCESSES = 1;
  private static final int FAILURES = 2;
  private static final int TIMEOUTS = 3;

  private final TimeoutConfig config;
  private final String name;
  private final long timeoutNanos;
  private final boolean interrupt;
  private final Scheduler scheduler;
  private final Events events;
  /** The per-thread deadlines of sync calls on the system scheduler; null on any other scheduler (a fake clock). */
  private final ThreadDeadlines deadlines;
  private final ThreadCounters counters = new ThreadCounters(4);

  DefaultTimeout(TimeoutConfig config) {
    this.config = config;
    this.name = config.name();
    this.timeoutNanos = Durations.toNanosSaturated(config.timeout());
    this.interrupt = config.interruptOnTimeout();
    this.scheduler = config.scheduler();
    this.events = new Events(config.clock(), config.listeners());
    this.deadlines = scheduler == Scheduler.system() ? ThreadDeadlines.INSTANCE : null;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public PolicyKind kind() {
    return PolicyKind.TIMEOUT;
  }

  @Override
  public TimeoutConfig config() {
    return config;
  }

  @Override
  public Metrics metrics() {
    return new Metrics(counters.sum(CALLS), counters.sum(SUCCESSES), counters.sum(FAILURES), counters.sum(TIMEOUTS));
  }

  @Override
  public <T> T call(Callable<? extends T> call) throws Exception {
    return run(call);
  }

  @Override
  public <T> T execute(Chain<T> chain) throws Exception {
    return run(chain);
  }

  /**
   * A sync call: on the system scheduler the calling thread's deadline slot times it; on any other scheduler (or when
   * the slot is taken by an outer timeout on the same thread) a task scheduled at the deadline does.
   */
  private <T> T run(Callable<? extends T> call) throws Exception {
    ThreadCounters.Cell cell = counters.cell();
    cell.increment(CALLS);
    ThreadDeadlines.Slot slot = deadlines != null ? deadlines.arm(timeoutNanos, this) : null;
    SyncExecution scheduled = null;
    if (slot == null) {
      scheduled = new SyncExecution(this, Thread.currentThread());
      scheduled.deadline = scheduler.schedule(scheduled, timeoutNanos);
    }
    T result = null;
    Throwable failure = null;
    try {
      result = call.call();
    } catch (Throwable t) {
      failure = t;
    }
    if (slot != null ? slot.disarm() : scheduled.finish()) {
      if (scheduled != null) {
        scheduled.deadline.cancel();
      }
      return ended(cell, result, failure);
    }
    if (scheduled != null) {
      scheduled.clearInterrupt();
    } else if (interrupt) {
      Thread.interrupted();
    }
    Exceptions.rethrowIfFatal(failure);
    throw new TimeoutExceededException(name, config.timeout());
  }

  /** The deadline of a sync call on the system scheduler passed: runs on the deadline watcher, briefly. */
  @Override
  public void expired(Thread thread) {
    timedOut();
    if (interrupt) {
      thread.interrupt();
    }
    if (events.enabled()) {
      ThreadDeadlines.INSTANCE.executor().execute(this::publishTimeout);
    }
  }

  /** Counts a call that ended before its deadline and returns its result or throws its failure. */
  private <T> T ended(ThreadCounters.Cell cell, T result, Throwable failure) throws Exception {
    if (failure == null) {
      cell.increment(SUCCESSES);
      return result;
    }
    if (!Exceptions.isFatal(failure)) {
      cell.increment(FAILURES);
    }
    throw Exceptions.sneakyThrow(failure);
  }

  @Override
  public <T> CompletionStage<T> callAsync(Supplier<? extends CompletionStage<T>> call) {
    return executeAsync(AsyncChain.of(config.clock(), call));
  }

  @Override
  public <T> CompletionStage<T> executeAsync(AsyncChain<T> chain) {
    counters.increment(CALLS);
    AsyncExecution<T> execution = new AsyncExecution<>(this);
    execution.deadline = scheduler.schedule(execution, timeoutNanos);
    CompletionStage<T> stage;
    try {
      stage = chain.proceed();
    } catch (Throwable t) {
      // Only a chain that breaks its contract gets here: end the call as failed, which cancels its deadline.
      execution.accept(null, t);
      Exceptions.rethrowIfFatal(t);
      return execution.result;
    }
    execution.stage = stage;
    if (execution.state != RUNNING) {
      // The deadline passed while the call was being started: it could not be cancelled then.
      Stages.cancel(stage);
    }
    stage.whenComplete(execution);
    Stages.cancelWith(execution.result, stage);
    execution.result.whenComplete((value, failure) -> {
      if (execution.result.isCancelled()) {
        execution.deadline.cancel();
      }
    });
    return execution.result;
  }

  private void timedOut() {
    counters.increment(TIMEOUTS);
  }

  private void publishTimeout() {
    if (events.enabled()) {
      events.publish(new PolicyEvent.TimeoutExceeded(name, events.now(), config.timeout()));
    }
  }

  /** One synchronous execution: the deadline task, and the state word the caller and the deadline race on. */
  private static final class SyncExecution implements Runnable {
    private static final VarHandle STATE;

    static {
      try {
        STATE = MethodHandles.lookup().findVarHandle(SyncExecution.class, "state", int.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    private final DefaultTimeout policy;
    private final Thread caller;
    private volatile int state;
    /** The task at the deadline; set by the caller right after scheduling it, read only by the caller. */
    Scheduler.Task deadline;

    SyncExecution(DefaultTimeout policy, Thread caller) {
      this.policy = policy;
      this.caller = caller;
    }

    /** The deadline: runs in the scheduler's thread (or, on a fake clock, in whichever thread advanced time). */
    @Override
    public void run() {
      if (policy.interrupt) {
        if (!STATE.compareAndSet(this, RUNNING, INTERRUPTING)) {
          return;
        }
        policy.timedOut();
        caller.interrupt();
        state = INTERRUPTED;
      } else {
        if (!STATE.compareAndSet(this, RUNNING, TIMED_OUT)) {
          return;
        }
        policy.timedOut();
      }
      policy.publishTimeout();
    }

    /** Called by the caller when the call ended; true if it ended before the deadline. */
    boolean finish() {
      return STATE.compareAndSet(this, RUNNING, DONE);
    }

    /** Called by the caller after a timeout: waits for an interrupt in progress to land, then clears it. */
    void clearInterrupt() {
      int current;
      while ((current = state) == INTERRUPTING) {
        Thread.onSpinWait();
      }
      if (current == INTERRUPTED) {
        Thread.interrupted();
      }
    }
  }

  /** One asynchronous execution: the deadline task and the completion of the call's stage. */
  private static final class AsyncExecution<T> implements Runnable, BiConsumer<T, Throwable> {
    private static final VarHandle STATE;

    static {
      try {
        STATE = MethodHandles.lookup().findVarHandle(AsyncExecution.class, "state", int.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    private final DefaultTimeout policy;
    final CompletableFuture<T> result = new CompletableFuture<>();
    volatile int state;
    volatile Scheduler.Task deadline;
    volatile CompletionStage<T> stage;

    AsyncExecution(DefaultTimeout policy) {
      this.policy = policy;
    }

    /** The deadline. */
    @Override
    public void run() {
      if (!STATE.compareAndSet(this, RUNNING, TIMED_OUT)) {
        return;
      }
      policy.timedOut();
      CompletionStage<T> started = stage;
      if (started != null) {
        Stages.cancel(started);
      }
      policy.publishTimeout();
      result.completeExceptionally(new TimeoutExceededException(policy.name, policy.config.timeout()));
    }

    /** The call's stage completed. */
    @Override
    public void accept(T value, Throwable failure) {
      if (!STATE.compareAndSet(this, RUNNING, DONE)) {
        return;
      }
      Scheduler.Task task = deadline;
      if (task != null) {
        task.cancel();
      }
      if (failure == null) {
        policy.counters.increment(SUCCESSES);
      } else if (!Exceptions.isFatal(Exceptions.unwrap(failure))) {
        policy.counters.increment(FAILURES);
      }
      Stages.complete(result, value, failure);
    }
  }
}
