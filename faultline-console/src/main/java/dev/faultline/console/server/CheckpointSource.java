package dev.faultline.console.server;

import dev.faultline.core.FaultlineException;
import dev.faultline.state.RecoverableState;
import dev.faultline.state.RollbackResult;
import dev.faultline.state.RollbackTarget;
import dev.faultline.state.checkpoint.CheckpointInfo;
import dev.faultline.state.checkpoint.CheckpointStore;
import dev.faultline.state.journal.Journal;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/**
 * Where the console finds checkpoints: a live {@link RecoverableState} (embedded), rolled back through it, or a state
 * directory, listed read-only and rolled back offline ({@link RecoverableState#rollbackOffline}).
 * Implementations are thread-safe (the state is; offline rollback takes the directory's lock).
 */
interface CheckpointSource {

  /** {@code "live"} or {@code "directory"}. */
  String kind();

  /** The checkpoints, oldest first. */
  List<CheckpointInfo> list();

  /** The journal sequence the state stands at now (what a rollback would discard from). */
  long lastSequence();

  /** Rolls back. */
  RollbackResult rollback(RollbackTarget target);

  /** The checkpoints of a live state. */
  static CheckpointSource live(RecoverableState<?, ?> state) {
    return live(() -> state);
  }

  /**
   * The checkpoints of a live state found through a supplier on every request (a state opened after the server
   * started); while it answers null the store is unavailable (503).
   */
  static CheckpointSource live(java.util.function.Supplier<? extends RecoverableState<?, ?>> current) {
    return new CheckpointSource() {
      private RecoverableState<?, ?> state() {
        RecoverableState<?, ?> state = current.get();
        if (state == null) {
          throw new ApiException(503, "unavailable", "the state is not open now");
        }
        return state;
      }

      @Override
      public String kind() {
        return "live";
      }

      @Override
      public List<CheckpointInfo> list() {
        return state().checkpoints();
      }

      @Override
      public long lastSequence() {
        return state().sequence();
      }

      @Override
      public RollbackResult rollback(RollbackTarget target) {
        return state().rollback(target);
      }
    };
  }

  /** The checkpoints of a state directory, handled offline. */
  static CheckpointSource directory(Path directory) {
    return new CheckpointSource() {
      @Override
      public String kind() {
        return "directory";
      }

      @Override
      public List<CheckpointInfo> list() {
        return CheckpointStore.builder(directory).readOnly().open().list();
      }

      @Override
      public long lastSequence() {
        // Not the records after a failed force's durable sequence: the rollback's open cuts them first.
        return Journal.verify(directory).keptSequence();
      }

      @Override
      public RollbackResult rollback(RollbackTarget target) {
        return offline(() -> RecoverableState.rollbackOffline(directory, target));
      }
    };
  }

  /** Runs an offline call, turning "a process holds the state" into 409 {@code store-locked}. */
  private static <T> T offline(Supplier<T> call) {
    try {
      return call.get();
    } catch (FaultlineException e) {
      if ("journal-locked".equals(e.code())) {
        throw new ApiException(409, "store-locked", "the state directory is held open by a running process; roll it"
            + " back there, or retry when it has stopped");
      }
      throw e;
    }
  }
}
