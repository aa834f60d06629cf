package dev.faultline.state.postgres;

import dev.faultline.state.workflow.WorkflowInfo;
import dev.faultline.state.workflow.WorkflowStatus;
import dev.faultline.state.workflow.spi.StoredStep;
import dev.faultline.state.workflow.spi.StoredWorkflow;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * This node's view of one workflow row of {@link PostgresWorkflowStore}: what it last read or wrote, and whether it
 * owns the workflow and under which epoch.
 *
 * <p>Thread-safe. Every mutable field is guarded by this object's monitor; no other lock is taken while holding it,
 * and no I/O happens under it (the store reads or writes first, then applies the outcome here).
 */
final class PgWorkflow implements StoredWorkflow {
  final String id;
  final String name;
  final String queue;
  private final byte[] input;
  private WorkflowStatus status;
  private final List<Step> steps = new ArrayList<>();
  private final Set<Integer> compensated = new HashSet<>();
  private boolean cancelRequested;
  private boolean resumeRequested;
  private WorkflowStatus outcome;
  private byte[] output;
  private String error;
  /** The epoch under which this node owns the workflow; meaningful while {@code owned}. */
  private long epoch;
  private boolean owned;
  /** Whether its queue's limits across nodes admitted it (admitted_at is set). */
  private boolean admitted;

  /** One recorded step or timer; immutable. */
  record Step(int index, String name, byte[] result, String error, long wakeMillis, boolean sleep, boolean undone)
      implements StoredStep {}

  /** The scalar columns of a workflow row. */
  record Row(String id, String name, String queue, byte[] input, WorkflowStatus status, String owner, long epoch,
      boolean cancelRequested, boolean resumeRequested, WorkflowStatus outcome, byte[] output, String error,
      boolean admitted) {}

  PgWorkflow(Row row) {
    this.id = row.id();
    this.name = row.name();
    this.queue = row.queue();
    this.input = row.input();
    this.status = row.status();
    this.admitted = row.admitted();
  }

  /**
   * Takes the row's state (and steps, if given) as read from the database; ownership is left as it is. A finished
   * view keeps its end: a row read before that end was written (a successful end reaches the database after the
   * result completes) is older than the view, and no finished workflow starts again.
   */
  synchronized void refresh(Row row, List<Step> recorded) {
    if (status.terminal() && !row.status().terminal()) {
      return;
    }
    status = row.status();
    cancelRequested = row.cancelRequested();
    resumeRequested = row.resumeRequested();
    outcome = row.outcome();
    output = row.output();
    error = row.error();
    admitted = row.admitted();
    if (recorded != null) {
      steps.clear();
      compensated.clear();
      for (Step s : recorded) {
        steps.add(s);
        if (s.undone()) {
          compensated.add(s.index());
        }
      }
    }
  }

  /** Records that this node now owns the workflow under {@code epoch}. */
  synchronized void own(long epoch) {
    this.epoch = epoch;
    this.owned = true;
  }

  /** Records that this node no longer owns the workflow (released, or taken over). */
  synchronized void disown() {
    owned = false;
  }

  /** Disowns the workflow if this node still owns it under {@code epoch}; returns whether it did. */
  synchronized boolean disownIf(long epoch) {
    if (owned && this.epoch == epoch) {
      owned = false;
      return true;
    }
    return false;
  }

  synchronized boolean owned() {
    return owned;
  }

  /** The epoch this node owns the workflow under, or -1 if it does not. */
  synchronized long ownedEpoch() {
    return owned ? epoch : -1;
  }

  @Override
  public synchronized boolean admitted() {
    return admitted;
  }

  synchronized void admit() {
    admitted = true;
  }

  synchronized void addStep(Step step, boolean cancel) {
    steps.add(step);
    cancelRequested |= cancel;
  }

  synchronized void compensating(WorkflowStatus outcome, String error, boolean cancel) {
    this.status = WorkflowStatus.COMPENSATING;
    this.outcome = outcome;
    this.error = error;
    cancelRequested |= cancel;
  }

  synchronized void markCompensated(int index) {
    compensated.add(index);
  }

  synchronized void finished(WorkflowStatus status, byte[] output, String error) {
    this.status = status;
    this.output = output;
    this.error = error;
    this.owned = false;
  }

  synchronized void requestCancel() {
    cancelRequested = true;
  }

  synchronized void requestResume() {
    resumeRequested = true;
  }

  synchronized int stepCount() {
    return steps.size();
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String queue() {
    return queue;
  }

  @Override
  public byte[] input() {
    return input;
  }

  @Override
  public synchronized WorkflowStatus status() {
    return status;
  }

  @Override
  public synchronized StoredStep step(int index) {
    return index < steps.size() ? steps.get(index) : null;
  }

  @Override
  public synchronized boolean cancelRequested() {
    return cancelRequested;
  }

  @Override
  public synchronized boolean resumeRequested() {
    return resumeRequested;
  }

  @Override
  public synchronized boolean compensated(int index) {
    return compensated.contains(index);
  }

  @Override
  public synchronized WorkflowStatus outcome() {
    return outcome;
  }

  @Override
  public synchronized byte[] output() {
    return output;
  }

  @Override
  public synchronized String error() {
    return error;
  }

  @Override
  public synchronized WorkflowInfo info() {
    List<WorkflowInfo.StepInfo> infos = new ArrayList<>(steps.size());
    for (Step s : steps) {
      infos.add(WorkflowInfo.StepInfo.of(s.index(), s.name(), s.sleep(), s.wakeMillis(), s.error(),
          compensated.contains(s.index())));
    }
    return new WorkflowInfo(id, name, queue, status, infos, compensated.size(), error);
  }

  @Override
  public String toString() {
    return "PgWorkflow[" + id + ", " + status() + "]";
  }
}
