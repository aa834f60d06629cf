package dev.faultline.state.workflow;

import dev.faultline.core.Clock;
import dev.faultline.core.ConfigurationException;
import dev.faultline.core.Scheduler;
import dev.faultline.core.event.FaultEventListener;
import dev.faultline.core.event.WorkflowEvent;
import dev.faultline.core.internal.Durations;
import dev.faultline.core.internal.Events;
import dev.faultline.core.internal.Exceptions;
import dev.faultline.core.internal.Validate;
import dev.faultline.core.retry.Retry;
import dev.faultline.state.RecoverableState;
import dev.faultline.state.journal.Durability;
import dev.faultline.state.workflow.spi.StoreListener;
import dev.faultline.state.workflow.spi.StoredStep;
import dev.faultline.state.workflow.spi.StoredWorkflow;
import dev.faultline.state.workflow.spi.WorkflowChange;
import dev.faultline.state.workflow.spi.WorkflowStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs durable {@link Workflow}s on a {@link WorkflowStore}: by default the embedded store, a directory holding a
 * journal of every start, step result, timer, cancellation and compensation (appended in {@code SYNC} durability, so
 * a result is on disk before the step returns it) and periodic checkpoints of the workflow table (see
 * {@link RecoverableState}); or a shared store given to {@link #builder(WorkflowStore)} (PostgreSQL, in
 * faultline-state-postgres), on which several executor nodes share work.
 *
 * <h2>Life of a workflow</h2>
 * {@link #start} records the start and queues the workflow (idempotent: the same id returns the same handle). A worker
 * thread runs the code ({@link #call} runs it in the calling thread instead, when its queue can start it, and so does
 * an untimed wait for the result before a worker took it); each {@link WorkflowContext#step} records its result or
 * failure before returning. When the code returns, the output is recorded (SUCCEEDED). When it throws, or a
 * requested cancellation stops it at its next step, the executor records that it is COMPENSATING, runs the
 * compensations of completed steps in reverse order, recording each, and records FAILED or CANCELLED.
 *
 * <h2>Recovery</h2>
 * Opening rebuilds the table from the newest checkpoint plus the journal and (unless
 * {@link Builder#resumeOnStart(boolean) turned off}) queues every unfinished workflow. Its code runs again from the
 * start: recorded steps return their recorded results (or throw their recorded failures) without running, recorded
 * timers wait only their remaining time, and the first unrecorded step runs with the same idempotency key as before
 * the crash. If the code calls another step than the one recorded at a position, or ends (returns or throws) before
 * it reached every recorded step, the run stops with {@code workflow-nondeterministic} and nothing is recorded: the
 * workflow stays unfinished for fixed code to resume.
 * A workflow that was COMPENSATING is replayed only as far as its recorded steps (to register their
 * compensations, running nothing), then its compensations not yet recorded run.
 *
 * <h2>Queues</h2>
 * Each workflow runs on a named queue ({@code "default"} unless given) that starts at most {@code concurrency} of its
 * workflows at once and, with a rate, at most that many per second (starts are spaced evenly). Workers are threads
 * of one pool; a workflow holds its worker while it runs, timers included. A queue may also have limits across every
 * executor sharing the store ({@link Builder#globalQueueLimits}), which the store admits workflows under
 * ({@link WorkflowStore#admit}).
 *
 * <h2>Events</h2>
 * A {@link WorkflowEvent.Transition} for every start (STARTED), recorded step (STEP_COMPLETED), attempt after the
 * first under a step's retry (STEP_RETRIED), recorded step failure (STEP_FAILED: no retry, the retry gave up, or a
 * result that cannot be recorded; detail: the recorded failure), resumption after a restart or a
 * {@link WorkflowHandle#resume()} (RESUMED), compensation (COMPENSATED) and end (COMPLETED, FAILED, CANCELLED), and,
 * on a shared store, for every workflow taken over from a node that stopped heart-beating (TAKEN_OVER); the source
 * is the executor's name.
 *
 * <h2>Shared stores</h2>
 * On a store shared by several executor nodes, an executor runs the workflows it starts and those its store claims
 * for it (see {@link WorkflowStore}); {@link #list} and {@link #handle} also see the workflows of other nodes, whose
 * handles complete when the store sees them finish. A workflow another node took over while this one was paused
 * fails here with {@code workflow-fenced} and goes on there. The executor drops the handle of a finished workflow
 * from its memory a minute after it finished (the database keeps the workflow; {@link #handle} and {@link #start}
 * then answer with a new handle read from it), so that a node's memory does not grow with every workflow it ran.
 *
 * <h2>Concurrency</h2>
 * <pre>
 * runs: concurrent map of id to Run; a Run is inserted once, by the start that wins putIfAbsent (the losers wait for
 *   its start record). Run.executing, Run.queued, Run.sleeping, Run.thread, Run.inCaller, Run.spent and Run.ready are
 *   guarded by the Run's monitor. A dispatched run is executed by whoever takes Run.ready first: its worker's task,
 *   or a thread waiting for its result; the other finds it gone and does nothing. A run that ends lets go
 *   (executing = false) and marks its result spent in one step under that monitor; a resume, and a run that starts,
 *   renew a spent result under it: a resume in the moment before the ended run's result completes gets a new one.
 * Queue fields (pending, running, nextStartNanos, timerArmed) are guarded by the Queue's monitor.
 * Stored workflows (the store's views) guard themselves. No lock is held while recording, running workflow code
 *   or publishing events; the embedded journal's group commit batches concurrent steps into one force.
 * </pre>
 * Thread-safe.
 */
public final class WorkflowExecutor implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(WorkflowExecutor.class.getName());
  /** The queue of workflows started without one. */
  public static final String DEFAULT_QUEUE = "default";
  /** The code of the failure a shared store raises once another node took a workflow over. */
  private static final String FENCED = "workflow-fenced";
  /** How long a shared store's finished workflow keeps its handle in memory (see evictNanos). */
  private static final long HANDLE_KEEP_NANOS = TimeUnit.MINUTES.toNanos(1);
  /** The code of the failure a store raises when it cannot be reached or refuses a write. */
  private static final String STORE_FAILED = "store-failed";
  private static final String NONDETERMINISTIC = "workflow-nondeterministic";
  /** A value larger than the store records, refused before anything was recorded (see WorkflowStore#record). */
  static final String VALUE_TOO_LARGE = "value-too-large";

  private final String name;
  private final Map<String, Workflow<Object, Object>> workflows;
  private final Map<String, Queue> queues;
  private final WorkflowCodec codec;
  private final Clock clock;
  private final Scheduler scheduler;
  private final Events events;
  private final ExecutorService pool;
  private final boolean ownsPool;
  private final WorkflowStore store;
  private final ConcurrentHashMap<String, Run> runs = new ConcurrentHashMap<>();
  /** Whether the store is shared with other executors: workflows waiting beyond a queue's next turn go to them. */
  private final boolean shared;
  /** How long a finished workflow is kept; 0: for ever. */
  private final long retainNanos;
  /**
   * How long after it finished a workflow's handle leaves this executor's memory (runs): retainNanos on a store that
   * forgets, HANDLE_KEEP on a shared store (the database keeps the workflow, handle(id) rebuilds its handle), 0 (for
   * ever) on the embedded store without retention.
   */
  private final long evictNanos;
  /** Finished workflows by the time they finished here (or were recovered), oldest first; guarded by itself. */
  private final ArrayDeque<Finished> finished = new ArrayDeque<>();
  /** The retention passes, if retaining, and the passes that hand a backlog to a shared store; cancelled by close. */
  private final List<Periodic> passes = new CopyOnWriteArrayList<>();
  /** How often a shared store gets the workflows waiting beyond what the queues will start next. */
  private static final long SHARE_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);
  /**
   * How often a queue with limits across executors, with workflows waiting here, asks the store again (room freed by
   * workflows that finished on other executors is seen no later than that).
   */
  private static final long ADMIT_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
  /**
   * Where the periodic passes and the admission timer run: their store calls may block (a database away), so not on
   * the scheduler's executor, which other timers share (see {@link Builder#storeTasks}).
   */
  private final Executor storeTasks;
  /** The thread behind storeTasks if this executor made it (close shuts it down), else null. */
  private final ExecutorService ownedStoreTasks;
  private volatile boolean closed;
  /**
   * A test hook: runs in the thread of a run that let go of its workflow (no longer executing), before the run's
   * result completes; null (the rule) for none.
   */
  volatile Runnable afterLetGo;

  private WorkflowExecutor(Builder b) {
    this.name = b.name;
    this.workflows = Map.copyOf(b.workflows);
    this.codec = b.codec;
    this.clock = b.clock;
    this.scheduler = b.scheduler;
    this.events = new Events(b.clock, b.listeners);
    this.retainNanos = Durations.toNanosSaturated(b.retainFinished);
    this.ownsPool = b.pool == null;
    this.pool = b.pool != null ? b.pool : Executors.newFixedThreadPool(b.threads, daemonThreads(b.name, "worker"));
    this.ownedStoreTasks = b.storeTasks != null ? null : Executors.newSingleThreadExecutor(daemonThreads(b.name,
        "store")); // its thread starts with its first task
    this.storeTasks = b.storeTasks != null ? b.storeTasks : ownedStoreTasks;
    try {
      this.store = b.store != null ? b.store : EmbeddedWorkflowStore.open(b.directory, b.clock, b.scheduler,
          b.name, b.checkpointEvery, b.durability != null ? b.durability : Durability.SYNC,
          b.asyncForceInterval != null ? b.asyncForceInterval : Duration.ofMillis(50), b.listeners);
    } catch (RuntimeException e) {
      if (ownsPool) {
        pool.shutdownNow();
      }
      throw e;
    }
    this.evictNanos = store.forgets() ? retainNanos : HANDLE_KEEP_NANOS;
    this.shared = store.shared();
    Map<String, Queue> qs = new LinkedHashMap<>();
    b.queues.forEach((q, spec) -> {
      int[] across = b.globalQueues.get(q);
      if (across == null) {
        qs.put(q, new Queue(q, spec[0], spec[1], 0, 0));
      } else if (shared) {
        qs.put(q, new Queue(q, spec[0], spec[1], across[0], across[1]));
      } else { // this executor is the only one: the limits across executors tighten its own
        int rate = spec[1] == 0 ? across[1] : across[1] == 0 ? spec[1] : Math.min(spec[1], across[1]);
        qs.put(q, new Queue(q, Math.min(spec[0], across[0]), rate, 0, 0));
      }
    });
    this.queues = Map.copyOf(qs);
  }

  /**
   * Refuses a name or id the store cannot record: the journal and checkpoints hold them in modified UTF-8 of at most
   * 65535 bytes.
   *
   * @throws ConfigurationException naming {@code field} if {@code value} is longer
   */
  private static String recordable(String field, String value) {
    if (!SnapshotBytes.fitsUtf(value)) {
      throw new ConfigurationException(field, "be at most " + SnapshotBytes.MAX_UTF + " bytes in modified UTF-8 (the"
          + " form it is recorded in)", SnapshotBytes.modifiedUtf8Length(value) + " bytes (" + value.length()
          + " chars)");
    }
    return value;
  }

  private static ThreadFactory daemonThreads(String name, String role) {
    AtomicInteger count = new AtomicInteger();
    return task -> {
      Thread thread = new Thread(task, name + "-" + role + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  /** A builder for an executor whose store is {@code directory} (created if missing). */
  public static Builder builder(Path directory) {
    return new Builder(Validate.notNull("directory", directory), null);
  }

  /**
   * A builder for an executor whose store is {@code store} (which the executor opens, and closes when it closes),
   * for example a PostgreSQL store shared by several executor nodes.
   */
  public static Builder builder(WorkflowStore store) {
    return new Builder(null, Validate.notNull("store", store));
  }

  /**
   * Opens the store, loads the workflows it returns and queues the unfinished ones (if resuming on start), in the
   * order the store returns them: the order they started.
   */
  private void recover(boolean resume) {
    // In the store's order, the order they started: a queue resumes its earlier workflows first.
    List<StoredWorkflow> rows = new ArrayList<>(store.open(new Listener(), resume));
    int unfinished = 0;
    for (StoredWorkflow row : rows) {
      Run run = new Run(row, true);
      run.recorded.complete(null);
      runs.put(row.id(), run);
      if (!settleOnDemand(run)) {
        unfinished++;
        if (resume || row.resumeRequested()) {
          enqueue(run);
        }
      }
    }
    LOG.log(System.Logger.Level.INFO, "workflow executor " + name + " recovered " + rows.size() + " workflow(s), "
        + unfinished + " unfinished" + (resume ? " and resumed" : ""));
  }

  /** Completes the result of a run whose workflow finished; returns whether it had. */
  private boolean settle(Run run) {
    boolean terminal = completeOutcome(run.row, run.result);
    if (terminal) {
      noteFinished(run);
    }
    return terminal;
  }

  /**
   * As {@link #settle}, but leaves the result to be completed when first asked for ({@link Run#outcomePending}): for
   * a run nobody holds yet (recovered at open), so that every finished workflow the store holds does not keep its
   * decoded output (or its failure) in memory as well as its recorded bytes.
   */
  private boolean settleOnDemand(Run run) {
    boolean terminal = run.row.status().terminal();
    if (terminal) {
      run.outcomePending = true;
      noteFinished(run);
    }
    return terminal;
  }

  /**
   * Completes {@code result} with the recorded outcome of {@code row} if it finished (its decoded output, or the
   * failure that says how it ended); returns whether it had.
   */
  private boolean completeOutcome(StoredWorkflow row, CompletableFuture<Object> result) {
    WorkflowStatus status = row.status();
    if (status == WorkflowStatus.SUCCEEDED) {
      try {
        result.complete(decode(row.output()));
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
      }
    } else if (status.terminal()) {
      result.completeExceptionally(outcomeFailure(row));
    }
    return status.terminal();
  }

  /** What a shared store reports: workflows it claimed for this executor, and workflows changed elsewhere. */
  private final class Listener implements StoreListener {
    @Override
    public void claimed(StoredWorkflow workflow, String previousOwner) {
      Run run;
      while (true) {
        run = runs.computeIfAbsent(workflow.id(), id -> {
          Run fresh = new Run(workflow, true);
          fresh.recorded.complete(null);
          return fresh;
        });
        try {
          // A start of this id still reading its row (it found the id taken): queued before it has its row, the run
          // would fail in this thread and stay marked queued, in no queue, for ever.
          run.recorded.join();
          break;
        } catch (java.util.concurrent.CompletionException e) {
          runs.remove(workflow.id(), run); // that start failed and forgot it: this claim makes the run
        }
      }
      if (previousOwner != null) {
        publish(workflow.id(), WorkflowEvent.Kind.TAKEN_OVER, null, "from " + previousOwner);
      }
      synchronized (run) {
        run.resumed = !run.released; // one this executor handed over and now claims back starts; it does not resume
        run.released = false;
        if (run.executing) {
          // Claimed back while a run it lost is still going here (that run is fenced at its next record): run it
          // again once that run ends, or nobody would (this executor owns it now).
          run.claimedAgain = true;
          return;
        }
      }
      enqueue(run);
    }

    @Override
    public int room(String queueName) {
      Queue queue = queues.getOrDefault(queueName, queues.get(DEFAULT_QUEUE));
      synchronized (queue) {
        if (queue.intervalNanos > 0) {
          return queue.rateHolds(clock.nanoTime()) || !queue.pending.isEmpty() ? 0 : 1;
        }
        return Math.max(0, queue.concurrency - queue.running - queue.pending.size());
      }
    }

    @Override
    public void changed(StoredWorkflow workflow) {
      Run run = runs.get(workflow.id());
      if (run == null) {
        return;
      }
      synchronized (run) {
        if (workflow.cancelRequested() && run.sleeping && run.thread != null) {
          run.thread.interrupt();
        }
        if (run.executing || run.queued) {
          return;
        }
      }
      settle(run);
    }

    @Override
    public void gone(String workflowId) {
      Run run = runs.get(workflowId);
      if (run == null) {
        return;
      }
      synchronized (run) {
        if (run.executing || run.queued) {
          return; // this executor runs it: its own records find out what became of it
        }
      }
      if (runs.remove(workflowId, run) && !run.outcomePending) { // else its recorded outcome answers on demand
        run.result.completeExceptionally(new WorkflowException("workflow-unknown", "workflow " + workflowId
            + " is no longer in the store: it finished on another node and was deleted (a retention of finished"
            + " workflows) before executor " + name + " read its outcome, or its record was deleted"));
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------- offline

  /**
   * What the store in {@code directory} records about every workflow, by id, read without running anything (what
   * the command line shows). Reads without the store's lock and changes nothing (a torn tail stays for the next
   * executor to cut, an ASYNC session's loss for it to report); while an executor has the store open, this is what
   * its journal held at that moment.
   *
   * @throws WorkflowException {@code store-missing} if {@code directory} is not a workflow store,
   *     {@code store-unreadable} if its state does not decode as one (another kind of state, or damage)
   * @throws dev.faultline.state.StateException {@code state-corrupted} and the other failures of a recovery
   */
  public static List<WorkflowInfo> inspect(Path directory) {
    requireStore(directory);
    Table table = readable(directory, () -> RecoverableState.readOffline(directory, new Table.Machine(), Table.CODEC,
        Entry.CODEC));
    List<WorkflowInfo> out = new ArrayList<>();
    for (Table.Row row : table.rows.values()) {
      out.add(row.info());
    }
    out.sort(Comparator.comparing(WorkflowInfo::workflowId));
    return out;
  }

  /**
   * Records, in the store in {@code directory}, that workflow {@code workflowId} is to be cancelled: the next
   * executor that opens the store resumes it (a resume request is recorded with it, so even one that does not
   * {@linkplain Builder#resumeOnStart(boolean) resume on start} does), and it stops at its next step and compensates.
   *
   * @return false if the workflow had already finished
   * @throws WorkflowException {@code store-unreadable} if the state in {@code directory} does not decode as a workflow
   *     store's (another kind of state, or damage; nothing is recorded), {@code workflow-unknown} if the store has
   *     no such workflow, {@code store-missing} if
   *     {@code directory} is not a workflow store (nothing is created)
   * @throws dev.faultline.state.journal.JournalException {@code journal-locked} if an executor has the store open
   */
  public static boolean cancelOffline(Path directory, String workflowId) {
    try (RecoverableState<Table, Entry> state = offline(directory)) {
      Table.Row row = state.state().rows.get(workflowId);
      if (row == null) {
        throw new WorkflowException("workflow-unknown", "no workflow with id " + workflowId + " in " + directory);
      }
      if (row.status().terminal()) {
        return false;
      }
      if (!row.cancelRequested()) {
        state.apply(new Entry.Cancel(workflowId));
      }
      if (!row.resumeRequested()) {
        // Or an executor that does not resume on start would leave it waiting, uncancelled, for a resume().
        state.apply(new Entry.Resume(workflowId));
      }
      return true;
    }
  }

  /**
   * Records, in the store in {@code directory}, that workflow {@code workflowId} is to be resumed: the next executor
   * that opens the store resumes it even if it does not {@linkplain Builder#resumeOnStart(boolean) resume on start}
   * (and retries a failed compensation).
   *
   * @return false if the workflow had already finished
   * @throws WorkflowException {@code store-unreadable} if the state in {@code directory} does not decode as a workflow
   *     store's (another kind of state, or damage; nothing is recorded), {@code workflow-unknown} if the store has
   *     no such workflow, {@code store-missing} if
   *     {@code directory} is not a workflow store (nothing is created)
   * @throws dev.faultline.state.journal.JournalException {@code journal-locked} if an executor has the store open
   */
  public static boolean resumeOffline(Path directory, String workflowId) {
    try (RecoverableState<Table, Entry> state = offline(directory)) {
      Table.Row row = state.state().rows.get(workflowId);
      if (row == null) {
        throw new WorkflowException("workflow-unknown", "no workflow with id " + workflowId + " in " + directory);
      }
      if (row.status().terminal()) {
        return false;
      }
      if (!row.resumeRequested()) {
        state.apply(new Entry.Resume(workflowId));
      }
      return true;
    }
  }

  /**
   * Opens the store in {@code directory} for an offline read or request; refuses a path that is not a store rather
   * than create one there (an executor's store always has a journal segment from its first open on).
   *
   * @throws WorkflowException {@code store-missing} if {@code directory} is not a directory or holds no journal
   */
  private static RecoverableState<Table, Entry> offline(Path directory) {
    requireStore(directory);
    return readable(directory, () -> RecoverableState.builder(directory, new Table.Machine(), Table.CODEC, Entry.CODEC)
        .checkpointEvery(0).open());
  }

  /**
   * Reads the store in {@code directory} with {@code read}, naming a state that does not decode as a workflow table
   * for what it most likely is: the state of something else (a directory of {@code RecoverableState} holds a journal
   * too), or a damaged workflow store.
   *
   * @throws WorkflowException {@code store-unreadable} (the state's failure as cause) if it does not decode
   */
  private static <T> T readable(Path directory, java.util.function.Supplier<T> read) {
    try {
      return read.get();
    } catch (dev.faultline.state.StateException e) {
      if (!"state-replay-failed".equals(e.code())) {
        throw e;
      }
      throw new WorkflowException("store-unreadable", directory + " does not hold a workflow store's state: it is"
          + " the state of something else, or a damaged workflow store (" + e.getMessage() + ")", e);
    }
  }

  /** Refuses a path that is not a workflow store (an executor's store has a journal segment from its first open). */
  private static void requireStore(Path directory) {
    Validate.notNull("directory", directory);
    if (!java.nio.file.Files.isDirectory(directory)) {
      throw new WorkflowException("store-missing", "no workflow store at " + directory + ": "
          + (java.nio.file.Files.exists(directory) ? "not a directory" : "no such directory"));
    }
    boolean journal;
    try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(directory)) {
      journal = files.anyMatch(f -> f.getFileName().toString().endsWith(".journal")
          && java.nio.file.Files.isRegularFile(f));
    } catch (java.io.IOException e) {
      throw new WorkflowException("store-missing", "cannot read workflow store directory " + directory + ": " + e, e);
    }
    if (!journal) {
      throw new WorkflowException("store-missing", directory + " is not a workflow store: it has no journal"
          + " (*.journal); nothing was changed");
    }
  }

  // ---------------------------------------------------------------------------------------------------- API

  /** As {@link #start(String, String, String, Object)} on the default queue. */
  public <O> WorkflowHandle<O> start(String workflowName, String workflowId, Object input) {
    return start(DEFAULT_QUEUE, workflowName, workflowId, input);
  }

  /**
   * Starts workflow {@code workflowName} with id {@code workflowId} on {@code queue}, durably, unless a workflow
   * with that id exists: then returns its handle (idempotent start).
   *
   * @throws WorkflowException {@code workflow-unknown} if no workflow has that name, {@code queue-unknown},
   *     {@code workflow-conflict} if the id belongs to a workflow of another name, {@code codec-failed},
   *     {@code executor-closed}
   * @throws ConfigurationException if a name or the id is null, the id blank or longer than 65535 bytes in modified
   *     UTF-8 (nothing is recorded)
   */
  @SuppressWarnings("unchecked")
  public <O> WorkflowHandle<O> start(String queue, String workflowName, String workflowId, Object input) {
    return (WorkflowHandle<O>) start(queue, workflowName, workflowId, input, false);
  }

  /** As {@link #call(String, String, String, Object)} on the default queue. */
  public <O> O call(String workflowName, String workflowId, Object input) {
    return call(DEFAULT_QUEUE, workflowName, workflowId, input);
  }

  /**
   * Starts workflow {@code workflowName} with id {@code workflowId} on {@code queue} as {@link #start} does, runs it
   * in the calling thread and returns its output: for code that would wait for the result anyway (a request
   * handler), it saves handing the workflow to a worker and the result back. Everything else is as with
   * {@code start}: the start and every step are recorded, the workflow resumes on a worker after a crash, and its
   * handle serves status, cancellation and the result. If the id belongs to a workflow already started, or the queue
   * cannot start another workflow now (its concurrency or its rate), the workflow runs as {@code start} would run it
   * and this call waits for its result.
   *
   * <p>While the workflow runs in this thread, an interrupt of the thread goes to the running step, as the executor's
   * close interrupts a worker (and close interrupts this thread the same way); the interrupt status the thread had
   * when it called is set again when the call returns.
   *
   * @return the workflow's output
   * @throws WorkflowException as {@link #start} does, and as its result completes when the workflow does not succeed:
   *     {@code workflow-failed} (the failure as cause), {@code workflow-cancelled}, {@code compensation-failed},
   *     {@code executor-closed}
   */
  @SuppressWarnings("unchecked")
  public <O> O call(String queue, String workflowName, String workflowId, Object input) {
    Run run = start(queue, workflowName, workflowId, input, true);
    try {
      return (O) run.result().join();
    } catch (java.util.concurrent.CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof WorkflowException) {
        throw (WorkflowException) cause;
      }
      throw new WorkflowException("workflow-failed", "workflow " + workflowId + " failed: " + cause, cause);
    }
  }

  /** Starts (or finds) the workflow; if {@code callerRuns} and it was created here, runs it in this thread first. */
  private Run start(String queue, String workflowName, String workflowId, Object input, boolean callerRuns) {
    Validate.notNull("workflowName", workflowName);
    Validate.notNull("queue", queue);
    recordable("workflowId", Validate.notBlank("workflowId", workflowId));
    if (!workflows.containsKey(workflowName)) {
      throw new WorkflowException("workflow-unknown", "no workflow is registered under the name '" + workflowName
          + "'; registered: " + workflows.keySet());
    }
    if (!queues.containsKey(queue)) {
      throw new WorkflowException("queue-unknown", "no queue '" + queue + "'; configured: " + queues.keySet());
    }
    ensureOpen();
    Run existing = runs.get(workflowId);
    if (existing == null) {
      byte[] encoded = encode(input);
      Run fresh = new Run(null, false);
      existing = runs.putIfAbsent(workflowId, fresh);
      if (existing == null) {
        StoredWorkflow row;
        boolean created;
        try {
          row = store.create(workflowId, workflowName, queue, encoded);
          created = row != null;
          if (!created) {
            // Started before, on another node of a shared store: this becomes its handle here.
            row = store.find(workflowId);
            if (row == null) {
              throw new WorkflowException("workflow-unknown", "workflow " + workflowId
                  + " was started but its record cannot be read");
            }
          }
        } catch (RuntimeException e) {
          runs.remove(workflowId, fresh);
          fresh.recorded.completeExceptionally(e);
          throw e;
        }
        fresh.row = row;
        fresh.recorded.complete(null);
        if (created) {
          publish(workflowId, WorkflowEvent.Kind.STARTED, null, workflowName);
          if (callerRuns) {
            runHere(fresh);
          } else {
            enqueue(fresh);
          }
          return fresh;
        }
        fresh.resumed = true;
        settle(fresh);
        existing = fresh;
      }
    }
    try {
      existing.recorded.join();
    } catch (java.util.concurrent.CompletionException e) {
      // The concurrent start that won failed to record it: nothing was started; let this caller see why.
      throw new WorkflowException("workflow-unknown", "workflow " + workflowId + " could not be started: "
          + e.getCause(), e.getCause());
    }
    if (!existing.row.name().equals(workflowName)) {
      throw new WorkflowException("workflow-conflict", "workflow id " + workflowId + " belongs to a workflow named '"
          + existing.row.name() + "', not '" + workflowName + "'");
    }
    return existing;
  }

  /**
   * The handle of workflow {@code workflowId} (on a shared store, also of one that another node started).
   *
   * @throws WorkflowException {@code workflow-unknown} if there is none
   */
  @SuppressWarnings("unchecked")
  public <O> WorkflowHandle<O> handle(String workflowId) {
    Run run = workflowId == null ? null : runs.get(workflowId);
    if (run == null && workflowId != null && !workflowId.isBlank()) {
      StoredWorkflow row = store.find(workflowId);
      if (row != null) {
        Run found = new Run(row, true);
        found.recorded.complete(null);
        run = runs.putIfAbsent(workflowId, found);
        if (run == null) {
          run = found;
          settle(run);
        }
      }
    }
    if (run == null || !run.recorded.isDone() || run.recorded.isCompletedExceptionally()) {
      throw new WorkflowException("workflow-unknown", "no workflow with id " + workflowId);
    }
    return (WorkflowHandle<O>) run;
  }

  /**
   * The workflows with status {@code status} (all of them if null), by id: every workflow of the store (on a shared
   * store, those of other nodes too), RUNNING for those running here.
   */
  public List<WorkflowInfo> list(WorkflowStatus status) {
    List<WorkflowInfo> out = new ArrayList<>();
    for (WorkflowInfo info : store.list(status == WorkflowStatus.RUNNING ? WorkflowStatus.PENDING : status)) {
      Run run = runs.get(info.workflowId());
      if (run != null && run.row != null) {
        WorkflowStatus here = run.status();
        if (here != info.status()) {
          info = new WorkflowInfo(info.workflowId(), info.workflowName(), info.queue(), here, info.steps(),
              info.compensated(), info.error());
        }
      }
      if (status == null || info.status() == status) {
        out.add(info);
      }
    }
    return out;
  }

  /** The executor's name (the source of its events). */
  public String name() {
    return name;
  }

  /**
   * Writes a checkpoint of the workflow table now (one is also written every {@code checkpointEvery} records, see
   * {@link Builder#checkpointEvery}); does nothing on a store without checkpoints.
   */
  public void checkpoint() {
    store.checkpoint();
  }

  /**
   * Stops the workers (interrupting running workflows, whose unfinished steps run again when the store is next
   * opened), fails the pending result futures with {@code executor-closed}, and closes the store. Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    passes.forEach(Periodic::cancel);
    if (ownedStoreTasks != null) {
      ownedStoreTasks.shutdownNow(); // a pass in progress finds the executor closed at its next store call
    }
    if (ownsPool) {
      pool.shutdownNow();
      try {
        if (!pool.awaitTermination(10, TimeUnit.SECONDS)) {
          LOG.log(System.Logger.Level.WARNING, "workflow workers of " + name + " did not stop within 10 s");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (Run run : runs.values()) {
      synchronized (run) {
        if (run.thread != null && (run.inCaller || !ownsPool)) {
          // Our workers were interrupted by shutdownNow; a calling thread, or a thread of an executor service given
          // to the builder (which is not ours to shut down), is stopped the same way.
          run.thread.interrupt();
        }
      }
    }
    try {
      store.close();
    } finally { // a store that fails to close (a journal that cannot force) must not leave a result waiting for ever
      for (Run run : runs.values()) {
        if (!run.outcomePending) { // a finished workflow's outcome, completed on demand, does not wait
          run.result.completeExceptionally(closedFailure());
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------- retention

  /** A workflow that finished (or was seen finished) at {@code nanos}. */
  private record Finished(Run run, long nanos) {}

  private void noteFinished(Run run) {
    if (evictNanos > 0) {
      synchronized (finished) {
        finished.addLast(new Finished(run, clock.nanoTime()));
      }
    }
  }

  /** Checks for workflows to forget a few times per retention period (at least every minute, at most every second). */
  private void scheduleRetention() {
    long period = Math.max(TimeUnit.SECONDS.toNanos(1), Math.min(evictNanos / 4, TimeUnit.MINUTES.toNanos(1)));
    every(period, "could not forget finished workflows", this::forgetExpired);
  }

  /** Runs {@code task} on {@link #storeTasks}, unless the executor closed (then it is dropped). */
  private void onStoreTasks(Runnable task) {
    try {
      storeTasks.execute(task);
    } catch (RejectedExecutionException e) {
      if (!closed) {
        throw e;
      }
    }
  }

  /**
   * Runs {@code pass} every {@code periodNanos} of the scheduler, on {@link #storeTasks}, until close; a failed pass is
   * logged and retried.
   */
  private void every(long periodNanos, String failure, Runnable pass) {
    Periodic periodic = new Periodic(periodNanos, failure, pass);
    passes.add(periodic);
    periodic.schedule();
  }

  /** A pass run again and again on the scheduler, each one scheduling the next, until the executor closes. */
  private final class Periodic implements Runnable {
    private final long periodNanos;
    private final String failure;
    private final Runnable pass;
    private volatile Scheduler.Task next;

    Periodic(long periodNanos, String failure, Runnable pass) {
      this.periodNanos = periodNanos;
      this.failure = failure;
      this.pass = pass;
    }

    void schedule() {
      next = scheduler.schedule(this, periodNanos);
    }

    void cancel() {
      Scheduler.Task task = next;
      if (task != null) {
        task.cancel();
      }
    }

    @Override
    public void run() {
      if (!closed) {
        onStoreTasks(this::runPass);
      }
    }

    private void runPass() {
      if (closed) {
        return;
      }
      try {
        pass.run();
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "workflow executor " + name + " " + failure + "; it tries again: " + e);
      }
      if (!closed) {
        schedule();
      }
    }
  }


  /**
   * Forgets the workflows that finished more than evictNanos ago, in records of at most 1000 ids (a store that does
   * not forget keeps them; only their handles leave this executor's memory).
   */
  private void forgetExpired() {
    long now = clock.nanoTime();
    boolean forgetRows = retainNanos > 0;
    int forgotten = 0;
    while (!closed) {
      List<Finished> batch = new ArrayList<>();
      synchronized (finished) {
        while (batch.size() < Entry.FORGET_BATCH && !finished.isEmpty()
            && now - finished.peekFirst().nanos() >= evictNanos) {
          batch.add(finished.pollFirst());
        }
      }
      if (batch.isEmpty()) {
        break;
      }
      if (forgetRows) {
        List<String> ids = new ArrayList<>(batch.size());
        for (Finished f : batch) {
          StoredWorkflow row = f.run().row;
          if (store.find(row.id()) == row) { // not forgotten already, and not a newer workflow of the same id
            ids.add(row.id());
          }
        }
        try {
          if (!ids.isEmpty()) {
            store.forget(ids);
          }
        } catch (RuntimeException e) {
          synchronized (finished) { // kept for the next try, oldest first as before
            for (int i = batch.size() - 1; i >= 0; i--) {
              finished.addFirst(batch.get(i));
            }
          }
          throw e;
        }
        forgotten += ids.size();
      }
      for (Finished f : batch) {
        runs.remove(f.run().row.id(), f.run()); // not a newer run of the same id
      }
    }
    if (forgotten > 0) {
      LOG.log(System.Logger.Level.INFO, "workflow executor " + name + " forgot " + forgotten + " workflow(s) finished"
          + " more than " + Duration.ofNanos(retainNanos) + " ago");
    }
  }

  // ---------------------------------------------------------------------------------------------------- queues

  private void enqueue(Run run) {
    synchronized (run) {
      if (run.queued || run.executing) {
        return;
      }
      run.queued = true;
    }
    Queue queue = queueOf(run);
    synchronized (queue) {
      queue.pending.add(run);
    }
    dispatch(queue);
  }

  /**
   * On a store other executors share, every {@link #SHARE_EVERY_NANOS}: hands the workflows waiting in a queue beyond
   * the next {@code concurrency} of them (those this executor will start as soon as it has room) to the store, so
   * that executors with room in that queue claim and run them. Only workflows that have not run yet can go (the
   * store refuses the others, which stay); what is handed over keeps its handle here, which completes when the
   * workflow finishes wherever it ran. A queue that keeps up is never touched: its waiting line stays short.
   */
  private void scheduleSharing() {
    every(SHARE_EVERY_NANOS, "could not hand waiting workflows to the nodes sharing its store", this::shareBacklog);
  }


  private void shareBacklog() {
    for (Queue queue : queues.values()) {
      List<Run> excess = new ArrayList<>();
      synchronized (queue) {
        while (queue.pending.size() > queue.concurrency) {
          excess.add(queue.pending.pollLast()); // the newest: the oldest start first, here
        }
      }
      if (excess.isEmpty()) {
        continue;
      }
      Collections.reverse(excess); // oldest first
      List<Run> kept = new ArrayList<>();
      int handed = 0;
      RuntimeException failure = null;
      for (Run run : excess) {
        synchronized (run) {
          run.queued = false; // before the store releases it: a claim that follows must find it not queued
          run.released = true;
          run.releasing = true;
        }
        boolean released = false;
        try {
          if (failure == null && !closed) {
            released = store.release(run.row);
          }
        } catch (RuntimeException e) {
          failure = e; // keep this one and the rest here; the next pass tries again
        } finally {
          synchronized (run) {
            run.releasing = false;
          }
        }
        if (released) {
          handed++;
        } else {
          synchronized (run) {
            run.released = false;
            if (run.queued || run.executing) {
              continue; // queued again meanwhile (resumed, or cancelled, which resumes): it must not wait twice
            }
            run.queued = true;
          }
          kept.add(run);
        }
      }
      if (!kept.isEmpty()) {
        synchronized (queue) {
          queue.pending.addAll(kept);
        }
        dispatch(queue);
      }
      if (handed > 0) {
        LOG.log(System.Logger.Level.DEBUG, "workflow executor " + name + " handed " + handed + " waiting workflow(s)"
            + " of " + queue + " to the nodes sharing its store");
      }
      if (failure != null) {
        throw failure; // logged by the pass, which runs again
      }
    }
  }

  /**
   * Runs a workflow just created by {@link #call} in the calling thread if its queue has nobody waiting and can
   * start it now; queues it otherwise. Not enqueue plus the result's helping join: dispatching would wake a worker
   * for every call only to find the run taken (measured: about 1 600 against 1 400 µs per workflow, 32 callers).
   */
  private void runHere(Run run) {
    synchronized (run) {
      run.queued = true;
    }
    Queue queue = queueOf(run);
    boolean admitted;
    synchronized (queue) {
      // A queue with limits across executors admits through the store, in its waiting order: the call waits its turn.
      admitted = !queue.acrossNodes && queue.pending.isEmpty() && admitLocked(queue);
      if (!admitted) {
        queue.pending.add(run);
      }
    }
    if (admitted) {
      execute(run, queue, true);
    } else {
      dispatch(queue);
    }
  }

  private Queue queueOf(Run run) {
    Queue queue = queues.get(run.row.queue());
    // A queue recorded by an earlier configuration: run it on the default queue rather than never.
    return queue != null ? queue : queues.get(DEFAULT_QUEUE);
  }

  /**
   * Whether {@code queue} may start one more workflow now, counting it as running if so; if only its rate stops it,
   * arms the timer that dispatches when the rate allows. Called under the queue's monitor.
   */
  private boolean admitLocked(Queue queue) {
    if (queue.running >= queue.concurrency) {
      return false;
    }
    if (queue.intervalNanos > 0) {
      long now = clock.nanoTime();
      if (queue.rateHolds(now)) {
        armTimerLocked(queue, queue.nextStartNanos - now);
        return false;
      }
      queue.started = true;
      queue.nextStartNanos = now + queue.intervalNanos;
    }
    queue.running++;
    return true;
  }

  /** Dispatches {@code queue} again in {@code delayNanos}, unless that is armed already. Called under its monitor. */
  private void armTimerLocked(Queue queue, long delayNanos) {
    if (!queue.timerArmed) {
      queue.timerArmed = true;
      scheduler.schedule(() -> {
        synchronized (queue) {
          queue.timerArmed = false;
        }
        if (queue.acrossNodes) {
          onStoreTasks(() -> dispatch(queue)); // it asks the store
        } else {
          dispatch(queue);
        }
      }, delayNanos);
    }
  }

  private void dispatch(Queue queue) {
    if (queue.acrossNodes) {
      dispatchAcrossNodes(queue);
      return;
    }
    List<Run> toStart = new ArrayList<>();
    synchronized (queue) {
      while (!queue.pending.isEmpty() && admitLocked(queue)) {
        toStart.add(queue.pending.poll());
      }
    }
    hand(toStart, queue);
  }

  /**
   * Dispatches a queue with limits across the executors sharing the store. First the waiting runs admitted already
   * (resumed or taken over: they count against those limits until they finish), under this executor's limits only;
   * then, as far as this executor's limits allow, the next waiting ones, which the store admits in their order or
   * refuses ({@link WorkflowStore#admit}). One thread at a time admits for a queue (a dispatch meanwhile makes it go
   * round again), so admissions keep the waiting order. What the store refuses waits for the next dispatch: a run of
   * the queue finishing here, the timer of the rate across executors, or the admission pass (every
   * {@link #ADMIT_EVERY_NANOS}, for room freed on other executors). A store failure leaves them waiting for the pass.
   */
  private void dispatchAcrossNodes(Queue queue) {
    synchronized (queue) {
      if (queue.admitting) {
        queue.admitAgain = true;
        return;
      }
      queue.admitting = true;
    }
    try {
      while (true) {
        boolean more = admitRound(queue);
        synchronized (queue) {
          if (closed || !(more || queue.admitAgain)) {
            queue.admitting = false;
            return;
          }
        }
      }
    } catch (RuntimeException | Error e) {
      synchronized (queue) {
        queue.admitting = false;
      }
      throw e;
    }
  }

  /**
   * One round of {@link #dispatchAcrossNodes}: starts the waiting runs admitted already, then reserves the next ones
   * under this executor's limits, asks the store to admit them and starts those it admitted.
   *
   * @return whether the store admitted every run it was asked about and more wait (go round again)
   */
  private boolean admitRound(Queue queue) {
    List<Run> toStart = new ArrayList<>();
    List<Run> candidates = new ArrayList<>();
    boolean rateWasStarted;
    long rateWasNext;
    synchronized (queue) {
      queue.admitAgain = false;
      for (Iterator<Run> it = queue.pending.iterator(); it.hasNext(); ) {
        Run run = it.next();
        if (run.row.admitted()) {
          if (!admitLocked(queue)) {
            break;
          }
          it.remove();
          toStart.add(run);
        }
      }
      rateWasStarted = queue.started;
      rateWasNext = queue.nextStartNanos;
      for (Run run : queue.pending) { // reserved here (running, rate) until the store decides
        if (!admitLocked(queue)) {
          break;
        }
        candidates.add(run);
      }
    }
    hand(toStart, queue);
    if (candidates.isEmpty()) {
      return false;
    }
    List<StoredWorkflow> rows = new ArrayList<>(candidates.size());
    for (Run run : candidates) {
      rows.add(run.row);
    }
    WorkflowStore.Admission admission = null;
    try {
      admission = store.admit(queue.name, queue.globalConcurrency, queue.globalPerSecond, rows);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "workflow executor " + name + " could not admit waiting workflows of "
          + queue + "; it tries again: " + e);
    }
    Set<String> ids = new HashSet<>();
    if (admission != null) {
      for (StoredWorkflow row : admission.admitted()) {
        ids.add(row.id());
      }
    }
    List<Run> admitted = new ArrayList<>();
    boolean more;
    synchronized (queue) {
      for (Run run : candidates) {
        if (ids.contains(run.row.id()) && queue.pending.remove(run)) { // not handed to other nodes meanwhile
          admitted.add(run);
        } else {
          queue.running--;
        }
      }
      if (admitted.isEmpty() && queue.intervalNanos > 0) { // this executor's rate: nothing started after all
        queue.started = rateWasStarted;
        queue.nextStartNanos = rateWasNext;
      }
      if (admission != null && admission.retryNanos() > 0 && admitted.size() < candidates.size()) {
        armTimerLocked(queue, admission.retryNanos());
      }
      more = admission != null && admitted.size() == candidates.size() && !queue.pending.isEmpty();
    }
    hand(admitted, queue);
    return more;
  }

  /** The admission pass: asks the store again for every queue with limits across executors that has runs waiting. */
  private void admitWaiting() {
    for (Queue queue : queues.values()) {
      boolean waiting;
      synchronized (queue) {
        waiting = queue.acrossNodes && !queue.pending.isEmpty();
      }
      if (waiting) {
        dispatch(queue);
      }
    }
  }

  /** Hands runs a queue admitted to the workers (or to a thread waiting for the result, whichever takes it first). */
  private void hand(List<Run> toStart, Queue queue) {
    for (Run run : toStart) {
      synchronized (run) {
        run.ready = queue;
      }
      try {
        pool.execute(() -> {
          Queue taken = run.take();
          if (taken != null) { // else a thread waiting for the result ran it already
            execute(run, taken, false);
          }
        });
      } catch (RejectedExecutionException e) {
        if (run.take() != null) {
          synchronized (queue) {
            queue.running--;
          }
          run.result.completeExceptionally(closedFailure());
        }
      }
    }
  }

  /** A queue's limits and waiting line; see the class comment for its lock. */
  private static final class Queue {
    final String name;
    final int concurrency;
    final long intervalNanos;
    /** Whether the store admits its workflows under limits across executors (a shared store only). */
    final boolean acrossNodes;
    final int globalConcurrency;
    final int globalPerSecond;
    final ArrayDeque<Run> pending = new ArrayDeque<>();
    int running;
    boolean started;
    long nextStartNanos;
    boolean timerArmed;
    /** Whether a thread is admitting for this queue through the store, and whether it should go round again. */
    boolean admitting;
    boolean admitAgain;

    Queue(String name, int concurrency, int perSecond, int globalConcurrency, int globalPerSecond) {
      this.name = name;
      this.concurrency = concurrency;
      this.intervalNanos = perSecond > 0 ? TimeUnit.SECONDS.toNanos(1) / perSecond : 0;
      this.acrossNodes = globalConcurrency > 0;
      this.globalConcurrency = globalConcurrency;
      this.globalPerSecond = globalPerSecond;
    }

    /** Whether the queue's rate holds a start back at {@code now}. Called under the queue's monitor. */
    boolean rateHolds(long now) {
      return intervalNanos > 0 && started && now - nextStartNanos < 0;
    }

    @Override
    public String toString() {
      return "queue " + name;
    }
  }

  // ---------------------------------------------------------------------------------------------------- running

  /** Runs {@code run} in this thread: a worker's, or ({@code caller}) that of {@link #call}. */
  private void execute(Run run, Queue queue, boolean caller) {
    boolean wasInterrupted = caller && Thread.interrupted();
    synchronized (run) {
      run.queued = false;
      run.executing = true;
      run.thread = Thread.currentThread();
      run.inCaller = caller;
      run.renewResultLocked(); // the result of an earlier run (a claim back does not renew it) is not this run's
    }
    Context ctx = new Context(run);
    try {
      if (!closed) {
        runOnce(run, ctx);
      } else {
        run.result.completeExceptionally(closedFailure());
      }
    } catch (Error e) { // a fatal one (runOnce lets only those through): it goes on up, but nobody waits for ever
      if (ctx.after == null) {
        ctx.after = () -> ctx.result.completeExceptionally(e);
      }
      throw e;
    } finally {
      boolean again;
      synchronized (run) {
        run.executing = false;
        run.thread = null;
        run.inCaller = false;
        again = run.claimedAgain;
        run.claimedAgain = false;
        // One step with letting go: from here on, a resume (or cancel) that finds the run not executing gives the
        // next run a new result, though this run's is only completed below, outside the lock.
        run.spent = ctx.result;
      }
      Thread.interrupted(); // meant for this run: from close, a cancelled timer, or the caller's code
      if (wasInterrupted) {
        Thread.currentThread().interrupt();
      }
      synchronized (queue) {
        queue.running--;
      }
      boolean rerun = again && !closed && !run.row.status().terminal();
      if (rerun) {
        run.replaceResult(ctx.result); // before this run's completes: whoever sees that finds the new one
      }
      Runnable hook = afterLetGo;
      if (hook != null) {
        hook.run();
      }
      if (ctx.after != null) {
        ctx.after.run();
      }
      if (rerun) {
        enqueue(run);
      }
      if (!closed) {
        dispatch(queue);
        if (shared) {
          claimWaiting(queue);
        }
      }
    }
  }

  /**
   * On a shared store, once a run finished: lets the store claim, now rather than at its next heartbeat, workflows
   * other executors handed to it in {@code queue}, as many as the queue has room for ({@link StoreListener#room}),
   * so that a node drains another's backlog at its own pace (not one queue's concurrency per heartbeat). A failure
   * is logged: the next heartbeat claims them.
   */
  private void claimWaiting(Queue queue) {
    try {
      store.claimWaiting(queue.name);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "workflow executor " + name + " could not claim waiting workflows of "
          + queue + ": " + e);
    }
  }

  private void runOnce(Run run, Context ctx) {
    StoredWorkflow row = run.row;
    WorkflowStatus status = row.status();
    if (status.terminal()) {
      return;
    }
    Workflow<Object, Object> workflow = workflows.get(row.name());
    if (workflow == null) {
      // Recorded by a deployment that registered it: record nothing, so that one that does can resume it.
      fail(ctx, new WorkflowException("workflow-unknown", "workflow " + row.id() + " was started as '" + row.name()
          + "', which this executor does not register (registered: " + workflows.keySet() + "); it stays "
          + status));
      return;
    }
    if (run.resumed) {
      publish(row.id(), WorkflowEvent.Kind.RESUMED, null, status.name());
    }
    run.resumed = true;
    Object input;
    try {
      input = decode(row.input());
    } catch (WorkflowException e) {
      // A codec that cannot read what was recorded (changed since): record nothing, so that a fixed one can resume.
      unfinished(ctx, new WorkflowException(e.code(), "cannot decode the input of workflow " + row.id() + "; it stays "
          + status + ": " + e.getMessage(), e));
      return;
    }
    try {
      if (status == WorkflowStatus.COMPENSATING) {
        ctx.replayOnly = true;
        try {
          workflow.run(ctx, input);
        } catch (Throwable t) { // ReplayStop, or whatever the code threw after its recorded steps, Errors included
          Exceptions.rethrowIfFatal(t);
          // Replay only registers the compensations of recorded steps; how the code ends does not matter here.
        }
        ctx.checkEveryStepReplayed();
        if (ctx.broken != null) {
          // The code no longer matches the recorded steps (even if it caught that): compensating now would skip the
          // compensations of the steps after the mismatch. Record nothing, so that fixed code can resume it.
          unfinished(ctx, ctx.broken);
          return;
        }
        compensate(run, ctx, row.outcome(), row.error(), null);
        return;
      }
      Object output = null;
      Throwable thrown = null;
      try {
        output = workflow.run(ctx, input);
      } catch (Throwable t) {
        Exceptions.rethrowIfFatal(t);
        thrown = t;
      }
      ctx.checkEveryStepReplayed();
      if (ctx.broken != null) {
        // The store failed, another node took the workflow over, or the code left the recorded path, and the code
        // caught that and went on: it is what happened all the same, whatever the code returned or threw after it.
        thrown = ctx.broken;
      } else if (ctx.cancelled != null) {
        thrown = ctx.cancelled; // likewise a cancellation its next step or timer threw: the workflow is cancelled
      }
      if (thrown != null) {
        Throwable t = thrown;
        if (closed) {
          fail(ctx, closedFailure());
          return;
        }
        if (t instanceof WorkflowException && (FENCED.equals(((WorkflowException) t).code())
            || STORE_FAILED.equals(((WorkflowException) t).code())
            || NONDETERMINISTIC.equals(((WorkflowException) t).code())) || t == ctx.broken) {
          unfinished(ctx, t);
          return;
        }
        boolean cancelled = t instanceof WorkflowException
            && "workflow-cancelled".equals(((WorkflowException) t).code());
        compensate(run, ctx, cancelled ? WorkflowStatus.CANCELLED : WorkflowStatus.FAILED,
            cancelled ? "cancelled" : String.valueOf(t), t);
        return;
      }
      byte[] encoded;
      try {
        encoded = encode(output);
      } catch (WorkflowException e) {
        // The code's output cannot be recorded: it fails the workflow (every run would end the same way).
        WorkflowException failure = new WorkflowException(e.code(), "the output of workflow " + row.id()
            + " cannot be recorded: " + e.getMessage(), e);
        compensate(run, ctx, WorkflowStatus.FAILED, String.valueOf(failure), failure);
        return;
      }
      try {
        store.record(row, new WorkflowChange.Finished(row.id(), WorkflowStatus.SUCCEEDED, encoded, null));
      } catch (WorkflowException e) {
        if (!VALUE_TOO_LARGE.equals(e.code()) || closed) {
          throw e;
        }
        // Refused before anything was recorded, as an output the codec cannot encode: it fails the workflow.
        WorkflowException failure = new WorkflowException(e.code(), "the output of workflow " + row.id()
            + " cannot be recorded: " + e.getMessage(), e);
        compensate(run, ctx, WorkflowStatus.FAILED, String.valueOf(failure), failure);
        return;
      }
      noteFinished(run);
      publish(row.id(), WorkflowEvent.Kind.COMPLETED, null, null);
      Object result = output;
      ctx.after = () -> ctx.result.complete(result);
    } catch (RuntimeException e) {
      if (closed) {
        fail(ctx, closedFailure());
        return;
      }
      if (e instanceof WorkflowException && FENCED.equals(((WorkflowException) e).code())) {
        LOG.log(System.Logger.Level.WARNING, e.getMessage());
        fail(ctx, e);
        return;
      }
      LOG.log(System.Logger.Level.ERROR, "workflow " + row.id() + " could not be recorded; it resumes when the store"
          + " is next opened or resumed: " + e, e);
      fail(ctx, e);
    }
  }

  /**
   * Ends this execution without recording anything: taken over by another node (it goes on there), the store failed
   * (it resumes when resumed or reopened), or the code does not match the recorded steps (a code change: fixed code
   * can resume it). None of them is a failure of the workflow, so nothing is compensated.
   */
  private void unfinished(Context ctx, Throwable t) {
    if (t instanceof WorkflowException && NONDETERMINISTIC.equals(((WorkflowException) t).code())) {
      LOG.log(System.Logger.Level.ERROR, t.getMessage());
    } else if (t instanceof WorkflowException) {
      LOG.log(System.Logger.Level.WARNING, t.getMessage());
    } else {
      LOG.log(System.Logger.Level.ERROR, "workflow " + ctx.run.row.id() + " could not be recorded; it resumes when"
          + " the store is next opened or resumed: " + t, t);
    }
    fail(ctx, t);
  }

  private void compensate(Run run, Context ctx, WorkflowStatus outcome, String error, Throwable cause) {
    StoredWorkflow row = run.row;
    if (!ctx.compensations.isEmpty() && row.status() != WorkflowStatus.COMPENSATING) {
      store.record(row, new WorkflowChange.Compensating(row.id(), outcome, error));
    }
    for (int i = ctx.compensations.size() - 1; i >= 0; i--) {
      Registered<?> registered = ctx.compensations.get(i);
      if (row.compensated(registered.index)) {
        continue;
      }
      ctx.current = row.id() + "/" + registered.index + "/compensate";
      ctx.inside = registered.name;
      try {
        store.ensureOwned(row);
        registered.run();
      } catch (Throwable t) {
        Exceptions.rethrowIfFatal(t);
        if (closed) {
          fail(ctx, closedFailure());
          return;
        }
        if (t instanceof WorkflowException && FENCED.equals(((WorkflowException) t).code())) {
          throw (WorkflowException) t;
        }
        WorkflowException failure = new WorkflowException("compensation-failed", "the compensation of step "
            + registered.index + " (" + registered.name + ") of workflow " + row.id() + " failed; the workflow stays"
            + " COMPENSATING until resumed: " + t, t);
        if (cause != null) {
          failure.addSuppressed(cause);
        }
        fail(ctx, failure);
        return;
      } finally {
        ctx.current = null;
        ctx.inside = null;
      }
      store.record(row, new WorkflowChange.Compensated(row.id(), registered.index));
      publish(row.id(), WorkflowEvent.Kind.COMPENSATED, registered.name, null);
    }
    store.record(row, new WorkflowChange.Finished(row.id(), outcome, null, error));
    noteFinished(run);
    publish(row.id(), outcome == WorkflowStatus.CANCELLED ? WorkflowEvent.Kind.CANCELLED : WorkflowEvent.Kind.FAILED,
        null, error);
    WorkflowException failure = outcomeFailure(row);
    if (cause != null && failure.getCause() == null) {
      failure.initCause(cause);
    }
    fail(ctx, failure);
  }

  /** Fails the result once the worker has let go of the run, so that status() no longer says RUNNING. */
  private static void fail(Context ctx, Throwable failure) {
    ctx.after = () -> ctx.result.completeExceptionally(failure);
  }

  private static WorkflowException outcomeFailure(StoredWorkflow row) {
    WorkflowStatus status = row.status();
    String error = row.error();
    if (status == WorkflowStatus.CANCELLED) {
      return new WorkflowException("workflow-cancelled", "workflow " + row.id() + " was cancelled");
    }
    return new WorkflowException("workflow-failed", "workflow " + row.id() + " failed: " + error);
  }

  private WorkflowException closedFailure() {
    return new WorkflowException("executor-closed", "workflow executor " + name + " is closed");
  }

  private void ensureOpen() {
    if (closed) {
      throw closedFailure();
    }
  }

  private byte[] encode(Object value) {
    try {
      return codec.encode(value);
    } catch (WorkflowException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new WorkflowException("codec-failed", "cannot encode " + (value == null ? "null" : "a "
          + value.getClass().getName()) + ": " + e, e);
    }
  }

  private Object decode(byte[] bytes) {
    if (bytes == null) {
      return null;
    }
    try {
      return codec.decode(bytes);
    } catch (WorkflowException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new WorkflowException("codec-failed", "cannot decode a recorded value: " + e, e);
    }
  }

  private void publish(String id, WorkflowEvent.Kind kind, String step, String detail) {
    if (events.enabled()) {
      events.publish(new WorkflowEvent.Transition(name, events.now(), id, kind, step, detail));
    }
  }

  /** Ends a compensation replay at the first unrecorded step; an Error so that workflow code rarely catches it. */
  private static final class ReplayStop extends Error {
    private static final long serialVersionUID = 1L;

    ReplayStop() {
      super("compensation replay reached the first unrecorded step", null, false, false);
    }
  }

  /** A compensation registered by a completed step. */
  private static final class Registered<T> {
    final int index;
    final String name;
    final T result;
    final Compensation<? super T> compensation;

    Registered(int index, String name, T result, Compensation<? super T> compensation) {
      this.index = index;
      this.name = name;
      this.result = result;
      this.compensation = compensation;
    }

    void run() throws Exception {
      compensation.compensate(result);
    }
  }

  /**
   * Ends a step's retries when its workflow was cancelled between two attempts: an {@link InterruptedException}, which
   * a {@link Retry} never retries.
   */
  private static final class CancelledBetweenAttempts extends InterruptedException {
    private static final long serialVersionUID = 1L;

    CancelledBetweenAttempts() {
      super("the workflow was cancelled between two attempts of a step");
    }
  }

  /** The context of one execution of a workflow; used by its worker thread only. */
  private final class Context implements WorkflowContext {
    final Run run;
    final List<Registered<?>> compensations = new ArrayList<>();
    boolean replayOnly;
    /** Completes the result after the worker let go of the run. */
    Runnable after;
    /** The result of this run (the handle's may be a new one by the time it completes: see claimedAgain). */
    final CompletableFuture<Object> result;
    int next;
    /** The idempotency key of the step or compensation running, else null. */
    String current;
    /** The name of the step running (or being compensated) while current is set, else null. */
    String inside;
    /**
     * What this execution met first that the workflow's code must not get past: a store failure, fencing, or a step
     * that does not match the recorded one. Once set, every step and timer throws it again, and the run ends as it
     * says whatever the code does with it (a workflow that catches it cannot record more, nor finish).
     */
    RuntimeException broken;
    /** The cancellation a step or timer threw, if one did: the run ends cancelled even if the code caught it. */
    WorkflowException cancelled;

    Context(Run run) {
      this.run = run;
      this.result = run.result;
    }

    @Override
    public String workflowId() {
      return run.row.id();
    }

    @Override
    public String idempotencyKey() {
      if (current == null) {
        throw new IllegalStateException("idempotencyKey() of workflow " + run.row.id()
            + " is only available inside a step or compensation");
      }
      return current;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T step(String stepName, Retry retry, StepAction<T> action, Compensation<? super T> compensation) {
      Objects.requireNonNull(stepName, "stepName");
      Objects.requireNonNull(action, "action");
      checkNotInside(stepName);
      if (!SnapshotBytes.fitsUtf(stepName)) {
        // Before the action runs: found when its result is recorded, the run would end unfinished after the action,
        // and every resume would run it again.
        throw new IllegalArgumentException("step name of " + SnapshotBytes.modifiedUtf8Length(stepName)
            + " bytes in modified UTF-8 (" + stepName
            .length() + " chars, starting '" + stepName.substring(0, 40) + "') at position " + next + " of workflow "
            + run.row.id() + ": at most " + SnapshotBytes.MAX_UTF + " are recorded");
      }
      checkBroken();
      StoredWorkflow row = run.row;
      int index = next++;
      StoredStep recorded = row.step(index);
      if (recorded != null) {
        expect(recorded, stepName, false);
        if (recorded.error() != null) {
          throw new WorkflowException("step-failed", "step " + index + " (" + stepName + ") of workflow " + row.id()
              + " failed: " + recorded.error());
        }
        T value;
        try {
          value = (T) decode(recorded.result());
        } catch (WorkflowException e) {
          // Not the step's failure, nor the workflow's: this codec cannot read what was recorded. The run ends with
          // nothing recorded (see broken), so that a fixed codec can resume it.
          throw broken = new WorkflowException(e.code(), "cannot decode the recorded result of step " + index + " ("
              + stepName + ") of workflow " + row.id() + ": " + e.getMessage(), e);
        }
        if (compensation != null) {
          compensations.add(new Registered<>(index, stepName, value, compensation));
        }
        return value;
      }
      if (replayOnly) {
        throw new ReplayStop();
      }
      checkCancelled();
      storeCall(() -> store.ensureOwned(row));
      current = row.id() + "/" + index;
      inside = stepName;
      T value;
      try {
        if (retry == null) {
          value = action.run();
        } else {
          int[] attempts = {0};
          try {
            value = retry.call(() -> {
              if (attempts[0]++ > 0) {
                synchronized (run) {
                  run.sleeping = false; // the wait is over: a cancellation no longer interrupts the attempt
                }
                if (run.row.cancelRequested()) {
                  throw new CancelledBetweenAttempts(); // an InterruptedException: the retry stops at once
                }
                publish(row.id(), WorkflowEvent.Kind.STEP_RETRIED, stepName, "attempt " + attempts[0]);
              }
              try {
                return action.run();
              } finally {
                synchronized (run) {
                  run.sleeping = true; // the retry may wait now: a cancellation interrupts that wait
                }
              }
            });
          } finally {
            synchronized (run) {
              run.sleeping = false;
            }
          }
        }
      } catch (Throwable t) {
        Exceptions.rethrowIfFatal(t);
        if (closed) {
          throw closedFailure();
        }
        if (retry != null && run.row.cancelRequested()
            && (t instanceof CancelledBetweenAttempts || Thread.interrupted())) {
          // Cancelled while the retry waited for its next attempt (the interrupt stopped the wait), or as that
          // attempt began: the step did not finish, so nothing is recorded for it; the workflow compensates.
          Thread.interrupted();
          throw cancelled = new WorkflowException("workflow-cancelled", "workflow " + row.id() + " was cancelled"
              + " while step " + index + " (" + stepName + ") waited to retry");
        }
        String error = String.valueOf(t);
        storeCall(() -> store.record(row, new WorkflowChange.StepFailed(row.id(), index, stepName, error)));
        publish(row.id(), WorkflowEvent.Kind.STEP_FAILED, stepName, error);
        throw new WorkflowException("step-failed", "step " + index + " (" + stepName + ") of workflow " + row.id()
            + " failed: " + t, t);
      } finally {
        current = null;
        inside = null;
      }
      if (retry != null && !closed && run.row.cancelRequested()) {
        Thread.interrupted(); // a cancellation's interrupt meant for a wait the retry did not make (it succeeded)
      }
      byte[] encoded;
      try {
        encoded = encode(value);
      } catch (WorkflowException e) {
        throw unrecordable(row, index, stepName, e);
      }
      try {
        storeCall(() -> store.record(row, new WorkflowChange.StepDone(row.id(), index, stepName, encoded)));
      } catch (WorkflowException e) {
        if (!VALUE_TOO_LARGE.equals(e.code()) || closed) {
          throw e;
        }
        broken = null; // refused before anything was recorded: the store goes on, and records the failure instead
        throw unrecordable(row, index, stepName, e);
      }
      publish(row.id(), WorkflowEvent.Kind.STEP_COMPLETED, stepName, null);
      if (compensation != null) {
        compensations.add(new Registered<>(index, stepName, value, compensation));
      }
      return value;
    }

    @Override
    public void sleep(Duration duration) {
      Validate.notNegative("duration", duration);
      checkNotInside(null);
      checkBroken();
      StoredWorkflow row = run.row;
      int index = next++;
      StoredStep recorded = row.step(index);
      long wake;
      if (recorded != null) {
        expect(recorded, "sleep", true);
        if (row.step(index + 1) != null) {
          // It ended before what was recorded after it: a replay passes it, even cancelled (the replay must reach
          // the steps after it to register their compensations).
          return;
        }
        wake = recorded.wakeMillis();
      } else {
        if (replayOnly) {
          throw new ReplayStop();
        }
        checkCancelled();
        long at = wakeMillis(clock.wallMillis(), duration);
        storeCall(() -> store.record(row, new WorkflowChange.Sleep(row.id(), index, at)));
        wake = at;
      }
      if (replayOnly) {
        return;
      }
      while (true) {
        checkCancelled();
        long remaining = wake - clock.wallMillis();
        if (remaining <= 0) {
          return;
        }
        synchronized (run) {
          run.sleeping = true;
        }
        try {
          // A cancellation recorded since the check above found the run not sleeping yet, so it interrupted nothing:
          // check again now that one would interrupt the sleep.
          checkCancelled();
          clock.sleep(TimeUnit.MILLISECONDS.toNanos(remaining));
        } catch (InterruptedException e) {
          if (closed) {
            Thread.currentThread().interrupt();
            throw closedFailure();
          }
        } finally {
          synchronized (run) {
            run.sleeping = false;
          }
          // An interrupt meant for this sleep (a cancellation, which the next check sees) that came as it ended must
          // not reach what runs next (the compensations); one from close stays.
          if (Thread.interrupted() && closed) {
            Thread.currentThread().interrupt();
          }
        }
      }
    }

    /**
     * Records, as step {@code index}'s failure, that its result cannot be recorded ({@code why}: the codec cannot
     * encode it, or the store cannot hold it), and returns the step's failure to throw. Recorded at its position as
     * any other failure (a replay throws it again): unrecorded, the position would stay empty, the next step be
     * refused as out of order, and every resume run this one again.
     */
    private WorkflowException unrecordable(StoredWorkflow row, int index, String stepName, WorkflowException why) {
      String error = why.code() + ": " + why.getMessage();
      storeCall(() -> store.record(row, new WorkflowChange.StepFailed(row.id(), index, stepName, error)));
      publish(row.id(), WorkflowEvent.Kind.STEP_FAILED, stepName, error);
      return new WorkflowException("step-failed", "step " + index + " (" + stepName + ") of workflow " + row.id()
          + " returned a result that cannot be recorded: " + why.getMessage(), why);
    }

    /** {@code now} plus {@code duration}, the end of time (Long.MAX_VALUE) if that is beyond it. */
    private long wakeMillis(long now, Duration duration) {
      try {
        return Math.addExact(now, duration.toMillis());
      } catch (ArithmeticException e) {
        return Long.MAX_VALUE;
      }
    }

    private void checkCancelled() {
      if (closed) {
        throw closedFailure();
      }
      if (run.row.cancelRequested()) {
        throw cancelled = new WorkflowException("workflow-cancelled", "workflow " + run.row.id() + " was cancelled");
      }
    }

    /**
     * Refuses a step or timer called from inside a running step or compensation: it would take the next position
     * and record before the step around it, whose own record would then come out of order. {@code stepName}: the
     * step called, null for a timer.
     */
    private void checkNotInside(String stepName) {
      if (inside != null) {
        String what = stepName == null ? "a timer" : "step '" + stepName + "'";
        throw new IllegalStateException(what + " called inside " + (current.endsWith("/compensate")
            ? "the compensation of step '" : "step '") + inside + "' (" + current + ") of workflow " + run.row.id()
            + ": steps and timers do not nest; call them from the workflow's code");
      }
    }

    private void checkBroken() {
      if (broken != null) {
        throw broken;
      }
    }

    /** Calls the store; what it throws breaks this execution (see {@link #broken}). */
    private void storeCall(Runnable call) {
      try {
        call.run();
      } catch (RuntimeException e) {
        if (broken == null && !closed) {
          broken = e;
        }
        throw e;
      }
    }

    /**
     * Once the code ended (returned or threw): a recorded step or timer it did not reach means that it no longer
     * matches the journal, as a step of another name does; finishing (or compensating) then would drop what that
     * step did, and its compensation.
     */
    void checkEveryStepReplayed() {
      StoredStep skipped = broken == null ? run.row.step(next) : null;
      if (skipped != null) {
        broken = new WorkflowException(NONDETERMINISTIC, "workflow " + run.row.id() + " ended after " + next
            + " step(s) and timer(s) where the journal records " + (skipped.sleep() ? "a timer" : "step '"
            + skipped.name() + "'") + " at position " + next + " too: the code no longer calls it");
      }
    }

    private void expect(StoredStep recorded, String stepName, boolean sleep) {
      if (recorded.sleep() != sleep || !recorded.name().equals(stepName)) {
        throw broken = new WorkflowException("workflow-nondeterministic", "workflow " + run.row.id() + " called "
            + (sleep ? "a timer" : "step '" + stepName + "'") + " at position " + recorded.index() + " where the"
            + " journal records " + (recorded.sleep() ? "a timer" : "step '" + recorded.name() + "'"));
      }
    }
  }

  /**
   * A workflow's result. An untimed {@link #get()} or {@link #join()} while the workflow is dispatched and no worker
   * has taken it yet runs it in the waiting thread, as {@link #call} does: the thread would only wait, and the
   * workflow is spared the hand-off to a worker and back (as {@code ForkJoinTask.join} helps). A timed get never
   * runs it, so that its time limit holds. Dependent stages are plain futures.
   */
  private static final class Result extends CompletableFuture<Object> {
    private final Run run;

    Result(Run run) {
      this.run = run;
    }

    @Override
    public Object get() throws InterruptedException, ExecutionException {
      run.runIfWaiting();
      return super.get();
    }

    @Override
    public Object join() {
      run.runIfWaiting();
      return super.join();
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
      return new CompletableFuture<>();
    }
  }

  /** A workflow known to this executor; its handle. See the class comment for its lock. */
  private final class Run implements WorkflowHandle<Object> {
    /** Completes when the start record is durable (then row is set). */
    final CompletableFuture<Void> recorded = new CompletableFuture<>();
    /** The result of the current run; a resume after a run that left the workflow unfinished replaces it. */
    volatile CompletableFuture<Object> result = new Result(this);
    /**
     * The result of the last run that let go of the workflow (set with executing = false, under this run's monitor),
     * which that run completes; null before the first run ends. See {@link #renewResultLocked}.
     */
    CompletableFuture<Object> spent;
    /** The queue that admitted it, from dispatch until a worker or a waiting thread takes it to run. */
    Queue ready;
    /**
     * Whether the workflow was recovered finished and its result is to be completed from the recorded outcome when
     * first asked for ({@link #result()}; two threads asking at once both decode, and the first completion counts).
     */
    volatile boolean outcomePending;
    volatile StoredWorkflow row;
    /** Whether the next execution is a resumption (recovered, or run before); touched by its worker only. */
    volatile boolean resumed;
    /** Handed to the shared store to run wherever a queue has room (guarded by this run's monitor). */
    boolean released;
    boolean queued;
    boolean executing;
    /** Being handed to the shared store by the backlog pass (store.release running). */
    boolean releasing;
    /** Claimed back by this executor while a run it had lost was still executing here: to run again after it. */
    boolean claimedAgain;
    boolean sleeping;
    Thread thread;
    /** Whether thread is that of a {@link #call}, not a worker. */
    boolean inCaller;

    Run(StoredWorkflow row, boolean resumed) {
      this.row = row;
      this.resumed = resumed;
    }

    /**
     * Before running the workflow again after a run that left it unfinished (a store failure, fencing, a failed
     * compensation): a new result for the new run.
     */
    synchronized void renewResult() {
      renewResultLocked();
    }

    /**
     * As {@link #renewResult}, under this run's monitor. A result is the ended run's from the moment that run let go
     * of the workflow ({@link #spent}), not only once it completed: a resume in between would otherwise give the new
     * run the old result, which the old run then completes with its own outcome (and the new run's is lost).
     */
    void renewResultLocked() {
      if ((result == spent || result.isCompletedExceptionally()) && !row.status().terminal()) {
        result = new Result(this);
      }
    }

    /** A new result for the run that follows the one whose result is {@code old}, unless replaced already. */
    synchronized void replaceResult(CompletableFuture<Object> old) {
      if (result == old) {
        result = new Result(this);
      }
    }

    /** Takes the run to execute it, if it was dispatched and nobody took it yet: the queue that admitted it. */
    synchronized Queue take() {
      Queue queue = ready;
      ready = null;
      return queue;
    }

    /** Runs the workflow in this thread if it was dispatched and no worker has taken it yet (see {@link Result}). */
    void runIfWaiting() {
      if (closed || result.isDone()) {
        return;
      }
      Queue queue = take();
      if (queue != null) {
        execute(this, queue, true);
      }
    }

    @Override
    public String workflowId() {
      return row.id();
    }

    @Override
    public String workflowName() {
      return row.name();
    }

    @Override
    public WorkflowStatus status() {
      WorkflowStatus status = row.status();
      if (status == WorkflowStatus.PENDING) {
        synchronized (this) {
          if (executing) {
            return WorkflowStatus.RUNNING;
          }
        }
      }
      return status;
    }

    @Override
    public CompletableFuture<Object> result() {
      if (outcomePending) {
        completeOutcome(row, result); // a finished workflow's result never changes: this is the one to complete
        outcomePending = false; // after the completion: whoever reads false (close) finds the result done
      }
      return result;
    }

    @Override
    public boolean cancel() {
      if (row.status().terminal()) {
        return false;
      }
      ensureOpen(); // else the closed store's refusal would read as store-failed
      if (!row.cancelRequested()) {
        try {
          store.record(row, new WorkflowChange.Cancel(row.id()));
        } catch (WorkflowException e) {
          if ("workflow-finished".equals(e.code())) {
            return false;
          }
          throw e;
        }
      }
      synchronized (this) {
        if (sleeping && thread != null) {
          thread.interrupt();
        }
      }
      // A workflow not running here (queued ones check at their next step) must run to stop and compensate.
      resume();
      return true;
    }

    @Override
    public boolean resume() {
      if (row.status().terminal() || closed) {
        return false;
      }
      synchronized (this) {
        if (queued || executing || releasing) {
          // Releasing: being handed to the store, where a node with room (this one too) claims it; claimed here
          // meanwhile it would run here and there. A cancellation is recorded already: whoever runs it stops.
          return false;
        }
      }
      if (!store.claim(row)) {
        return false;
      }
      renewResult();
      resumed = true;
      enqueue(this);
      return true;
    }

    @Override
    public WorkflowInfo info() {
      WorkflowInfo info = row.info();
      WorkflowStatus status = status();
      return status == info.status() ? info : new WorkflowInfo(info.workflowId(), info.workflowName(), info.queue(),
          status, info.steps(), info.compensated(), info.error());
    }

    @Override
    public String toString() {
      return "Workflow[" + row.id() + ", " + row.name() + ", " + status() + "]";
    }
  }

  /**
   * Configures and opens a {@link WorkflowExecutor}. {@link #open()} validates every setting, naming the field, the
   * rule and the value of the first that is wrong. Not thread-safe.
   */
  public static final class Builder {
    private final Path directory;
    private final WorkflowStore store;
    private final Map<String, Workflow<Object, Object>> workflows = new LinkedHashMap<>();
    private final Map<String, int[]> queues = new LinkedHashMap<>();
    private final Map<String, int[]> globalQueues = new LinkedHashMap<>();
    private WorkflowCodec codec = WorkflowCodec.standard();
    private Clock clock = Clock.system();
    private Scheduler scheduler = Scheduler.system();
    private ExecutorService pool;
    private Duration retainFinished = Duration.ZERO;
    private int threads = 8;
    private long checkpointEvery = 10_000;
    private Durability durability; // null: SYNC (and a shared store keeps its own)
    private Executor storeTasks; // null: a thread of the executor's own
    private Duration asyncForceInterval; // null: 50 ms
    private boolean resumeOnStart = true;
    private String name = "workflows";
    private final List<FaultEventListener> listeners = new ArrayList<>();

    private Builder(Path directory, WorkflowStore store) {
      this.directory = directory;
      this.store = store;
    }

    /**
     * Registers {@code workflow} under {@code name}; the name is recorded with each start, so keep it stable.
     *
     * @throws ConfigurationException if the name is blank or taken
     */
    @SuppressWarnings("unchecked")
    public <I, O> Builder register(String name, Workflow<I, O> workflow) {
      recordable("name", Validate.notBlank("name", name));
      Validate.notNull("workflow", workflow);
      if (workflows.containsKey(name)) {
        throw new ConfigurationException("name", "be registered once", name);
      }
      workflows.put(name, (Workflow<Object, Object>) (Workflow<?, ?>) workflow);
      return this;
    }

    /**
     * Adds queue {@code name}: at most {@code concurrency} of its workflows run at once, and at most
     * {@code startsPerSecond} start per second (0: no rate limit). The {@code "default"} queue runs as many as
     * there are threads, without a rate limit, unless configured here.
     */
    public Builder queue(String name, int concurrency, int startsPerSecond) {
      recordable("queue", Validate.notBlank("queue", name));
      Validate.atLeast("concurrency", concurrency, 1);
      Validate.atLeast("startsPerSecond", startsPerSecond, 0);
      queues.put(name, new int[] {concurrency, startsPerSecond});
      return this;
    }

    /**
     * Limits queue {@code name} across every executor sharing this executor's store: at most {@code concurrency}
     * of its workflows run at once on all of them together, and at most {@code startsPerSecond} start per second
     * on all of them together (0: no rate limit), spaced evenly by the store's clock. Give every executor the same
     * limits. The queue's own limits ({@link #queue}; without them, as many as there are threads) still hold on each
     * executor. A workflow counts from its admission until it finishes, wherever it runs (a workflow taken over
     * from a node that stopped keeps its place). On a store of one executor (the embedded one) these tighten the
     * queue's own limits.
     */
    public Builder globalQueueLimits(String name, int concurrency, int startsPerSecond) {
      recordable("queue", Validate.notBlank("queue", name));
      Validate.atLeast("concurrency", concurrency, 1);
      Validate.atLeast("startsPerSecond", startsPerSecond, 0);
      globalQueues.put(name, new int[] {concurrency, startsPerSecond});
      return this;
    }

    /** The codec of inputs, step results and outputs; {@link WorkflowCodec#standard()} by default. */
    public Builder codec(WorkflowCodec codec) {
      this.codec = codec;
      return this;
    }

    /** The clock of timers, rate limits and events; {@link Clock#system()} by default. */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** The scheduler of rate-limited queue starts; {@link Scheduler#system()} by default. */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = scheduler;
      return this;
    }

    /**
     * Forgets finished workflows (SUCCEEDED, FAILED, CANCELLED) once they have been finished for {@code retain}:
     * they leave the table, its checkpoints and {@link #list}, their handles are gone, and their id can start a new
     * workflow. A workflow recovered finished counts from when the executor opened. Zero (the default) keeps every
     * workflow, which a long-running service on the embedded store should not do (the table lives in memory). Only on
     * stores that forget (the embedded one; on a shared database, delete old rows there).
     */
    public Builder retainFinished(Duration retain) {
      this.retainFinished = retain;
      return this;
    }

    /** Runs workflows on {@code executor} (which the executor does not shut down) instead of its own threads. */
    public Builder executor(ExecutorService executor) {
      this.pool = executor;
      return this;
    }

    /**
     * Where the executor's periodic passes (retention, handing a backlog to other nodes, admissions across nodes) and
     * the retries of admissions held back by a rate run. They call the store, which may block (a database that does
     * not answer), so by default they run on one daemon thread of this executor's own (named
     * {@code <name>-store-1}), never on the scheduler's executor, whose other timers would wait behind them. Give a
     * direct executor ({@code Runnable::run}) to run them on the scheduler's thread (tests with a fake clock).
     */
    public Builder storeTasks(Executor executor) {
      this.storeTasks = Validate.notNull("storeTasks", executor);
      return this;
    }

    /** The number of worker threads when no executor is given; 8 by default. */
    public Builder threads(int threads) {
      this.threads = threads;
      return this;
    }

    /**
     * Checkpoint the workflow table after this many records; 10 000 by default, 0 for never (by count). Only the
     * embedded store has checkpoints. The table holds every workflow the store knows, so a checkpoint's cost grows
     * with it: an automatic checkpoint also waits until the records since the last one hold as many bytes as that
     * checkpoint (see {@link dev.faultline.state.RecoverableState.Builder#amortizeCheckpoints}).
     */
    public Builder checkpointEvery(long records) {
      this.checkpointEvery = records;
      return this;
    }

    /**
     * When the embedded store's records count as recorded; {@link Durability#SYNC} by default: each start, step
     * result, timer, compensation and failed or cancelled end is forced to disk before the call that records it
     * returns (concurrent workflows share forces), so it survives a crash of the process and a power loss; a successful
     * end is written before the result is returned and forced with the next force or at most
     * {@link #asyncForceInterval} later (a power loss before that leaves the workflow unfinished with all its steps
     * recorded: it is resumed, runs no step again and computes its output again). {@link Durability#ASYNC}: it is
     * written to the operating system before the call returns, which a crash of the process ({@code kill -9}) does not
     * lose, and forced at most {@link #asyncForceInterval} later; a power loss or a crash of the operating system can
     * lose that window (the store then reports it as a possible loss when it opens): a step recorded in it runs again,
     * under the same idempotency key, and a workflow that finished in it runs again from its last forced record (its
     * result may differ from what was returned before, if a step's does). Only the embedded store; a shared store
     * refuses it (PostgreSQL's own setting is {@code synchronous_commit}).
     */
    public Builder durability(Durability durability) {
      this.durability = Validate.notNull("durability", durability);
      return this;
    }

    /**
     * In {@link Durability#ASYNC} durability, how often the embedded store forces its journal; in SYNC, the longest a
     * successful end waits for a force. 50 ms by default.
     */
    public Builder asyncForceInterval(Duration interval) {
      this.asyncForceInterval = interval;
      return this;
    }

    /**
     * Whether opening queues every unfinished workflow; true by default. When false, only those with a recorded
     * resume request ({@link WorkflowExecutor#resumeOffline}) are queued; the others wait for
     * {@link WorkflowHandle#resume()}.
     */
    public Builder resumeOnStart(boolean resume) {
      this.resumeOnStart = resume;
      return this;
    }

    /** The source name of published events; {@code "workflows"} by default. */
    public Builder name(String name) {
      this.name = name;
      return this;
    }

    /**
     * Adds a listener for workflow transitions and the embedded store's {@link dev.faultline.core.event.StateEvent}s.
     */
    public Builder listener(FaultEventListener listener) {
      listeners.add(Validate.notNull("listener", listener));
      return this;
    }

    /**
     * Validates the settings, opens the store, recovers the workflow table and (by default) resumes unfinished
     * workflows.
     *
     * @throws ConfigurationException if a setting is invalid
     * @throws dev.faultline.state.StateException if the store cannot be recovered
     * @throws dev.faultline.state.journal.JournalException if the journal cannot be opened (locked, corrupt)
     */
    public WorkflowExecutor open() {
      Validate.notNull("codec", codec);
      Validate.notNull("clock", clock);
      Validate.notNull("scheduler", scheduler);
      Validate.atLeast("threads", threads, 1);
      Validate.atLeast("checkpointEvery", checkpointEvery, 0);
      if (asyncForceInterval != null) {
        Validate.positive("asyncForceInterval", asyncForceInterval);
      }
      if (store != null && (durability != null || asyncForceInterval != null)) {
        throw new ConfigurationException("durability", "be set only for the embedded store (" + store.getClass()
            .getSimpleName() + " keeps its own: on PostgreSQL, synchronous_commit)", durability);
      }
      Validate.notNegative("retainFinished", retainFinished);
      Validate.notBlank("name", name);
      if (workflows.isEmpty()) {
        throw new ConfigurationException("workflows", "register at least one workflow", "none");
      }
      int everyThread = pool == null ? threads : Integer.MAX_VALUE;
      queues.putIfAbsent(DEFAULT_QUEUE, new int[] {everyThread, 0});
      for (String queue : globalQueues.keySet()) {
        queues.putIfAbsent(queue, new int[] {everyThread, 0});
      }
      WorkflowExecutor executor = new WorkflowExecutor(this);
      try {
        if (executor.retainNanos > 0 && !executor.store.forgets()) {
          throw new ConfigurationException("retainFinished", "only for a store that forgets finished workflows (the"
              + " embedded one); " + executor.store.getClass().getSimpleName() + " keeps them (set its own"
              + " retention, if it has one)", retainFinished);
        }
        executor.recover(resumeOnStart);
      } catch (RuntimeException e) {
        executor.close();
        throw e;
      }
      if (executor.evictNanos > 0) {
        executor.scheduleRetention();
      }
      if (executor.shared) {
        executor.scheduleSharing();
        if (executor.queues.values().stream().anyMatch(q -> q.acrossNodes)) {
          executor.every(ADMIT_EVERY_NANOS, "could not admit waiting workflows", executor::admitWaiting);
        }
      }
      return executor;
    }
  }
}
