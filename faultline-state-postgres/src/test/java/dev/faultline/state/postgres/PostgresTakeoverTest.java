package dev.faultline.state.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two executor nodes sharing one PostgreSQL database, each a child JVM ({@link PgWorkflowChild}): a standby node B,
 * and a node that starts six workflows and is then killed with SIGKILL (A), or stopped with SIGSTOP and continued
 * with SIGCONT once B took its work over (C). B must take the work over within the lease time plus 2 s of the
 * signal; no step may be recorded twice; the paused node's late writes must be refused by the epoch (it reports
 * {@code workflow-fenced}); every workflow completes, and every effect is applied exactly once.
 *
 * <p>Each step waits 60 ms inside PostgreSQL ({@code pg_sleep}), so that signals land while steps are in flight.
 * The takeover bound is the one assertion on elapsed time, demanded by the takeover contract; the figures are printed.
 */
class PostgresTakeoverTest {
  private static final long LEASE_MILLIS = 2000;
  private static final int WORKFLOWS = 6;

  private final DataSource db = TestDatabase.dataSource();
  private final String schema = TestDatabase.freshSchema("takeover");

  private List<String> node(String id, String start, boolean standby) {
    return List.of("url=" + TestDatabase.jdbcUrl(), "schema=" + schema, "node=" + id, "lease=" + LEASE_MILLIS,
        "beat=250", "threads=4", "pause=60", "start=" + start, "standby=" + standby);
  }

  private static String ids(String prefix) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < WORKFLOWS; i++) {
      ids.add(prefix + i);
    }
    return String.join(",", ids);
  }

  @Test
  void aStandbyTakesOverFromAKilledAndAPausedNodeAndThePausedNodeIsFenced(@TempDir Path tmp) throws Exception {
    SchemaMigrator.migrate(db, schema);
    PgWorkflowChild.createTables(db, schema);
    try (ChildProcess b = ChildProcess.start(tmp.resolve("b.err"), node("b", "", true))) {
      assertNotNull(b.await("OPEN"::equals, 120), b::stderr);

      // A: killed with SIGKILL in the middle of its workflows.
      long[] killed;
      try (ChildProcess a = ChildProcess.start(tmp.resolve("a.err"), node("a", ids("k-"), false))) {
        awaitExecutions(a, 8);
        long t0 = ChildProcess.now();
        a.kill();
        killed = awaitTakeover(b, "a", t0);
      }

      // C: stopped with SIGSTOP, continued with SIGCONT after B took its work over.
      long[] paused;
      List<String> fenced = new ArrayList<>();
      try (ChildProcess c = ChildProcess.start(tmp.resolve("c.err"), node("c", ids("p-"), false))) {
        awaitExecutions(c, 8);
        long t1 = ChildProcess.now();
        c.signal("STOP");
        paused = awaitTakeover(b, "c", t1);
        c.signal("CONT");
        assertNotNull(c.await("EXIT"::equals, 120), c::stderr);
        assertEquals(0, c.awaitExit(60), c::stderr);
        for (ChildProcess.Line line : c.lines()) {
          if (line.text().startsWith("FENCED ")) {
            fenced.add(line.text());
          }
        }
      }
      assertEquals(paused[2], fenced.size(), "every workflow the paused node had taken from it ends there fenced: "
          + fenced);
      // Each is stopped by the fencing: a write refused by the epoch in the database, or, since a heartbeat after a
      // lapse reads which workflows are still its own, a step or write the node refuses itself having learnt it lost
      // them (which of the two depends on whether a worker or the heartbeat runs first after SIGCONT; the epoch check
      // of the statements themselves is WriteBatcherTest's, deterministically).
      assertTrue(fenced.stream().allMatch(f -> f.contains("was taken over") || f.contains("does not own")),
          "every fenced workflow names why: " + fenced);

      awaitAllSucceeded(b);
      b.closeInput();
      assertNotNull(b.await("EXIT"::equals, 60), b::stderr);
      assertEquals(0, b.awaitExit(60), b::stderr);

      int twice = checkRecords();
      System.out.printf("postgres takeover: lease %d ms; after SIGKILL %d workflow(s) taken over in %d..%d ms;"
          + " after SIGSTOP %d in %d..%d ms; %d fenced on the paused node (%d by a refused write); %d steps"
          + " executed twice (effects once)%n", LEASE_MILLIS, killed[2], killed[0], killed[1], paused[2], paused[0],
          paused[1], fenced.size(), fenced.stream().filter(f -> f.contains("was refused")).count(), twice);
    }
  }

  private static void awaitExecutions(ChildProcess child, int n) throws InterruptedException {
    for (int i = 0; i < n; i++) {
      assertNotNull(child.await(line -> line.startsWith("EXEC "), 120), child::stderr);
    }
  }

  /**
   * Waits until B reports taking over every unfinished workflow of {@code from}; returns the first and last takeover
   * delay after {@code signalled} in milliseconds, and how many were taken.
   */
  private long[] awaitTakeover(ChildProcess b, String from, long signalled) throws Exception {
    Set<String> left = new TreeSet<>();
    query("SELECT workflow_id FROM " + schema + ".workflows WHERE owner = '" + from + "' AND status IN ('PENDING',"
        + " 'COMPENSATING')", rs -> left.add(rs.getString(1)));
    assertTrue(!left.isEmpty(), "node " + from + " had unfinished workflows when it was signalled");
    int taken = left.size();
    long first = -1;
    long last = -1;
    while (!left.isEmpty()) {
      ChildProcess.Line line = b.await(l -> l.startsWith("TAKEN ") && l.endsWith(" from " + from), 60);
      assertNotNull(line, b::stderr);
      assertTrue(left.remove(line.text().split(" ")[1]), line.text());
      long ms = TimeUnit.NANOSECONDS.toMillis(line.nanos() - signalled);
      first = first < 0 ? ms : first;
      last = ms;
    }
    assertTrue(last <= LEASE_MILLIS + 2000, "takeover took " + last + " ms, more than the lease (" + LEASE_MILLIS
        + " ms) + 2 s");
    return new long[] {first, last, taken};
  }

  private void awaitAllSucceeded(ChildProcess b) throws Exception {
    Set<String> unfinished = new TreeSet<>();
    query("SELECT workflow_id FROM " + schema + ".workflows WHERE status <> 'SUCCEEDED'",
        rs -> unfinished.add(rs.getString(1)));
    while (!unfinished.isEmpty()) {
      ChildProcess.Line line = b.await(l -> l.startsWith("DONE "), 120);
      assertNotNull(line, b::stderr);
      unfinished.remove(line.text().substring(5));
    }
  }

  /** Checks the records and effects; returns how many step keys executed more than once. */
  private int checkRecords() throws SQLException {
    Map<String, String> status = new TreeMap<>();
    query("SELECT workflow_id, status FROM " + schema + ".workflows", rs -> status.put(rs.getString(1),
        rs.getString(2)));
    assertEquals(2 * WORKFLOWS, status.size());
    assertTrue(status.values().stream().allMatch("SUCCEEDED"::equals), status.toString());
    int[] steps = {0};
    int[] distinct = {0};
    query("SELECT count(*), count(DISTINCT (workflow_id, step_index)) FROM " + schema + ".workflow_steps", rs -> {
      steps[0] = rs.getInt(1);
      distinct[0] = rs.getInt(2);
    });
    assertEquals(2 * WORKFLOWS * (PgWorkflowChild.STEPS + 1), steps[0], "steps and timers, each recorded once");
    assertEquals(steps[0], distinct[0], "no step recorded twice");
    Map<String, List<Long>> epochs = new TreeMap<>();
    query("SELECT workflow_id, epoch FROM " + schema + ".workflow_steps ORDER BY workflow_id, step_index",
        rs -> epochs.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getLong(2)));
    for (Map.Entry<String, List<Long>> e : epochs.entrySet()) {
      List<Long> list = e.getValue();
      for (int i = 1; i < list.size(); i++) {
        assertTrue(list.get(i - 1) <= list.get(i), e.getKey() + ": a step of an older epoch was recorded after one"
            + " of a newer epoch (a late write got through): " + list);
      }
    }
    Map<String, Integer> totals = new TreeMap<>();
    query("SELECT workflow, amount FROM " + schema + ".test_totals", rs -> totals.put(rs.getString(1), rs.getInt(2)));
    for (String id : status.keySet()) {
      assertEquals(PgWorkflowChild.chainTotal(), totals.get(id), id + ": every effect applied exactly once");
    }
    int[] effects = {0};
    query("SELECT count(*) FROM " + schema + ".test_effects", rs -> effects[0] = rs.getInt(1));
    assertEquals(2 * WORKFLOWS * PgWorkflowChild.STEPS, effects[0]);
    int[] twice = {0};
    query("SELECT count(*) FROM (SELECT key FROM " + schema + ".test_executions GROUP BY key HAVING count(*) > 1) x",
        rs -> twice[0] = rs.getInt(1));
    return twice[0];
  }

  @FunctionalInterface
  private interface RowHandler {
    void row(ResultSet rs) throws SQLException;
  }

  private void query(String sql, RowHandler handler) throws SQLException {
    try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(sql);
        ResultSet rs = p.executeQuery()) {
      while (rs.next()) {
        handler.row(rs);
      }
    }
  }
}
