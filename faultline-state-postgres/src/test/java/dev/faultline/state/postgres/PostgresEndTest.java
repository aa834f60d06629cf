package dev.faultline.state.postgres;

import static dev.faultline.state.postgres.JdbcProxies.onConnections;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.ConfigurationException;
import dev.faultline.state.workflow.Workflow;
import dev.faultline.state.workflow.WorkflowException;
import dev.faultline.state.workflow.WorkflowExecutor;
import dev.faultline.state.workflow.WorkflowInfo;
import dev.faultline.state.workflow.WorkflowStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A successful end reaches the database after the workflow's result completes, riding in the next write's statement
 * (see {@link PostgresWorkflowStore}, "Ends"): the node answers for it meanwhile, a failed write of it is made again,
 * one refused because another node took the workflow over is left to that node, and one that never landed (the node
 * died) is computed again from the recorded steps without running a step again. The end write delay here is 20 s, so
 * that only a write of the test's (or the store's close) writes an end: nothing depends on timing.
 */
class PostgresEndTest {
  private static final Duration DELAY = Duration.ofSeconds(20);

  private final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
  private String schema;

  @BeforeEach
  void setUp() {
    schema = TestDatabase.freshSchema("ends");
  }

  private PostgresWorkflowStore store(DataSource ds, String node, Duration delay) {
    return PostgresWorkflowStore.builder(ds).schema(schema).nodeId(node).leaseTime(Duration.ofSeconds(60))
        .heartbeatInterval(Duration.ofSeconds(20)).endWriteDelay(delay).build();
  }

  /** Three steps, each counting its runs; "caught" makes its second step fail once, and catches the failure. */
  private WorkflowExecutor executor(PostgresWorkflowStore store) {
    Workflow<String, String> flow = (ctx, in) -> {
      String a = ctx.step("a", () -> count(ctx.workflowId() + "/a", "A"));
      String b;
      try {
        b = ctx.step("b", () -> {
          if (in.equals("caught")) {
            throw new IllegalStateException("refused");
          }
          return count(ctx.workflowId() + "/b", "B");
        });
      } catch (WorkflowException e) {
        b = "(b failed)";
      }
      return a + b + ctx.step("c", () -> count(ctx.workflowId() + "/c", "C")) + ":" + in;
    };
    return WorkflowExecutor.builder(store).register("w", flow).open();
  }

  private String count(String step, String out) {
    runs.computeIfAbsent(step, k -> new AtomicInteger()).incrementAndGet();
    return out;
  }

  @Test
  void aSuccessfulEndRidesInTheNextWriteAndTheNodeAnswersForItMeanwhile() throws Exception {
    try (WorkflowExecutor executor = executor(store(TestDatabase.dataSource(), "n1", DELAY))) {
      assertEquals("ABC:in", executor.call("w", "first", "in"));
      assertEquals("PENDING", column("first", "status"), "the end waits for a write to carry it");
      assertEquals(3L, steps("first"), "every step is recorded before the result completes");
      assertEquals(WorkflowStatus.SUCCEEDED, executor.handle("first").status());
      assertFalse(executor.handle("first").cancel(), "this node answers for the workflow as finished");
      assertFalse(executor.handle("first").resume());

      executor.start("w", "second", "x");
      assertEquals("SUCCEEDED", column("first", "status"), "the next start carried the end");
      assertEquals("ABC:x", executor.handle("second").result().get());

      // list answers for the ends the database does not have yet, "second"'s here.
      assertEquals("PENDING", column("second", "status"));
      assertEquals(List.of("first", "second"), ids(executor.list(WorkflowStatus.SUCCEEDED)));
      assertEquals(List.of("first", "second"), ids(executor.list(null)));
      assertEquals(List.of(), ids(executor.list(WorkflowStatus.PENDING)));
      assertEquals(3, executor.list(null).get(1).steps().size());
      assertEquals("PENDING", column("second", "status"));

      // A success after a step failure is written before its result completes: computed again, it could differ.
      assertEquals("A(b failed)C:caught", executor.call("w", "third", "caught"));
      assertEquals("SUCCEEDED", column("third", "status"));
      assertEquals("SUCCEEDED", column("second", "status"), "the start of the third carried the second's end");
    }
  }

  @Test
  void anEndThatNeverLandedIsComputedAgainAfterARestartWithoutRunningAStepAgain() throws Exception {
    AtomicBoolean down = new AtomicBoolean();
    DataSource dying = onConnections(TestDatabase.dataSource(), (method, args, proceed) -> {
      if (down.get()) {
        throw new SQLException("I/O error: the node's connection is gone", "08006");
      }
      return proceed.call();
    });
    PostgresWorkflowStore first = store(dying, "n1", DELAY);
    WorkflowExecutor executor = executor(first);
    assertEquals("ABC:in", executor.call("w", "x", "in"));
    down.set(true); // the node dies: neither its end nor its release reaches the database
    executor.close();
    assertEquals("PENDING", column("x", "status"));
    assertEquals("n1", column("x", "owner"));

    try (WorkflowExecutor again = executor(store(TestDatabase.dataSource(), "n1", DELAY))) {
      assertEquals("ABC:in", again.handle("x").result().get());
      assertEquals(WorkflowStatus.SUCCEEDED, again.handle("x").status());
    }
    assertEquals("SUCCEEDED", column("x", "status"), "the restarted node's close wrote its end");
    for (String step : List.of("x/a", "x/b", "x/c")) {
      assertEquals(1, runs.get(step).get(), step + " ran again");
    }
  }

  @Test
  void aFailedWriteOfAnEndIsMadeAgain() throws Exception {
    AtomicBoolean breakNextRide = new AtomicBoolean();
    DataSource flaky = onConnections(TestDatabase.dataSource(), (method, args, proceed) -> {
      if (method.getName().equals("prepareStatement") && ((String) args[0]).startsWith("WITH f AS (UPDATE")
          && breakNextRide.getAndSet(false)) {
        throw new SQLException("I/O error: the connection broke", "08006");
      }
      return proceed.call();
    });
    try (WorkflowExecutor executor = executor(store(flaky, "n1", DELAY))) {
      assertEquals("ABC:in", executor.call("w", "x", "in"));
      breakNextRide.set(true);
      WorkflowException broken = assertThrows(WorkflowException.class, () -> executor.start("w", "y", "in"));
      assertEquals("store-failed", broken.code(), "the start the end rode in broke with the connection");
      assertEquals("PENDING", column("x", "status"));

      executor.start("w", "z", "in");
      assertEquals("SUCCEEDED", column("x", "status"), "the end rode again in the next start");
      assertEquals(WorkflowStatus.SUCCEEDED, executor.handle("x").status());
    }
  }

  @Test
  void anEndRefusedBecauseAnotherNodeTookTheWorkflowOverIsLeftToThatNode() throws Exception {
    PostgresWorkflowStore store = store(TestDatabase.dataSource(), "n1", DELAY);
    try (WorkflowExecutor executor = executor(store)) {
      assertEquals("ABC:in", executor.call("w", "x", "in"));
      execute("UPDATE " + schema + ".workflows SET owner = 'n2', epoch = epoch + 1 WHERE workflow_id = 'x'");

      executor.start("w", "y", "in"); // carries the end: refused
      assertEquals("PENDING", column("x", "status"));
      assertEquals("n2", column("x", "owner"));
      assertEquals(WorkflowStatus.PENDING, store.find("x").status(), "node n1 no longer answers for it");
    }
  }

  @Test
  void anEndNoWriteCarriesIsWrittenByTheNodeWithinTheDelay() throws Exception {
    try (WorkflowExecutor executor = executor(store(TestDatabase.dataSource(), "n1", Duration.ofMillis(50)))) {
      assertEquals("ABC:in", executor.call("w", "x", "in"));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!"SUCCEEDED".equals(column("x", "status"))) {
        assertTrue(System.nanoTime() - deadline < 0, "the end was never written");
        Thread.onSpinWait();
      }
    }
  }

  @Test
  void withNoEndWriteDelayEveryEndIsWrittenBeforeTheResultCompletes() throws Exception {
    try (WorkflowExecutor executor = executor(store(TestDatabase.dataSource(), "n1", Duration.ZERO))) {
      assertEquals("ABC:in", executor.call("w", "x", "in"));
      assertEquals("SUCCEEDED", column("x", "status"));
    }
  }

  @Test
  void theEndWriteDelayIsValidated() {
    ConfigurationException negative = assertThrows(ConfigurationException.class,
        () -> store(TestDatabase.dataSource(), "n1", Duration.ofMillis(-1)));
    assertEquals("endWriteDelay", negative.field());
    ConfigurationException tooLong = assertThrows(ConfigurationException.class,
        () -> store(TestDatabase.dataSource(), "n1", Duration.ofSeconds(21)));
    assertEquals("endWriteDelay", tooLong.field());
  }

  private static List<String> ids(List<WorkflowInfo> infos) {
    return infos.stream().map(WorkflowInfo::workflowId).toList();
  }

  private String column(String id, String column) throws SQLException {
    try (Connection c = TestDatabase.dataSource().getConnection();
        PreparedStatement p = c.prepareStatement("SELECT " + column + " FROM " + schema
            + ".workflows WHERE workflow_id = ?")) {
      p.setString(1, id);
      try (ResultSet rs = p.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  private long steps(String id) throws SQLException {
    try (Connection c = TestDatabase.dataSource().getConnection();
        PreparedStatement p = c.prepareStatement("SELECT count(*) FROM " + schema
            + ".workflow_steps WHERE workflow_id = ?")) {
      p.setString(1, id);
      try (ResultSet rs = p.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private void execute(String sql) throws SQLException {
    try (Connection c = TestDatabase.dataSource().getConnection();
        PreparedStatement p = c.prepareStatement(sql)) {
      p.executeUpdate();
    }
  }
}
