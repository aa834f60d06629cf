package dev.faultline.state.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.faultline.core.event.WorkflowEvent;
import dev.faultline.state.workflow.Workflow;
import dev.faultline.state.workflow.WorkflowException;
import dev.faultline.state.workflow.WorkflowExecutor;
import dev.faultline.state.workflow.WorkflowHandle;
import dev.faultline.state.workflow.WorkflowInfo;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * A child JVM of the kill and two-node tests: one executor node on a PostgreSQL store, running the test's "chain"
 * and "saga" workflows, whose steps apply their side effects to tables of the test, keyed by idempotency key.
 *
 * <p>Arguments are {@code key=value}: {@code url}, {@code schema}, {@code node}, {@code lease} and {@code beat}
 * (milliseconds), {@code threads}, {@code start} (ids to start, comma-separated: {@code wf-*} chains and
 * {@code saga-*} sagas), {@code pause} (milliseconds each step waits inside PostgreSQL, {@code pg_sleep}), and
 * {@code standby=true} to stay up (taking over others' work) until standard input closes.
 *
 * <p>It prints one line per event, flushed at once: {@code OPEN} once the executor is open, {@code EXEC <key>} after
 * each step or compensation applied its effect, {@code TAKEN <id> <detail>} when it takes a workflow over,
 * {@code DONE <id>} when a workflow completes here, {@code FENCED <id> <message>} when a workflow it ran was taken
 * over and its write refused, {@code EXIT} before a normal exit.
 *
 * <p>Each step first logs its execution ({@code test_executions}), then applies its effect in one transaction only if
 * its key is new ({@code test_effects}, adding its amount to {@code test_totals}): at least once, effect exactly once.
 */
public final class PgWorkflowChild {
  static final int STEPS = 5;
  static final int SAGA_STEPS = 2;
  static final String SAGA_FAILURE = "out of trucks";

  private static final PrintStream OUT = System.out;

  private PgWorkflowChild() {}

  /** Creates the test's effect tables in {@code schema}. */
  static void createTables(DataSource db, String schema) throws SQLException {
    try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE " + schema + ".test_executions (seq bigserial PRIMARY KEY, key text NOT NULL)");
      s.execute("CREATE TABLE " + schema + ".test_effects (key text PRIMARY KEY, workflow text NOT NULL,"
          + " amount integer NOT NULL)");
      s.execute("CREATE TABLE " + schema + ".test_totals (workflow text PRIMARY KEY, amount bigint NOT NULL)");
    }
  }

  /** The total a chain adds up: 1 + 2 + ... + STEPS. */
  static int chainTotal() {
    return STEPS * (STEPS + 1) / 2;
  }

  private static synchronized void print(String line) {
    OUT.println(line);
    OUT.flush();
  }

  /** Logs the execution of {@code key}, waits {@code pauseMillis} in the database, then applies the effect once. */
  static void effect(DataSource db, String schema, String key, String workflow, int amount, long pauseMillis)
      throws SQLException {
    try (Connection c = db.getConnection()) {
      try (PreparedStatement p = c.prepareStatement("INSERT INTO " + schema + ".test_executions (key) VALUES (?)")) {
        p.setString(1, key);
        p.executeUpdate();
      }
      if (pauseMillis > 0) {
        try (Statement s = c.createStatement()) {
          s.execute("SELECT pg_sleep(" + pauseMillis / 1000.0 + ")");
        }
      }
      c.setAutoCommit(false);
      try {
        int inserted;
        try (PreparedStatement p = c.prepareStatement("INSERT INTO " + schema + ".test_effects (key, workflow,"
            + " amount) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING")) {
          p.setString(1, key);
          p.setString(2, workflow);
          p.setInt(3, amount);
          inserted = p.executeUpdate();
        }
        if (inserted == 1) {
          try (PreparedStatement p = c.prepareStatement("INSERT INTO " + schema + ".test_totals (workflow, amount)"
              + " VALUES (?, ?) ON CONFLICT (workflow) DO UPDATE SET amount = test_totals.amount + EXCLUDED.amount")) {
            p.setString(1, workflow);
            p.setInt(2, amount);
            p.executeUpdate();
          }
        }
        c.commit();
      } catch (SQLException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    }
    print("EXEC " + key);
  }

  static Workflow<String, String> chain(DataSource db, String schema, long pause) {
    return (ctx, id) -> {
      int sum = 0;
      for (int i = 0; i < STEPS; i++) {
        int amount = i + 1;
        int before = sum;
        sum = ctx.step("credit-" + i, () -> {
          effect(db, schema, ctx.idempotencyKey(), id, amount, pause);
          return before + amount;
        });
        if (i == 2) {
          ctx.sleep(Duration.ofMillis(10));
        }
      }
      return id + ":" + sum;
    };
  }

  static Workflow<String, String> saga(DataSource db, String schema, long pause) {
    return (ctx, id) -> {
      for (int i = 0; i < SAGA_STEPS; i++) {
        ctx.step("reserve-" + i, null, () -> {
          effect(db, schema, ctx.idempotencyKey(), id, 10, pause);
          return ctx.idempotencyKey();
        }, key -> effect(db, schema, ctx.idempotencyKey(), id, -10, 0));
      }
      return ctx.step("ship", () -> {
        effect(db, schema, ctx.idempotencyKey(), id, 0, 0);
        throw new IllegalStateException(SAGA_FAILURE);
      });
    };
  }

  /** Runs the child; see the class comment. */
  public static void main(String[] args) throws Exception {
    Map<String, String> a = new HashMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      a.put(arg.substring(0, eq), arg.substring(eq + 1));
    }
    String schema = a.get("schema");
    long pause = Long.parseLong(a.getOrDefault("pause", "0"));
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(a.get("url"));
    config.setUsername("postgres");
    config.setMaximumPoolSize(Integer.parseInt(a.getOrDefault("threads", "4")) + 3);
    config.setMinimumIdle(1);
    try (HikariDataSource db = new HikariDataSource(config)) {
      PostgresWorkflowStore store = PostgresWorkflowStore.builder(db).schema(schema).nodeId(a.get("node"))
          .leaseTime(Duration.ofMillis(Long.parseLong(a.get("lease"))))
          .heartbeatInterval(Duration.ofMillis(Long.parseLong(a.get("beat")))).build();
      try (WorkflowExecutor executor = WorkflowExecutor.builder(store).name(a.get("node"))
          .threads(Integer.parseInt(a.getOrDefault("threads", "4")))
          .register("chain", chain(db, schema, pause)).register("saga", saga(db, schema, pause))
          // across=N: at most N chains at once on all nodes (kills must neither leak nor lose admitted places)
          .globalQueueLimits("chains", Integer.parseInt(a.getOrDefault("across", "1000")), 0)
          .listener(event -> {
            if (event instanceof WorkflowEvent.Transition) {
              WorkflowEvent.Transition t = (WorkflowEvent.Transition) event;
              if (t.kind() == WorkflowEvent.Kind.TAKEN_OVER) {
                print("TAKEN " + t.workflowId() + " " + t.detail());
              } else if (t.kind() == WorkflowEvent.Kind.COMPLETED || t.kind() == WorkflowEvent.Kind.FAILED) {
                print("DONE " + t.workflowId());
              }
            }
          }).open()) {
        print("OPEN");
        List<WorkflowHandle<String>> handles = new ArrayList<>();
        for (WorkflowInfo info : executor.list(null)) {
          if (!info.status().terminal()) {
            handles.add(executor.handle(info.workflowId()));
          }
        }
        String start = a.getOrDefault("start", "");
        for (String id : start.isEmpty() ? new String[0] : start.split(",")) {
          handles.add(id.startsWith("saga") ? executor.start("saga", id, id)
              : executor.start("chains", "chain", id, id));
        }
        if (Boolean.parseBoolean(a.getOrDefault("standby", "false"))) {
          while (System.in.read() >= 0) {
            // Runs, taking over others' work, until the parent closes standard input.
          }
        } else {
          awaitAll(handles);
        }
      }
    }
    print("EXIT");
  }

  private static void awaitAll(List<WorkflowHandle<String>> handles) throws Exception {
    for (WorkflowHandle<String> handle : handles) {
      try {
        String out = handle.result().get(120, TimeUnit.SECONDS);
        if (handle.workflowName().equals("saga") || !out.equals(handle.workflowId() + ":" + chainTotal())) {
          throw new IllegalStateException("workflow " + handle.workflowId() + " returned " + out);
        }
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof WorkflowException && "workflow-fenced".equals(((WorkflowException) cause).code())) {
          print("FENCED " + handle.workflowId() + " " + cause.getMessage());
        } else if (!handle.workflowName().equals("saga") || !String.valueOf(cause.getMessage())
            .contains(SAGA_FAILURE)) {
          throw e;
        }
      }
    }
  }
}
