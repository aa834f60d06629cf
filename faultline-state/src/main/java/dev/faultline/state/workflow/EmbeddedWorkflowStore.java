package dev.faultline.state.workflow;

import dev.faultline.core.Clock;
import dev.faultline.core.Scheduler;
import dev.faultline.core.event.FaultEventListener;
import dev.faultline.state.RecoverableState;
import dev.faultline.state.io.StorageIo;
import dev.faultline.state.journal.Durability;
import dev.faultline.state.journal.JournalException;
import dev.faultline.state.workflow.spi.StoreListener;
import dev.faultline.state.workflow.spi.StoredWorkflow;
import dev.faultline.state.workflow.spi.WorkflowChange;
import dev.faultline.state.workflow.spi.WorkflowStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The embedded {@link WorkflowStore}: one directory holding a journal of every {@link Entry} (appended in
 * {@code SYNC} durability by default, so a change is on disk before {@link #record} returns, a workflow's success
 * soon after; in {@code ASYNC}, written to the operating system and forced on a timer) and periodic checkpoints of
 * the {@link Table}, on {@link RecoverableState}. One process owns the directory (the journal's lock), so it never
 * fences and always {@linkplain #claim claims}.
 *
 * <p>Thread-safe: RecoverableState serializes changes; the table's rows guard themselves (see {@link Table}).
 */
final class EmbeddedWorkflowStore implements WorkflowStore {
  private final RecoverableState<Table, Entry> state;
  private final Table table;

  private EmbeddedWorkflowStore(RecoverableState<Table, Entry> state) {
    this.state = state;
    this.table = state.state();
  }

  /** Opens (recovers) the store in {@code directory}, publishing the store's events to {@code listeners}. */
  static EmbeddedWorkflowStore open(Path directory, Clock clock, Scheduler scheduler, String name,
      long checkpointEvery, Durability durability, java.time.Duration asyncForceInterval,
      List<FaultEventListener> listeners) {
    return open(directory, clock, scheduler, name, checkpointEvery, durability, asyncForceInterval, listeners,
        StorageIo.system());
  }

  /** As above, on {@code storage} (tests simulate power losses with it). */
  static EmbeddedWorkflowStore open(Path directory, Clock clock, Scheduler scheduler, String name,
      long checkpointEvery, Durability durability, java.time.Duration asyncForceInterval,
      List<FaultEventListener> listeners, StorageIo storage) {
    RecoverableState.Builder<Table, Entry> sb = RecoverableState.builder(directory, new Table.Machine(),
        Table.CODEC, Entry.CODEC).durability(durability).asyncForceInterval(asyncForceInterval).clock(clock)
        .scheduler(scheduler).name(name).checkpointEvery(checkpointEvery).amortizeCheckpoints(true)
        .storage(storage);
    listeners.forEach(sb::listener);
    return new EmbeddedWorkflowStore(sb.open());
  }

  /** Every workflow of the table, in the order they started (see {@link Table.Row#start}). */
  @Override
  public List<? extends StoredWorkflow> open(StoreListener listener, boolean resumeOnStart) {
    List<Table.Row> rows = new ArrayList<>(table.rows.values());
    rows.sort(Table.BY_START);
    return rows;
  }

  @Override
  public StoredWorkflow create(String id, String name, String queue, byte[] input) {
    try {
      state.apply(new Entry.Started(id, name, queue, input));
    } catch (WorkflowException e) {
      if ("workflow-conflict".equals(e.code())) {
        return null;
      }
      throw e;
    } catch (JournalException e) {
      throw tooLarge(e, "the start", id);
    }
    return table.rows.get(id);
  }

  @Override
  public StoredWorkflow find(String id) {
    return table.rows.get(id);
  }

  @Override
  public List<WorkflowInfo> list(WorkflowStatus status) {
    List<WorkflowInfo> out = new ArrayList<>();
    for (Table.Row row : table.rows.values()) {
      if (status == null || row.status() == status) {
        out.add(row.info());
      }
    }
    out.sort(Comparator.comparing(WorkflowInfo::workflowId));
    return out;
  }

  /**
   * Records {@code change}; in SYNC it is on disk before this returns, except a SUCCEEDED end, which the journal forces
   * with its next force or within the ASYNC force interval ({@link RecoverableState#applyLater}): a power loss before
   * that leaves the workflow unfinished with every step recorded, so its resumption runs no step again and only
   * computes the same output again from the recorded results (its code is deterministic between steps, as every
   * replay requires). That spares one force of the five a three-step workflow waits for. FAILED and CANCELLED ends
   * stay forced: they are rare, and a replay rebuilds a failure from its recorded text, not as it was thrown. For that
   * reason a success after a step failure (which the code caught) stays forced too: computed again, the output could
   * differ from the one the caller was given.
   *
   * @throws WorkflowException {@code store-failed} (the journal's failure as cause) if the journal could not write
   *     it (a full or failing disk: nothing is recorded, and the store records nothing more until it is opened
   *     again); {@code value-too-large} if it is larger than the journal's records (nothing is recorded, the store
   *     goes on); {@code workflow-finished} or {@code workflow-nondeterministic} if it does not fit
   */
  @Override
  public void record(StoredWorkflow workflow, WorkflowChange change) {
    try {
      if (change instanceof WorkflowChange.Finished
          && ((WorkflowChange.Finished) change).status() == WorkflowStatus.SUCCEEDED && !workflow.anyStepFailed()) {
        state.applyLater(entry(change));
      } else {
        state.apply(entry(change));
      }
    } catch (WorkflowException e) {
      throw e;
    } catch (JournalException e) {
      throw tooLarge(e, change.getClass().getSimpleName(), workflow.id());
    } catch (RuntimeException e) {
      throw storeFailed(e, change.getClass().getSimpleName(), workflow.id());
    }
  }

  /**
   * {@code value-too-large} for a record the journal refused as larger than it takes (refused before anything
   * changed: the store goes on), else {@code store-failed}.
   */
  private static WorkflowException tooLarge(JournalException e, String what, String id) {
    if (!"record-too-large".equals(e.code())) {
      return storeFailed(e, what, id);
    }
    return new WorkflowException(WorkflowExecutor.VALUE_TOO_LARGE, "the workflow store cannot record " + what
        + " of workflow " + id + ": " + e.getMessage(), e);
  }

  /** The executor (and the result's contract) know a store failure by its code: a journal's failure is one. */
  private static WorkflowException storeFailed(RuntimeException e, String what, String id) {
    return new WorkflowException("store-failed", "the workflow store could not record " + what + " of workflow "
        + id + ": " + e.getMessage(), e);
  }

  /** The journal record of {@code change}. */
  static Entry entry(WorkflowChange change) {
    if (change instanceof WorkflowChange.StepDone) {
      WorkflowChange.StepDone c = (WorkflowChange.StepDone) change;
      return new Entry.StepDone(c.id(), c.index(), c.step(), c.result());
    } else if (change instanceof WorkflowChange.StepFailed) {
      WorkflowChange.StepFailed c = (WorkflowChange.StepFailed) change;
      return new Entry.StepFailed(c.id(), c.index(), c.step(), c.error());
    } else if (change instanceof WorkflowChange.Sleep) {
      WorkflowChange.Sleep c = (WorkflowChange.Sleep) change;
      return new Entry.Sleep(c.id(), c.index(), c.wakeMillis());
    } else if (change instanceof WorkflowChange.Cancel) {
      return new Entry.Cancel(change.id());
    } else if (change instanceof WorkflowChange.Resume) {
      return new Entry.Resume(change.id());
    } else if (change instanceof WorkflowChange.Compensating) {
      WorkflowChange.Compensating c = (WorkflowChange.Compensating) change;
      return new Entry.Compensating(c.id(), c.outcome(), c.error());
    } else if (change instanceof WorkflowChange.Compensated) {
      WorkflowChange.Compensated c = (WorkflowChange.Compensated) change;
      return new Entry.Compensated(c.id(), c.index());
    }
    WorkflowChange.Finished c = (WorkflowChange.Finished) change;
    return new Entry.Finished(c.id(), c.status(), c.output(), c.error());
  }

  @Override
  public boolean forgets() {
    return true;
  }

  @Override
  public void forget(List<String> ids) {
    state.apply(new Entry.Forget(ids));
  }

  @Override
  public boolean claim(StoredWorkflow workflow) {
    return true;
  }

  @Override
  public void checkpoint() {
    state.checkpoint("workflows");
  }

  @Override
  public void close() {
    state.close();
  }
}
