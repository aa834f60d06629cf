package dev.faultline.state.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The group commit of owners' writes, on a real PostgreSQL: writes made while a batch runs go together in the next
 * one, and within a batch every row keeps the rules its single-row statement has (fencing by owner and epoch,
 * unfinished workflows only, a step recorded once, an id started once). Batches are formed deterministically: the
 * first write's connection is held until the others are queued.
 */
class WriteBatcherTest {
  private static final String NODE = "node-a";
  private static final String UNFINISHED = "('PENDING', 'COMPENSATING')";

  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicReference<CountDownLatch> gate = new AtomicReference<>();
  private final CountDownLatch held = new CountDownLatch(1);
  private volatile SQLException refuseConnections;
  private final List<WriteBatcher.Finish> landed = new CopyOnWriteArrayList<>();
  private String schema;
  private WriteBatcher batcher;

  @BeforeEach
  void setUp() {
    schema = TestDatabase.freshSchema("batch");
    SchemaMigrator.migrate(TestDatabase.dataSource(), schema);
    batcher = new WriteBatcher(counting(TestDatabase.dataSource()), schema, NODE, UNFINISHED, 1, landed::add);
  }

  /** A data source that counts connections taken, can hold the next one until released, and can refuse them. */
  private DataSource counting(DataSource real) {
    return (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DataSource.class},
        (proxy, method, args) -> {
          if (method.getName().equals("getConnection")) {
            connections.incrementAndGet();
            CountDownLatch g = gate.getAndSet(null);
            if (g != null) {
              held.countDown();
              assertTrue(g.await(10, TimeUnit.SECONDS), "the held connection was never released");
            }
            if (refuseConnections != null) {
              throw refuseConnections;
            }
          }
          try {
            return method.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  /** Outcome of one submitting thread: the write, and what submit threw. */
  private record Submitted(WriteBatcher.Write write, Thread thread, AtomicReference<Throwable> thrown) {}

  @Test
  void writesMadeWhileABatchRunsGoTogetherInTheNextStatement() throws Exception {
    List<Submitted> all = new ArrayList<>();
    CountDownLatch release = holdFirstBatch(all,
        new WriteBatcher.Create("wf-first", "flow", "default", new byte[] {1}));
    for (int i = 0; i < 10; i++) {
      int n = i;
      all.add(submitting(() -> new WriteBatcher.Create("wf-" + n, "flow", "default", new byte[] {(byte) n})));
    }
    awaitQueued(10);
    release.countDown();
    joinAll(all);

    assertEquals(2, connections.get(), "one statement for the first write, one for the ten that waited");
    for (Submitted s : all) {
      assertNull(s.thrown().get());
      assertTrue(s.write().written);
      assertEquals(1, s.write().epoch);
    }
    assertEquals(11, count("SELECT count(*) FROM " + schema + ".workflows WHERE owner = 'node-a' AND epoch = 1"));
  }

  @Test
  void eachRowOfABatchKeepsTheFencingAndOnceOnlyRulesOfItsOwnStatement() throws Exception {
    WriteBatcher.Create a = new WriteBatcher.Create("a", "flow", "default", null);
    WriteBatcher.Create b = new WriteBatcher.Create("b", "flow", "default", null);
    batcher.submit(a);
    batcher.submit(b);
    execute("UPDATE " + schema + ".workflows SET owner = 'node-b', epoch = 2 WHERE workflow_id = 'b'"); // taken over

    List<Submitted> all = new ArrayList<>();
    CountDownLatch release = holdFirstBatch(all, new WriteBatcher.Create("c", "flow", "default", null));
    Submitted step0 = submittingLater(all, () -> new WriteBatcher.Step("a", 1, step(0, "one")));
    Submitted again = submittingLater(all, () -> new WriteBatcher.Step("a", 1, step(0, "one again")));
    Submitted staleEpoch = submittingLater(all, () -> new WriteBatcher.Step("a", 7, step(1, "stale")));
    Submitted sameWorkflow = submittingLater(all, () -> new WriteBatcher.Step("a", 1, step(2, "two")));
    Submitted fenced = submittingLater(all, () -> new WriteBatcher.Step("b", 1, step(0, "fenced")));
    Submitted unknown = submittingLater(all, () -> new WriteBatcher.Step("nobody", 1, step(0, "lost")));
    Submitted twiceStarted = submittingLater(all, () -> new WriteBatcher.Create("a", "flow", "default", null));
    Submitted fencedEnd = submittingLater(all, () -> new WriteBatcher.Finish("b", 1, "SUCCEEDED", null, null));
    awaitQueued(8);
    release.countDown();
    joinAll(all);

    assertEquals(4, connections.get(), "two single starts, then the held one, then one batch of eight");
    assertTrue(step0.write().written ^ again.write().written, "exactly one of two writes of step 0 is written");
    assertFalse(staleEpoch.write().written, "a row at another epoch is refused beside one at the owned epoch");
    assertTrue(sameWorkflow.write().written);
    assertFalse(fenced.write().written);
    assertFalse(unknown.write().written);
    assertFalse(twiceStarted.write().written);
    assertFalse(fencedEnd.write().written);
    for (Submitted s : all) {
      assertNull(s.thrown().get());
    }
    assertEquals(2, count("SELECT count(*) FROM " + schema + ".workflow_steps"));
    assertEquals(1, count("SELECT count(*) FROM " + schema + ".workflow_steps WHERE workflow_id = 'a'"
        + " AND step_index = 0"));
    assertEquals(1, count("SELECT count(*) FROM " + schema + ".workflows WHERE workflow_id = 'b'"
        + " AND status = 'PENDING'"));
  }

  @Test
  void aBatchOfEndsWritesTheOwnedOnesAndReportsCancellationWithSteps() throws Exception {
    for (String id : List.of("x", "y", "z", "v")) {
      batcher.submit(new WriteBatcher.Create(id, "flow", "default", null));
    }
    execute("UPDATE " + schema + ".workflows SET cancel_requested = true WHERE workflow_id = 'y'");
    execute("UPDATE " + schema + ".workflows SET status = 'CANCELLED' WHERE workflow_id = 'z'");

    List<Submitted> all = new ArrayList<>();
    CountDownLatch release = holdFirstBatch(all, new WriteBatcher.Create("w", "flow", "default", null));
    Submitted end = submittingLater(all, () -> new WriteBatcher.Finish("x", 1, "SUCCEEDED", new byte[] {9}, null));
    Submitted staleEnd = submittingLater(all, () -> new WriteBatcher.Finish("v", 5, "FAILED", null, "boom"));
    Submitted otherEnd = submittingLater(all, () -> new WriteBatcher.Finish("y", 1, "CANCELLED", null, "stop"));
    Submitted step = submittingLater(all, () -> new WriteBatcher.Step("y", 1, step(0, "s")));
    Submitted finished = submittingLater(all, () -> new WriteBatcher.Step("z", 1, step(0, "s")));
    awaitQueued(5);
    release.countDown();
    joinAll(all);

    assertTrue(end.write().written);
    assertFalse(staleEnd.write().written, "an end at another epoch is refused beside ends at the owned one");
    assertTrue(step.write().written);
    assertTrue(step.write().cancelRequested, "the step's write reads the workflow's cancellation request");
    assertFalse(finished.write().written, "a finished workflow records no step");
    assertTrue(otherEnd.write().written, "a step and the end of one workflow in one batch: the step, then the end");
    assertEquals(6, connections.get(), "four single starts, the held batch, then one batch of five");
    assertEquals(1, count("SELECT count(*) FROM " + schema + ".workflows WHERE workflow_id = 'x'"
        + " AND status = 'SUCCEEDED' AND output = '\\x09'::bytea"));
    assertEquals(1, count("SELECT count(*) FROM " + schema + ".workflows WHERE workflow_id = 'v'"
        + " AND status = 'PENDING' AND error IS NULL"));
  }

  @Test
  void aFailedStatementFailsEveryWriteItCarriedAndTheNextBatchWorks() throws Exception {
    List<Submitted> all = new ArrayList<>();
    CountDownLatch release = holdFirstBatch(all, new WriteBatcher.Create("first", "flow", "default", null));
    Submitted one = submittingLater(all, () -> new WriteBatcher.Create("one", "flow", "default", null));
    Submitted two = submittingLater(all, () -> new WriteBatcher.Create("two", "flow", "default", null));
    awaitQueued(2);
    SQLException down = new SQLException("connection refused", "08001");
    refuseConnections = down;
    release.countDown();
    joinAll(all);

    for (Submitted s : all) {
      assertSame(down, s.thrown().get(), "every write of the failed batches is told why");
      assertFalse(s.write().written);
    }
    assertEquals(0, count("SELECT count(*) FROM " + schema + ".workflows"));
    refuseConnections = null;
    WriteBatcher.Create later = new WriteBatcher.Create("one", "flow", "default", null);
    batcher.submit(later);
    assertTrue(later.written);
  }

  /**
   * A row the database refuses for its data (here a step name with a NUL character, which PostgreSQL text cannot hold:
   * SQLSTATE 22021) fails that write alone: before, it failed the statement of its whole batch, and every other
   * workflow's step in it was told the failure (store-failed: their workflows stopped until a restart).
   */
  @Test
  void aRowTheDatabaseRefusesForItsDataFailsOnlyItsOwnWrite() throws Exception {
    for (String id : List.of("a", "b", "c")) {
      batcher.submit(new WriteBatcher.Create(id, "flow", "default", null));
    }
    List<Submitted> all = new ArrayList<>();
    CountDownLatch release = holdFirstBatch(all, new WriteBatcher.Create("first", "flow", "default", null));
    Submitted before = submittingLater(all, () -> new WriteBatcher.Step("a", 1, step(0, "fine")));
    Submitted refused = submittingLater(all, () -> new WriteBatcher.Step("b", 1, step(0, "bad\u0000name")));
    Submitted after = submittingLater(all, () -> new WriteBatcher.Step("c", 1, step(0, "fine too")));
    awaitQueued(3);
    release.countDown();
    joinAll(all);

    assertNull(before.thrown().get());
    assertTrue(before.write().written);
    assertNull(after.thrown().get());
    assertTrue(after.write().written);
    assertTrue(refused.thrown().get() instanceof SQLException, String.valueOf(refused.thrown().get()));
    assertEquals("22021", ((SQLException) refused.thrown().get()).getSQLState());
    assertFalse(refused.write().written);
    assertEquals(2, count("SELECT count(*) FROM " + schema + ".workflow_steps"));
  }

  /** A batcher whose connections count the statements they prepare (each is one commit: auto-commit). */
  private WriteBatcher countingStatements(List<String> statements) {
    DataSource ds = JdbcProxies.onConnections(TestDatabase.dataSource(), (method, args, proceed) -> {
      if (method.getName().equals("prepareStatement")) {
        statements.add((String) args[0]);
      }
      return proceed.call();
    });
    return new WriteBatcher(ds, schema, NODE, UNFINISHED, 1, landed::add);
  }

  @Test
  void anEndRidesInTheStatementOfTheNextLoneStartOrStep() throws Exception {
    List<String> statements = new CopyOnWriteArrayList<>();
    WriteBatcher writer = countingStatements(statements);
    writer.submit(new WriteBatcher.Create("a", "flow", "default", null));
    writer.submit(new WriteBatcher.Create("b", "flow", "default", null));
    WriteBatcher.Finish endA = new WriteBatcher.Finish("a", 1, "SUCCEEDED", new byte[] {7}, null);
    writer.ride(endA);
    assertEquals(1, writer.riding());
    assertEquals(0, count("SELECT count(*) FROM " + schema + ".workflows WHERE status = 'SUCCEEDED'"),
        "an end that rides waits for a write");
    statements.clear();

    WriteBatcher.Create c = new WriteBatcher.Create("c", "flow", "default", null);
    writer.submit(c);
    assertEquals(1, statements.size(), "the start and the end that rode in it: one statement, " + statements);
    assertTrue(c.written);
    assertEquals(1, c.epoch);
    assertEquals(List.of(endA), landed);
    assertTrue(endA.done && endA.written && endA.failure == null);
    assertEquals(0, writer.riding());
    assertEquals(1, count("SELECT count(*) FROM " + schema + ".workflows WHERE workflow_id = 'a'"
        + " AND status = 'SUCCEEDED' AND output = '\\x07'::bytea"));

    WriteBatcher.Finish endB = new WriteBatcher.Finish("b", 1, "SUCCEEDED", null, null);
    writer.ride(endB);
    statements.clear();
    WriteBatcher.Step step = new WriteBatcher.Step("c", 1, step(0, "s"));
    writer.submit(step);
    assertEquals(1, statements.size(), "the step and the end that rode in it: one statement, " + statements);
    assertTrue(step.written);
    assertFalse(step.cancelRequested);
    assertTrue(endB.written);
    assertEquals(2, count("SELECT count(*) FROM " + schema + ".workflows WHERE status = 'SUCCEEDED'"));
    assertEquals(1, count("SELECT count(*) FROM " + schema + ".workflow_steps WHERE workflow_id = 'c'"));
  }

  @Test
  void aRidingEndKeepsTheFencingRulesAndNeverFailsTheWriteThatCarriesIt() throws Exception {
    for (String id : List.of("a", "b", "c")) {
      batcher.submit(new WriteBatcher.Create(id, "flow", "default", null));
    }
    execute("UPDATE " + schema + ".workflows SET owner = 'node-b', epoch = 2 WHERE workflow_id = 'a'"); // taken over
    execute("UPDATE " + schema + ".workflows SET cancel_requested = true WHERE workflow_id = 'c'");

    WriteBatcher.Finish fenced = new WriteBatcher.Finish("a", 1, "SUCCEEDED", null, null);
    batcher.ride(fenced);
    WriteBatcher.Step cancelled = new WriteBatcher.Step("c", 1, step(0, "s"));
    batcher.submit(cancelled);
    assertTrue(cancelled.written);
    assertTrue(cancelled.cancelRequested, "the step's write still reads the workflow's cancellation request");
    assertTrue(fenced.done && !fenced.written && fenced.failure == null, "refused, not failed: the store asks why");

    // A step recorded already is not written (as alone); the end that rode with it is written again later.
    WriteBatcher.Finish endB = new WriteBatcher.Finish("b", 1, "SUCCEEDED", null, null);
    batcher.ride(endB);
    WriteBatcher.Step twice = new WriteBatcher.Step("c", 1, step(0, "again"));
    batcher.submit(twice);
    assertFalse(twice.written);
    assertNotNull(endB.failure);
    assertFalse(endB.alone, "the step was refused, not the end");

    // The database refuses the end for its data (NUL in text): the start is written alone all the same.
    WriteBatcher.Finish refused = new WriteBatcher.Finish("b", 1, "SUCCEEDED", null, "bad\u0000text");
    batcher.ride(refused);
    WriteBatcher.Create d = new WriteBatcher.Create("d", "flow", "default", null);
    batcher.submit(d);
    assertTrue(d.written, "the start is not failed by the end that rode with it");
    assertEquals("22021", ((SQLException) refused.failure).getSQLState());
    assertTrue(refused.alone, "an end the database refused rides no more");
    assertEquals(List.of(fenced, endB, refused), landed);
    assertEquals(0, count("SELECT count(*) FROM " + schema + ".workflows WHERE status <> 'PENDING'"));

    // Ends no write carried: taken by the caller and submitted; one that may not ride is left by lone writes.
    WriteBatcher.Finish alone = refused.again();
    alone.alone = true;
    batcher.ride(alone);
    batcher.ride(new WriteBatcher.Finish("c", 1, "CANCELLED", null, "stop"));
    batcher.submit(new WriteBatcher.Create("e", "flow", "default", null));
    assertEquals(1, batcher.riding(), "the end of c rode in the start of e; the end that may not ride waits");
    List<WriteBatcher.Finish> left = batcher.takeRiders();
    assertEquals(List.of(alone), left);
    assertEquals(1, alone.failures);
    batcher.submitAll(List.of(endB.again()));
    assertEquals(1, count("SELECT count(*) FROM " + schema + ".workflows WHERE workflow_id = 'b'"
        + " AND status = 'SUCCEEDED'"));
    assertEquals(1, count("SELECT count(*) FROM " + schema + ".workflows WHERE workflow_id = 'c'"
        + " AND status = 'CANCELLED'"));
  }

  @Test
  void anInterruptedSubmitterStillGetsItsOutcomeAndKeepsItsInterruptStatus() throws Exception {
    List<Submitted> all = new ArrayList<>();
    CountDownLatch release = holdFirstBatch(all, new WriteBatcher.Create("first", "flow", "default", null));
    AtomicReference<Boolean> interruptedAfter = new AtomicReference<>();
    WriteBatcher.Write[] write = new WriteBatcher.Write[1];
    Thread waiter = new Thread(() -> {
      write[0] = new WriteBatcher.Create("second", "flow", "default", null);
      try {
        batcher.submit(write[0]);
      } catch (SQLException e) {
        throw new AssertionError(e);
      }
      interruptedAfter.set(Thread.currentThread().isInterrupted());
    });
    waiter.start();
    awaitQueued(1);
    waiter.interrupt();
    release.countDown();
    joinAll(all);
    waiter.join(TimeUnit.SECONDS.toMillis(10));
    assertFalse(waiter.isAlive());
    assertTrue(write[0].written, "an interrupt does not abandon a queued write");
    assertEquals(Boolean.TRUE, interruptedAfter.get());
  }

  @Test
  void aTakeoverDuringBatchedWritesLetsNoLateWriteOfTheOldOwnerIn() throws Exception {
    WriteBatcher writer = new WriteBatcher(TestDatabase.dataSource(), schema, NODE, UNFINISHED, 2, landed::add);
    int workflows = 48;
    int writers = 16;
    int steps = 40;
    for (int i = 0; i < workflows; i++) {
      writer.submit(new WriteBatcher.Create("wf-" + i, "flow", "default", null));
    }
    // Each writer records steps 0, 1, ... of its own workflows at epoch 1, and stops writing a workflow once a write
    // of it is refused (as its executor would). Meanwhile a second node takes workflows over, one transaction each:
    // raise the epoch, then count the steps written so far.
    Map<String, Long> stepsAtTakeover = new ConcurrentHashMap<>();
    Set<String> reportedWritten = ConcurrentHashMap.newKeySet();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < writers; t++) {
      int first = t;
      threads.add(new Thread(() -> {
        try {
          List<String> mine = new ArrayList<>();
          for (int i = first; i < workflows; i += writers) {
            mine.add("wf-" + i);
          }
          for (int index = 0; index < steps && !mine.isEmpty(); index++) {
            for (Iterator<String> it = mine.iterator(); it.hasNext(); ) {
              String id = it.next();
              WriteBatcher.Step w = new WriteBatcher.Step(id, 1, step(index, "s" + index));
              writer.submit(w);
              if (w.written) {
                reportedWritten.add(id + "/" + index);
              } else {
                it.remove();
              }
            }
          }
        } catch (Throwable e) {
          failure.compareAndSet(null, e);
        }
      }));
    }
    Thread thief = new Thread(() -> {
      Random random = new Random(42);
      try (Connection c = TestDatabase.dataSource().getConnection()) {
        c.setAutoCommit(false);
        for (int n = 0; n < workflows / 2; n++) {
          String id = "wf-" + random.nextInt(workflows);
          if (stepsAtTakeover.containsKey(id)) {
            continue;
          }
          try (PreparedStatement take = c.prepareStatement("UPDATE " + schema + ".workflows SET owner = 'node-b',"
              + " epoch = epoch + 1 WHERE workflow_id = ?");
              PreparedStatement count = c.prepareStatement("SELECT count(*) FROM " + schema
                  + ".workflow_steps WHERE workflow_id = ?")) {
            take.setString(1, id);
            take.executeUpdate();
            count.setString(1, id);
            try (ResultSet rs = count.executeQuery()) {
              rs.next();
              stepsAtTakeover.put(id, rs.getLong(1));
            }
          }
          c.commit();
          Thread.yield();
        }
      } catch (Throwable e) {
        failure.compareAndSet(null, e);
      }
    });
    threads.forEach(Thread::start);
    thief.start();
    for (Thread t : threads) {
      t.join(TimeUnit.SECONDS.toMillis(60));
      assertFalse(t.isAlive(), "a writer never finished");
    }
    thief.join(TimeUnit.SECONDS.toMillis(60));
    assertNull(failure.get());

    assertFalse(stepsAtTakeover.isEmpty());
    for (Map.Entry<String, Long> taken : stepsAtTakeover.entrySet()) {
      assertEquals((long) taken.getValue(), count("SELECT count(*) FROM " + schema + ".workflow_steps WHERE"
          + " workflow_id = '" + taken.getKey() + "'"), "a write of the old owner landed after the takeover of "
          + taken.getKey());
    }
    List<String> inTable = new ArrayList<>();
    try (Connection c = TestDatabase.dataSource().getConnection();
        PreparedStatement p = c.prepareStatement("SELECT workflow_id || '/' || step_index FROM " + schema
            + ".workflow_steps");
        ResultSet rs = p.executeQuery()) {
      while (rs.next()) {
        inTable.add(rs.getString(1));
      }
    }
    assertEquals(new HashSet<>(inTable), reportedWritten, "exactly the writes reported written are there");
    for (int i = 0; i < workflows; i++) {
      if (!stepsAtTakeover.containsKey("wf-" + i)) {
        assertEquals(steps, count("SELECT count(*) FROM " + schema + ".workflow_steps WHERE workflow_id = 'wf-" + i
            + "'"), "a workflow nobody took over has every step");
      }
    }
  }

  /**
   * Submits {@code first} from a thread of its own and returns once its batch holds its connection (until the returned
   * latch is counted down), so that writes submitted meanwhile queue up for the next batch.
   */
  private CountDownLatch holdFirstBatch(List<Submitted> all, WriteBatcher.Write first) throws InterruptedException {
    CountDownLatch release = new CountDownLatch(1);
    gate.set(release);
    all.add(submitting(() -> first));
    assertTrue(held.await(10, TimeUnit.SECONDS), "the first batch never took a connection");
    return release;
  }

  private static PgWorkflow.Step step(int index, String name) {
    return new PgWorkflow.Step(index, name, new byte[] {(byte) index}, null, 0, false, false);
  }

  /** Starts a thread that creates a write (so that it belongs to that thread) and submits it. */
  private Submitted submitting(Supplier<WriteBatcher.Write> make) throws InterruptedException {
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicReference<WriteBatcher.Write> made = new AtomicReference<>();
    CountDownLatch created = new CountDownLatch(1);
    Thread t = new Thread(() -> {
      WriteBatcher.Write w = make.get();
      made.set(w);
      created.countDown();
      try {
        batcher.submit(w);
      } catch (Throwable e) {
        thrown.set(e);
      }
    });
    t.start();
    assertTrue(created.await(10, TimeUnit.SECONDS));
    return new Submitted(made.get(), t, thrown);
  }

  private Submitted submittingLater(List<Submitted> all, Supplier<WriteBatcher.Write> make)
      throws InterruptedException {
    Submitted s = submitting(make);
    all.add(s);
    return s;
  }

  private void awaitQueued(int n) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (batcher.queued() < n) {
      if (System.nanoTime() - deadline > 0) {
        fail("only " + batcher.queued() + " of " + n + " writes were queued");
      }
      Thread.yield();
    }
  }

  private static void joinAll(List<Submitted> all) throws InterruptedException {
    for (Submitted s : all) {
      s.thread().join(TimeUnit.SECONDS.toMillis(10));
      assertFalse(s.thread().isAlive(), "a submitter never returned");
      assertTrue(s.write().done);
    }
  }

  private static long count(String sql) throws SQLException {
    try (Connection c = TestDatabase.dataSource().getConnection();
        PreparedStatement p = c.prepareStatement(sql);
        ResultSet rs = p.executeQuery()) {
      assertTrue(rs.next());
      return rs.getLong(1);
    }
  }

  private static void execute(String sql) throws SQLException {
    try (Connection c = TestDatabase.dataSource().getConnection();
        PreparedStatement p = c.prepareStatement(sql)) {
      p.executeUpdate();
    }
  }
}
