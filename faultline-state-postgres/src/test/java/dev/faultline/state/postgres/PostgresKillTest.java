package dev.faultline.state.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.state.workflow.WorkflowCodec;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of executor processes on PostgreSQL: each iteration starts a child JVM ({@link PgWorkflowChild}, always
 * the same node id, so it resumes at once what its killed predecessor left) that starts a batch of chain workflows
 * (on a queue that admits at most two at once across nodes, with four threads) and a saga, and the test kills it
 * with SIGKILL after a seeded random number of step executions (sometimes during start-up or recovery, sometimes
 * not at all). After every kill it reads the database and checks that no step or compensation recorded as done
 * before executed again, that every recorded one executed, and that at most two chains are admitted and
 * unfinished. At the end a last child finishes everything, and the test checks that every chain SUCCEEDED with the
 * right output (and was admitted) and every saga FAILED compensated, that every step and compensation executed at
 * least once and more than once only after a kill interrupted it, and that each side effect was applied exactly
 * once: exactly one effect row per key, and totals that add up.
 *
 * <p>{@code -Dfaultline.pg.iterations=N} sets the count (default 50; 200 with {@code -Dfaultline.heavy=true});
 * {@code -Dfaultline.pg.seed=S} the seed. Nothing is asserted about elapsed time.
 */
class PostgresKillTest {
  private static final boolean HEAVY = Boolean.getBoolean("faultline.heavy");
  private static final int ITERATIONS = Integer.getInteger("faultline.pg.iterations", HEAVY ? 200 : 50);
  private static final long SEED = Long.getLong("faultline.pg.seed", 20261127L);
  private static final int CHAINS = 3;

  private final DataSource db = TestDatabase.dataSource();
  private final String schema = TestDatabase.freshSchema("kill");

  private List<String> args(String start) {
    return List.of("url=" + TestDatabase.jdbcUrl(), "schema=" + schema, "node=crash-node", "lease=10000",
        "beat=1000", "threads=4", "across=2", "start=" + start);
  }

  private static String batch(int iteration) {
    List<String> ids = new ArrayList<>();
    for (int n = 0; n < CHAINS; n++) {
      ids.add("wf-" + iteration + "-" + n);
    }
    ids.add("saga-" + iteration);
    return String.join(",", ids);
  }

  @Test
  void everyWorkflowCompletesAndEveryEffectIsAppliedOnceAcrossKillMinus9(@TempDir Path tmp) throws Exception {
    SchemaMigrator.migrate(db, schema);
    PgWorkflowChild.createTables(db, schema);
    Random random = new Random(SEED);
    Map<String, Integer> frozen = new HashMap<>();
    int kills = 0;
    int early = 0;
    int stepsPerBatch = CHAINS * PgWorkflowChild.STEPS + PgWorkflowChild.SAGA_STEPS * 2 + 1;
    for (int iteration = 0; iteration < ITERATIONS; iteration++) {
      try (ChildProcess child = ChildProcess.start(tmp.resolve("err-" + iteration), args(batch(iteration)))) {
        int choice = random.nextInt(10);
        if (choice == 0) {
          early++;
          kills++;
          if (random.nextBoolean()) {
            child.await("OPEN"::equals, 120);
          }
          child.kill();
        } else if (choice == 1) {
          assertTrue(child.await("EXIT"::equals, 120) != null, () -> "the child failed: " + child.stderr());
          assertEquals(0, child.awaitExit(60), child::stderr);
        } else {
          int executions = 1 + random.nextInt(stepsPerBatch);
          boolean killed = false;
          for (int i = 0; i < executions; i++) {
            if (child.await(line -> line.startsWith("EXEC ") || line.equals("EXIT"), 120) == null) {
              break;
            }
          }
          if (child.lines().stream().noneMatch(l -> l.text().equals("EXIT"))) {
            child.kill();
            killed = true;
          }
          kills += killed ? 1 : 0;
        }
      }
      checkNothingRecordedRanAgain(iteration, frozen);
    }
    try (ChildProcess last = ChildProcess.start(tmp.resolve("err-final"), args(allBatches()))) {
      assertTrue(last.await("EXIT"::equals, 300) != null, () -> "the final child failed: " + last.stderr());
      assertEquals(0, last.awaitExit(60), last::stderr);
    }
    checkNothingRecordedRanAgain(ITERATIONS, frozen);
    int rerun = checkTheEnd(kills);
    System.out.printf("postgres kill -9: %d iterations (%d kills, %d during start-up or recovery), %d workflows"
        + " (%d compensated sagas), %d executions repeated after a kill interrupted them%n", ITERATIONS, kills, early,
        ITERATIONS * (CHAINS + 1), ITERATIONS, rerun);
  }

  private String allBatches() {
    List<String> all = new ArrayList<>();
    for (int i = 0; i < ITERATIONS; i++) {
      all.add(batch(i));
    }
    return String.join(",", all);
  }

  /** Executions by key. */
  private Map<String, Integer> executions() throws SQLException {
    Map<String, Integer> out = new TreeMap<>();
    query("SELECT key, count(*) FROM " + schema + ".test_executions GROUP BY key", rs -> out.put(rs.getString(1),
        rs.getInt(2)));
    return out;
  }

  /** The keys of the steps and compensations recorded as done. */
  private Set<String> recordedDone() throws SQLException {
    Set<String> out = new TreeSet<>();
    query("SELECT workflow_id, step_index, error, compensated FROM " + schema + ".workflow_steps WHERE NOT sleep",
        rs -> {
          String key = rs.getString(1) + "/" + rs.getInt(2);
          if (rs.getString(3) == null) {
            out.add(key);
          }
          if (rs.getBoolean(4)) {
            out.add(key + "/compensate");
          }
        });
    return out;
  }

  /** The chains admitted and unfinished: never more than their queue's limit across nodes (two), after any kill. */
  private int admittedUnfinishedChains() throws SQLException {
    int[] n = {0};
    query("SELECT count(*) FROM " + schema + ".workflows WHERE queue = 'chains' AND admitted_at IS NOT NULL AND status"
        + " IN ('PENDING', 'COMPENSATING')", rs -> n[0] = rs.getInt(1));
    return n[0];
  }

  private void checkNothingRecordedRanAgain(int iteration, Map<String, Integer> frozen) throws SQLException {
    int admitted = admittedUnfinishedChains();
    assertTrue(admitted <= 2, "iteration " + iteration + ": " + admitted + " chains admitted at once, limit 2");
    Map<String, Integer> counts = executions();
    for (Map.Entry<String, Integer> done : frozen.entrySet()) {
      assertEquals(done.getValue(), counts.get(done.getKey()), "iteration " + iteration + ": " + done.getKey()
          + " was recorded as done before and executed again");
    }
    Set<String> recorded = recordedDone();
    assertTrue(recorded.containsAll(frozen.keySet()), "iteration " + iteration + ": recorded steps went missing");
    for (String key : recorded) {
      int n = counts.getOrDefault(key, 0);
      assertTrue(n >= 1, "iteration " + iteration + ": " + key + " is recorded as done but never executed");
      frozen.put(key, n);
    }
  }

  private int checkTheEnd(int kills) throws SQLException {
    Map<String, String> status = new HashMap<>();
    Map<String, Object> outputs = new HashMap<>();
    query("SELECT workflow_id, status, output FROM " + schema + ".workflows", rs -> {
      status.put(rs.getString(1), rs.getString(2));
      byte[] output = rs.getBytes(3);
      outputs.put(rs.getString(1), output == null ? null : WorkflowCodec.standard().decode(output));
    });
    assertEquals(ITERATIONS * (CHAINS + 1), status.size());
    int[] unadmitted = {-1};
    query("SELECT count(*) FROM " + schema + ".workflows WHERE queue = 'chains' AND admitted_at IS NULL",
        rs -> unadmitted[0] = rs.getInt(1));
    assertEquals(0, unadmitted[0], "every chain ran after its admission");
    Set<String> effects = new TreeSet<>();
    Map<String, Integer> expectedTotals = new TreeMap<>();
    for (int i = 0; i < ITERATIONS; i++) {
      for (int n = 0; n < CHAINS; n++) {
        String id = "wf-" + i + "-" + n;
        assertEquals("SUCCEEDED", status.get(id), id);
        assertEquals(id + ":" + PgWorkflowChild.chainTotal(), outputs.get(id));
        for (int step = 0; step < PgWorkflowChild.STEPS; step++) {
          effects.add(id + "/" + (step < 3 ? step : step + 1));
        }
        expectedTotals.put(id, PgWorkflowChild.chainTotal());
      }
      String saga = "saga-" + i;
      assertEquals("FAILED", status.get(saga), saga);
      for (int step = 0; step < PgWorkflowChild.SAGA_STEPS; step++) {
        effects.add(saga + "/" + step);
        effects.add(saga + "/" + step + "/compensate");
      }
      effects.add(saga + "/" + PgWorkflowChild.SAGA_STEPS);
      expectedTotals.put(saga, 0);
    }
    int[] compensated = {0};
    query("SELECT count(*) FROM " + schema + ".workflow_steps WHERE compensated", rs -> compensated[0] = rs.getInt(1));
    assertEquals(ITERATIONS * PgWorkflowChild.SAGA_STEPS, compensated[0]);

    Set<String> applied = new TreeSet<>();
    query("SELECT key FROM " + schema + ".test_effects", rs -> applied.add(rs.getString(1)));
    assertEquals(effects, applied, "one effect per step and compensation key, no more");
    Map<String, Integer> totals = new TreeMap<>();
    query("SELECT workflow, amount FROM " + schema + ".test_totals", rs -> totals.put(rs.getString(1),
        rs.getInt(2)));
    assertEquals(expectedTotals, totals, "every effect applied exactly once, compensations included");

    Map<String, Integer> counts = executions();
    assertEquals(effects, counts.keySet(), "executions under keys that are not the workflows' steps");
    int rerun = 0;
    for (String key : effects) {
      int n = counts.get(key);
      assertTrue(n >= 1 && n <= 1 + kills, key + " executed " + n + " times over " + kills + " kills");
      rerun += n - 1;
    }
    List<String> order = new ArrayList<>();
    query("SELECT key FROM " + schema + ".test_executions WHERE key LIKE 'saga-%/compensate' ORDER BY seq",
        rs -> order.add(rs.getString(1)));
    for (int i = 0; i < ITERATIONS; i++) {
      String saga = "saga-" + i;
      int first = order.indexOf(saga + "/0/compensate");
      int second = order.indexOf(saga + "/1/compensate");
      assertTrue(second >= 0 && first > second, saga + ": compensations ran out of reverse order");
    }
    return rerun;
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
