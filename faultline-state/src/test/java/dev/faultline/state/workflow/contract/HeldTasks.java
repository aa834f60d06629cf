package dev.faultline.state.workflow.contract;

import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An executor service that runs its tasks only when told to ({@link #runAll}, in the calling thread), so that a test
 * decides who runs a workflow and when. Thread-safe.
 */
public final class HeldTasks extends AbstractExecutorService {
  /** The tasks given and not run yet. */
  public final LinkedBlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();

  @Override
  public void execute(Runnable task) {
    tasks.add(task);
  }

  /** Runs the tasks given, those they give included, until none is left. */
  public void runAll() {
    for (Runnable task; (task = tasks.poll()) != null; ) {
      task.run();
    }
  }

  @Override
  public void shutdown() {}

  @Override
  public List<Runnable> shutdownNow() {
    return List.of();
  }

  @Override
  public boolean isShutdown() {
    return false;
  }

  @Override
  public boolean isTerminated() {
    return false;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return true;
  }
}
