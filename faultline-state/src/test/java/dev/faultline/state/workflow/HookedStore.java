package dev.faultline.state.workflow;

import dev.faultline.state.workflow.spi.StoreListener;
import dev.faultline.state.workflow.spi.StoredWorkflow;
import dev.faultline.state.workflow.spi.WorkflowChange;
import dev.faultline.state.workflow.spi.WorkflowStore;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A store (the embedded one, as a rule) with hooks: {@link #onRecord} runs before each record is passed on (it may
 * throw, as a failing store does); {@link #onAdmit} answers admissions; a {@linkplain #shared shared} one runs
 * {@link #onRelease} on each release (it may throw), then
 * refuses it, or says it released it if {@link #releases} (nothing else happens: no other node claims it).
 * Thread-safe as its delegate, the hooks being volatile.
 */
final class HookedStore implements WorkflowStore {
  private final WorkflowStore delegate;
  private final boolean shared;
  volatile BiConsumer<StoredWorkflow, WorkflowChange> onRecord = (w, c) -> {};
  volatile Consumer<StoredWorkflow> onRelease = w -> {};
  /** What release answers after its hook: refused by default (the embedded store cannot hand work to others). */
  volatile boolean releases;
  /** What admit answers, given the waiting workflows; null: the delegate's answer. */
  volatile Function<List<? extends StoredWorkflow>, Admission> onAdmit;
  /** The executor's listener, once it opened the store. */
  volatile StoreListener listener;

  private HookedStore(WorkflowStore delegate, boolean shared) {
    this.delegate = delegate;
    this.shared = shared;
  }

  /** {@code delegate}, shared by its word: a backlog pass offers it workflows, which it refuses after the hook. */
  static HookedStore shared(WorkflowStore delegate) {
    return new HookedStore(delegate, true);
  }

  /** {@code delegate}, as it is (not shared). */
  static HookedStore of(WorkflowStore delegate) {
    return new HookedStore(delegate, false);
  }

  @Override
  public boolean shared() {
    return shared;
  }

  @Override
  public boolean release(StoredWorkflow workflow) {
    onRelease.accept(workflow);
    return releases;
  }

  @Override
  public Admission admit(String queue, int concurrency, int startsPerSecond, List<? extends StoredWorkflow> waiting) {
    Function<List<? extends StoredWorkflow>, Admission> answer = onAdmit;
    return answer == null ? delegate.admit(queue, concurrency, startsPerSecond, waiting) : answer.apply(waiting);
  }

  @Override
  public List<? extends StoredWorkflow> open(StoreListener listener, boolean resumeOnStart) {
    this.listener = listener;
    return delegate.open(listener, resumeOnStart);
  }

  @Override
  public StoredWorkflow create(String id, String name, String queue, byte[] input) {
    return delegate.create(id, name, queue, input);
  }

  @Override
  public StoredWorkflow find(String id) {
    return delegate.find(id);
  }

  @Override
  public List<WorkflowInfo> list(WorkflowStatus status) {
    return delegate.list(status);
  }

  @Override
  public void record(StoredWorkflow workflow, WorkflowChange change) {
    onRecord.accept(workflow, change);
    delegate.record(workflow, change);
  }

  @Override
  public boolean forgets() {
    return delegate.forgets();
  }

  @Override
  public void forget(List<String> ids) {
    delegate.forget(ids);
  }

  @Override
  public boolean claim(StoredWorkflow workflow) {
    return delegate.claim(workflow);
  }

  @Override
  public void checkpoint() {
    delegate.checkpoint();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
