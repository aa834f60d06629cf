package dev.faultline.state.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.faultline.core.Clock;
import dev.faultline.core.ConfigurationException;
import dev.faultline.core.internal.Durations;
import dev.faultline.core.internal.Validate;
import dev.faultline.state.workflow.WorkflowException;
import dev.faultline.state.workflow.WorkflowInfo;
import dev.faultline.state.workflow.WorkflowStatus;
import dev.faultline.state.postgres.internal.Connections;
import dev.faultline.state.workflow.spi.StoreListener;
import dev.faultline.state.workflow.spi.StoredWorkflow;
import dev.faultline.state.workflow.spi.WorkflowChange;
import dev.faultline.state.workflow.spi.WorkflowStore;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;

/**
 * A {@link WorkflowStore} on PostgreSQL that several executor nodes share: give each node's
 * {@link dev.faultline.state.workflow.WorkflowExecutor} its own instance (with its own {@linkplain Builder#nodeId node
 * id}) on the same database and schema.
 *
 * <h2>Schema</h2>
 * Created and migrated by {@link SchemaMigrator} when the store is built: {@code workflows} (one row per workflow,
 * with its {@code owner} node and {@code epoch}), {@code workflow_steps} (one row per recorded step or timer, primary
 * key {@code (workflow_id, step_index)}), {@code workflow_nodes} (one lease row per node).
 *
 * <h2>Leases, on the database clock</h2>
 * Each node upserts its {@code workflow_nodes} row every {@linkplain Builder#heartbeatInterval heartbeat interval},
 * setting {@code lease_until = now() + lease time} with the database's {@code now()}, so that the nodes' own clocks
 * never decide who is alive. An unfinished workflow whose owner's lease has run out (or that has no owner) is
 * <em>claimable</em>: at every heartbeat each node claims a batch of claimable workflows with
 * {@code SELECT ... FOR UPDATE OF w SKIP LOCKED} (so nodes claiming at once split the work instead of waiting on one
 * another), setting itself as owner and raising the epoch by one, then runs them (publishing TAKEN_OVER for those
 * taken from a dead node). A node that stops heart-beating thus loses its workflows one lease time after its last
 * heartbeat, plus at most one heartbeat interval of the node that takes over. No advisory locks: row locks and
 * {@code SKIP LOCKED} only.
 *
 * <h2>Shared queues</h2>
 * The store is {@linkplain #shared() shared}: an executor hands it the workflows waiting in a queue beyond its next
 * turn ({@link #release}: {@code owner = NULL}, only while another node holds a live lease, only on a node that
 * resumes on start, and only workflows that ran no step), and at each heartbeat every node that resumes on start
 * claims unowned workflows per queue, {@code FOR UPDATE SKIP LOCKED}, as many as its executor has
 * {@linkplain StoreListener#room room} for in that queue.
 *
 * <h2>Fencing</h2>
 * The epoch is the fencing token. Every write of an owner (a step result, a failure, a timer, compensation, the end) is
 * one statement (alone or batched, see below) that first locks the workflow row {@code FOR SHARE} where {@code owner}
 * and {@code epoch} are still this node's and the workflow is unfinished, and writes only if it found it; a claim takes
 * the row {@code FOR UPDATE}, so a write and a takeover are ordered by the database: the write lands before the new
 * owner reads the steps, or it is refused ({@code workflow-fenced}, naming the new owner and both epochs). A node that
 * was paused (GC, {@code SIGSTOP}) for longer than the lease also asks the database before a step runs its side effect
 * ({@link #ensureOwned}), so it usually stops before acting; the database check is what guarantees it.
 *
 * <h2>Group commit</h2>
 * Starts, step and timer records and ends go through a {@link WriteBatcher}: a write made while nothing else is being
 * written runs at once in its own thread as a single-row statement; writes made meanwhile wait and go together, one
 * statement per kind, each row under the same conditions as its single-row statement, every statement taking its rows
 * in workflow id order. A row the batch did not write is written alone by the
 * single-row statement, whose outcome names why (fenced, finished, recorded twice). At most
 * {@linkplain Builder#writeConnections write connections} batches run at once.
 *
 * <h2>Ends</h2>
 * A workflow that succeeded, none of whose steps failed, has its result completed before its end reaches the database,
 * as the embedded store does: the end waits (at most the {@linkplain Builder#endWriteDelay end write delay}, 50 ms by
 * default) to ride in the statement of the next start or step this node writes alone, which also makes the end's
 * update, so both cost one commit; the ender thread writes, batched, those no write carried meanwhile. A lone caller
 * that runs workflows one after another thus waits for four commits per three-step workflow instead of five. The
 * end's write keeps the fencing rules of every write. If this node dies before it lands, the workflow is unfinished
 * with every step recorded: whichever node resumes it runs no step again and only computes the same output again
 * from the recorded results (its code is deterministic between steps, as every replay requires). If another node took
 * it over meanwhile, the write is refused and that node does the same. A failed write is made again. Until it lands,
 * this node answers for the workflow as finished ({@link #find}, {@link #list}, cancel and resume), while other nodes
 * read it as running (their handles learn of ends at their heartbeats anyway).
 * Failures, cancellations, a success after a step failure (whose output, computed again, could differ from the one
 * given), outputs over {@link #LATE_END_MAX_BYTES} and workflows a queue's limits across nodes admitted (whose end
 * frees a place others wait for) are written before the result completes. {@link #close()} writes the waiting ends
 * before it gives up the node's workflows.
 *
 * <h2>Starts whose answer was lost</h2>
 * A start whose INSERT failed without an answer (a broken connection) may have committed all the same, now or later:
 * the server may still be running the statement (waiting for a lock, or for a synchronous standby), or the network may
 * deliver it late. Such a row is owned by this live node, so no other node claims it, and the executor was never
 * handed it. The node keeps the id (in {@code unsure}) for the {@linkplain Builder#lostStartWindow lost-start window}
 * after the failure: a start of the id again takes it (and adopts the row if it exists), and otherwise every
 * heartbeat looks for the row and adopts it once it appears. After the window the id is dropped, with a warning
 * naming it: a row that appears later still waits for this node's restart.
 *
 * <p>The alternative, a periodic reconciliation of every unfinished row owned by this node id that the executor does
 * not know of, was rejected as less safe, not more: such rows exist legitimately (a node that does not resume on start
 * leaves its previous run's rows under its id; a workflow being {@linkplain #release released} is disowned in memory
 * before the database hears of it; a start that committed has no view for a moment), and adopting one of those would
 * run a live workflow twice, or take back one the node chose to leave. Retrying only the ids whose start failed
 * touches no row the executor could know of, and its memory is bounded by the window.
 *
 * <h2>Restarts and shutdown</h2>
 * A node started with the node id of a previous run claims that run's unfinished workflows at once (the previous run
 * is taken to be dead: node ids must be unique among running nodes). {@link #close()} gives up the node's unfinished
 * workflows ({@code owner = NULL}) and deletes its lease row, so that other nodes take them over at their next
 * heartbeat.
 *
 * <h2>Concurrency</h2>
 * <pre>
 * views: concurrent map of workflow id to this node's view (PgWorkflow, which guards itself).
 * writes: the WriteBatcher, thread-safe (see its own design); a view is updated by the thread that made the write,
 *   after the batch that carried it committed.
 * unsure: concurrent map of an id whose start failed without an answer to the clock reading after which it is dropped.
 *   Whoever removes an id first decides it alone: a start of the id removes it before it writes, the heartbeat only
 *   once it saw the row exist (so no start can write that row any more), or once the window is over. A heartbeat
 *   whose adoption failed puts the id back (putIfAbsent), for the next heartbeat or a start of the id to decide.
 * listener, opened, closed: volatile, written once each. lastBeatNanos, beating: volatile, written by whichever
 *   thread heart-beats (the loop, or a worker in ensureOwned). loop: written under this object's monitor.
 * No lock is held during database I/O or while calling the listener.
 * </pre>
 * Thread-safe.
 */
public final class PostgresWorkflowStore implements WorkflowStore {
  private static final System.Logger LOG = System.getLogger(PostgresWorkflowStore.class.getName());
  private static final String UNFINISHED = "('PENDING', 'COMPENSATING')";
  private static final String FINISHED = "('SUCCEEDED', 'FAILED', 'CANCELLED')";
  /** How many finished workflows one retention statement deletes at most, and how many statements a sweep makes. */
  static final int SWEEP_BATCH = 1000;
  /** The longest workflow id a start takes, in bytes of UTF-8 (see {@link #checkId}). */
  static final int MAX_ID_BYTES = 2048;
  private static final int SWEEP_ROUNDS = 10;
  /** The largest output of a successful end that may reach the database after its result completes. */
  static final int LATE_END_MAX_BYTES = 1 << 20;
  private static final String FENCED = "workflow-fenced";
  private static final String ROW_COLUMNS = "w.workflow_id, w.name, w.queue, w.input, w.status, w.owner, w.epoch,"
      + " w.cancel_requested, w.resume_requested, w.outcome, w.output, w.error, w.admitted_at IS NOT NULL";

  private final DataSource dataSource;
  private final HikariDataSource ownedPool;
  private final String schema;
  private final String nodeId;
  private final long leaseMillis;
  private final long leaseNanos;
  private final long heartbeatNanos;
  private final int claimBatch;
  private final long retainMillis;
  private final long sweepNanos;
  private final Clock clock;
  private final ConcurrentHashMap<String, PgWorkflow> views = new ConcurrentHashMap<>();
  /** The queues in which the last heartbeat saw unowned waiting workflows that a claim may not have drained yet. */
  private final Set<String> queuedSeen = ConcurrentHashMap.newKeySet();
  /**
   * The ids whose start failed without an answer (a broken connection), each with the {@link #clock} reading after
   * which it is dropped (the failure plus the {@linkplain Builder#lostStartWindow lost-start window}). Its INSERT may
   * have committed, or may still commit, leaving a row this live node owns that no other node claims and the
   * executor does not know of. A start of the id again takes the id (and adopts such a row, {@link #sqlAdoptOne});
   * otherwise every heartbeat looks for the row until the window is over, and adopts it once it appears.
   */
  private final ConcurrentHashMap<String, Long> unsure = new ConcurrentHashMap<>();
  private final long lostStartNanos;
  private volatile StoreListener listener;
  private volatile boolean resumeOnStart;
  private volatile boolean opened;
  private volatile boolean closed;
  private volatile long lastBeatNanos;
  private volatile boolean beating;
  /** Whether, at the last heartbeat, another node held a live lease (else releasing work would only delay it). */
  private volatile boolean othersAlive;
  private Thread loop;
  /** Writes the ends that no other write carried (see the class comment, "Ends"); started by open. */
  private Thread ender;
  /** Longest a successful end waits for another write to carry it; 0: every end is written before it returns. */
  private final long endDelayNanos;
  /**
   * The workflows whose successful end is recorded here but not yet in the database (it waits to ride with another
   * write, or is being written), each with its view (finished, no longer in {@link #views}). An end that lands, or
   * that the database refuses because another node took the workflow over, leaves it.
   */
  private final ConcurrentHashMap<String, PgWorkflow> pendingEnds = new ConcurrentHashMap<>();
  /** Ends a statement did not write without a failure: the ender asks the database why (see {@link #landed}). */
  private final ConcurrentLinkedQueue<WriteBatcher.Finish> unexplained = new ConcurrentLinkedQueue<>();
  private long lastSweepNanos; // the loop thread's
  /** How many passes the heartbeat loop began (for tests). */
  private final AtomicLong beats = new AtomicLong();
  private final WriteBatcher writes;

  private final String sqlHeartbeat;
  private final String sqlRow;
  private final String sqlSteps;
  private final String sqlStepsOf;
  private final String sqlCompensating;
  private final String sqlCompensated;
  private final String sqlCancel;
  private final String sqlResume;
  private final String sqlOwnerOf;
  private final String sqlList;
  private final String sqlRelease;
  private final String sqlForgetNode;
  private final String sqlClaimAtOpen;
  private final String sqlClaimOrphans;
  private final String sqlClaimQueued;
  private final String sqlQueuedQueues;
  private final String sqlReleaseOne;
  private final String sqlClaimOne;
  private final String sqlAdoptOne;
  private final String sqlUnsureRows;
  private final String sqlWatch;
  private final String sqlSweep;
  private final String sqlQueueLock;
  private final String sqlQueueRunning;
  private final String sqlAdmit;
  private final String sqlAdmittedAlready;
  private final String sqlOwnedStill;
  private final String sqlQueueStarted;

  private PostgresWorkflowStore(Builder b, DataSource dataSource, HikariDataSource ownedPool, int writeConnections) {
    this.dataSource = dataSource;
    this.ownedPool = ownedPool;
    this.schema = b.schema;
    this.nodeId = b.nodeId != null ? b.nodeId : "node-" + UUID.randomUUID();
    this.leaseMillis = b.leaseTime.toMillis();
    this.leaseNanos = Durations.toNanosSaturated(b.leaseTime);
    this.heartbeatNanos = Durations.toNanosSaturated(b.heartbeatInterval);
    this.lostStartNanos = Durations.toNanosSaturated(b.lostStartWindow);
    this.claimBatch = b.claimBatch;
    this.retainMillis = TimeUnit.NANOSECONDS.toMillis(Durations.toNanosSaturated(b.retainFinished)); // ≤ 292 years
    // Sweep every quarter of the retention, at most every minute and at least every heartbeat.
    this.sweepNanos = Math.max(heartbeatNanos, Math.min(Durations.toNanosSaturated(b.retainFinished) / 4,
        TimeUnit.MINUTES.toNanos(1)));
    this.clock = b.clock;
    this.lastSweepNanos = clock.nanoTime() - sweepNanos; // the first heartbeat sweeps
    String s = schema + ".";
    sqlHeartbeat = "INSERT INTO " + s + "workflow_nodes (node_id, heartbeat_at, lease_until) VALUES (?, now(), now()"
        + " + ? * interval '1 millisecond') ON CONFLICT (node_id) DO UPDATE SET heartbeat_at = now(), lease_until ="
        + " EXCLUDED.lease_until RETURNING EXISTS (SELECT 1 FROM " + s + "workflow_nodes o WHERE o.node_id <> ?"
        + " AND o.lease_until > now())";
    this.endDelayNanos = Durations.toNanosSaturated(b.endWriteDelay);
    writes = new WriteBatcher(dataSource, schema, nodeId, UNFINISHED, writeConnections, this::landed);
    sqlRow = "SELECT " + ROW_COLUMNS + " FROM " + s + "workflows w WHERE w.workflow_id = ?";
    String stepColumns = "workflow_id, step_index, name, sleep, result, error, wake_millis, compensated";
    sqlSteps = "SELECT " + stepColumns + " FROM " + s + "workflow_steps WHERE workflow_id = ? ORDER BY step_index";
    sqlStepsOf = "SELECT " + stepColumns + " FROM " + s + "workflow_steps WHERE workflow_id = ANY (?)"
        + " ORDER BY workflow_id, step_index";
    String mine = "SELECT cancel_requested FROM " + s + "workflows WHERE workflow_id = ? AND owner = ? AND epoch = ?"
        + " AND status IN " + UNFINISHED + " FOR SHARE";
    sqlCompensating = "UPDATE " + s + "workflows SET status = 'COMPENSATING', outcome = ?, error = ?, updated_at ="
        + " now() WHERE workflow_id = ? AND owner = ? AND epoch = ? AND status IN " + UNFINISHED
        + " RETURNING cancel_requested";
    sqlCompensated = "WITH w AS (" + mine + ") UPDATE " + s + "workflow_steps SET compensated = true"
        + " WHERE workflow_id = ? AND step_index = ? AND EXISTS (SELECT 1 FROM w) RETURNING step_index";
    sqlCancel = "UPDATE " + s + "workflows SET cancel_requested = true, updated_at = now() WHERE workflow_id = ?"
        + " AND status IN " + UNFINISHED + " RETURNING epoch";
    sqlResume = "UPDATE " + s + "workflows SET resume_requested = true, updated_at = now() WHERE workflow_id = ?"
        + " AND status IN " + UNFINISHED + " RETURNING epoch";
    sqlOwnerOf = "SELECT owner, epoch, status FROM " + s + "workflows WHERE workflow_id = ?";
    sqlList = "SELECT w.workflow_id, w.name, w.queue, w.status, w.error, t.step_index, t.name, t.sleep, t.error,"
        + " t.wake_millis, t.compensated FROM " + s + "workflows w LEFT JOIN " + s + "workflow_steps t"
        + " ON t.workflow_id = w.workflow_id WHERE (?::text IS NULL OR w.status = ?)"
        + " ORDER BY w.workflow_id, t.step_index";
    sqlRelease = "UPDATE " + s + "workflows SET owner = NULL, updated_at = now() WHERE owner = ? AND status IN "
        + UNFINISHED;
    // Still this node's (at any epoch: a claim of its own may have raised it meanwhile), finished ones included.
    sqlOwnedStill = "SELECT workflow_id FROM " + s + "workflows WHERE workflow_id = ANY (?) AND owner = ?";
    sqlForgetNode = "DELETE FROM " + s + "workflow_nodes WHERE node_id = ?";
    // One claim statement, three conditions: at open (this node's previous run and unowned ones), at each heartbeat
    // (unowned ones and those of nodes whose lease ran out), and one workflow for a resume. It returns the claimed
    // workflows in the order they started (an UPDATE's RETURNING has no order), which the executor queues them in.
    String claim = "WITH c AS (SELECT w.workflow_id, w.owner AS previous FROM " + s + "workflows w LEFT JOIN " + s
        + "workflow_nodes n ON n.node_id = w.owner WHERE w.status IN " + UNFINISHED + " AND %s"
        + " ORDER BY w.created_at, w.workflow_id LIMIT ? FOR UPDATE OF w%s), u AS (UPDATE " + s + "workflows w SET"
        + " owner = ?, epoch = w.epoch + 1, updated_at = now() FROM c WHERE w.workflow_id = c.workflow_id RETURNING "
        + ROW_COLUMNS + ", c.previous, w.created_at) SELECT * FROM u ORDER BY created_at, workflow_id";
    String wanted = " AND (? OR w.resume_requested)";
    sqlClaimAtOpen = String.format(claim, "(w.owner = ? OR w.owner IS NULL)" + wanted, " SKIP LOCKED");
    // Also the unowned ones a queue's limits across nodes admitted (handed back by a closing node): they hold a
    // place in their queue, so they are claimed like a stopped node's, not as a queue's room allows.
    sqlClaimOrphans = String.format(claim, "(w.owner IS NOT NULL AND w.owner <> ? AND (n.node_id IS NULL"
        + " OR n.lease_until < now()) OR w.owner IS NULL AND w.admitted_at IS NOT NULL)" + wanted, " SKIP LOCKED");
    // Waiting in a queue with no owner (released by a node whose queue had no room, or by a closing node): claimed
    // per queue, at most as many as this node's queue has room for.
    sqlClaimQueued = String.format(claim, "w.owner IS NULL AND w.queue = ?" + wanted, " SKIP LOCKED");
    sqlQueuedQueues = "SELECT DISTINCT queue FROM " + s + "workflows WHERE owner IS NULL AND status IN " + UNFINISHED;
    sqlReleaseOne = "UPDATE " + s + "workflows SET owner = NULL, updated_at = now() WHERE workflow_id = ? AND"
        + " owner = ? AND epoch = ? AND status = 'PENDING' AND NOT EXISTS (SELECT 1 FROM " + s + "workflow_steps"
        + " WHERE workflow_id = ?)";
    sqlClaimOne = String.format(claim, "w.workflow_id = ? AND (w.owner IS NULL OR w.owner = ? OR n.node_id IS NULL"
        + " OR n.lease_until < now())", "");
    // A workflow whose start's answer was lost: still this node's (nobody else took it) and unfinished.
    sqlAdoptOne = String.format(claim, "w.workflow_id = ? AND w.owner = ?", "");
    // Which of the ids whose start's answer was lost have a row by now (whoever owns it: the question is settled).
    sqlUnsureRows = "SELECT workflow_id, owner = ? AND status IN " + UNFINISHED + " FROM " + s + "workflows"
        + " WHERE workflow_id = ANY (?)";
    sqlSweep = "DELETE FROM " + s + "workflows WHERE workflow_id IN (SELECT workflow_id FROM " + s + "workflows"
        + " WHERE status IN " + FINISHED + " AND updated_at < now() - ? * interval '1 millisecond'"
        + " ORDER BY updated_at LIMIT ? FOR UPDATE SKIP LOCKED)";
    // Admission under a queue's limits across nodes: its row, locked by the upsert, orders the nodes' admissions.
    sqlQueueLock = "INSERT INTO " + s + "workflow_queues (queue) VALUES (?) ON CONFLICT (queue) DO UPDATE SET queue ="
        + " EXCLUDED.queue RETURNING CASE WHEN next_start_at <= clock_timestamp() THEN 0 ELSE ceil(extract(epoch FROM"
        + " next_start_at - clock_timestamp()) * 1000000)::bigint END";
    sqlQueueRunning = "SELECT count(*) FROM " + s + "workflows WHERE queue = ? AND admitted_at IS NOT NULL AND status"
        + " IN " + UNFINISHED;
    // The rate's times are read when the statement runs (clock_timestamp), not when the transaction began (now):
    // an admission that waited for the queue's row must not count from before it waited.
    sqlAdmit = "UPDATE " + s + "workflows SET admitted_at = clock_timestamp() WHERE workflow_id = ANY (?) AND owner = ?"
        + " AND admitted_at IS NULL AND status IN " + UNFINISHED + " RETURNING workflow_id";
    sqlAdmittedAlready = "SELECT workflow_id FROM " + s + "workflows WHERE workflow_id = ANY (?) AND owner = ? AND"
        + " admitted_at IS NOT NULL AND status IN " + UNFINISHED;
    sqlQueueStarted = "UPDATE " + s + "workflow_queues SET next_start_at = clock_timestamp() + ? * interval"
        + " '1 microsecond'"
        + " WHERE queue = ?";
    sqlWatch = "SELECT " + ROW_COLUMNS + " FROM " + s + "workflows w WHERE w.workflow_id = ANY (?)"
        + " OR (w.owner = ? AND w.cancel_requested AND w.status IN " + UNFINISHED + ")";
  }

  /** A builder of a store on {@code dataSource} (which the store uses but does not close). */
  public static Builder builder(DataSource dataSource) {
    return new Builder(Validate.notNull("dataSource", dataSource), null, null, null);
  }

  /**
   * A builder of a store on the database at {@code jdbcUrl} ({@code jdbc:postgresql://host:port/database}), through
   * a HikariCP pool that the store owns and closes. {@code user} and {@code password} may be null (then the URL or
   * the driver's defaults apply).
   */
  public static Builder builder(String jdbcUrl, String user, String password) {
    Validate.notBlank("jdbcUrl", jdbcUrl);
    if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
      throw new ConfigurationException("jdbcUrl", "start with jdbc:postgresql:", jdbcUrl);
    }
    return new Builder(null, jdbcUrl, user, password);
  }

  /** This node's id (the owner recorded on the workflows it runs). */
  public String nodeId() {
    return nodeId;
  }

  /** The schema the store's tables live in. */
  public String schema() {
    return schema;
  }

  // ---------------------------------------------------------------------------------------------------- SPI

  /**
   * Renews this node's lease and claims its workflows (see {@link WorkflowStore#open}), returned in the order they
   * started: by {@code created_at} (the database's {@code now()} of the start's transaction), then by id for starts
   * written by one batched statement, which share it.
   */
  @Override
  public List<? extends StoredWorkflow> open(StoreListener listener, boolean resumeOnStart) {
    synchronized (this) {
      if (opened || closed) {
        throw new IllegalStateException("store of node " + nodeId + " is " + (closed ? "closed" : "already open")
            + "; give each executor its own store");
      }
      opened = true;
      this.listener = Validate.notNull("listener", listener);
      this.resumeOnStart = resumeOnStart;
    }
    heartbeat();
    List<PgWorkflow> mine = new ArrayList<>();
    for (Claimed c : claim(sqlClaimAtOpen, Integer.MAX_VALUE, null)) {
      mine.add(c.view);
    }
    synchronized (this) {
      loop = new Thread(this::runLoop, "faultline-pg-" + nodeId);
      loop.setDaemon(true);
      loop.start();
      if (endDelayNanos > 0) {
        ender = new Thread(this::runEnds, "faultline-pg-ends-" + nodeId);
        ender.setDaemon(true);
        ender.start();
      }
    }
    LOG.log(System.Logger.Level.INFO, "workflow store " + schema + " on PostgreSQL opened for node " + nodeId
        + " (lease " + leaseMillis + " ms): claimed " + mine.size() + " unfinished workflow(s)");
    return mine;
  }

  @Override
  public StoredWorkflow create(String id, String name, String queue, byte[] input) {
    checkId(id);
    WriteBatcher.Create write = new WriteBatcher.Create(id, name, queue, input);
    // Taken before the write: once this start wrote the row, no heartbeat may adopt it as a lost one.
    boolean wasUnsure = unsure.remove(id) != null;
    try {
      write("start workflow " + id, write);
    } catch (WorkflowException e) {
      // Its INSERT (or the earlier one's) may have committed all the same, or may yet.
      unsure.put(id, clock.nanoTime() + lostStartNanos);
      throw e;
    }
    if (!write.written) {
      if (wasUnsure) {
        // A start of this id whose answer was lost: if its row exists and is still this node's, this start is the
        // one that created it (nobody runs it otherwise: no node claims a live node's workflow).
        List<Claimed> adopted;
        try {
          adopted = claim(sqlAdoptOne, 1, id);
        } catch (WorkflowException e) {
          unsure.put(id, clock.nanoTime() + lostStartNanos); // still to be decided
          throw e;
        }
        if (!adopted.isEmpty()) {
          return adopted.get(0).view;
        }
      }
      return null; // the id exists
    }
    long epoch = write.epoch;
    PgWorkflow view = new PgWorkflow(new PgWorkflow.Row(id, name, queue, input, WorkflowStatus.PENDING, nodeId,
        epoch, false, false, null, null, null, false));
    view.own(epoch);
    views.put(id, view);
    return view;
  }

  /**
   * Refuses, before anything is written, a workflow id PostgreSQL cannot hold: one with a NUL character (text refuses
   * it) or longer than {@link #MAX_ID_BYTES} (a key of B-tree indexes, whose entries hold at most 2704 bytes). Written,
   * its INSERT failed as if the database had failed (store-failed, the id then looked for as a lost start), and with it
   * the statement of every start batched with it.
   */
  private static void checkId(String id) {
    int nul = id.indexOf('\0');
    if (nul >= 0) {
      throw new ConfigurationException("workflowId", "not contain the NUL character (PostgreSQL text cannot hold it)",
          "an id of " + id.length() + " characters with NUL at index " + nul);
    }
    if (id.length() > MAX_ID_BYTES / 3) { // else it has at most MAX_ID_BYTES bytes of UTF-8
      int bytes = id.getBytes(StandardCharsets.UTF_8).length;
      if (bytes > MAX_ID_BYTES) {
        throw new ConfigurationException("workflowId", "be at most " + MAX_ID_BYTES + " bytes of UTF-8 (a key of"
            + " PostgreSQL's B-tree indexes)", bytes + " bytes");
      }
    }
  }

  @Override
  public StoredWorkflow find(String id) {
    if (id.indexOf('\0') >= 0) {
      return null; // no workflow has it (checkId refuses it at the start); asked for, the database fails the read
    }
    PgWorkflow cached = views.get(id);
    if (cached != null && cached.owned()) {
      return cached;
    }
    PgWorkflow ending = pendingEnds.get(id);
    if (ending != null) {
      return ending; // its end is not in the database yet
    }
    return sql("read workflow " + id, c -> {
      PgWorkflow.Row row = null;
      try (PreparedStatement p = c.prepareStatement(sqlRow)) {
        p.setString(1, id);
        try (ResultSet rs = p.executeQuery()) {
          if (rs.next()) {
            row = row(rs);
          }
        }
      }
      if (row == null) {
        return null;
      }
      List<PgWorkflow.Step> steps = new ArrayList<>();
      try (PreparedStatement p = c.prepareStatement(sqlSteps)) {
        p.setString(1, id);
        try (ResultSet rs = p.executeQuery()) {
          while (rs.next()) {
            steps.add(step(rs));
          }
        }
      }
      PgWorkflow view = view(row);
      view.refresh(row, steps);
      dropIfFinished(view);
      return view;
    });
  }

  /**
   * Lists the workflows as the database has them, except those whose end this node recorded and the database does
   * not have yet (see the class comment, "Ends"): those as this node knows them, SUCCEEDED. The pending ends are
   * read before the database, so an end that lands meanwhile is in one or the other.
   */
  @Override
  public List<WorkflowInfo> list(WorkflowStatus status) {
    Map<String, PgWorkflow> ending = new HashMap<>(pendingEnds);
    List<WorkflowInfo> listed = listed(status);
    if (ending.isEmpty()) {
      return listed;
    }
    List<WorkflowInfo> out = new ArrayList<>(listed.size() + ending.size());
    for (WorkflowInfo info : listed) {
      if (!ending.containsKey(info.workflowId())) {
        out.add(info);
      }
    }
    for (PgWorkflow view : ending.values()) {
      if (status == null || status == view.status()) {
        out.add(view.info());
      }
    }
    out.sort(Comparator.comparing(WorkflowInfo::workflowId));
    return out;
  }

  /** The workflows with {@code status} (all if null) as the database has them, by id. */
  private List<WorkflowInfo> listed(WorkflowStatus status) {
    return sql("list workflows", c -> {
      List<WorkflowInfo> out = new ArrayList<>();
      try (PreparedStatement p = c.prepareStatement(sqlList)) {
        String wanted = status == null ? null : status.name();
        p.setString(1, wanted);
        p.setString(2, wanted);
        try (ResultSet rs = p.executeQuery()) {
          String id = null;
          String name = null;
          String queue = null;
          WorkflowStatus st = null;
          String error = null;
          List<WorkflowInfo.StepInfo> steps = new ArrayList<>();
          while (rs.next()) {
            String rowId = rs.getString(1);
            if (!rowId.equals(id)) {
              if (id != null) {
                out.add(info(id, name, queue, st, steps, error));
              }
              id = rowId;
              name = rs.getString(2);
              queue = rs.getString(3);
              st = WorkflowStatus.valueOf(rs.getString(4));
              error = rs.getString(5);
              steps = new ArrayList<>();
            }
            int index = rs.getInt(6);
            if (!rs.wasNull()) {
              steps.add(WorkflowInfo.StepInfo.of(index, rs.getString(7), rs.getBoolean(8), rs.getLong(10),
                  rs.getString(9), rs.getBoolean(11)));
            }
          }
          if (id != null) {
            out.add(info(id, name, queue, st, steps, error));
          }
        }
      }
      return out;
    });
  }

  private static WorkflowInfo info(String id, String name, String queue, WorkflowStatus status,
      List<WorkflowInfo.StepInfo> steps, String error) {
    int compensated = (int) steps.stream().filter(WorkflowInfo.StepInfo::compensated).count();
    return new WorkflowInfo(id, name, queue, status, steps, compensated, error);
  }

  @Override
  public void record(StoredWorkflow workflow, WorkflowChange change) {
    PgWorkflow view = (PgWorkflow) workflow;
    if (change instanceof WorkflowChange.Cancel || change instanceof WorkflowChange.Resume) {
      request(view.id, change instanceof WorkflowChange.Cancel);
      if (change instanceof WorkflowChange.Cancel) {
        view.requestCancel();
      } else {
        view.requestResume();
      }
      return;
    }
    long epoch = view.ownedEpoch();
    if (epoch < 0) {
      throw new WorkflowException(FENCED, "node " + nodeId + " does not own workflow " + view.id + " (it was"
          + " released or taken over); cannot record " + change.getClass().getSimpleName());
    }
    String what = "record " + change.getClass().getSimpleName() + " of workflow " + view.id;
    PgWorkflow.Step step = stepOf(change);
    if (step != null) {
      WriteBatcher.Step write = new WriteBatcher.Step(view.id, epoch, step);
      write(what, write);
      if (write.written) {
        view.addStep(step, write.cancelRequested);
        return;
      }
    } else if (change instanceof WorkflowChange.Finished) {
      WorkflowChange.Finished e = (WorkflowChange.Finished) change;
      String error = storable(e.error());
      WriteBatcher.Finish write = new WriteBatcher.Finish(view.id, epoch, e.status().name(), e.output(), error);
      if (endLater(view, e)) {
        // In this order, so that a concurrent find or heartbeat never reads the row's old status into the view: it
        // finds the view in pendingEnds before the view stops being owned, and no longer among those it refreshes.
        pendingEnds.put(view.id, view);
        views.remove(view.id, view);
        view.finished(e.status(), e.output(), error);
        writes.ride(write);
        if (writes.riding() >= WriteBatcher.MAX_BATCH) {
          LockSupport.unpark(ender);
        }
        return;
      }
      write(what, write);
      if (write.written) {
        view.finished(e.status(), e.output(), error);
        dropIfFinished(view);
        return;
      }
      throw refusal(view, epoch, change); // not this node's at this epoch any more, or finished
    }
    // Written alone: a compensation, or a step the batch did not write, whose single-row statement says why (taken
    // over, finished, or recorded already: a duplicate key).
    boolean done = sql(what, c -> {
      if (step != null) {
        return insertStep(c, view, epoch, step);
      } else if (change instanceof WorkflowChange.Compensating) {
        WorkflowChange.Compensating e = (WorkflowChange.Compensating) change;
        String error = storable(e.error());
        try (PreparedStatement p = c.prepareStatement(sqlCompensating)) {
          p.setString(1, e.outcome().name());
          p.setString(2, error);
          p.setString(3, view.id);
          p.setString(4, nodeId);
          p.setLong(5, epoch);
          try (ResultSet rs = p.executeQuery()) {
            if (!rs.next()) {
              return false;
            }
            view.compensating(e.outcome(), error, rs.getBoolean(1));
            return true;
          }
        }
      }
      WorkflowChange.Compensated e = (WorkflowChange.Compensated) change;
      try (PreparedStatement p = c.prepareStatement(sqlCompensated)) {
        p.setString(1, view.id);
        p.setString(2, nodeId);
        p.setLong(3, epoch);
        p.setString(4, view.id);
        p.setInt(5, e.index());
        try (ResultSet rs = p.executeQuery()) {
          if (!rs.next()) {
            return false;
          }
          view.markCompensated(e.index());
          return true;
        }
      }
    });
    if (!done) {
      throw refusal(view, epoch, change);
    }
  }

  /**
   * Whether the end {@code e} of {@code view} may reach the database after the result completes (see the class
   * comment, "Ends"): a success of a workflow none of whose steps failed, with an output of at most
   * {@link #LATE_END_MAX_BYTES}, while {@linkplain Builder#endWriteDelay end writes may wait}. Not one that a queue's
   * limits across nodes admitted: its end frees a place in that queue, which other workflows wait for.
   */
  private boolean endLater(PgWorkflow view, WorkflowChange.Finished e) {
    return endDelayNanos > 0 && e.status() == WorkflowStatus.SUCCEEDED && !closed && !view.admitted()
        && (e.output() == null || e.output().length <= LATE_END_MAX_BYTES) && !view.anyStepFailed();
  }

  /**
   * Told by the writes of each end that rode in another write's statement or that {@link #writeEnds} wrote (on the
   * writing thread: no I/O here). Landed, it leaves {@link #pendingEnds}; failed, it rides again (and the first
   * failure of each end is logged); not written, this node no longer answers for it, and the ender asks the
   * database why (for the log).
   */
  private void landed(WriteBatcher.Finish end) {
    if (end.written) {
      pendingEnds.remove(end.id);
    } else if (end.failure instanceof SQLException && !end.rode
        && WriteBatcher.refusedForData((SQLException) end.failure)) {
      // Written on its own, and refused for its data: every write of it would be. The workflow stays unfinished,
      // owned by this node, until a restart of the node runs it again (as a refused end written at once would).
      pendingEnds.remove(end.id);
      LOG.log(System.Logger.Level.ERROR, "the database refused the end of workflow " + end.id + " (SUCCEEDED, its"
          + " result given already); it stays unfinished until node " + nodeId + " restarts: " + end.failure);
    } else if (end.failure != null) {
      if (end.failures == 0) {
        LOG.log(System.Logger.Level.WARNING, "node " + nodeId + " could not write the end of workflow " + end.id
            + " (SUCCEEDED, its result given already); it is written again with the next write or within "
            + TimeUnit.NANOSECONDS.toMillis(endDelayNanos) + " ms: " + end.failure);
      }
      writes.ride(end.again());
    } else {
      pendingEnds.remove(end.id); // it will not land: this node no longer answers for the workflow
      unexplained.add(end);
      LockSupport.unpark(ender);
    }
  }

  /** Writes every end waiting to ride (and those a write left unexplained), and returns once each is decided. */
  private void writeEnds() {
    explainEnds();
    List<WriteBatcher.Finish> ends = writes.takeRiders();
    if (ends.isEmpty()) {
      return;
    }
    writes.submitAll(ends);
    for (WriteBatcher.Finish end : ends) {
      landed(end);
    }
    explainEnds();
  }

  /**
   * Asks the database, for the log, why each end a statement did not write was not written: the workflow finished
   * as this end says, at this node and epoch (an earlier write of it committed without an answer: it landed), or
   * another node took it over (that node runs it from its recorded steps and computes the same end), or it left the
   * store.
   */
  private void explainEnds() {
    WriteBatcher.Finish end;
    while ((end = unexplained.poll()) != null) {
      WriteBatcher.Finish e = end;
      Object[] now;
      try {
        now = sql("check the owner of workflow " + e.id, c -> {
          try (PreparedStatement p = c.prepareStatement(sqlOwnerOf)) {
            p.setString(1, e.id);
            try (ResultSet rs = p.executeQuery()) {
              return rs.next() ? new Object[] {rs.getString(1), rs.getLong(2), rs.getString(3)} : null;
            }
          }
        });
      } catch (WorkflowException failed) {
        unexplained.add(e); // asked again at the next pass
        LOG.log(System.Logger.Level.WARNING, failed.getMessage());
        return;
      }
      if (now != null && nodeId.equals(now[0]) && e.ownedEpoch == (Long) now[1] && e.status.equals(now[2])) {
        continue; // landed by an earlier write whose answer was lost
      }
      LOG.log(System.Logger.Level.INFO, "the end of workflow " + e.id + " (SUCCEEDED on node " + nodeId + " at epoch "
          + e.ownedEpoch + ") was not written: " + (now == null ? "it is no longer in the store"
          : "it is owned by " + (now[0] == null ? "no node" : "node " + now[0]) + " at epoch " + now[1] + " ("
          + now[2] + "), which runs it again from its recorded steps"));
    }
  }

  /** The ender: writes, every end write delay, the ends no other write carried meanwhile. */
  private void runEnds() {
    while (!closed) {
      LockSupport.parkNanos(this, endDelayNanos);
      if (closed) {
        return;
      }
      try {
        writeEnds();
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.ERROR, "node " + nodeId + ": writing workflow ends failed: " + e, e);
      }
    }
  }

  /** The step or timer {@code change} records, or null if it records something else. */
  private static PgWorkflow.Step stepOf(WorkflowChange change) {
    if (change instanceof WorkflowChange.StepDone) {
      WorkflowChange.StepDone e = (WorkflowChange.StepDone) change;
      return new PgWorkflow.Step(e.index(), e.step(), e.result(), null, 0, false, false);
    } else if (change instanceof WorkflowChange.StepFailed) {
      WorkflowChange.StepFailed e = (WorkflowChange.StepFailed) change;
      return new PgWorkflow.Step(e.index(), e.step(), null, storable(e.error()), 0, false, false);
    } else if (change instanceof WorkflowChange.Sleep) {
      WorkflowChange.Sleep e = (WorkflowChange.Sleep) change;
      return new PgWorkflow.Step(e.index(), "sleep", null, null, e.wakeMillis(), true, false);
    }
    return null;
  }

  /**
   * A failure's message as a text column can hold it: PostgreSQL refuses the NUL character in text, which a message
   * may carry (hostile input an exception echoes), so each NUL is recorded as U+FFFD. Refused, the failure could not
   * be recorded at all (the workflow stayed unfinished until a restart ran the step again), and it failed the
   * statement of every write batched with it.
   */
  static String storable(String error) {
    return error == null || error.indexOf('\0') < 0 ? error : error.replace('\0', '\uFFFD');
  }

  /** Writes {@code write} through the batcher, as {@link #sql} runs a statement. */
  private void write(String what, WriteBatcher.Write write) {
    try {
      writes.submit(write);
    } catch (SQLException e) {
      throw new WorkflowException("store-failed", "could not " + what + " in PostgreSQL schema " + schema + ": "
          + e.getMessage(), e);
    }
  }

  /** Writes {@code step} alone (the batcher's single-row statement), naming a step recorded twice. */
  private boolean insertStep(Connection c, PgWorkflow view, long epoch, PgWorkflow.Step step) throws SQLException {
    WriteBatcher.Step write = new WriteBatcher.Step(view.id, epoch, step);
    try {
      writes.stepAlone(c, write);
    } catch (SQLException e) {
      if (WriteBatcher.DUPLICATE_KEY.equals(e.getSQLState())) {
        throw new WorkflowException("workflow-nondeterministic", "workflow " + view.id + " already records step "
            + step.index() + "; node " + nodeId + " cannot record it again (" + step.name() + ")", e);
      }
      throw e;
    }
    if (write.written) {
      view.addStep(step, write.cancelRequested);
    }
    return write.written;
  }

  /** Why an owner's write matched no row: the workflow finished, vanished, or another node took it over. */
  private WorkflowException refusal(PgWorkflow view, long epoch, WorkflowChange change) {
    String what = change.getClass().getSimpleName();
    Object[] now = sql("check the owner of workflow " + view.id, c -> {
      try (PreparedStatement p = c.prepareStatement(sqlOwnerOf)) {
        p.setString(1, view.id);
        try (ResultSet rs = p.executeQuery()) {
          return rs.next() ? new Object[] {rs.getString(1), rs.getLong(2), rs.getString(3)} : null;
        }
      }
    });
    if (now == null) {
      return new WorkflowException("workflow-unknown", "workflow " + view.id + " is no longer in the store; cannot"
          + " record " + what);
    }
    WorkflowStatus status = WorkflowStatus.valueOf((String) now[2]);
    if (status.terminal() && nodeId.equals(now[0]) && epoch == (Long) now[1]) {
      return new WorkflowException("workflow-finished", "workflow " + view.id + " already finished " + status
          + "; cannot record " + what);
    }
    view.disown();
    return new WorkflowException(FENCED, "workflow " + view.id + " was taken over: it is owned by "
        + (now[0] == null ? "no node" : "node " + now[0]) + " at epoch " + now[1] + " (" + status + "), while node "
        + nodeId + " held epoch " + epoch + "; its " + what + " was refused");
  }

  @Override
  public boolean claim(StoredWorkflow workflow) {
    PgWorkflow view = (PgWorkflow) workflow;
    return !claim(sqlClaimOne, 1, view.id).isEmpty();
  }

  @Override
  public void ensureOwned(StoredWorkflow workflow) {
    PgWorkflow view = (PgWorkflow) workflow;
    long epoch = view.ownedEpoch();
    if (epoch >= 0 && beating && clock.nanoTime() - lastBeatNanos < leaseNanos - heartbeatNanos) {
      return;
    }
    // This node cannot vouch for its lease (it was paused, or its heartbeats fail): renew it, then ask.
    heartbeat();
    Object[] now = sql("check the owner of workflow " + view.id, c -> {
      try (PreparedStatement p = c.prepareStatement(sqlOwnerOf)) {
        p.setString(1, view.id);
        try (ResultSet rs = p.executeQuery()) {
          return rs.next() ? new Object[] {rs.getString(1), rs.getLong(2)} : null;
        }
      }
    });
    if (epoch < 0 || now == null || !nodeId.equals(now[0]) || epoch != (Long) now[1]) {
      view.disown();
      throw new WorkflowException(FENCED, "workflow " + view.id + " was taken over: it is owned by "
          + (now == null || now[0] == null ? "no node" : "node " + now[0]) + " at epoch " + (now == null ? "?"
          : now[1]) + ", while node " + nodeId + " held epoch " + epoch + "; the step does not run here");
    }
  }

  @Override
  public void close() {
    Thread running;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      running = loop;
    }
    Thread ending;
    synchronized (this) {
      ending = ender;
    }
    for (Thread t : new Thread[] {running, ending}) {
      if (t != null) {
        if (t == running) {
          t.interrupt(); // its wait is the clock's sleep
        } else {
          LockSupport.unpark(t); // it sees `closed` (an interrupt would make its batch's waits spin)
        }
        try {
          t.join(10_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
    try {
      if (opened) {
        writeEnds(); // else their workflows are released below, and run again elsewhere only to compute them
        int released = sql("release the workflows of node " + nodeId, c -> {
          int n;
          try (PreparedStatement p = c.prepareStatement(sqlRelease)) {
            p.setString(1, nodeId);
            n = p.executeUpdate();
          }
          try (PreparedStatement p = c.prepareStatement(sqlForgetNode)) {
            p.setString(1, nodeId);
            p.executeUpdate();
          }
          return n;
        });
        for (PgWorkflow view : views.values()) {
          view.disown();
        }
        LOG.log(System.Logger.Level.INFO, "node " + nodeId + " released " + released + " unfinished workflow(s)");
      }
    } catch (WorkflowException e) {
      LOG.log(System.Logger.Level.WARNING, "node " + nodeId + " could not release its workflows; other nodes take"
          + " them over when its lease runs out: " + e.getMessage());
    } finally {
      if (ownedPool != null) {
        ownedPool.close();
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------- offline

  /**
   * Records a cancellation of workflow {@code id}: its owner stops it at its next step (or timer) and compensates;
   * an unowned one is claimed and stopped by the next node that claims it.
   *
   * @return false if the workflow already finished
   * @throws WorkflowException {@code workflow-unknown} if the store has no such workflow
   */
  public boolean requestCancel(String id) {
    return requestOrFinished(id, true);
  }

  /**
   * Records a resume request for workflow {@code id}: nodes that do not resume on start claim it anyway once its
   * owner is gone, and a failed compensation is retried.
   *
   * @return false if the workflow already finished
   * @throws WorkflowException {@code workflow-unknown} if the store has no such workflow
   */
  public boolean requestResume(String id) {
    return requestOrFinished(id, false);
  }

  private boolean requestOrFinished(String id, boolean cancel) {
    try {
      request(id, cancel);
      return true;
    } catch (WorkflowException e) {
      if ("workflow-finished".equals(e.code())) {
        return false;
      }
      throw e;
    }
  }

  private void request(String id, boolean cancel) {
    if (pendingEnds.containsKey(id)) {
      throw new WorkflowException("workflow-finished", "workflow " + id + " already finished SUCCEEDED; cannot "
          + (cancel ? "cancel" : "resume") + " it");
    }
    boolean found = sql((cancel ? "cancel" : "resume") + " workflow " + id, c -> {
      try (PreparedStatement p = c.prepareStatement(cancel ? sqlCancel : sqlResume)) {
        p.setString(1, id);
        try (ResultSet rs = p.executeQuery()) {
          return rs.next();
        }
      }
    });
    if (!found) {
      StoredWorkflow now = find(id);
      if (now == null) {
        throw new WorkflowException("workflow-unknown", "no workflow with id " + id + " in schema " + schema);
      }
      throw new WorkflowException("workflow-finished", "workflow " + id + " already finished " + now.status()
          + "; cannot " + (cancel ? "cancel" : "resume") + " it");
    }
  }

  // ---------------------------------------------------------------------------------------------------- leases

  /**
   * Renews this node's lease on the database clock. If this node could not vouch for its lease before (its last
   * heartbeat is too long ago: it was paused, or its heartbeats failed), the lease may have run out meanwhile and
   * other nodes may have taken its workflows over: it then gives up the views of those before it vouches again, so
   * that {@link #ensureOwned} stops their steps rather than trusting the renewed lease.
   */
  private void heartbeat() {
    long before = clock.nanoTime();
    boolean lapsed = !beating || before - lastBeatNanos >= leaseNanos - heartbeatNanos;
    try {
      othersAlive = sql("heartbeat of node " + nodeId, c -> {
        try (PreparedStatement p = c.prepareStatement(sqlHeartbeat)) {
          p.setString(1, nodeId);
          p.setLong(2, leaseMillis);
          p.setString(3, nodeId);
          try (ResultSet rs = p.executeQuery()) {
            return rs.next() && rs.getBoolean(1);
          }
        }
      });
      if (lapsed) {
        disownTakenOver();
      }
    } catch (WorkflowException e) {
      beating = false;
      throw e;
    }
    lastBeatNanos = before;
    beating = true;
  }

  /** Disowns the views of workflows this node owned that another node took over (or that left the store). */
  private void disownTakenOver() {
    Map<String, Long> owned = new HashMap<>();
    for (PgWorkflow view : views.values()) {
      long epoch = view.ownedEpoch();
      if (epoch >= 0) {
        owned.put(view.id, epoch);
      }
    }
    if (owned.isEmpty()) {
      return;
    }
    Set<String> still = sql("check the workflows of node " + nodeId + " after its lease may have run out", c -> {
      Set<String> mine = new HashSet<>();
      Array array = c.createArrayOf("text", owned.keySet().toArray());
      try (PreparedStatement p = c.prepareStatement(sqlOwnedStill)) {
        p.setArray(1, array);
        p.setString(2, nodeId);
        try (ResultSet rs = p.executeQuery()) {
          while (rs.next()) {
            mine.add(rs.getString(1));
          }
        }
      } finally {
        array.free();
      }
      return mine;
    });
    for (Map.Entry<String, Long> e : owned.entrySet()) {
      PgWorkflow view = views.get(e.getKey());
      if (!still.contains(e.getKey()) && view != null && view.disownIf(e.getValue())) {
        LOG.log(System.Logger.Level.WARNING, "node " + nodeId + " lost workflow " + view.id + " while its lease"
            + " could have run out (another node owns it now)");
      }
    }
  }

  /** A workflow this node claimed, and the node it had before (null if none or this one). */
  private record Claimed(PgWorkflow view, String previous) {}

  /** Runs one claim statement (see the constructor) and loads the claimed workflows' steps into their views. */
  private List<Claimed> claim(String statement, int limit, String id) {
    return claim(statement, limit, id, null);
  }

  /**
   * As above; {@code queue}: the queue of the unowned workflows {@link #sqlClaimQueued} claims. The claim and the read
   * of the claimed workflows' steps are one transaction: a claim committed on its own while the read failed would
   * leave workflows owned by this live node that no view owns, which no node claims (not this one either) until it
   * restarts.
   */
  private List<Claimed> claim(String statement, int limit, String id, String queue) {
    List<Claimed> out = sql("claim workflows for node " + nodeId, c -> {
      Map<String, PgWorkflow.Row> rows = new LinkedHashMap<>();
      Map<String, String> previous = new HashMap<>();
      Map<String, List<PgWorkflow.Step>> steps;
      c.setAutoCommit(false);
      try {
        try (PreparedStatement p = c.prepareStatement(statement)) {
          int i = 1;
          if (id != null) {
            p.setString(i++, id);
            p.setString(i++, nodeId);
          } else if (queue != null) {
            p.setString(i++, queue);
            p.setBoolean(i++, resumeOnStart);
          } else {
            p.setString(i++, nodeId);
            p.setBoolean(i++, resumeOnStart);
          }
          p.setInt(i++, limit);
          p.setString(i, nodeId);
          try (ResultSet rs = p.executeQuery()) {
            while (rs.next()) {
              PgWorkflow.Row row = row(rs);
              rows.put(row.id(), row);
              previous.put(row.id(), rs.getString(14));
            }
          }
        }
        steps = rows.isEmpty() ? Map.of() : steps(c, rows.keySet());
        c.commit();
        c.setAutoCommit(true);
      } catch (SQLException | RuntimeException e) {
        rollBack(c, e);
        throw e;
      }
      if (rows.isEmpty()) {
        return List.of();
      }
      List<Claimed> claimed = new ArrayList<>();
      for (PgWorkflow.Row row : rows.values()) {
        PgWorkflow view = view(row);
        view.refresh(row, steps.getOrDefault(row.id(), List.of()));
        view.own(row.epoch());
        String before = previous.get(row.id());
        claimed.add(new Claimed(view, nodeId.equals(before) ? null : before));
      }
      return claimed;
    });
    return out;
  }

  private Map<String, List<PgWorkflow.Step>> steps(Connection c, java.util.Collection<String> ids)
      throws SQLException {
    Map<String, List<PgWorkflow.Step>> out = new HashMap<>();
    Array array = c.createArrayOf("text", ids.toArray());
    try (PreparedStatement p = c.prepareStatement(sqlStepsOf)) {
      p.setArray(1, array);
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          out.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(step(rs));
        }
      }
    } finally {
      array.free();
    }
    return out;
  }

  /** The heartbeat loop: renew the lease, claim what dead nodes left, refresh the views of other nodes' work. */
  /**
   * Deletes the workflows (and, by cascade, their steps) that finished longer than the retention ago, by the
   * database's clock, oldest first: at most {@link #SWEEP_BATCH} per statement, each its own transaction, and at
   * most ten statements per sweep, so that a large backlog is worked off over several heartbeats without long locks.
   * Rows another node is deleting are skipped. Any node may sweep; a deleted id can start a new workflow.
   *
   * @return how many workflows it deleted
   */
  int sweep() {
    int total = 0;
    for (int round = 0; round < SWEEP_ROUNDS; round++) {
      int deleted = sql("delete workflows finished more than " + retainMillis + " ms ago", c -> {
        try (PreparedStatement p = c.prepareStatement(sqlSweep)) {
          p.setLong(1, retainMillis);
          p.setInt(2, SWEEP_BATCH);
          return p.executeUpdate();
        }
      });
      total += deleted;
      if (deleted < SWEEP_BATCH) {
        break;
      }
    }
    if (total > 0) {
      LOG.log(System.Logger.Level.DEBUG, "node " + nodeId + " deleted " + total + " workflow(s) finished more than "
          + retainMillis + " ms ago");
    }
    return total;
  }

  private void runLoop() {
    while (!closed) {
      long started = clock.nanoTime();
      beats.incrementAndGet();
      try {
        heartbeat();
        adoptUnsure();
        claimOrphans();
        watch();
        if (retainMillis > 0 && clock.nanoTime() - lastSweepNanos >= sweepNanos) {
          lastSweepNanos = clock.nanoTime();
          sweep();
        }
      } catch (WorkflowException e) {
        LOG.log(System.Logger.Level.WARNING, "node " + nodeId + ": " + e.getMessage());
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.ERROR, "node " + nodeId + ": heartbeat loop failed: " + e, e);
      }
      long wait = heartbeatNanos - (clock.nanoTime() - started);
      if (wait > 0) {
        try {
          clock.sleep(wait);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  /**
   * Adopts the workflows whose start failed without an answer and whose row exists all the same, owned by this node
   * (see {@link #unsure}), so that they run here even if the caller does not start them again, or does so on another
   * node; the executor runs each as it runs a claimed one. An id whose row does not exist yet stays until the
   * lost-start window is over (its INSERT may still commit); an id whose row exists but is not this node's unfinished
   * one (another node started it, or took it over) is settled and dropped. One statement for all ids.
   */
  private void adoptUnsure() {
    if (unsure.isEmpty()) {
      return;
    }
    Map<String, Long> looked = new HashMap<>(unsure);
    Map<String, Boolean> rows = sql("look for the rows of " + looked.size() + " start(s) whose answer was lost", c -> {
      Map<String, Boolean> found = new HashMap<>();
      Array array = c.createArrayOf("text", looked.keySet().toArray());
      try (PreparedStatement p = c.prepareStatement(sqlUnsureRows)) {
        p.setString(1, nodeId);
        p.setArray(2, array);
        try (ResultSet rs = p.executeQuery()) {
          while (rs.next()) {
            found.put(rs.getString(1), rs.getBoolean(2));
          }
        }
      } finally {
        array.free();
      }
      return found;
    });
    long now = clock.nanoTime();
    for (Map.Entry<String, Long> e : looked.entrySet()) {
      String id = e.getKey();
      Boolean mine = rows.get(id);
      if (mine == null) {
        if (now - e.getValue() >= 0 && unsure.remove(id, e.getValue())) {
          LOG.log(System.Logger.Level.WARNING, "node " + nodeId + " stopped looking for workflow " + id + ", whose"
              + " start failed without an answer " + TimeUnit.NANOSECONDS.toMillis(lostStartNanos) + " ms ago and was"
              + " not recorded; if its INSERT still commits, the workflow waits for this node's restart or a start of"
              + " its id on this node");
        }
        continue;
      }
      // The row exists, so no start can write it any more: whoever removes the id first decides it.
      if (!unsure.remove(id, e.getValue()) || !mine) {
        continue;
      }
      if (closed) {
        return;
      }
      List<Claimed> adopted;
      try {
        adopted = claim(sqlAdoptOne, 1, id);
      } catch (WorkflowException failed) {
        // Still to be adopted (the row exists, so no start writes it any more): the next heartbeat tries again, unless
        // a start of the id takes it first. Dropped here, the row would wait for this node's restart.
        unsure.putIfAbsent(id, e.getValue());
        throw failed;
      }
      for (Claimed c : adopted) {
        LOG.log(System.Logger.Level.INFO, "node " + nodeId + " adopted workflow " + id + ", whose start failed"
            + " without an answer and was recorded all the same");
        listener.claimed(c.view, null);
      }
    }
  }

  /** The ids whose start failed without an answer and whose row this node still looks for (for tests). */
  Set<String> unsureStarts() {
    return Set.copyOf(unsure.keySet());
  }

  private void claimOrphans() {
    List<Claimed> batch;
    do {
      if (closed) {
        return;
      }
      batch = claim(sqlClaimOrphans, claimBatch, null);
      for (Claimed c : batch) {
        if (c.previous != null) {
          LOG.log(System.Logger.Level.INFO, "node " + nodeId + " took workflow " + c.view.id + " over from node "
              + c.previous);
        }
        listener.claimed(c.view, c.previous);
      }
    } while (batch.size() == claimBatch);
    List<String> queues = sql("read the queues with waiting workflows", c -> {
      List<String> names = new ArrayList<>();
      try (PreparedStatement p = c.prepareStatement(sqlQueuedQueues);
          ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          names.add(rs.getString(1));
        }
      }
      return names;
    });
    queuedSeen.retainAll(queues);
    queuedSeen.addAll(queues);
    for (String queue : queues) {
      claimQueued(queue, listener.room(queue));
    }
  }

  /**
   * Claims up to {@code room} (at most a claim batch) unowned waiting workflows of {@code queue} for this node; a
   * claim that finds fewer marks the queue drained until the next heartbeat sees more.
   */
  private void claimQueued(String queue, int room) {
    int wanted = Math.min(room, claimBatch);
    if (wanted <= 0 || closed) {
      return;
    }
    List<Claimed> claimed = claim(sqlClaimQueued, wanted, null, queue);
    if (claimed.size() < wanted) {
      queuedSeen.remove(queue);
    }
    for (Claimed c : claimed) {
      listener.claimed(c.view, c.previous);
    }
  }

  /**
   * Claims at once (not at the next heartbeat) in a queue the last heartbeat saw waiting workflows in; otherwise one
   * set lookup.
   */
  @Override
  public void claimWaiting(String queue) {
    if (queuedSeen.contains(queue)) {
      claimQueued(queue, listener.room(queue));
    }
  }

  @Override
  public boolean shared() {
    return true;
  }

  @Override
  public boolean release(StoredWorkflow workflow) {
    PgWorkflow view = (PgWorkflow) workflow;
    long epoch = view.ownedEpoch();
    if (epoch < 0 || !othersAlive) {
      return false; // alone, this node would only claim it back at its next heartbeat
    }
    if (!resumeOnStart) {
      // The claims of unowned workflows take them only on nodes that resume on start (or with a resume request):
      // this node would never claim it back, and if no other node resumes on start it would wait for ever.
      return false;
    }
    view.disown(); // first: a claim that follows the release owns it anew
    boolean released = false;
    try {
      released = sql("release workflow " + view.id + " to the nodes' queues", c -> {
        try (PreparedStatement p = c.prepareStatement(sqlReleaseOne)) {
          p.setString(1, view.id);
          p.setString(2, nodeId);
          p.setLong(3, epoch);
          p.setString(4, view.id);
          return p.executeUpdate() == 1;
        }
      });
    } finally {
      if (!released) {
        view.own(epoch);
      }
    }
    return released;
  }

  /**
   * {@inheritDoc}
   *
   * <p>One transaction: locks the queue's row in {@code workflow_queues} (created on first use), counts the queue's
   * admitted unfinished workflows, and sets {@code admitted_at} of as many of {@code waiting} as the limits allow
   * (with a rate, at most one, and moves the queue's next admission time on). Nodes admitting for the same queue
   * wait for each other on that row, so the count a node reads includes every admission before it.
   */
  @Override
  public Admission admit(String queue, int concurrency, int startsPerSecond, List<? extends StoredWorkflow> waiting) {
    if (waiting.isEmpty()) {
      return new Admission(List.of(), 0);
    }
    long intervalMicros = startsPerSecond > 0 ? Math.max(1, 1_000_000L / startsPerSecond) : 0;
    return sql("admit workflows of queue " + queue, c -> {
      c.setAutoCommit(false);
      try {
        long waitMicros;
        try (PreparedStatement p = c.prepareStatement(sqlQueueLock)) {
          p.setString(1, queue);
          try (ResultSet rs = p.executeQuery()) {
            rs.next();
            waitMicros = rs.getLong(1);
          }
        }
        // Admitted already, though the view does not know it: an admission whose commit reached the database while
        // its answer did not (a broken connection). They count in the queue already; admitted again they would wait
        // for a place they hold themselves.
        Set<String> already = new HashSet<>();
        try (PreparedStatement p = c.prepareStatement(sqlAdmittedAlready)) {
          p.setArray(1, c.createArrayOf("text", waiting.stream().map(StoredWorkflow::id).toArray()));
          p.setString(2, nodeId);
          try (ResultSet rs = p.executeQuery()) {
            while (rs.next()) {
              already.add(rs.getString(1));
            }
          }
        }
        List<StoredWorkflow> fresh = new ArrayList<>(waiting.size());
        for (StoredWorkflow w : waiting) {
          if (!already.contains(w.id())) {
            fresh.add(w);
          }
        }
        int room = 0;
        if (intervalMicros == 0 || waitMicros == 0) {
          try (PreparedStatement p = c.prepareStatement(sqlQueueRunning)) {
            p.setString(1, queue);
            try (ResultSet rs = p.executeQuery()) {
              rs.next();
              room = (int) Math.max(0, Math.min(fresh.size(), concurrency - rs.getLong(1)));
            }
          }
          if (intervalMicros > 0) {
            room = Math.min(room, 1);
          }
        }
        Set<String> chosen = new HashSet<>();
        for (StoredWorkflow w : fresh.subList(0, room)) {
          chosen.add(w.id());
        }
        List<StoredWorkflow> admitted = new ArrayList<>(already.size() + room);
        for (StoredWorkflow w : waiting) { // in the order given
          if (already.contains(w.id()) || chosen.contains(w.id())) {
            admitted.add(w);
          }
        }
        Set<String> marked = new HashSet<>(already);
        if (room > 0) {
          String[] ids = chosen.toArray(new String[0]);
          try (PreparedStatement p = c.prepareStatement(sqlAdmit)) {
            p.setArray(1, c.createArrayOf("text", ids));
            p.setString(2, nodeId);
            try (ResultSet rs = p.executeQuery()) {
              while (rs.next()) {
                marked.add(rs.getString(1));
              }
            }
          }
          if (intervalMicros > 0 && marked.size() > already.size()) {
            try (PreparedStatement p = c.prepareStatement(sqlQueueStarted)) {
              p.setLong(1, intervalMicros);
              p.setString(2, queue);
              p.executeUpdate();
            }
          }
        }
        c.commit();
        for (StoredWorkflow w : admitted) {
          if (marked.contains(w.id()) && w instanceof PgWorkflow view) {
            view.admit();
          }
        }
        // Held back by the rate: retry when it allows (the time left, or a whole interval after this admission); by
        // the concurrency: when an admitted workflow finishes (0).
        long retryMicros = 0;
        if (room < fresh.size()) {
          retryMicros = waitMicros > 0 ? waitMicros : marked.size() > already.size() ? intervalMicros : 0;
        }
        long retryNanos = TimeUnit.MICROSECONDS.toNanos(retryMicros);
        c.setAutoCommit(true);
        return new Admission(admitted, retryNanos);
      } catch (SQLException | RuntimeException e) {
        rollBack(c, e);
        throw e;
      }
    });
  }

  /**
   * Rolls back the transaction of {@code c} after {@code failure}, for the caller to rethrow it; a failure of the
   * rollback itself is added to it (the connection is broken, and the pool drops it: the first failure is the one
   * told).
   */
  private static void rollBack(Connection c, Exception failure) {
    try {
      c.rollback();
      c.setAutoCommit(true);
    } catch (SQLException again) {
      failure.addSuppressed(again);
    }
  }

  /** Refreshes the views of unfinished workflows this node does not own, and notices cancellations of its own. */
  private void watch() {
    List<String> watched = new ArrayList<>();
    for (PgWorkflow view : views.values()) {
      if (!view.owned() && !view.status().terminal()) {
        watched.add(view.id);
      }
    }
    List<String> gone = new ArrayList<>();
    List<PgWorkflow> changed = sql("refresh workflows", c -> {
      List<PgWorkflow> out = new ArrayList<>();
      gone.clear();
      Array array = c.createArrayOf("text", watched.toArray());
      try (PreparedStatement p = c.prepareStatement(sqlWatch)) {
        p.setArray(1, array);
        p.setString(2, nodeId);
        List<PgWorkflow.Row> rows = new ArrayList<>();
        try (ResultSet rs = p.executeQuery()) {
          while (rs.next()) {
            rows.add(row(rs));
          }
        }
        List<String> finished = new ArrayList<>();
        for (PgWorkflow.Row row : rows) {
          if (row.status().terminal()) {
            finished.add(row.id());
          }
        }
        Map<String, List<PgWorkflow.Step>> steps = finished.isEmpty() ? Map.of() : steps(c, finished);
        Set<String> read = new HashSet<>();
        for (PgWorkflow.Row row : rows) {
          read.add(row.id());
        }
        for (String id : watched) {
          if (!read.contains(id)) {
            gone.add(id); // finished elsewhere and swept between two passes (or deleted by hand): never seen again
          }
        }
        for (PgWorkflow.Row row : rows) {
          PgWorkflow view = views.get(row.id());
          if (view == null) {
            continue;
          }
          boolean before = view.cancelRequested();
          WorkflowStatus was = view.status();
          if (view.owned()) {
            if (row.cancelRequested() && !before) {
              view.requestCancel();
              out.add(view);
            }
            continue;
          }
          view.refresh(row, row.status().terminal() ? steps.getOrDefault(row.id(), List.of()) : null);
          if (row.status() != was || row.cancelRequested() != before) {
            out.add(view);
          }
          dropIfFinished(view);
        }
      } finally {
        array.free();
      }
      return out;
    });
    for (PgWorkflow view : changed) {
      listener.changed(view);
    }
    for (String id : gone) {
      PgWorkflow view = views.get(id);
      if (view != null && !view.owned() && views.remove(id, view)) {
        listener.gone(id);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------- rows

  /** The view of {@code row}'s workflow: the one this node has, or a new one (kept only if unfinished). */
  private PgWorkflow view(PgWorkflow.Row row) {
    if (row.status().terminal()) {
      PgWorkflow cached = views.get(row.id());
      return cached != null ? cached : new PgWorkflow(row);
    }
    return views.computeIfAbsent(row.id(), k -> new PgWorkflow(row));
  }

  /**
   * Stops keeping {@code view} once its workflow finished: nothing is recorded for it any more and nothing needs
   * watching, and the executor holds the handles it still wants (a finished workflow read again is read from the
   * database). Without this every workflow a node ever saw stayed in memory, and every heartbeat went through all.
   */
  private void dropIfFinished(PgWorkflow view) {
    if (view.status().terminal()) {
      views.remove(view.id, view);
    }
  }

  /** How many passes the heartbeat loop began. */
  long heartbeats() {
    return beats.get();
  }

  /** How many workflows this node keeps a view of (unfinished ones it owns or watches). */
  int keptViews() {
    return views.size();
  }

  private static PgWorkflow.Row row(ResultSet rs) throws SQLException {
    String outcome = rs.getString(10);
    return new PgWorkflow.Row(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBytes(4),
        WorkflowStatus.valueOf(rs.getString(5)), rs.getString(6), rs.getLong(7), rs.getBoolean(8), rs.getBoolean(9),
        outcome == null ? null : WorkflowStatus.valueOf(outcome), rs.getBytes(11), rs.getString(12),
        rs.getBoolean(13));
  }

  private static PgWorkflow.Step step(ResultSet rs) throws SQLException {
    return new PgWorkflow.Step(rs.getInt(2), rs.getString(3), rs.getBytes(5), rs.getString(6), rs.getLong(7),
        rs.getBoolean(4), rs.getBoolean(8));
  }

  /** Database work on one pooled connection (auto-commit). */
  @FunctionalInterface
  private interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  private <T> T sql(String what, Work<T> work) {
    try (Connection c = Connections.autoCommitting(dataSource)) {
      return work.run(c);
    } catch (SQLException e) {
      throw new WorkflowException("store-failed", "could not " + what + " in PostgreSQL schema " + schema + ": "
          + e.getMessage(), e);
    }
  }

  /**
   * Configures a {@link PostgresWorkflowStore}. {@link #build()} validates every setting (naming the field, the rule
   * and the value) and migrates the schema. Not thread-safe.
   */
  public static final class Builder {
    private final DataSource dataSource;
    private final String jdbcUrl;
    private final String user;
    private final String password;
    private String schema = "faultline";
    private String nodeId;
    private static final int DEFAULT_WRITE_CONNECTIONS = 2;
    private Integer writeConnections; // null: the default
    private Duration retainFinished = Duration.ZERO;
    private Duration leaseTime = Duration.ofSeconds(10);
    private Duration heartbeatInterval = Duration.ofSeconds(1);
    private Duration lostStartWindow = Duration.ofMinutes(15);
    private Duration endWriteDelay = Duration.ofMillis(50);
    private int claimBatch = 100;
    private int poolSize = 10;
    private Clock clock = Clock.system();
    private boolean migrate = true;

    private Builder(DataSource dataSource, String jdbcUrl, String user, String password) {
      this.dataSource = dataSource;
      this.jdbcUrl = jdbcUrl;
      this.user = user;
      this.password = password;
    }

    /** The schema of the store's tables (created if missing); {@code faultline} by default. */
    public Builder schema(String schema) {
      this.schema = schema;
      return this;
    }

    /**
     * This node's id, unique among running nodes; a random one by default. Give a node the same id across restarts
     * to have it resume its own unfinished workflows at once instead of after its lease runs out.
     */
    public Builder nodeId(String nodeId) {
      this.nodeId = nodeId;
      return this;
    }

    /**
     * How long a node's lease lasts after its last heartbeat, on the database clock: a node silent for this long
     * loses its workflows to the others; 10 s by default.
     */
    public Builder leaseTime(Duration leaseTime) {
      this.leaseTime = leaseTime;
      return this;
    }

    /**
     * How often the node renews its lease, claims what dead nodes left and refreshes other nodes' workflows it
     * watches; 1 s by default, at most a third of the lease time.
     */
    public Builder heartbeatInterval(Duration interval) {
      this.heartbeatInterval = interval;
      return this;
    }

    /**
     * How long after a start failed without an answer (a broken connection) the node keeps looking, at every
     * heartbeat, for the row its INSERT may still commit, to run the workflow it would otherwise leave waiting (a row
     * owned by this live node, which no other node claims); 15 minutes by default, at least the lease time.
     *
     * <p>The store sets no {@code statement_timeout} or {@code lock_timeout} on its connections, so nothing in the
     * database bounds how late such an INSERT commits; the default covers Linux's default TCP retransmission limit
     * ({@code net.ipv4.tcp_retries2 = 15}, about 15.4 minutes), for which a client kernel keeps resending data the
     * server has not acknowledged. Raise it if the server may hold a start longer (lock waits, a synchronous standby
     * that does not answer). An id whose row has not appeared by then is dropped with a warning naming it; a row that
     * appears later waits for this node's restart (or a start of its id on this node). The window bounds the memory
     * and the per-heartbeat lookup of failed starts.
     */
    public Builder lostStartWindow(Duration window) {
      this.lostStartWindow = window;
      return this;
    }

    /**
     * How long a workflow's successful end may wait for another write of this node to carry it to the database
     * (see the class comment, "Ends"); 50 ms by default, at most the heartbeat interval. Zero writes every end,
     * with its own commit, before the workflow's result completes.
     */
    public Builder endWriteDelay(Duration delay) {
      this.endWriteDelay = delay;
      return this;
    }

    /** How many workflows one claim statement takes at most; 100 by default. */
    public Builder claimBatch(int claimBatch) {
      this.claimBatch = claimBatch;
      return this;
    }

    /**
     * At most how many pooled connections write batches of starts, steps and ends at once; by default 2, or one
     * less than the pool's size if that is smaller (at least 1). Threads that record while these are busy wait, and
     * the next batch carries all of their writes in one statement per kind (one transaction, one WAL flush), so a
     * busy node makes far fewer commits than writes. It must stay below the pool's size (checked for the store's
     * own pool and a given HikariCP pool), so that heartbeats, claims and reads find a connection.
     */
    public Builder writeConnections(int writeConnections) {
      this.writeConnections = writeConnections;
      return this;
    }

    /**
     * How long finished workflows (succeeded, failed, cancelled) stay in the database; zero (the default) keeps them
     * until someone deletes them. With a retention, every node deletes, at most every minute (and every quarter of
     * the retention), the workflows that finished longer ago than that by the database's clock, with their steps;
     * their ids can then start new workflows, and a handle read afterwards finds nothing (one another node was
     * waiting on fails with {@code workflow-unknown} if its heartbeat never saw the workflow finish). Any node may
     * delete any node's finished workflows, so give the nodes of one schema the same retention.
     */
    public Builder retainFinished(Duration retain) {
      this.retainFinished = retain;
      return this;
    }

    /** The size of the pool a store opened from a JDBC URL creates; 10 by default. */
    public Builder poolSize(int poolSize) {
      this.poolSize = poolSize;
      return this;
    }

    /** The local clock that paces heartbeats and notices this node's own pauses; {@link Clock#system()} by default. */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /**
     * Whether {@link #build()} creates and migrates the schema (true, the default), or only checks that it is
     * current and this code's ({@link SchemaMigrator#verify}), changing nothing: for tools that only read.
     */
    public Builder migrate(boolean migrate) {
      this.migrate = migrate;
      return this;
    }

    /**
     * Validates the settings, creates the pool (for a JDBC URL) and migrates (or verifies) the schema.
     *
     * @throws ConfigurationException if a setting is invalid
     * @throws SchemaException if the schema cannot be migrated or belongs to other code
     */
    public PostgresWorkflowStore build() {
      try {
        SchemaMigrator.checkName(schema);
      } catch (SchemaException e) {
        throw new ConfigurationException("schema", "be a lower-case SQL identifier", String.valueOf(schema));
      }
      if (nodeId != null) {
        Validate.notBlank("nodeId", nodeId);
      }
      Validate.positive("leaseTime", leaseTime);
      Validate.positive("heartbeatInterval", heartbeatInterval);
      if (heartbeatInterval.multipliedBy(3).compareTo(leaseTime) > 0) {
        throw new ConfigurationException("heartbeatInterval", "be at most a third of leaseTime (" + leaseTime + ")",
            heartbeatInterval.toString());
      }
      Validate.positive("lostStartWindow", lostStartWindow);
      if (lostStartWindow.compareTo(leaseTime) < 0) {
        throw new ConfigurationException("lostStartWindow", "be at least leaseTime (" + leaseTime + "): a start's"
            + " INSERT may commit that late and later", lostStartWindow.toString());
      }
      Validate.notNegative("endWriteDelay", endWriteDelay);
      if (endWriteDelay.compareTo(heartbeatInterval) > 0) {
        throw new ConfigurationException("endWriteDelay", "be at most heartbeatInterval (" + heartbeatInterval + ")",
            endWriteDelay.toString());
      }
      Validate.atLeast("claimBatch", claimBatch, 1);
      Validate.atLeast("poolSize", poolSize, 1);
      int connections = dataSource == null ? poolSize
          : dataSource instanceof HikariDataSource ? ((HikariDataSource) dataSource).getMaximumPoolSize()
          : Integer.MAX_VALUE; // another pool: its size is unknown here
      int writers;
      if (writeConnections == null) {
        writers = Math.max(1, Math.min(DEFAULT_WRITE_CONNECTIONS, connections - 1));
      } else {
        writers = writeConnections;
        Validate.atLeast("writeConnections", writers, 1);
        if (writers >= connections) {
          throw new ConfigurationException("writeConnections", "be below the pool's " + connections
              + " connections, so that heartbeats, claims and reads find one while batches are written",
              writeConnections);
        }
      }
      Validate.notNegative("retainFinished", retainFinished);
      Validate.notNull("clock", clock);
      HikariDataSource pool = null;
      DataSource ds = dataSource;
      if (ds == null) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        if (user != null) {
          config.setUsername(user);
        }
        if (password != null) {
          config.setPassword(password);
        }
        config.setMaximumPoolSize(poolSize);
        config.setPoolName("faultline-" + schema);
        pool = new HikariDataSource(config);
        ds = pool;
      }
      try {
        if (migrate) {
          SchemaMigrator.migrate(ds, schema);
        } else {
          SchemaMigrator.verify(ds, schema);
        }
        return new PostgresWorkflowStore(this, ds, pool, writers);
      } catch (RuntimeException e) {
        if (pool != null) {
          pool.close();
        }
        throw e;
      }
    }
  }
}
