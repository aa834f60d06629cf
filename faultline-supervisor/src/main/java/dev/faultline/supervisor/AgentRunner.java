package dev.faultline.supervisor;

import dev.faultline.core.internal.Durations;
import dev.faultline.core.internal.Exceptions;
import dev.faultline.core.internal.Validate;
import dev.faultline.core.Scheduler;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs an {@link Agent} in a loop on a thread it owns (after Agrona's {@code AgentRunner}): started once, closed with
 * a timeout, then interrupted, then given up on. Failures go to a {@link Listener} that must not throw.
 *
 * <p>When {@code doWork} returns 0 the runner idles: it spins briefly, then yields, then parks for up to a millisecond
 * at a time, so an idle agent costs almost no CPU while new work is still picked up quickly.
 *
 * <p>Thread-safe. Concurrency design: {@code state} moves NEW → RUNNING → CLOSING → CLOSED by CAS (only one caller
 * starts the thread, only one closes it); {@code ended} is completed once, by the runner thread when its loop ends or
 * by the give-up task of {@link #close}; the agent's own methods run only on the runner thread.
 */
public final class AgentRunner {
  private static final int NEW = 0;
  private static final int RUNNING = 1;
  private static final int CLOSING = 2;
  private static final int CLOSED = 3;
  private static final int SPINS = 20;
  private static final int YIELDS = 50;
  private static final long MAX_PARK_NANOS = 1_000_000L;

  /** Receives the end of an agent's loop; must be fast and must not throw. */
  public interface Listener {
    /** The agent failed with {@code failure} (from {@code onStart} or {@code doWork}); the loop has ended. */
    void onFailure(Throwable failure);

    /** The agent ended normally ({@link AgentTerminationException}) or was closed. */
    void onExit();
  }

  private final Agent agent;
  private final Listener listener;
  private final AtomicInteger state = new AtomicInteger(NEW);
  private final CompletableFuture<Boolean> ended = new CompletableFuture<>();
  private volatile Thread thread;

  /** A runner for {@code agent} reporting to {@code listener}; not started. */
  public AgentRunner(Agent agent, Listener listener) {
    this.agent = Validate.notNull("agent", agent);
    this.listener = Validate.notNull("listener", listener);
  }

  /**
   * Starts the agent's thread.
   *
   * @throws IllegalStateException if this runner was already started or closed
   */
  public void start() {
    if (!state.compareAndSet(NEW, RUNNING)) {
      throw new IllegalStateException("agent runner for '" + agent.roleName() + "' can be started only once");
    }
    Thread t = new Thread(this::run, "faultline-agent-" + agent.roleName());
    thread = t;
    t.start();
  }

  /** Whether the loop is running (started and not yet ended). */
  public boolean isRunning() {
    return state.get() == RUNNING && !ended.isDone();
  }

  /** The runner's thread, or null before {@link #start()}. */
  public Thread thread() {
    return thread;
  }

  /**
   * Asks the loop to stop and waits for it: after {@code timeout} (timed by {@code scheduler}) the thread is
   * interrupted, and after a second {@code timeout} this method gives up waiting.
   *
   * @return true if the thread ended, false if it was given up on (it may still be running)
   */
  public boolean close(Duration timeout, Scheduler scheduler) {
    Validate.positive("timeout", timeout);
    if (state.compareAndSet(NEW, CLOSED)) {
      return true;
    }
    state.compareAndSet(RUNNING, CLOSING);
    Thread t = thread;
    if (t == Thread.currentThread()) {
      return true; // closed from inside the agent: the loop sees CLOSING after this doWork
    }
    LockSupport.unpark(t);
    long nanos = Durations.toNanosSaturated(timeout);
    Scheduler.Task interrupt = scheduler.schedule(() -> {
      if (!ended.isDone()) {
        t.interrupt();
      }
    }, nanos);
    long giveUpNanos = nanos > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : 2 * nanos;
    Scheduler.Task giveUp = scheduler.schedule(() -> ended.complete(false), giveUpNanos);
    boolean stopped = ended.join();
    interrupt.cancel();
    giveUp.cancel();
    state.set(CLOSED);
    return stopped;
  }

  private void run() {
    Throwable failure = null;
    try {
      agent.onStart();
      int idle = 0;
      while (state.get() == RUNNING) {
        int work = agent.doWork();
        if (work > 0) {
          idle = 0;
        } else if (++idle <= SPINS) {
          Thread.onSpinWait();
        } else if (idle <= SPINS + YIELDS) {
          Thread.yield();
        } else {
          LockSupport.parkNanos(this, MAX_PARK_NANOS);
        }
      }
    } catch (AgentTerminationException normal) {
      // the agent finished its work
    } catch (Throwable t) {
      if (!(t instanceof InterruptedException && state.get() != RUNNING)) {
        failure = t; // (an interrupt because it was closing is a normal end)
      }
    } finally {
      // The agent is closed before the listener hears of its end: a listener that starts a replacement (a
      // supervisor's restart, possibly on this very thread) must find what this agent held released.
      safely(agent::onClose);
      boolean closing = state.get() != RUNNING;
      ended.complete(true);
      Throwable f = failure;
      if (f != null) {
        safely(() -> listener.onFailure(f));
      } else if (!closing) {
        safely(listener::onExit);
      }
    }
    if (failure != null) {
      Exceptions.rethrowIfFatal(failure);
    }
  }

  private static void safely(Runnable r) {
    try {
      r.run();
    } catch (Throwable t) {
      Exceptions.rethrowIfFatal(t);
    }
  }
}
