package dev.faultline.state.postgres;

import dev.faultline.state.postgres.internal.Connections;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;

/**
 * Group commit for the writes every workflow makes (its start, each step or timer, its end): writes that threads
 * submit while others are being written go to the database together, one statement (so one transaction and one WAL
 * flush) for all the waiting starts, one for all the steps, one for all the ends, instead of one each.
 *
 * <p>Each statement keeps the single-row statements' rules row by row: a start inserts only an id that does not exist
 * yet; a step or an end is written only while the workflow row is still this node's at the writer's epoch and
 * unfinished (the step statement locks those rows {@code FOR SHARE} and the end statement {@code FOR UPDATE}, as the
 * single-row statements lock their one row, so a takeover's {@code FOR UPDATE} orders against them). A row a
 * statement did not write comes back as not {@link Write#written written}; the store then runs the single-row
 * statement for it, which says why (fenced, finished, recorded twice). Nothing is retried blindly and nothing is
 * dropped: a failed statement fails every write of it that was not yet decided, except that a statement the database
 * refuses for the data of a row is written again row by row, so that only the refused rows fail. Every batch statement
 * takes its rows in workflow id order, so that two batches (of this node or another) never wait for each other in a
 * cycle.
 *
 * <h2>Concurrency</h2>
 * <pre>
 * queue: lock-free, the submitted writes not yet taken. running: how many threads write a batch now, at most
 *   maxRunning (each on its own pooled connection).
 * A submitter queues its write, then, until the write is done: if fewer than maxRunning batches run, it takes the
 *   slot, drains up to MAX_BATCH writes (its own or others') and writes them; else it parks. Whoever finishes a batch
 *   marks its writes done (publishing each outcome by the volatile `done`), unparks their threads, frees its slot
 *   and then unparks the thread at the head of the queue, if any, to take the slot. A submitter checks `running`
 *   after queuing and a writer checks the queue after freeing its slot, so a write is never left queued while a
 *   slot is free with nobody awake to take it.
 * </pre>
 * One submitter does not wait for anything another one does when nothing else is being written: it writes its own
 * write at once, in its own thread.
 */
final class WriteBatcher {
  /** The most writes one statement carries. */
  static final int MAX_BATCH = 64;
  /** PostgreSQL's SQLSTATE for a unique key violated. */
  static final String DUPLICATE_KEY = "23505";

  /** One write and, once {@link #done}, its outcome. */
  abstract static class Write {
    /** The workflow written. */
    final String id;
    /** The submitting thread; set before the write is queued (the queue publishes it). */
    Thread thread;
    /** Set last, after the outcome fields, by the thread that wrote the batch. */
    volatile boolean done;
    /** Whether the statement wrote this row (false: the store asks the single-row statement why not). */
    boolean written;
    /** After a written step: whether cancellation was requested. */
    boolean cancelRequested;
    /** After a written start: the epoch of the new row. */
    long epoch;
    /** Why the statement carrying this write failed (or the database refused this row alone); null if neither. */
    Throwable failure;
    /** Whether an outcome (written or not) was read; a write still undecided when its batch ends gets its failure. */
    boolean decided;

    Write(String id) {
      this.id = id;
    }

    final void decide(boolean written) {
      this.written = written;
      this.decided = true;
    }
  }

  /** The start of a workflow: a new row owned by this node at epoch 1. */
  static final class Create extends Write {
    final String name;
    final String queue;
    final byte[] input;

    Create(String id, String name, String queue, byte[] input) {
      super(id);
      this.name = name;
      this.queue = queue;
      this.input = input;
    }
  }

  /** A step's result or failure, or a timer. */
  static final class Step extends Write {
    final long ownedEpoch;
    final PgWorkflow.Step step;

    Step(String id, long ownedEpoch, PgWorkflow.Step step) {
      super(id);
      this.ownedEpoch = ownedEpoch;
      this.step = step;
    }
  }

  /** The end of a workflow: its final status, output and error. */
  static final class Finish extends Write {
    final long ownedEpoch;
    final String status;
    final byte[] output;
    final String error;
    /** How many writes of this end failed before this one (a {@linkplain #again retry} counts them). */
    final int failures;
    /** Whether it may not ride in another write's statement (the database refused such a statement once). */
    boolean alone;
    /** Whether this write of it rode in another write's statement (else it was submitted as a write of its own). */
    boolean rode;

    Finish(String id, long ownedEpoch, String status, byte[] output, String error) {
      this(id, ownedEpoch, status, output, error, 0);
    }

    private Finish(String id, long ownedEpoch, String status, byte[] output, String error, int failures) {
      super(id);
      this.ownedEpoch = ownedEpoch;
      this.status = status;
      this.output = output;
      this.error = error;
      this.failures = failures;
    }

    /** The same end as a new write, to write again after this write of it failed. */
    Finish again() {
      Finish retry = new Finish(id, ownedEpoch, status, output, error, failures + 1);
      retry.alone = alone;
      return retry;
    }
  }

  /** Told the outcome of each {@linkplain #ride riding} end that a statement carried. */
  @FunctionalInterface
  interface Landing {
    /** Called by the thread that wrote the statement, after its writers were told theirs; must not block. */
    void landed(Finish end);
  }

  private final DataSource dataSource;
  private final String nodeId;
  private final int maxRunning;
  private final ConcurrentLinkedQueue<Write> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger running = new AtomicInteger();
  /** Ends nobody waits for, each to be carried by the next lone write's statement (see {@link #ride}). */
  private final ConcurrentLinkedQueue<Finish> riders = new ConcurrentLinkedQueue<>();
  private final AtomicInteger riding = new AtomicInteger();
  private final Landing landing;
  private final String sqlCreate;
  private final String sqlCreateRiding;
  private final String sqlStepRiding;
  private final String sqlCreates;
  private final String sqlStep;
  private final String sqlSteps;
  private final String sqlFinish;
  private final String sqlFinishes;

  WriteBatcher(DataSource dataSource, String schema, String nodeId, String unfinished, int maxRunning,
      Landing landing) {
    this.dataSource = dataSource;
    this.nodeId = nodeId;
    this.maxRunning = maxRunning;
    this.landing = landing;
    String s = schema + ".";
    // Each kind has a statement for one row (what a lone write uses: the arrays cost a fifth of its time) and one
    // for many; both write exactly the same rows.
    sqlCreate = "INSERT INTO " + s + "workflows (workflow_id, name, queue, input, status, owner, epoch) VALUES"
        + " (?, ?, ?, ?, 'PENDING', ?, 1) ON CONFLICT (workflow_id) DO NOTHING RETURNING workflow_id, epoch";
    sqlCreates = "INSERT INTO " + s + "workflows (workflow_id, name, queue, input, status, owner, epoch)"
        + " SELECT r.workflow_id, r.name, r.queue, r.input, 'PENDING', ?, 1"
        + " FROM unnest(?::text[], ?::text[], ?::text[], ?::bytea[]) AS r (workflow_id, name, queue, input)"
        + " ON CONFLICT (workflow_id) DO NOTHING RETURNING workflow_id, epoch";
    String stepLock = "w AS (SELECT cancel_requested FROM " + s + "workflows WHERE workflow_id = ? AND owner = ?"
        + " AND epoch = ? AND status IN " + unfinished + " FOR SHARE)";
    String stepInsert = "INSERT INTO " + s + "workflow_steps"
        + " (workflow_id, step_index, name, sleep, result, error, wake_millis, epoch) SELECT ?, ?, ?, ?, ?, ?, ?, ?"
        + " FROM w RETURNING workflow_id, step_index, (SELECT cancel_requested FROM w) AS cancel_requested";
    sqlStep = "WITH " + stepLock + " " + stepInsert;
    sqlSteps = "WITH r AS (SELECT * FROM unnest(?::text[], ?::int4[], ?::text[], ?::bool[], ?::bytea[], ?::text[],"
        + " ?::int8[], ?::int8[]) AS r (workflow_id, step_index, name, sleep, result, error, wake_millis, epoch)),"
        + " w AS (SELECT w.workflow_id, w.epoch, w.cancel_requested FROM " + s + "workflows w"
        + " WHERE w.workflow_id IN (SELECT r.workflow_id FROM r) AND w.owner = ? AND w.status IN " + unfinished
        + " ORDER BY w.workflow_id FOR SHARE OF w)"
        + " INSERT INTO " + s + "workflow_steps AS t (workflow_id, step_index, name, sleep, result, error,"
        + " wake_millis, epoch) SELECT r.workflow_id, r.step_index, r.name, r.sleep, r.result, r.error,"
        + " r.wake_millis, r.epoch FROM r JOIN w ON w.workflow_id = r.workflow_id AND w.epoch = r.epoch"
        + " ON CONFLICT (workflow_id, step_index) DO NOTHING"
        + " RETURNING t.workflow_id, t.step_index, (SELECT w.cancel_requested FROM w WHERE w.workflow_id ="
        + " t.workflow_id)";
    sqlFinish = "UPDATE " + s + "workflows w SET status = ?, output = ?, error = ?, updated_at = now()"
        + " WHERE w.workflow_id = ? AND w.epoch = ? AND w.owner = ? AND w.status IN " + unfinished
        + " RETURNING w.workflow_id";
    // A lone start or step with an end riding along: one statement, so one commit and one WAL flush for both. The
    // end's UPDATE is the single-row end statement; the outer SELECT returns one row even when the write's own
    // statement wrote none, so that the end's outcome (rows it updated) is always read.
    String ride = "WITH f AS (" + sqlFinish + "), ";
    sqlCreateRiding = ride + "i AS (" + sqlCreate + ") SELECT (SELECT count(*) FROM f), i.workflow_id, i.epoch"
        + " FROM (VALUES (1)) AS one (x) LEFT JOIN i ON true";
    sqlStepRiding = ride + stepLock + ", i AS (" + stepInsert + ") SELECT (SELECT count(*) FROM f), i.workflow_id,"
        + " i.step_index, i.cancel_requested FROM (VALUES (1)) AS one (x) LEFT JOIN i ON true";
    sqlFinishes = "WITH r AS (SELECT * FROM unnest(?::text[], ?::int8[], ?::text[], ?::bytea[], ?::text[])"
        + " AS r (workflow_id, epoch, status, output, error)),"
        + " l AS (SELECT w.workflow_id FROM " + s + "workflows w JOIN r ON r.workflow_id = w.workflow_id"
        + " AND r.epoch = w.epoch WHERE w.owner = ? AND w.status IN " + unfinished
        + " ORDER BY w.workflow_id FOR UPDATE OF w)"
        + " UPDATE " + s + "workflows w SET status = r.status, output = r.output, error = r.error,"
        + " updated_at = now() FROM r JOIN l ON l.workflow_id = r.workflow_id WHERE w.workflow_id = r.workflow_id"
        + " RETURNING w.workflow_id";
  }

  /**
   * Writes {@code write} (alone or with others) and returns once its outcome is known.
   *
   * @throws SQLException the failure of the statement that carried it
   */
  void submit(Write write) throws SQLException {
    submitAll(List.of(write));
    Throwable failure = write.failure;
    if (failure instanceof SQLException) {
      throw (SQLException) failure;
    } else if (failure instanceof RuntimeException) {
      throw (RuntimeException) failure;
    } else if (failure != null) {
      throw new SQLException("the batch that carried this write failed: " + failure, failure);
    }
  }

  /**
   * Writes {@code writes} (with each other and with others) and returns once the outcome of each is known: each is
   * then {@link Write#written written}, or not, or has its {@link Write#failure failure}.
   */
  void submitAll(List<? extends Write> writes) {
    Thread self = Thread.currentThread();
    for (Write w : writes) {
      w.thread = self;
    }
    queue.addAll(writes);
    boolean interrupted = false;
    try {
      while (!allDone(writes)) {
        int now = running.get();
        if (now < maxRunning && running.compareAndSet(now, now + 1)) {
          try {
            writeBatch();
          } finally {
            running.decrementAndGet();
            Write head = queue.peek();
            if (head != null) {
              LockSupport.unpark(head.thread);
            }
          }
        } else {
          LockSupport.park(this);
          interrupted |= Thread.interrupted(); // a JDBC call is not interruptible; keep the status for the caller
        }
      }
    } finally {
      if (interrupted) {
        self.interrupt();
      }
    }
  }

  private static boolean allDone(List<? extends Write> writes) {
    for (Write w : writes) {
      if (!w.done) {
        return false;
      }
    }
    return true;
  }

  /**
   * Queues {@code end}, which nobody waits for, to ride in the statement of the next write made alone (a start or a
   * step: its statement then also makes the end's update, so both cost one commit), and returns at once. The
   * {@link Landing} is told its outcome. An end that no write carries stays queued until {@link #takeRiders} takes it.
   */
  void ride(Finish end) {
    riders.add(end);
    riding.incrementAndGet();
  }

  /** How many ends wait for a write to carry them (see {@link #ride}). */
  int riding() {
    return riding.get();
  }

  /** Takes every end that waits to ride, for the caller to {@linkplain #submitAll submit}. */
  List<Finish> takeRiders() {
    List<Finish> out = new ArrayList<>();
    Finish end;
    while ((end = pollRider()) != null) {
      out.add(end);
    }
    return out;
  }

  /** Takes the first end that may ride with {@code carrier}: not {@linkplain Finish#alone alone}, of another id. */
  private Finish riderFor(Write carrier) {
    for (Finish end : riders) {
      if (!end.alone && !end.id.equals(carrier.id) && riders.remove(end)) {
        riding.decrementAndGet();
        return end;
      }
    }
    return null;
  }

  private Finish pollRider() {
    Finish end = riders.poll();
    if (end != null) {
      riding.decrementAndGet();
    }
    return end;
  }

  /** How many submitted writes no batch has taken yet (a snapshot). */
  int queued() {
    return queue.size();
  }

  private void writeBatch() {
    List<Write> batch = new ArrayList<>();
    Write next;
    while (batch.size() < MAX_BATCH && (next = queue.poll()) != null) {
      batch.add(next);
    }
    if (batch.isEmpty()) {
      return;
    }
    // A write alone (a workflow's start, or its next step) carries an end that waits to ride: one commit for both.
    Finish rider = batch.size() == 1 && !(batch.get(0) instanceof Finish) ? riderFor(batch.get(0)) : null;
    List<Create> creates = new ArrayList<>();
    List<Step> steps = new ArrayList<>();
    List<Finish> finishes = new ArrayList<>();
    for (Write w : batch) {
      if (w instanceof Create) {
        creates.add((Create) w);
      } else if (w instanceof Step) {
        steps.add((Step) w);
      } else {
        finishes.add((Finish) w);
      }
    }
    Throwable failure = null;
    try (Connection c = Connections.autoCommitting(dataSource)) {
      if (rider != null) {
        carry(c, batch.get(0), rider);
      } else if (!creates.isEmpty()) {
        rowByRowIfRefused(creates, rows -> create(c, rows));
      }
      if (!steps.isEmpty() && rider == null) {
        rowByRowIfRefused(steps, rows -> steps(c, rows));
      }
      if (!finishes.isEmpty()) {
        rowByRowIfRefused(finishes, rows -> finish(c, rows));
      }
    } catch (SQLException | RuntimeException e) {
      failure = e;
    } catch (Error e) {
      failure = e;
      throw e;
    } finally {
      Thread self = Thread.currentThread();
      for (Write w : batch) {
        if (!w.decided) {
          w.failure = failure != null ? failure : new SQLException("no outcome was read for this write");
        }
        w.done = true;
        if (w.thread != self) {
          LockSupport.unpark(w.thread);
        }
      }
      if (rider != null) {
        if (!rider.decided && rider.failure == null) {
          rider.failure = failure != null ? failure : new SQLException("no outcome was read for this end");
        }
        rider.done = true;
        landing.landed(rider);
      }
    }
  }

  /**
   * Writes {@code write} (a start or a step, alone) and {@code rider} (an end) with one statement. If the database
   * refuses that statement for its data, which may be the end's, {@code write} is written again alone and the end is
   * marked to be written {@linkplain Finish#alone alone} later. If it refuses it as a step recorded already, the step
   * is written again alone (which decides it not written) and the end rides again. Any other failure fails both (the
   * end to be written again: its update is idempotent, and one that committed without an answer is then not written,
   * which the store finds to be its own end).
   */
  private void carry(Connection c, Write write, Finish rider) throws SQLException {
    rider.rode = true;
    try {
      if (write instanceof Create) {
        createRiding(c, (Create) write, rider);
      } else {
        stepAlone(c, (Step) write, rider);
      }
    } catch (SQLException e) {
      rider.failure = e;
      boolean duplicate = DUPLICATE_KEY.equals(e.getSQLState()); // the step's: recorded already
      if (!duplicate && !refusedForData(e)) {
        throw e;
      }
      rider.alone = !duplicate;
      if (write instanceof Create) {
        create(c, List.of((Create) write));
      } else {
        steps(c, List.of((Step) write));
      }
    }
  }

  /** Sets the six parameters of {@link #sqlFinish} for {@code end}, from parameter {@code from} on. */
  private int setFinish(PreparedStatement p, int from, Finish end) throws SQLException {
    p.setString(from, end.status);
    p.setBytes(from + 1, end.output);
    p.setString(from + 2, end.error);
    p.setString(from + 3, end.id);
    p.setLong(from + 4, end.ownedEpoch);
    p.setString(from + 5, nodeId);
    return from + 6;
  }

  private void createRiding(Connection c, Create w, Finish rider) throws SQLException {
    try (PreparedStatement p = c.prepareStatement(sqlCreateRiding)) {
      int i = setFinish(p, 1, rider);
      p.setString(i, w.id);
      p.setString(i + 1, w.name);
      p.setString(i + 2, w.queue);
      p.setBytes(i + 3, w.input);
      p.setString(i + 4, nodeId);
      try (ResultSet rs = p.executeQuery()) {
        rs.next(); // exactly one row
        rider.decide(rs.getLong(1) == 1);
        String id = rs.getString(2);
        if (id != null) {
          w.epoch = rs.getLong(3);
        }
        w.decide(id != null);
      }
    }
  }

  /** One kind's statement for some of its writes. */
  @FunctionalInterface
  private interface Rows<W extends Write> {
    void write(List<W> rows) throws SQLException;
  }

  /**
   * Writes {@code writes} with one statement; if the database refuses it for the data of a row (SQLSTATE class 22,
   * data exception, such as a NUL character in text; or 54, a program limit, such as a key too long for its index),
   * which the failed statement does not say, writes each undecided one alone, so that only the rows the database
   * refuses fail (each with its own failure) and the others are written, instead of every write of the batch being
   * told a failure that is not theirs. In auto-commit, the refused statement wrote nothing.
   */
  private static <W extends Write> void rowByRowIfRefused(List<W> writes, Rows<W> statement) throws SQLException {
    try {
      statement.write(writes);
    } catch (SQLException e) {
      if (writes.size() == 1 || !refusedForData(e)) {
        throw e;
      }
      for (W w : writes) {
        if (w.decided) {
          continue; // decided before the statement ran (a duplicate in the batch)
        }
        try {
          statement.write(List.of(w));
        } catch (SQLException alone) {
          if (!refusedForData(alone)) {
            throw alone;
          }
          w.failure = alone;
          w.decided = true;
        }
      }
    }
  }

  /** Whether the database refused a statement for its data (SQLSTATE class 22 or 54): written again, it would be. */
  static boolean refusedForData(SQLException e) {
    String state = e.getSQLState();
    return state != null && (state.startsWith("22") || state.startsWith("54"));
  }

  /**
   * The writes of {@code writes} in the order of {@code order}, the first of each group of equal ones only; the others
   * are decided not written (the single-row statement then says why: the id exists, the step is recorded, the workflow
   * finished). Every batch statement thus takes its row locks in the same order (by workflow id), so that two batches,
   * of this node or of another, never wait for each other in a cycle.
   */
  private static <W extends Write> List<W> inOrderOnce(List<W> writes, Comparator<W> order) {
    List<W> sorted = new ArrayList<>(writes);
    sorted.sort(order); // stable: of equal writes the first submitted stays first
    List<W> rows = new ArrayList<>(sorted.size());
    for (W w : sorted) {
      if (rows.isEmpty() || order.compare(rows.get(rows.size() - 1), w) != 0) {
        rows.add(w);
      } else {
        w.decide(false);
      }
    }
    return rows;
  }

  private void create(Connection c, List<Create> all) throws SQLException {
    List<Create> rows = inOrderOnce(all, Comparator.comparing(w -> w.id));
    int n = rows.size();
    String[] ids = new String[n];
    String[] names = new String[n];
    String[] queues = new String[n];
    byte[][] inputs = new byte[n][];
    for (int i = 0; i < n; i++) {
      Create w = rows.get(i);
      ids[i] = w.id;
      names[i] = w.name;
      queues[i] = w.queue;
      inputs[i] = w.input;
    }
    Map<String, Long> created = new HashMap<>();
    try (PreparedStatement p = c.prepareStatement(n == 1 ? sqlCreate : sqlCreates)) {
      if (n == 1) {
        p.setString(1, ids[0]);
        p.setString(2, names[0]);
        p.setString(3, queues[0]);
        p.setBytes(4, inputs[0]);
        p.setString(5, nodeId);
      } else {
        p.setString(1, nodeId);
        p.setArray(2, c.createArrayOf("text", ids));
        p.setArray(3, c.createArrayOf("text", names));
        p.setArray(4, c.createArrayOf("text", queues));
        p.setArray(5, c.createArrayOf("bytea", inputs));
      }
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          created.put(rs.getString(1), rs.getLong(2));
        }
      }
    }
    for (Create w : rows) {
      Long epoch = created.get(w.id);
      if (epoch != null) {
        w.epoch = epoch;
      }
      w.decide(epoch != null);
    }
  }

  private void steps(Connection c, List<Step> all) throws SQLException {
    List<Step> steps = inOrderOnce(all, Comparator.<Step, String>comparing(w -> w.id)
        .thenComparingInt(w -> w.step.index()));
    int n = steps.size();
    if (n == 1) {
      try {
        stepAlone(c, steps.get(0));
      } catch (SQLException e) {
        if (!DUPLICATE_KEY.equals(e.getSQLState())) {
          throw e;
        }
        // Recorded already: not written (the single-row statement has no ON CONFLICT, whose speculative insertion
        // costs every write; the store's retry then names the duplicate).
        steps.get(0).decide(false);
      }
      return;
    }
    String[] ids = new String[n];
    Integer[] indexes = new Integer[n];
    String[] names = new String[n];
    Boolean[] sleeps = new Boolean[n];
    byte[][] results = new byte[n][];
    String[] errors = new String[n];
    Long[] wakes = new Long[n];
    Long[] epochs = new Long[n];
    for (int i = 0; i < n; i++) {
      Step w = steps.get(i);
      ids[i] = w.id;
      indexes[i] = w.step.index();
      names[i] = w.step.name();
      sleeps[i] = w.step.sleep();
      results[i] = w.step.result();
      errors[i] = w.step.error();
      wakes[i] = w.step.wakeMillis();
      epochs[i] = w.ownedEpoch;
    }
    Map<String, Map<Integer, Boolean>> written = new HashMap<>();
    try (PreparedStatement p = c.prepareStatement(sqlSteps)) {
      p.setArray(1, c.createArrayOf("text", ids));
      p.setArray(2, c.createArrayOf("int4", indexes));
      p.setArray(3, c.createArrayOf("text", names));
      p.setArray(4, c.createArrayOf("bool", sleeps));
      p.setArray(5, c.createArrayOf("bytea", results));
      p.setArray(6, c.createArrayOf("text", errors));
      p.setArray(7, c.createArrayOf("int8", wakes));
      p.setArray(8, c.createArrayOf("int8", epochs));
      p.setString(9, nodeId);
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          written.computeIfAbsent(rs.getString(1), k -> new HashMap<>()).put(rs.getInt(2), rs.getBoolean(3));
        }
      }
    }
    for (Step w : steps) {
      Map<Integer, Boolean> ofWorkflow = written.get(w.id);
      Boolean cancel = ofWorkflow == null ? null : ofWorkflow.get(w.step.index());
      if (cancel != null) {
        w.cancelRequested = cancel;
      }
      w.decide(cancel != null);
    }
  }

  /**
   * Writes one step with the single-row statement and decides it: written, or not (the workflow is not the writer's
   * at its epoch, or finished). A step recorded already makes it throw (SQLSTATE {@link #DUPLICATE_KEY}).
   */
  void stepAlone(Connection c, Step w) throws SQLException {
    stepAlone(c, w, null);
  }

  /** As above, with {@code rider} (if not null) riding in the same statement; see {@link #carry}. */
  private void stepAlone(Connection c, Step w, Finish rider) throws SQLException {
    try (PreparedStatement p = c.prepareStatement(rider == null ? sqlStep : sqlStepRiding)) {
      int i = rider == null ? 1 : setFinish(p, 1, rider);
      p.setString(i, w.id);
      p.setString(i + 1, nodeId);
      p.setLong(i + 2, w.ownedEpoch);
      p.setString(i + 3, w.id);
      p.setInt(i + 4, w.step.index());
      p.setString(i + 5, w.step.name());
      p.setBoolean(i + 6, w.step.sleep());
      p.setBytes(i + 7, w.step.result());
      p.setString(i + 8, w.step.error());
      p.setLong(i + 9, w.step.wakeMillis());
      p.setLong(i + 10, w.ownedEpoch);
      try (ResultSet rs = p.executeQuery()) {
        boolean written;
        if (rider == null) {
          written = rs.next();
          if (written) {
            w.cancelRequested = rs.getBoolean(3);
          }
        } else {
          rs.next(); // exactly one row
          rider.decide(rs.getLong(1) == 1);
          written = rs.getString(2) != null;
          if (written) {
            w.cancelRequested = rs.getBoolean(4);
          }
        }
        w.decide(written);
      }
    }
  }

  private void finish(Connection c, List<Finish> all) throws SQLException {
    List<Finish> finishes = inOrderOnce(all, Comparator.comparing(w -> w.id));
    int n = finishes.size();
    String[] ids = new String[n];
    Long[] epochs = new Long[n];
    String[] statuses = new String[n];
    byte[][] outputs = new byte[n][];
    String[] errors = new String[n];
    for (int i = 0; i < n; i++) {
      Finish w = finishes.get(i);
      ids[i] = w.id;
      epochs[i] = w.ownedEpoch;
      statuses[i] = w.status;
      outputs[i] = w.output;
      errors[i] = w.error;
    }
    Set<String> updated = new HashSet<>();
    try (PreparedStatement p = c.prepareStatement(n == 1 ? sqlFinish : sqlFinishes)) {
      if (n == 1) {
        p.setString(1, statuses[0]);
        p.setBytes(2, outputs[0]);
        p.setString(3, errors[0]);
        p.setString(4, ids[0]);
        p.setLong(5, epochs[0]);
        p.setString(6, nodeId);
      } else {
        p.setArray(1, c.createArrayOf("text", ids));
        p.setArray(2, c.createArrayOf("int8", epochs));
        p.setArray(3, c.createArrayOf("text", statuses));
        p.setArray(4, c.createArrayOf("bytea", outputs));
        p.setArray(5, c.createArrayOf("text", errors));
        p.setString(6, nodeId);
      }
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          updated.add(rs.getString(1));
        }
      }
    }
    for (Finish w : finishes) {
      w.decide(updated.contains(w.id));
    }
  }
}
