package dev.faultline.state.postgres;

import static dev.faultline.state.postgres.JdbcProxies.intercept;
import static dev.faultline.state.postgres.JdbcProxies.onConnections;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.state.workflow.Workflow;
import dev.faultline.state.workflow.WorkflowException;
import dev.faultline.state.workflow.WorkflowExecutor;
import dev.faultline.state.workflow.WorkflowHandle;
import dev.faultline.state.workflow.WorkflowStatus;
import dev.faultline.state.workflow.contract.WorkflowExecutorTest;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The workflow contract ({@link WorkflowExecutorTest}, every scenario of the embedded store) on PostgreSQL: each
 * store location of a scenario becomes a schema of its own, and each executor opened on it a node of its own, so
 * restarts in the scenarios hand workflows from one node to the next through the database.
 */
class PostgresContractTest extends WorkflowExecutorTest {
  private static final Map<Path, String> SCHEMAS = new ConcurrentHashMap<>();
  private static final AtomicInteger NODES = new AtomicInteger();

  /** The schema of this test's store. */
  private volatile String schema;

  @Override
  protected WorkflowExecutor.Builder store(Path location) {
    String schema = SCHEMAS.computeIfAbsent(location, p -> TestDatabase.freshSchema("contract"));
    this.schema = schema;
    PostgresWorkflowStore store = PostgresWorkflowStore.builder(TestDatabase.dataSource()).schema(schema)
        .nodeId("node-" + NODES.incrementAndGet()).leaseTime(Duration.ofSeconds(5))
        .heartbeatInterval(Duration.ofMillis(200)).build();
    return WorkflowExecutor.builder(store);
  }

  /**
   * A pool that hands out connections without auto-commit (HikariCP's {@code autoCommit=false}, a common setting):
   * the store's statements did not commit, so the pool rolled them back when each connection went back, and a
   * workflow that SUCCEEDED on its node was gone for every other reader.
   */
  @org.junit.jupiter.api.Test
  void aPoolWithoutAutoCommitLosesNothing() throws Exception {
    com.zaxxer.hikari.HikariConfig config = new com.zaxxer.hikari.HikariConfig();
    config.setJdbcUrl(TestDatabase.jdbcUrl());
    config.setUsername("postgres");
    config.setMaximumPoolSize(5);
    config.setAutoCommit(false);
    String schema = TestDatabase.freshSchema("noautocommit");
    try (com.zaxxer.hikari.HikariDataSource pool = new com.zaxxer.hikari.HikariDataSource(config)) {
      PostgresWorkflowStore store = PostgresWorkflowStore.builder(pool).schema(schema).nodeId("manual")
          .leaseTime(Duration.ofSeconds(5)).heartbeatInterval(Duration.ofMillis(200)).build();
      try (WorkflowExecutor executor = WorkflowExecutor.builder(store)
          .register("w", (dev.faultline.state.workflow.Workflow<String, String>) (ctx, in) ->
              ctx.step("a", () -> in + "-a") + ctx.step("b", () -> "-b")).open()) {
        assertEquals("x-a-b", executor.<String>call("w", "x", "x"));
      }
    }
    try (java.sql.Connection c = TestDatabase.dataSource().getConnection();
        java.sql.PreparedStatement p = c.prepareStatement("SELECT status, (SELECT count(*) FROM " + schema
            + ".workflow_steps) FROM " + schema + ".workflows WHERE workflow_id = 'x'");
        java.sql.ResultSet rs = p.executeQuery()) {
      org.junit.jupiter.api.Assertions.assertTrue(rs.next(), "the workflow's start was rolled back");
      assertEquals("SUCCEEDED", rs.getString(1));
      assertEquals(2, rs.getLong(2));
    }
  }

  @org.junit.jupiter.api.Test
  void workflowsWaitingInANodesQueueBeyondItsNextTurnRunOnANodeWithRoom() throws Exception {
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch twoIn = new java.util.concurrent.CountDownLatch(2);
    java.util.Set<String> ranOn = java.util.concurrent.ConcurrentHashMap.newKeySet();
    java.util.function.Function<String, dev.faultline.state.workflow.Workflow<String, String>> on = node ->
        (ctx, in) -> ctx.step("s", () -> {
          ranOn.add(node + ":" + in);
          twoIn.countDown();
          release.await(30, java.util.concurrent.TimeUnit.SECONDS);
          return node;
        });
    try (WorkflowExecutor a = builder().queue("q", 1, 0).register("w", on.apply("a")).open();
        WorkflowExecutor b = builder().queue("q", 1, 0).register("w", on.apply("b")).open()) {
      WorkflowHandle<String> first = a.start("q", "w", "first", "1");
      WorkflowHandle<String> second = a.start("q", "w", "second", "2");
      WorkflowHandle<String> third = a.start("q", "w", "third", "3");
      // Node a's sharing passes (one per second of its clock) keep "second" (its next turn) and hand "third" over,
      // once a heartbeat has shown node a that node b is alive.
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
      while (!twoIn.await(100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
        assertTrue(System.nanoTime() - deadline < 0,
            "node a runs one at a time; what waits beyond its next turn must run on node b meanwhile: " + ranOn);
        clock.advance(Duration.ofSeconds(1));
      }
      assertEquals(java.util.Set.of("a:1", "b:3"), ranOn);
      assertEquals(WorkflowStatus.PENDING, second.status(), "its next turn stays on node a");
      release.countDown();
      assertEquals("a", await(first));
      assertEquals("a", await(second));
      assertEquals("b", await(third), "node a's handle follows the workflow to node b");
      assertEquals(WorkflowStatus.SUCCEEDED, b.handle("third").status());
    }
  }

  @Test
  void aNodeThatDoesNotResumeOnStartKeepsItsBacklogForNoNodeLikeItClaimsIt() throws Exception {
    // Nodes that do not resume on start never claim unowned workflows. Before the fix node a handed "third" to the
    // database anyway (node b is alive), and no node ever claimed it: it stayed PENDING for ever.
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch firstIn = new CountDownLatch(1);
    Set<String> ranOn = ConcurrentHashMap.newKeySet();
    Function<String, Workflow<String, String>> on = node -> (ctx, in) -> ctx.step("s", () -> {
      ranOn.add(node + ":" + in);
      if (in.equals("1")) {
        firstIn.countDown();
        release.await(30, TimeUnit.SECONDS);
      }
      return node;
    });
    String schema = TestDatabase.freshSchema("keepbacklog");
    Beats beatsA = new Beats();
    Beats beatsB = new Beats();
    Function<Beats, WorkflowExecutor.Builder> node = beats -> WorkflowExecutor.builder(PostgresWorkflowStore
        .builder(TestDatabase.dataSource()).schema(schema).nodeId("node-" + NODES.incrementAndGet())
        .leaseTime(Duration.ofSeconds(5)).heartbeatInterval(Duration.ofMillis(200)).clock(beats).build())
        .clock(clock).scheduler(clock).storeTasks(Runnable::run).threads(4).resumeOnStart(false).queue("q", 1, 0);
    try (WorkflowExecutor a = node.apply(beatsA).register("w", on.apply("a")).open();
        WorkflowExecutor b = node.apply(beatsB).register("w", on.apply("b")).open()) {
      a.start("q", "w", "first", "1");
      a.start("q", "w", "second", "2");
      WorkflowHandle<String> third = a.start("q", "w", "third", "3");
      assertTrue(firstIn.await(30, TimeUnit.SECONDS));
      for (int i = 0; i < 10; i++) { // node a's sharing passes, while the nodes' heartbeats show each other alive
        clock.advance(Duration.ofSeconds(1));
        beatsA.beat();
        beatsB.beat();
      }
      release.countDown();
      assertEquals("a", awaitAdvancing(third), "ran " + ranOn);
      awaitEndWritten(schema, "third"); // node a's end reaches the database within its end write delay
      assertEquals(WorkflowStatus.SUCCEEDED, b.handle("third").status());
    } finally {
      release.countDown();
    }
  }

  /**
   * Waits for workflow {@code id}'s end to be in the database: a successful end reaches it after the result
   * completes, with the node's next write or within its end write delay (see {@link PostgresWorkflowStore}, "Ends").
   */
  private static void awaitEndWritten(String schema, String id) throws SQLException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try (Connection c = TestDatabase.dataSource().getConnection();
          PreparedStatement p = c.prepareStatement("SELECT status FROM " + schema + ".workflows"
              + " WHERE workflow_id = ?")) {
        p.setString(1, id);
        try (ResultSet rs = p.executeQuery()) {
          if (rs.next() && WorkflowStatus.valueOf(rs.getString(1)).terminal()) {
            return;
          }
        }
      }
      assertTrue(System.nanoTime() - deadline < 0, "the end of workflow " + id + " never reached the database");
      Thread.onSpinWait();
    }
  }

  @Test
  void anAdmissionWhoseCommitIsLostOnTheWayBackStillRunsItsWorkflow() throws Exception {
    // The admission's COMMIT reaches the database, but the connection breaks before its answer does (a network cut):
    // admitted_at is set while the executor believes nothing was admitted. Before the fix the workflow then held the
    // queue's only place across nodes itself, every admission counted it and found no room: it never ran.
    java.util.concurrent.atomic.AtomicBoolean failNextCommit = new java.util.concurrent.atomic.AtomicBoolean();
    javax.sql.DataSource real = TestDatabase.dataSource();
    javax.sql.DataSource flaky = onConnections(real, (method, args, proceed) -> {
      Object r = proceed.call();
      if (method.getName().equals("commit") && failNextCommit.getAndSet(false)) {
        throw new java.sql.SQLException("I/O error: the connection broke after COMMIT was sent", "08006");
      }
      return r;
    });
    PostgresWorkflowStore store = PostgresWorkflowStore.builder(flaky).schema(TestDatabase.freshSchema("lostcommit"))
        .nodeId("node-" + NODES.incrementAndGet()).leaseTime(Duration.ofSeconds(5))
        .heartbeatInterval(Duration.ofMillis(200)).build();
    try (WorkflowExecutor a = WorkflowExecutor.builder(store).clock(clock).scheduler(clock)
        .storeTasks(Runnable::run).threads(2).globalQueueLimits("q", 1, 0).register("w", (ctx, in) -> in).open()) {
      failNextCommit.set(true);
      WorkflowHandle<String> only = a.start("q", "w", "only", "x");
      assertTrue(!failNextCommit.get(), "the admission committed, and its commit failed on the way back");
      assertEquals("x", awaitAdvancing(only));
    }
  }

  /**
   * A pool whose connections, while {@code loseNext} is set, run the INSERT of a workflow start (it commits: the
   * connection is in autocommit) and then throw as if the connection broke before the answer came back.
   */
  private DataSource losingStartAnswers(DataSource real, String schema, AtomicBoolean loseNext) {
    String insert = "INSERT INTO " + schema + ".workflows (";
    return onConnections(real, (method, args, proceed) -> {
      Object r = proceed.call();
      if (!method.getName().equals("prepareStatement") || !((String) args[0]).startsWith(insert)) {
        return r;
      }
      return intercept(PreparedStatement.class, (PreparedStatement) r, (m3, a3, statement) -> {
        Object q = statement.call();
        if (m3.getName().equals("executeQuery") && loseNext.getAndSet(false)) {
          ((ResultSet) q).close();
          throw new SQLException("I/O error: the connection broke before the answer came", "08006");
        }
        return q;
      });
    });
  }

  @Test
  void aStartWhoseAnswerWasLostRunsItsWorkflowOnceWhenTheCallerStartsItAgain() throws Exception {
    // The start's INSERT commits, but its answer is lost: start() fails with store-failed while the row exists,
    // owned by this (live) node. The caller starts the same id again, as an idempotent start invites: it must run,
    // once. Before the fix the second start only found the row: no node claims a live node's workflow and this one
    // did not run it, so its result never completed until a restart.
    String schema = TestDatabase.freshSchema("loststart");
    AtomicBoolean loseNext = new AtomicBoolean();
    AtomicInteger executions = new AtomicInteger();
    PostgresWorkflowStore store = PostgresWorkflowStore.builder(losingStartAnswers(TestDatabase.dataSource(), schema,
        loseNext)).schema(schema).nodeId("node-" + NODES.incrementAndGet()).leaseTime(Duration.ofSeconds(5))
        .heartbeatInterval(Duration.ofMillis(200)).build();
    try (WorkflowExecutor a = WorkflowExecutor.builder(store).clock(clock).scheduler(clock).storeTasks(Runnable::run)
        .threads(2).register("w", (Workflow<String, String>) (ctx, in) -> ctx.step("s",
            () -> in + executions.incrementAndGet())).open()) {
      loseNext.set(true);
      WorkflowException lost = assertThrows(WorkflowException.class, () -> a.start("w", "x", "in"));
      assertEquals("store-failed", lost.code());
      assertTrue(!loseNext.get(), "the INSERT ran, and its answer was lost");
      WorkflowHandle<String> again = a.start("w", "x", "in");
      assertEquals("in1", awaitAdvancing(again));
      assertEquals("in1", a.<String>call("w", "x", "in"));
      assertEquals(1, executions.get());
    }
  }

  @Test
  void aStartWhoseAnswerWasLostRunsItsWorkflowOnceWhenTheCallerCallsItOnAnotherNode() throws Exception {
    // As above, but the caller's retry goes to node b (a load balancer), with call(): node a owns the row and is
    // alive, so node b only waits for it. Before the fix node a never ran it either, and the call blocked for ever.
    String schema = TestDatabase.freshSchema("loststart");
    AtomicBoolean loseNext = new AtomicBoolean();
    AtomicInteger executions = new AtomicInteger();
    Workflow<String, String> w = (ctx, in) -> ctx.step("s", () -> in + executions.incrementAndGet());
    PostgresWorkflowStore storeA = PostgresWorkflowStore.builder(losingStartAnswers(TestDatabase.dataSource(), schema,
        loseNext)).schema(schema).nodeId("node-" + NODES.incrementAndGet()).leaseTime(Duration.ofSeconds(5))
        .heartbeatInterval(Duration.ofMillis(200)).build();
    PostgresWorkflowStore storeB = PostgresWorkflowStore.builder(TestDatabase.dataSource()).schema(schema)
        .nodeId("node-" + NODES.incrementAndGet()).leaseTime(Duration.ofSeconds(5))
        .heartbeatInterval(Duration.ofMillis(200)).build();
    ExecutorService caller = Executors.newSingleThreadExecutor();
    try (WorkflowExecutor a = WorkflowExecutor.builder(storeA).clock(clock).scheduler(clock)
            .storeTasks(Runnable::run).threads(2).register("w", w).open();
        WorkflowExecutor b = WorkflowExecutor.builder(storeB).clock(clock).scheduler(clock)
            .storeTasks(Runnable::run).threads(2).register("w", w).open()) {
      loseNext.set(true);
      WorkflowException lost = assertThrows(WorkflowException.class, () -> a.start("w", "x", "in"));
      assertEquals("store-failed", lost.code());
      java.util.concurrent.Future<String> called = caller.submit(() -> b.<String>call("w", "x", "in"));
      assertEquals("in1", called.get(30, TimeUnit.SECONDS));
      assertEquals("in1", await(a.handle("x")));
      assertEquals(1, executions.get());
    } finally {
      caller.shutdownNow();
    }
  }

  /** A start's INSERT held back by {@link #holdingStarts}: its statement and parameters, to run later. */
  private record HeldStart(String sql, List<Object[]> calls) {
    /** Runs the INSERT on a connection of {@code dataSource} (auto-commit: it commits now). */
    void run(DataSource dataSource) throws Exception {
      try (Connection c = dataSource.getConnection(); PreparedStatement p = c.prepareStatement(sql)) {
        for (Object[] call : calls) {
          ((java.lang.reflect.Method) call[0]).invoke(p, (Object[]) call[1]);
        }
        p.executeQuery().close();
      }
    }
  }

  /**
   * A pool whose connections, while {@code loseNext} is set, do not run the INSERT of a workflow start: they add it
   * to {@code held} and throw as if the connection broke, so that the test decides when (or whether) it commits.
   */
  private DataSource holdingStarts(DataSource real, String schema, AtomicBoolean loseNext, List<HeldStart> held) {
    String insert = "INSERT INTO " + schema + ".workflows (";
    return onConnections(real, (method, args, proceed) -> {
      Object r = proceed.call();
      if (!method.getName().equals("prepareStatement") || !((String) args[0]).startsWith(insert)) {
        return r;
      }
      String sql = (String) args[0];
      List<Object[]> calls = Collections.synchronizedList(new ArrayList<>());
      return intercept(PreparedStatement.class, (PreparedStatement) r, (m3, a3, statement) -> {
        if (m3.getName().startsWith("set")) {
          calls.add(new Object[] {m3, a3});
        } else if (m3.getName().equals("executeQuery") && loseNext.getAndSet(false)) {
          held.add(new HeldStart(sql, List.copyOf(calls)));
          throw new SQLException("I/O error: the connection broke before the answer came", "08006");
        }
        return statement.call();
      });
    });
  }

  /**
   * The clock of a store whose heartbeat loop the test drives: it stands still, and the loop's sleep between two
   * passes waits until {@link #beat} lets it through (then time moves on by the sleep). Passes thus run only when the
   * test asks, and the test knows when one is over.
   */
  private static final class Beats implements dev.faultline.core.Clock {
    private long nanos;
    private long permits;
    private long sleeps; // how many sleeps the loop began, each after a pass
    private boolean sleeping;

    @Override
    public synchronized long nanoTime() {
      return nanos;
    }

    @Override
    public long wallMillis() {
      return TimeUnit.NANOSECONDS.toMillis(nanoTime());
    }

    @Override
    public synchronized void sleep(long sleepNanos) throws InterruptedException {
      sleeps++;
      sleeping = true;
      notifyAll();
      try {
        while (permits == 0) {
          wait();
        }
        permits--;
        nanos += Math.max(0, sleepNanos);
      } finally {
        sleeping = false;
      }
    }

    synchronized void advance(Duration d) {
      nanos += d.toNanos();
    }

    /** Lets the loop run one whole pass (heartbeat, adoption of lost starts, claims) and returns once it is over. */
    synchronized void beat() throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!sleeping) {
        waitUntil(deadline, "the heartbeat loop to finish its pass");
      }
      long before = sleeps;
      permits++;
      notifyAll();
      while (sleeps == before) {
        waitUntil(deadline, "the heartbeat loop to finish the pass it was let through");
      }
    }

    private void waitUntil(long deadline, String what) throws InterruptedException {
      long left = deadline - System.nanoTime();
      assertTrue(left > 0, "waited 30 s for " + what);
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
  }

  private PostgresWorkflowStore heldStartsStore(String schema, AtomicBoolean loseNext, List<HeldStart> held,
      Beats beats) {
    return PostgresWorkflowStore.builder(holdingStarts(TestDatabase.dataSource(), schema, loseNext, held))
        .schema(schema).nodeId("node-" + NODES.incrementAndGet()).leaseTime(Duration.ofSeconds(5))
        .heartbeatInterval(Duration.ofMillis(200)).lostStartWindow(Duration.ofSeconds(5)).clock(beats).build();
  }

  @Test
  void aStartWhoseInsertCommitsOnlyAfterTheHeartbeatLookedForItRunsWithoutBeingStartedAgain() throws Exception {
    // The start's connection breaks before its INSERT commits; the INSERT commits later (the server was still on
    // it, or the network delivered it late), after the next heartbeat looked for the row and found none. Before the
    // fix that heartbeat forgot the id: the row, owned by this live node and claimed by no other, stayed PENDING
    // until the node restarted, and a caller waiting for it waited for ever.
    String schema = TestDatabase.freshSchema("latestart");
    AtomicBoolean loseNext = new AtomicBoolean();
    List<HeldStart> held = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger executions = new AtomicInteger();
    Beats beats = new Beats();
    PostgresWorkflowStore store = heldStartsStore(schema, loseNext, held, beats);
    try (WorkflowExecutor a = WorkflowExecutor.builder(store).clock(clock).scheduler(clock).storeTasks(Runnable::run)
        .threads(2).register("w", (Workflow<String, String>) (ctx, in) -> ctx.step("s",
            () -> in + executions.incrementAndGet())).open()) {
      loseNext.set(true);
      WorkflowException lost = assertThrows(WorkflowException.class, () -> a.start("w", "x", "in"));
      assertEquals("store-failed", lost.code());
      assertEquals(1, held.size(), "the INSERT was held back");
      beats.beat(); // looks for the row: not there yet
      beats.beat();
      held.get(0).run(TestDatabase.dataSource()); // it commits now
      beats.beat(); // finds it, owned by this node, and adopts it
      assertEquals("in1", awaitAdvancing(a.handle("x")));
      assertEquals(1, executions.get());
      assertEquals(Set.of(), store.unsureStarts());
    }
  }

  @Test
  void aLostStartWhoseAdoptionFailsIsAdoptedAtTheNextHeartbeat() throws Exception {
    // The heartbeat found the row of a start whose answer was lost and took the id out of the unsure ones, but its
    // adopting UPDATE failed (the database was briefly unreachable). Before the fix the id was gone: the row, owned
    // by this live node and claimed by no other, stayed PENDING until the node restarted, and a caller waiting for
    // it waited for ever.
    String schema = TestDatabase.freshSchema("failedadopt");
    AtomicBoolean loseNext = new AtomicBoolean();
    AtomicBoolean failAdoption = new AtomicBoolean();
    List<HeldStart> held = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger executions = new AtomicInteger();
    Beats beats = new Beats();
    String adoption = "w.workflow_id = ? AND w.owner = ?";
    DataSource flaky = onConnections(holdingStarts(TestDatabase.dataSource(), schema, loseNext, held),
        (method, args, proceed) -> {
          if (method.getName().equals("prepareStatement") && ((String) args[0]).contains(adoption)
              && failAdoption.getAndSet(false)) {
            throw new SQLException("I/O error: the connection broke", "08006");
          }
          return proceed.call();
        });
    PostgresWorkflowStore store = PostgresWorkflowStore.builder(flaky).schema(schema)
        .nodeId("node-" + NODES.incrementAndGet()).leaseTime(Duration.ofSeconds(5))
        .heartbeatInterval(Duration.ofMillis(200)).lostStartWindow(Duration.ofSeconds(5)).clock(beats).build();
    try (WorkflowExecutor a = WorkflowExecutor.builder(store).clock(clock).scheduler(clock).storeTasks(Runnable::run)
        .threads(2).register("w", (Workflow<String, String>) (ctx, in) -> ctx.step("s",
            () -> in + executions.incrementAndGet())).open()) {
      loseNext.set(true);
      assertThrows(WorkflowException.class, () -> a.start("w", "x", "in"));
      beats.beat();
      held.get(0).run(TestDatabase.dataSource()); // it commits
      failAdoption.set(true);
      beats.beat(); // finds the row; the adoption fails
      assertEquals(false, failAdoption.get(), "the adoption was tried");
      assertEquals(Set.of("x"), store.unsureStarts(), "still to be adopted");
      beats.beat(); // adopts it
      assertEquals("in1", awaitAdvancing(a.handle("x")));
      assertEquals(1, executions.get());
      assertEquals(Set.of(), store.unsureStarts());
    }
  }

  @Test
  void aStartWhoseInsertNeverCommitsIsForgottenAfterTheLostStartWindow() throws Exception {
    String schema = TestDatabase.freshSchema("neverstart");
    AtomicBoolean loseNext = new AtomicBoolean();
    List<HeldStart> held = Collections.synchronizedList(new ArrayList<>());
    Beats beats = new Beats();
    PostgresWorkflowStore store = heldStartsStore(schema, loseNext, held, beats);
    try (WorkflowExecutor a = WorkflowExecutor.builder(store).clock(clock).scheduler(clock).storeTasks(Runnable::run)
        .threads(2).register("w", (Workflow<String, String>) (ctx, in) -> in + " ran").open()) {
      loseNext.set(true);
      assertThrows(WorkflowException.class, () -> a.start("w", "x", "in"));
      beats.beat();
      beats.beat();
      assertEquals(Set.of("x"), store.unsureStarts(), "kept while its INSERT may still commit");
      beats.advance(Duration.ofSeconds(5)); // the lost-start window (5 s) is over
      beats.beat();
      assertEquals(Set.of(), store.unsureStarts(), "dropped after the window: the set does not grow for ever");
      assertEquals("in ran", awaitAdvancing(a.start("w", "x", "in")), "a start of the id afterwards is a start");
    }
  }

  @Test
  void aStartRetriedAfterItsInsertNeverRanIsNotClaimedAgainByTheHeartbeat() throws Exception {
    // The first start's INSERT never ran; the caller starts the id again and that start writes the row and runs it.
    // Before the fix the id stayed among the lost starts, and the next heartbeat "adopted" the running workflow:
    // it raised the epoch under the run, and handed the executor the same workflow a second time.
    String schema = TestDatabase.freshSchema("retriedstart");
    AtomicBoolean loseNext = new AtomicBoolean();
    List<HeldStart> held = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger executions = new AtomicInteger();
    CountDownLatch inStep = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Beats beats = new Beats();
    PostgresWorkflowStore store = heldStartsStore(schema, loseNext, held, beats);
    try (WorkflowExecutor a = WorkflowExecutor.builder(store).clock(clock).scheduler(clock).storeTasks(Runnable::run)
        .threads(2).register("w", (Workflow<String, String>) (ctx, in) -> ctx.step("s", () -> {
          int n = executions.incrementAndGet();
          inStep.countDown();
          assertTrue(release.await(30, TimeUnit.SECONDS));
          return in + n;
        })).open()) {
      loseNext.set(true);
      assertThrows(WorkflowException.class, () -> a.start("w", "x", "in"));
      WorkflowHandle<String> again = a.start("w", "x", "in");
      assertTrue(inStep.await(30, TimeUnit.SECONDS));
      beats.beat();
      beats.beat();
      release.countDown();
      assertEquals("in1", awaitAdvancing(again));
      assertEquals(1, executions.get());
      try (Connection c = TestDatabase.dataSource().getConnection();
          PreparedStatement p = c.prepareStatement("SELECT epoch FROM " + schema
              + ".workflows WHERE workflow_id = 'x'");
          ResultSet rs = p.executeQuery()) {
        assertTrue(rs.next());
        assertEquals(1, rs.getLong(1), "no claim of the running workflow");
      }
    } finally {
      release.countDown();
    }
  }

  @Test
  void aHandleOnAWorkflowOfAnotherNodeFailsWhenItsRecordIsDeletedBeforeThisNodeSawItFinish() throws Exception {
    // Node a holds a handle on x, which live node b runs; x finishes on b and b's retention sweeps it before a's next
    // heartbeat reads it. Before the fix a's heartbeat went on asking for x, found no row, and did nothing: the
    // handle's result never completed (a caller waiting on it waited for ever) and a kept x's view for good.
    String schema = TestDatabase.freshSchema("sweptwatch");
    DataSource real = TestDatabase.dataSource();
    PostgresWorkflowStore.builder(real).schema(schema).nodeId("migrate").build().close();
    execute(real, "INSERT INTO " + schema + ".workflow_nodes (node_id, heartbeat_at, lease_until)"
        + " VALUES ('node-b', now(), now() + interval '1 hour')");
    execute(real, "INSERT INTO " + schema + ".workflows (workflow_id, name, queue, status, owner, epoch)"
        + " VALUES ('x', 'w', 'default', 'PENDING', 'node-b', 1)");
    Beats beats = new Beats();
    PostgresWorkflowStore store = PostgresWorkflowStore.builder(real).schema(schema).nodeId("node-a")
        .leaseTime(Duration.ofSeconds(5)).heartbeatInterval(Duration.ofMillis(200)).clock(beats).build();
    try (WorkflowExecutor a = WorkflowExecutor.builder(store).clock(clock).scheduler(clock).storeTasks(Runnable::run)
        .threads(2).register("w", (Workflow<String, String>) (ctx, in) -> ctx.step("s", () -> "ran on a"))
        .open()) {
      WorkflowHandle<String> handle = a.handle("x");
      beats.beat();
      assertEquals(WorkflowStatus.PENDING, handle.status(), "node b runs it");
      assertFalse(handle.result().isDone());
      assertEquals(1, store.keptViews());

      execute(real, "DELETE FROM " + schema + ".workflows WHERE workflow_id = 'x'"); // finished on b, swept
      beats.beat();

      assertTrue(handle.result().isCompletedExceptionally(), "the wait ends");
      java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
          () -> handle.result().get());
      WorkflowException cause = (WorkflowException) e.getCause();
      assertEquals("workflow-unknown", cause.code());
      assertTrue(cause.getMessage().contains("no longer in the store"), cause.getMessage());
      assertEquals(0, store.keptViews(), "nothing left to watch");
      assertThrows(WorkflowException.class, () -> a.handle("x"), "and a new handle finds nothing");
    }
  }

  @Test
  void anIdWithANulIsAnUnknownWorkflowNotAStoreFailure() throws Exception {
    // No workflow can have such an id (a start refuses it); asked for, PostgreSQL refused the read and the handle,
    // cancel and resume of the console and the command line failed with store-failed, as if the database were down.
    String schema = TestDatabase.freshSchema("nulid");
    PostgresWorkflowStore store = PostgresWorkflowStore.builder(TestDatabase.dataSource()).schema(schema)
        .nodeId("node-" + NODES.incrementAndGet()).build();
    try (WorkflowExecutor a = WorkflowExecutor.builder(store).register("w", (Workflow<String, String>) (ctx, in) -> in)
        .open()) {
      assertEquals(null, store.find("a\0b"));
      WorkflowException e = assertThrows(WorkflowException.class, () -> a.handle("a\0b"));
      assertEquals("workflow-unknown", e.code());
    }
  }

  private static void execute(DataSource dataSource, String sql) throws SQLException {
    try (Connection c = dataSource.getConnection(); PreparedStatement p = c.prepareStatement(sql)) {
      p.executeUpdate();
    }
  }

  @Test
  void aWorkflowClaimedWhileAStartOfItsIdIsStillReadingItsRowRuns() throws Exception {
    // Node a starts id x, which a stopped node left (owner gone, no lease): the start finds the id taken and reads
    // the row; meanwhile a's heartbeat claims it from the stopped node. Before the fix the claim queued the start's
    // run before it had its row: a NullPointerException in the heartbeat thread left the run marked queued in no
    // queue, and the workflow never ran (a's live lease keeps every other node off it).
    String schema = TestDatabase.freshSchema("claimrace");
    DataSource real = TestDatabase.dataSource();
    PostgresWorkflowStore.builder(real).schema(schema).nodeId("migrate").build().close();
    try (Connection c = real.getConnection(); PreparedStatement p = c.prepareStatement("INSERT INTO " + schema
        + ".workflows (workflow_id, name, queue, input, status, owner, epoch) VALUES ('x', 'w', 'default', ?,"
        + " 'PENDING', 'gone', 1)")) {
      p.setBytes(1, dev.faultline.state.workflow.WorkflowCodec.standard().encode("in"));
      p.executeUpdate();
    }
    AtomicBoolean armed = new AtomicBoolean();
    CountDownLatch findStarted = new CountDownLatch(1);
    CountDownLatch claimed = new CountDownLatch(1);
    AtomicReference<Thread> claimer = new AtomicReference<>();
    DataSource gated = onConnections(real, (method, args, proceed) -> {
      Object r = proceed.call();
      if (!method.getName().equals("prepareStatement")) {
        return r;
      }
      String sql = (String) args[0];
      boolean orphans = sql.contains("w.owner <> ?");
      boolean find = sql.endsWith("FROM " + schema + ".workflows w WHERE w.workflow_id = ?");
      if (!orphans && !find) {
        return r;
      }
      return intercept(PreparedStatement.class, (PreparedStatement) r, (m3, a3, statement) -> {
        if (!m3.getName().equals("executeQuery") || !armed.get()) {
          return statement.call();
        }
        if (find) { // the start's read: only once the heartbeat's claim has answered
          findStarted.countDown();
          assertTrue(claimed.await(30, TimeUnit.SECONDS));
          awaitClaimReported(claimer.get()); // and the claim has gone on to report it
          return statement.call();
        }
        assertTrue(findStarted.await(30, TimeUnit.SECONDS)); // claims wait for the start's read
        claimer.set(Thread.currentThread());
        Object q = statement.call();
        claimed.countDown();
        return q;
      });
    });
    armed.set(true);
    PostgresWorkflowStore store = PostgresWorkflowStore.builder(gated).schema(schema)
        .nodeId("node-" + NODES.incrementAndGet()).leaseTime(Duration.ofSeconds(5))
        .heartbeatInterval(Duration.ofMillis(200)).build();
    try (WorkflowExecutor a = WorkflowExecutor.builder(store).clock(clock).scheduler(clock).storeTasks(Runnable::run)
        .threads(2).register("w", (Workflow<String, String>) (ctx, in) -> ctx.step("s", () -> in + " ran")).open()) {
      WorkflowHandle<String> handle = a.start("w", "x", "other input");
      armed.set(false);
      assertEquals("in ran", awaitAdvancing(handle));
    }
  }

  /**
   * Waits until the heartbeat thread {@code claimer}, whose claim answered, has reported it to the executor: parked in
   * the executor's {@code claimed} (waiting for the start to have its row, with the fix) or past the claim altogether
   * (parked in its loop, without). PostgreSQL's answer gives no callback for that, so this polls the thread's state.
   */
  private static void awaitClaimReported(Thread claimer) {
    for (int polls = 0; polls < 30_000; polls++) {
      Thread.State state = claimer.getState();
      if (state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING) {
        boolean inClaimed = false;
        boolean claiming = false;
        for (StackTraceElement frame : claimer.getStackTrace()) {
          inClaimed |= frame.getMethodName().equals("claimed");
          claiming |= frame.getMethodName().equals("claimOrphans");
        }
        if (inClaimed || !claiming) {
          return;
        }
      }
      java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
    }
    throw new AssertionError("the heartbeat never reported its claim: " + claimer.getState());
  }

  @Test
  void theEmbeddedStoresDurabilityIsRefusedOnPostgresql() {
    dev.faultline.core.ConfigurationException e = org.junit.jupiter.api.Assertions.assertThrows(
        dev.faultline.core.ConfigurationException.class, () -> builder()
            .durability(dev.faultline.state.journal.Durability.ASYNC).register("w", (ctx, in) -> in).open());
    assertTrue(e.getMessage().contains("synchronous_commit"), e.getMessage());
  }

  @Test
  void aNodeDrainsABacklogHandedToItAtItsOwnPaceNotOneTurnPerHeartbeat() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch firstIn = new CountDownLatch(1);
    Set<String> ranOnB = ConcurrentHashMap.newKeySet();
    List<Long> beatsWhenRun = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch fourOnB = new CountDownLatch(4);
    Workflow<String, String> onA = (ctx, in) -> ctx.step("s", () -> {
      if (in.equals("1")) {
        firstIn.countDown();
        release.await(30, TimeUnit.SECONDS);
      }
      return "a";
    });
    WorkflowExecutor a = builder().queue("q", 1, 0).register("w", onA).open();
    PostgresWorkflowStore storeB = PostgresWorkflowStore.builder(TestDatabase.dataSource()).schema(schema)
        .nodeId("node-" + NODES.incrementAndGet()).leaseTime(Duration.ofSeconds(5))
        .heartbeatInterval(Duration.ofSeconds(1)).build();
    Workflow<String, String> onB = (ctx, in) -> ctx.step("s", () -> {
      beatsWhenRun.add(storeB.heartbeats());
      ranOnB.add(in);
      fourOnB.countDown();
      return "b";
    });
    try (a; WorkflowExecutor b = WorkflowExecutor.builder(storeB).clock(clock).scheduler(clock).threads(4)
        .queue("q", 1, 0).register("w", onB).open()) {
      List<WorkflowHandle<String>> handles = new ArrayList<>();
      for (int i = 1; i <= 6; i++) {
        handles.add(a.start("q", "w", "w" + i, String.valueOf(i)));
      }
      assertTrue(firstIn.await(30, TimeUnit.SECONDS));
      // Node a runs one at a time and keeps its next turn; once it sees node b alive it hands 3..6 over.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!fourOnB.await(20, TimeUnit.MILLISECONDS)) {
        assertTrue(System.nanoTime() - deadline < 0, "node b must run what node a handed over: " + ranOnB);
        clock.advance(Duration.ofSeconds(1));
      }
      assertEquals(Set.of("3", "4", "5", "6"), ranOnB);
      assertEquals("b", await(b.handle("w6")));
      // Node b's heartbeat (every second) claims the first, as many as its queue has room for (one); each one
      // finishing claims the next at once, so the four run within one or two of its heartbeats, not four.
      long beats = beatsWhenRun.get(beatsWhenRun.size() - 1) - beatsWhenRun.get(0);
      assertTrue(beats <= 1, "heartbeats of node b while it drained the backlog: " + beatsWhenRun);
      release.countDown();
      for (WorkflowHandle<String> handle : handles) {
        await(handle);
      }
    }
  }

  @Test
  void aQueuesLimitsAcrossNodesHoldOnAllNodesTogether() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch twoIn = new CountDownLatch(2);
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    Function<String, Workflow<String, String>> on = node -> (ctx, in) -> ctx.step("s", () -> {
      most.accumulateAndGet(inside.incrementAndGet(), Math::max);
      try {
        twoIn.countDown();
        release.await(30, TimeUnit.SECONDS);
      } finally {
        inside.decrementAndGet();
      }
      return node;
    });
    AtomicInteger handed = new AtomicInteger();
    ExecutorService threads = Executors.newFixedThreadPool(8);
    try (WorkflowExecutor a = builder().executor(counting(threads, handed)).queue("q", 4, 0)
            .globalQueueLimits("q", 2, 0).register("w", on.apply("a")).open();
        WorkflowExecutor b = builder().executor(counting(threads, handed)).queue("q", 4, 0)
            .globalQueueLimits("q", 2, 0).register("w", on.apply("b")).open()) {
      List<WorkflowHandle<String>> handles = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        handles.add(a.start("q", "w", "a" + i, "x"));
        handles.add(b.start("q", "w", "b" + i, "x"));
      }
      assertEquals(2, handed.get(), "two at once on both nodes together, though each node's own limit is 4");
      assertTrue(twoIn.await(30, TimeUnit.SECONDS));
      release.countDown();
      for (WorkflowHandle<String> handle : handles) {
        awaitAdvancing(handle); // room freed on the other node is seen at the next admission pass
      }
      assertEquals(2, most.get(), "never more than two at once");
      assertEquals(12, handed.get());
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void aWorkflowAdmittedAcrossNodesKeepsItsPlaceWhenItsNodeGoesAway() throws Exception {
    CountDownLatch held = new CountDownLatch(1);
    List<String> ran = Collections.synchronizedList(new ArrayList<>());
    Workflow<String, String> blocking = (ctx, in) -> ctx.step("s", () -> {
      ran.add("a:" + ctx.workflowId());
      held.countDown();
      new CountDownLatch(1).await(); // until node a closes
      return "a";
    });
    Workflow<String, String> quick = (ctx, in) -> ctx.step("s", () -> {
      ran.add("b:" + ctx.workflowId());
      return "b";
    });
    WorkflowExecutor a = builder().queue("q", 1, 0).globalQueueLimits("q", 1, 0).register("w", blocking).open();
    try (WorkflowExecutor b = builder().queue("q", 1, 0).globalQueueLimits("q", 1, 0).register("w", quick).open()) {
      a.start("q", "w", "first", "x");
      assertTrue(held.await(30, TimeUnit.SECONDS));
      WorkflowHandle<String> second = b.start("q", "w", "second", "x");
      assertEquals(WorkflowStatus.PENDING, second.status());
      a.close(); // hands "first" back to the database, still admitted: it holds the only place
      // Node b claims it though its own queue has "second" waiting (for room across nodes, not on b), runs it
      // without a new admission, and only then admits "second".
      assertEquals("b", awaitAdvancing(second));
      assertEquals("b", await(b.handle("first")));
      assertEquals(List.of("a:first", "b:first", "b:second"), ran);
    } finally {
      a.close();
    }
  }

  @Test
  void aRateAcrossNodesSpacesTheAdmissionsOfAllNodesByTheDatabasesClock() throws Exception {
    try (WorkflowExecutor a = builder().globalQueueLimits("r", 10, 5).register("w", (ctx, in) -> in).open();
        WorkflowExecutor b = builder().globalQueueLimits("r", 10, 5).register("w", (ctx, in) -> in).open()) {
      List<WorkflowHandle<String>> handles = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        handles.add(a.start("r", "w", "a" + i, "x"));
        handles.add(b.start("r", "w", "b" + i, "x"));
      }
      for (WorkflowHandle<String> handle : handles) {
        assertEquals("x", awaitAdvancing(handle));
      }
    }
    List<java.sql.Timestamp> admitted = new ArrayList<>();
    try (java.sql.Connection c = TestDatabase.dataSource().getConnection();
        java.sql.Statement st = c.createStatement();
        java.sql.ResultSet rs = st.executeQuery("SELECT admitted_at FROM " + schema + ".workflows WHERE queue = 'r'"
            + " ORDER BY admitted_at")) {
      while (rs.next()) {
        admitted.add(rs.getTimestamp(1));
      }
    }
    assertEquals(6, admitted.size());
    for (int i = 1; i < admitted.size(); i++) {
      long apartMicros = java.time.Duration.between(admitted.get(i - 1).toInstant(), admitted.get(i).toInstant())
          .toNanos() / 1000;
      assertTrue(apartMicros >= 200_000, "five per second across both nodes: admissions " + admitted);
    }
  }

  @org.junit.jupiter.api.Test
  void aFinishedWorkflowsHandleLeavesTheNodesMemoryAMinuteAfterItFinished() throws Exception {
    try (WorkflowExecutor executor = builder().register("w", (ctx, in) -> "done").open()) {
      WorkflowHandle<String> handle = executor.start("w", "kept", null);
      assertEquals("done", await(handle));
      assertSame(handle, executor.handle("kept"), "held while recent");
      clock.advance(Duration.ofSeconds(61));
      WorkflowHandle<String> rebuilt = executor.handle("kept");
      assertNotSame(handle, rebuilt, "dropped from memory, rebuilt from the database");
      assertEquals(WorkflowStatus.SUCCEEDED, rebuilt.status());
      assertEquals("done", await(rebuilt));
    }
  }

  /**
   * A step that fails with a message holding a NUL character (hostile input echoed by an exception): PostgreSQL text
   * refuses NUL, so the failure could not be recorded (store-failed, the workflow stuck unfinished on its live node
   * until a restart, which ran the step again and failed the same way) and, batched with other workflows' writes, it
   * failed their statement too. The character is recorded as U+FFFD; the failure is recorded and compensated.
   */
  @Test
  void aStepFailureWhoseMessageHoldsANulCharacterIsRecorded() throws Exception {
    try (WorkflowExecutor executor = builder().register("w", (Workflow<String, String>) (ctx, in) ->
        ctx.step("parse", () -> {
          throw new IllegalArgumentException("cannot parse " + in);
        })).open()) {
      WorkflowHandle<String> handle = executor.start("w", "nul", "a\u0000b");
      java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
          () -> handle.result().get(30, TimeUnit.SECONDS));
      assertEquals("workflow-failed", ((WorkflowException) e.getCause()).code(), String.valueOf(e.getCause()));
      assertEquals(WorkflowStatus.FAILED, handle.status());
    }
    try (Connection c = TestDatabase.dataSource().getConnection();
        PreparedStatement p = c.prepareStatement("SELECT w.status, t.error FROM " + schema + ".workflows w JOIN "
            + schema + ".workflow_steps t ON t.workflow_id = w.workflow_id WHERE w.workflow_id = 'nul'");
        ResultSet rs = p.executeQuery()) {
      assertTrue(rs.next(), "the step's failure was not recorded");
      assertEquals("FAILED", rs.getString(1));
      assertEquals("java.lang.IllegalArgumentException: cannot parse a\ufffdb", rs.getString(2));
    }
  }

  /**
   * A workflow id PostgreSQL cannot hold (a NUL character; more bytes than a B-tree index entry takes) is refused
   * before anything is written, naming the rule. Before, its INSERT failed: the caller got store-failed, the id was
   * kept among the starts whose answer was lost and looked for at every heartbeat for the lost-start window, and,
   * batched with other starts, it failed their statement too.
   */
  @Test
  void aWorkflowIdPostgresqlCannotHoldIsRefusedAndChangesNothing() throws Exception {
    String schema = TestDatabase.freshSchema("badid");
    PostgresWorkflowStore store = PostgresWorkflowStore.builder(TestDatabase.dataSource()).schema(schema)
        .nodeId("node-" + NODES.incrementAndGet()).leaseTime(Duration.ofSeconds(5))
        .heartbeatInterval(Duration.ofMillis(200)).build();
    int limit = 2048; // bytes of UTF-8
    java.util.Random random = new java.util.Random(7);
    StringBuilder tooLong = new StringBuilder();
    while (tooLong.length() < limit + 1000) {
      tooLong.append((char) ('a' + random.nextInt(26)));
    }
    String longest = tooLong.substring(0, limit);
    try (WorkflowExecutor a = WorkflowExecutor.builder(store).clock(clock).scheduler(clock).storeTasks(Runnable::run)
        .threads(2).register("w", (Workflow<String, String>) (ctx, in) -> ctx.step("s", () -> in)).open()) {
      for (String id : List.of("a\u0000b", tooLong.toString(), longest.substring(1) + "\u00e9")) {
        dev.faultline.core.ConfigurationException e = assertThrows(dev.faultline.core.ConfigurationException.class,
            () -> a.start("w", id, "in"), id.length() + " characters");
        assertEquals("workflowId", e.field(), e.getMessage());
      }
      assertEquals(Set.of(), store.unsureStarts(), "a refused id is not looked for as a lost start");
      assertEquals("in", a.call("w", longest, "in"), "an id at the limit is started");
    }
    try (Connection c = TestDatabase.dataSource().getConnection();
        PreparedStatement p = c.prepareStatement("SELECT count(*) FROM " + schema + ".workflows");
        ResultSet rs = p.executeQuery()) {
      assertTrue(rs.next());
      assertEquals(1, rs.getLong(1));
    }
  }

  /**
   * A heartbeat's claim whose UPDATE took the workflow while reading its steps then failed (the connection broke
   * between the two statements). The UPDATE had committed on its own: the workflow was this live node's, at a new
   * epoch, with no view owning it, so the executor never heard of it, no other node claimed it (its owner is alive)
   * and no later heartbeat of this node did either (they claim other nodes' and unowned ones): it waited for this
   * node's restart. Now the claim and the read are one transaction, and the failed read takes the claim back.
   */
  @Test
  void aClaimWhoseStepsCouldNotBeReadLeavesTheWorkflowClaimable() throws Exception {
    String schema = TestDatabase.freshSchema("claimread");
    // A workflow of a node that is gone (it never heart-beat: it has no lease).
    PostgresWorkflowStore gone = PostgresWorkflowStore.builder(TestDatabase.dataSource()).schema(schema)
        .nodeId("gone").leaseTime(Duration.ofSeconds(5)).heartbeatInterval(Duration.ofMillis(200)).build();
    assertTrue(gone.create("orphan", "w", WorkflowExecutor.DEFAULT_QUEUE, null) != null);
    gone.close();
    AtomicBoolean failStepsRead = new AtomicBoolean(true);
    String stepsOf = "SELECT workflow_id, step_index, name, sleep, result, error, wake_millis, compensated FROM "
        + schema + ".workflow_steps WHERE workflow_id = ANY";
    DataSource flaky = onConnections(TestDatabase.dataSource(), (method, args, proceed) -> {
      if (method.getName().equals("prepareStatement") && ((String) args[0]).startsWith(stepsOf)
          && failStepsRead.getAndSet(false)) {
        throw new SQLException("I/O error: the connection broke before the steps were read", "08006");
      }
      return proceed.call();
    });
    Beats beats = new Beats();
    PostgresWorkflowStore store = PostgresWorkflowStore.builder(flaky).schema(schema)
        .nodeId("node-" + NODES.incrementAndGet()).leaseTime(Duration.ofSeconds(5))
        .heartbeatInterval(Duration.ofMillis(200)).clock(beats).build();
    AtomicInteger executions = new AtomicInteger();
    try (WorkflowExecutor b = WorkflowExecutor.builder(store).clock(clock).scheduler(clock).storeTasks(Runnable::run)
        .threads(2).register("w", (Workflow<String, String>) (ctx, in) -> ctx.step("s",
            () -> "ran" + executions.incrementAndGet())).open()) {
      beats.beat(); // the first pass claimed it and failed to read its steps; this one claims it again, or nothing
      assertTrue(!failStepsRead.get(), "the steps read failed");
      assertEquals("ran1", awaitAdvancing(b.handle("orphan")));
      assertEquals(1, executions.get());
    }
  }
}
