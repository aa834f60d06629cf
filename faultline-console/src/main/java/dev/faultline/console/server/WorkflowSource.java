package dev.faultline.console.server;

import dev.faultline.core.FaultlineException;
import dev.faultline.state.workflow.WorkflowExecutor;
import dev.faultline.state.workflow.WorkflowHandle;
import dev.faultline.state.workflow.WorkflowInfo;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where the console finds workflows: a live {@link WorkflowExecutor} (embedded, as in the demo), which acts at once,
 * or a store directory, read and changed offline ({@link WorkflowExecutor#inspect}, {@link
 * WorkflowExecutor#resumeOffline}, {@link WorkflowExecutor#cancelOffline}), which records requests for the next
 * executor that opens it. Implementations are thread-safe (the executor is; offline calls take the store's lock).
 */
interface WorkflowSource {

  /** {@code "live"} or {@code "directory"}. */
  String kind();

  /** Every workflow, by id. */
  List<WorkflowInfo> list();

  /** What {@link #resume} or {@link #cancel} did: {@code null} when the workflow had already finished. */
  String resume(String id);

  /** Cancels a workflow; {@code null} when it had already finished. */
  String cancel(String id);

  /** One workflow. */
  default Optional<WorkflowInfo> find(String id) {
    return list().stream().filter(info -> info.workflowId().equals(id)).findFirst();
  }

  /** The workflows of a live executor. */
  static WorkflowSource live(WorkflowExecutor executor) {
    return live(() -> executor);
  }

  /**
   * The workflows of a live executor that may be replaced (a supervised service restarted with a new one): the
   * supplier is asked on every request; while it answers null the store is unavailable (503).
   */
  static WorkflowSource live(java.util.function.Supplier<WorkflowExecutor> current) {
    return new WorkflowSource() {
      private WorkflowExecutor executor() {
        WorkflowExecutor executor = current.get();
        if (executor == null) {
          throw new ApiException(503, "unavailable", "the workflow executor is not running now (restarting?)");
        }
        return executor;
      }

      @Override
      public String kind() {
        return "live";
      }

      @Override
      public List<WorkflowInfo> list() {
        return executor().list(null);
      }

      @Override
      public String resume(String id) {
        WorkflowHandle<Object> handle = executor().handle(id);
        if (handle.status().terminal()) {
          return null;
        }
        return handle.resume() ? "resumed" : "already running or queued";
      }

      @Override
      public String cancel(String id) {
        return executor().handle(id).cancel() ? "cancelled" : null;
      }
    };
  }

  /** The workflows of a store directory, handled offline. */
  static WorkflowSource directory(Path directory) {
    return new WorkflowSource() {
      @Override
      public String kind() {
        return "directory";
      }

      @Override
      public List<WorkflowInfo> list() {
        return offline(() -> WorkflowExecutor.inspect(directory));
      }

      @Override
      public String resume(String id) {
        return offline(() -> WorkflowExecutor.resumeOffline(directory, id)) ? "resume recorded" : null;
      }

      @Override
      public String cancel(String id) {
        return offline(() -> WorkflowExecutor.cancelOffline(directory, id)) ? "cancellation recorded" : null;
      }
    };
  }

  /**
   * Runs an offline call, turning "an executor holds the store" into 409 {@code store-locked} and "the directory is
   * not a workflow store" into 503 {@code unavailable}.
   */
  private static <T> T offline(java.util.function.Supplier<T> call) {
    try {
      return call.get();
    } catch (FaultlineException e) {
      if ("journal-locked".equals(e.code())) {
        throw new ApiException(409, "store-locked", "the workflow store is held open by a running executor; use the"
            + " executor, or retry when it has stopped");
      }
      if ("store-missing".equals(e.code())) {
        throw new ApiException(503, "unavailable", e.getMessage());
      }
      throw e;
    }
  }
}
