package dev.faultline.state.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.state.workflow.WorkflowExecutor;
import dev.faultline.state.workflow.WorkflowHandle;
import dev.faultline.state.workflow.WorkflowStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What a PostgreSQL node keeps, in the database and in memory: retention deletes the workflows finished longer ago
 * than it (by the database's clock, with their steps, in bounded batches), nothing unfinished and nothing recent;
 * a node keeps views of unfinished workflows only. Ages are set in the database, so nothing waits for time to pass.
 */
class PostgresRetentionTest {
  private final String schema = TestDatabase.freshSchema("retention");

  private PostgresWorkflowStore store(Duration retain) {
    return PostgresWorkflowStore.builder(TestDatabase.dataSource()).schema(schema).nodeId("node-r")
        .retainFinished(retain).build();
  }

  @Test
  void aSweepDeletesOnlyWorkflowsFinishedLongerAgoThanTheRetentionWithTheirSteps() throws Exception {
    PostgresWorkflowStore store = store(Duration.ofHours(1));
    insert("old-ok", "SUCCEEDED", "2 hours");
    insert("old-failed", "FAILED", "2 hours");
    insert("old-cancelled", "CANCELLED", "3 hours");
    insert("recent-ok", "SUCCEEDED", "10 minutes");
    insert("old-pending", "PENDING", "5 hours");
    insert("old-compensating", "COMPENSATING", "5 hours");
    for (String id : List.of("old-ok", "recent-ok", "old-pending")) {
      execute("INSERT INTO " + schema + ".workflow_steps (workflow_id, step_index, name, sleep, epoch) VALUES ('"
          + id + "', 0, 's', false, 1)");
    }

    assertEquals(3, store.sweep());
    assertEquals(List.of("old-compensating", "old-pending", "recent-ok"),
        ids("SELECT workflow_id FROM " + schema + ".workflows ORDER BY workflow_id"));
    assertEquals(List.of("old-pending", "recent-ok"),
        ids("SELECT workflow_id FROM " + schema + ".workflow_steps ORDER BY workflow_id"));
    assertEquals(0, store.sweep(), "nothing left to delete");
    store.close();
  }

  @Test
  void aBacklogIsDeletedInBoundedStatementsOverSeveralSweeps() throws Exception {
    PostgresWorkflowStore store = store(Duration.ofMinutes(5));
    int backlog = 10 * PostgresWorkflowStore.SWEEP_BATCH + 500;
    execute("INSERT INTO " + schema + ".workflows (workflow_id, name, queue, status, epoch, updated_at)"
        + " SELECT 'wf-' || g, 'flow', 'default', 'SUCCEEDED', 1, now() - interval '1 hour'"
        + " FROM generate_series(1, " + backlog + ") g");
    assertEquals(10 * PostgresWorkflowStore.SWEEP_BATCH, store.sweep(), "at most ten statements per sweep");
    assertEquals(500, store.sweep());
    assertEquals(List.of(), ids("SELECT workflow_id FROM " + schema + ".workflows"));
    store.close();
  }

  @Test
  void aDeletedIdStartsANewWorkflow() throws Exception {
    PostgresWorkflowStore store = store(Duration.ofHours(1));
    insert("again", "SUCCEEDED", "2 hours");
    assertEquals(1, store.sweep());
    assertNotNull(store.create("again", "flow", "default", null), "the id is free again");
    store.close();
  }

  @Test
  void aNodeKeepsViewsOfUnfinishedWorkflowsOnly() throws Exception {
    PostgresWorkflowStore store = store(Duration.ZERO);
    CountDownLatch release = new CountDownLatch(1);
    try (WorkflowExecutor executor = WorkflowExecutor.builder(store)
        .register("quick", (ctx, in) -> ctx.step("one", () -> "1") + ctx.step("two", () -> "2"))
        .register("held", (ctx, in) -> ctx.step("wait", () -> release.await(10, TimeUnit.SECONDS)))
        .open()) {
      for (int i = 0; i < 20; i++) {
        assertEquals("12", executor.call("quick", "quick-" + i, null));
      }
      assertEquals(0, store.keptViews(), "finished workflows are not kept");
      WorkflowHandle<Boolean> held = executor.start("held", "held-1", null);
      assertEquals(1, store.keptViews(), "a running workflow is");
      release.countDown();
      assertTrue(held.result().get(10, TimeUnit.SECONDS));
      assertEquals(0, store.keptViews());
      assertEquals(WorkflowStatus.SUCCEEDED, store.find("quick-3").status(), "a finished one is read again");
      assertEquals(0, store.keptViews(), "and not kept after");
    }
  }

  private void insert(String id, String status, String age) throws SQLException {
    execute("INSERT INTO " + schema + ".workflows (workflow_id, name, queue, status, epoch, updated_at) VALUES ('"
        + id + "', 'flow', 'default', '" + status + "', 1, now() - interval '" + age + "')");
  }

  private static List<String> ids(String sql) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection c = TestDatabase.dataSource().getConnection();
        PreparedStatement p = c.prepareStatement(sql);
        ResultSet rs = p.executeQuery()) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  private static void execute(String sql) throws SQLException {
    try (Connection c = TestDatabase.dataSource().getConnection();
        PreparedStatement p = c.prepareStatement(sql)) {
      p.executeUpdate();
    }
  }
}
