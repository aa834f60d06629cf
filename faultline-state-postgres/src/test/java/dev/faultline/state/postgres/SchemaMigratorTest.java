package dev.faultline.state.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.ConfigurationException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** Versioned migrations on a real PostgreSQL: a fresh schema, an idempotent re-run, a tampered record, races. */
class SchemaMigratorTest {
  private final DataSource db = TestDatabase.dataSource();

  private List<String> rows(String sql) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection c = db.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      int columns = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        StringBuilder row = new StringBuilder();
        for (int i = 1; i <= columns; i++) {
          row.append(i > 1 ? "|" : "").append(rs.getString(i));
        }
        out.add(row.toString());
      }
    }
    return out;
  }

  private void execute(String sql) throws SQLException {
    try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  @Test
  void aFreshSchemaGetsEveryMigrationAndARerunChangesNothing() throws Exception {
    String schema = TestDatabase.freshSchema("mig");
    SchemaMigrator.Report first = SchemaMigrator.migrate(db, schema);
    assertEquals(List.of(1, 2, 3, 4), first.applied());
    assertEquals(4, first.version());
    assertEquals(List.of("leases", "schema_version", "workflow_nodes", "workflow_queues", "workflow_steps",
        "workflows"), rows("SELECT table_name FROM information_schema.tables WHERE table_schema = '" + schema
        + "' ORDER BY 1"));
    List<String> recorded = rows("SELECT version, description, script, checksum, applied_at FROM " + schema
        + ".schema_version ORDER BY version");
    assertEquals(4, recorded.size());
    assertTrue(recorded.get(0).startsWith("1|workflows|V1__workflows.sql|"
        + SchemaMigrator.migrations().get(0).checksum() + "|"), recorded.get(0));

    SchemaMigrator.Report again = SchemaMigrator.migrate(db, schema);
    assertEquals(List.of(), again.applied());
    assertEquals(4, again.version());
    assertEquals(recorded, rows("SELECT version, description, script, checksum, applied_at FROM " + schema
        + ".schema_version ORDER BY version"), "a re-run must not touch the version table");
  }

  @Test
  void aTamperedChecksumIsRefusedNamingTheMigration() throws Exception {
    String schema = TestDatabase.freshSchema("mig");
    SchemaMigrator.migrate(db, schema);
    execute("UPDATE " + schema + ".schema_version SET checksum = 'deadbeef' WHERE version = 1");
    SchemaException e = assertThrows(SchemaException.class, () -> SchemaMigrator.migrate(db, schema));
    assertEquals("schema-checksum-mismatch", e.code());
    assertTrue(e.getMessage().contains("migration 1 (V1__workflows.sql) is recorded with checksum deadbeef but the"
        + " script this code carries has checksum " + SchemaMigrator.migrations().get(0).checksum()), e.getMessage());
    // A store refuses to open on it too.
    SchemaException store = assertThrows(SchemaException.class,
        () -> PostgresWorkflowStore.builder(db).schema(schema).build());
    assertEquals("schema-checksum-mismatch", store.code());
  }

  @Test
  void aSchemaMigratedByNewerCodeIsRefused() throws Exception {
    String schema = TestDatabase.freshSchema("mig");
    SchemaMigrator.migrate(db, schema);
    execute("INSERT INTO " + schema + ".schema_version (version, description, script, checksum) VALUES (5, 'future',"
        + " 'V5__future.sql', 'abc')");
    SchemaException e = assertThrows(SchemaException.class, () -> SchemaMigrator.migrate(db, schema));
    assertEquals("schema-too-new", e.code());
    assertTrue(e.getMessage().contains("records migration 5, which this code does not know"), e.getMessage());
  }

  @Test
  void aFailingScriptLeavesNothingBehind() throws Exception {
    String schema = TestDatabase.freshSchema("mig");
    // A table in the way makes migration 1 fail half-way; the transaction must take all of it back.
    execute("CREATE SCHEMA " + schema);
    execute("CREATE TABLE " + schema + ".workflow_steps (x int)");
    SchemaException e = assertThrows(SchemaException.class, () -> SchemaMigrator.migrate(db, schema));
    assertEquals("schema-migration-failed", e.code());
    assertTrue(e.getMessage().contains("migration 1 (V1__workflows.sql) failed"), e.getMessage());
    assertEquals(List.of("schema_version", "workflow_steps"),
        rows("SELECT table_name FROM information_schema.tables WHERE table_schema = '" + schema + "' ORDER BY 1"));
    assertEquals(List.of(), rows("SELECT version FROM " + schema + ".schema_version"));
  }

  @Test
  void nodesMigratingAtOnceApplyEachMigrationOnce() throws Exception {
    String schema = TestDatabase.freshSchema("mig");
    int threads = 4;
    CyclicBarrier barrier = new CyclicBarrier(threads);
    List<List<Integer>> applied = Collections.synchronizedList(new ArrayList<>());
    List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
    List<Thread> all = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      Thread t = new Thread(() -> {
        try {
          barrier.await();
          applied.add(SchemaMigrator.migrate(db, schema).applied());
        } catch (Throwable e) {
          errors.add(e);
        }
      });
      all.add(t);
      t.start();
    }
    for (Thread t : all) {
      t.join();
    }
    assertEquals(List.of(), errors);
    assertEquals(1, applied.stream().filter(a -> a.equals(List.of(1, 2, 3, 4))).count(), applied.toString());
    assertEquals(threads - 1, applied.stream().filter(List::isEmpty).count(), applied.toString());
  }

  /**
   * On a pool whose connections come without auto-commit (HikariCP's {@code autoCommit=false}), a node that loses
   * the race to create the schema recovers: its retry must not run inside the transaction the lost race aborted
   * (SQLSTATE 25P02 "current transaction is aborted"). The lost race is reproduced without timing: when the migrator
   * sends its {@code CREATE SCHEMA IF NOT EXISTS}, the test's proxy fails a statement on the same connection (which,
   * outside auto-commit, aborts its transaction as the server's duplicate-key error does), lets another session create
   * the schema, and answers the duplicate-key error (23505) a lost race gets.
   */
  @Test
  void aNodeLosingTheRaceToCreateTheSchemaOnAPoolWithoutAutoCommitRecovers() throws Exception {
    String schema = TestDatabase.freshSchema("mig");
    com.zaxxer.hikari.HikariConfig config = new com.zaxxer.hikari.HikariConfig();
    config.setJdbcUrl(TestDatabase.jdbcUrl());
    config.setUsername("postgres");
    config.setMaximumPoolSize(2);
    config.setAutoCommit(false);
    config.setPoolName("no-autocommit-" + schema);
    String create = "CREATE SCHEMA IF NOT EXISTS " + schema;
    java.util.concurrent.atomic.AtomicBoolean lost = new java.util.concurrent.atomic.AtomicBoolean();
    try (com.zaxxer.hikari.HikariDataSource pool = new com.zaxxer.hikari.HikariDataSource(config)) {
      javax.sql.DataSource losing = JdbcProxies.onConnections(pool, (method, args, proceed) -> {
        Object out = proceed.call();
        if (!method.getName().equals("createStatement")) {
          return out;
        }
        return JdbcProxies.intercept(Statement.class, (Statement) out, (m2, a2, real) -> {
          if (!m2.getName().equals("execute") || !create.equals(a2[0]) || !lost.compareAndSet(false, true)) {
            return real.call();
          }
          try (Statement failing = ((Statement) out).getConnection().createStatement()) {
            failing.execute("SELECT 1/0"); // the server's error, in this connection's transaction if it has one
          } catch (SQLException expected) {
            // 22012, as intended
          }
          try (Connection winner = db.getConnection(); Statement s = winner.createStatement()) {
            s.execute("CREATE SCHEMA " + schema); // the node that won the race, committed
          }
          throw new SQLException("duplicate key value violates unique constraint \"pg_namespace_nspname_index\""
              + " (a lost race, simulated)", "23505");
        });
      });
      assertEquals(List.of(1, 2, 3, 4), SchemaMigrator.migrate(losing, schema).applied());
      assertTrue(lost.get(), "the migrator lost the race");
      assertEquals(4, SchemaMigrator.verify(pool, schema), "verify on the same pool");
    }
  }

  @Test
  void aSchemaNameMustBeAPlainIdentifier() {
    assertEquals("schema-invalid-name", assertThrows(SchemaException.class,
        () -> SchemaMigrator.migrate(db, "x; DROP TABLE y")).code());
    assertThrows(ConfigurationException.class, () -> PostgresWorkflowStore.builder(db).schema("Bad-Name").build());
    assertThrows(ConfigurationException.class, () -> PostgresWorkflowStore.builder(db)
        .leaseTime(java.time.Duration.ofSeconds(1)).heartbeatInterval(java.time.Duration.ofMillis(500)).build());
    assertThrows(ConfigurationException.class, () -> PostgresWorkflowStore.builder("jdbc:mysql://x/y", null, null));
  }
}
