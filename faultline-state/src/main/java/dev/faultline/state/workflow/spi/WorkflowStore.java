package dev.faultline.state.workflow.spi;

import dev.faultline.state.workflow.WorkflowInfo;
import dev.faultline.state.workflow.WorkflowStatus;
import java.util.List;

/**
 * Where a {@link dev.faultline.state.workflow.WorkflowExecutor} records its workflows: the backend SPI. One store
 * instance serves one executor, which opens it once ({@link #open}) and closes it when it closes.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>{@link #record} returns only once the change is durable; a view returned by this store reflects it at once.
 *   <li>{@link #create} is atomic: of several concurrent creations of one id (on any node), exactly one returns a view.
 *   <li>A step index is recorded at most once per workflow; a change that does not fit the record (a finished
 *       workflow, a step out of order) is refused with a {@link dev.faultline.state.workflow.WorkflowException}
 *       ({@code workflow-finished}, {@code workflow-nondeterministic}) and changes nothing.
 * </ul>
 *
 * <h2>Ownership and fencing (shared stores)</h2>
 * A store shared by several executor nodes gives each unfinished workflow at most one owner at a time, with an epoch
 * (fencing token) that rises whenever ownership changes hands. Every change but {@link WorkflowChange.Cancel} and
 * {@link WorkflowChange.Resume} carries the epoch under which its executor claimed the workflow and is refused with
 * {@code workflow-fenced} once the epoch has moved on, so a paused former owner cannot record anything after another
 * node took over. A single-process store (the embedded one) has one owner and never fences.
 *
 * <p>Implementations must be thread-safe.
 */
public interface WorkflowStore extends AutoCloseable {

  /**
   * Opens the store for its executor and returns the workflows the executor starts with: every workflow it holds (a
   * single-process store), or those it now owns (a shared store claims, when {@code resumeOnStart}, the unfinished
   * workflows of its own node's previous run and those without an owner; otherwise only those with a resume
   * request), in the order they were started, earliest first. The executor queues each unfinished one it gets if
   * {@code resumeOnStart} or it has a resume request, in that order, so that a queue with a concurrency limit resumes
   * its earlier workflows first.
   * From now on the store may call {@code listener} from its own threads.
   *
   * @throws dev.faultline.core.FaultlineException if the store cannot be opened
   */
  List<? extends StoredWorkflow> open(StoreListener listener, boolean resumeOnStart);

  /**
   * Records the start of workflow {@code id} (PENDING, owned by this executor) and returns its view, or returns null
   * if a workflow with that id exists already (then {@link #find} returns it).
   */
  StoredWorkflow create(String id, String name, String queue, byte[] input);

  /** The view of workflow {@code id}, or null if the store has none. */
  StoredWorkflow find(String id);

  /** The recorded workflows with recorded status {@code status} (all if null), by id. */
  List<WorkflowInfo> list(WorkflowStatus status);

  /**
   * Records {@code change} about {@code workflow} durably.
   *
   * @throws dev.faultline.state.workflow.WorkflowException {@code workflow-fenced} if this executor no longer owns
   *     the workflow (another node took it over); {@code workflow-finished} if it already finished;
   *     {@code value-too-large} if a value in it is larger than the store records (refused before anything changed:
   *     the store goes on, and the executor records a failure instead); others if the change does not fit the
   *     record or the store failed
   */
  void record(StoredWorkflow workflow, WorkflowChange change);

  /**
   * Makes this executor the owner of unfinished {@code workflow}, to run it now (a resume), and refreshes its view.
   * A single-process store always succeeds.
   *
   * @return false if another live node owns it (it keeps running there)
   */
  boolean claim(StoredWorkflow workflow);

  /**
   * Checks, before a step or compensation runs its side effect, that this executor may still act for
   * {@code workflow}: a shared store that cannot vouch for its lease (this node was paused longer than the lease)
   * asks the database. Does nothing by default.
   *
   * @throws dev.faultline.state.workflow.WorkflowException {@code workflow-fenced} if another node took it over
   */
  default void ensureOwned(StoredWorkflow workflow) {}

  /**
   * Whether other executors share this store's workflows (and {@link #release} may hand work to them); false by
   * default.
   */
  default boolean shared() {
    return false;
  }

  /**
   * Gives up this executor's ownership of {@code workflow}, just started and not run yet, because its queue has no
   * room now: on a store several executors share, whichever of them has room in that queue (this one included)
   * claims it and runs it, so that waiting work goes to idle nodes. The executor keeps its handle, which completes
   * when the workflow finishes wherever it runs.
   *
   * @return whether the store released it; false by default (the executor then keeps it waiting in its own queue)
   */
  default boolean release(StoredWorkflow workflow) {
    return false;
  }

  /**
   * A workflow of {@code queue} finished here: a shared store that knows of workflows of that queue handed to it
   * ({@link #release}) and not claimed yet may claim as many as {@link StoreListener#room} allows now, reporting each
   * to {@link StoreListener#claimed} as its heartbeat's claims do. Called after every workflow that finishes; must be
   * cheap when there is nothing to claim. Does nothing by default.
   */
  default void claimWaiting(String queue) {}

  /**
   * Admits waiting workflows of {@code queue} under limits that hold across every executor sharing this store: at
   * most {@code concurrency} admitted and unfinished at once on all of them together, and (if {@code startsPerSecond}
   * is positive) admissions spaced at least a second divided by that apart, by the store's clock. Admits
   * {@code waiting} (workflows this executor owns, not admitted yet, oldest first) in order, as far as the limits
   * allow, and records each durably before returning it; one this executor no longer owns, or that finished, is
   * returned too, without counting (running it finds that out, as for any run). Called only for queues with such
   * limits, on stores that are {@link #shared()}.
   *
   * @throws dev.faultline.state.workflow.WorkflowException {@code store-failed} if the store cannot be reached
   *     (nothing is admitted then)
   */
  default Admission admit(String queue, int concurrency, int startsPerSecond, List<? extends StoredWorkflow> waiting) {
    return new Admission(List.copyOf(waiting), 0); // one executor: its own limits are the limits across executors
  }

  /**
   * What {@link #admit} decided.
   *
   * @param admitted the workflows to start now, in the order given
   * @param retryNanos if the rate held some back: how long until the next admission is allowed; else 0 (retry when
   *     an admitted workflow finishes)
   */
  record Admission(List<StoredWorkflow> admitted, long retryNanos) {
    public Admission {
      admitted = List.copyOf(admitted);
    }
  }

  /** Whether {@link #forget} works (the store can drop finished workflows); false by default. */
  default boolean forgets() {
    return false;
  }

  /**
   * Drops the finished workflows {@code ids} (at most 1000) durably, for the executor's retention; ids the store no
   * longer holds are skipped. Only stores that {@link #forgets()} implement it.
   *
   * @throws dev.faultline.state.workflow.WorkflowException {@code workflow-unfinished} if one of them has not
   *     finished (nothing is dropped then)
   */
  default void forget(List<String> ids) {
    throw new UnsupportedOperationException(getClass().getName() + " keeps every workflow");
  }

  /** Writes a checkpoint if the store has them; does nothing by default. */
  default void checkpoint() {}

  /**
   * Closes the store. A shared store first gives up the workflows this executor still owns, so that other nodes
   * take them over at once. Idempotent.
   */
  @Override
  void close();
}
