package dev.faultline.state.postgres;

import dev.faultline.state.postgres.internal.Connections;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * Creates and migrates the PostgreSQL schema of faultline-state-postgres with ordered, versioned SQL scripts (carried
 * in this jar under {@code dev/faultline/state/postgres/migrations/V<n>__<description>.sql}).
 *
 * <p>The schema records every applied migration in {@code <schema>.schema_version}:
 * <pre>
 *   version     integer PRIMARY KEY   -- 1, 2, ... in order
 *   description text                  -- from the script's name
 *   script      text                  -- the script's file name
 *   checksum    text                  -- SHA-256 (hex) of the script as shipped, before ${schema} is replaced
 *   applied_at  timestamptz           -- database clock
 * </pre>
 * {@link #migrate} runs in one transaction that first takes {@code LOCK TABLE schema_version IN SHARE ROW EXCLUSIVE
 * MODE} (a table lock that conflicts with itself, so nodes starting at once migrate one after another, and no
 * advisory lock is needed), then checks every recorded migration against this code (an unknown version is
 * {@code schema-too-new}, a different checksum {@code schema-checksum-mismatch}: the store refuses to run on a
 * schema it does not know), then applies the missing ones in order. PostgreSQL's DDL is transactional: a failing
 * script leaves nothing behind.
 *
 * <p>Why not Flyway: it serializes migrations with PostgreSQL advisory locks, which this module avoids so that
 * PostgreSQL-compatible distributed databases remain possible, and it would add several jars for what is here three
 * scripts and a version table.
 *
 * <p>Thread-safe (stateless); concurrent calls, in one process or many, serialize on the table lock.
 */
public final class SchemaMigrator {
  private static final Pattern NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
  private static final String DIRECTORY = "migrations/";

  /** The migrations this code carries, in order. */
  static final List<Migration> MIGRATIONS = List.of(
      load(1, "workflows", "V1__workflows.sql"),
      load(2, "leases", "V2__leases.sql"),
      load(3, "finished by age", "V3__finished_by_age.sql"),
      load(4, "queue limits", "V4__queue_limits.sql"));

  /**
   * One migration script.
   *
   * @param version its version (1, 2, ...)
   * @param description what it creates
   * @param script its file name
   * @param sql its text, with {@code ${schema}} where the schema name goes
   * @param checksum SHA-256 (hex) of {@code sql}
   */
  public record Migration(int version, String description, String script, String sql, String checksum) {}

  /**
   * What {@link #migrate} did.
   *
   * @param schema the schema
   * @param applied the versions it applied now, in order (empty if the schema was current)
   * @param version the schema's version afterwards
   */
  public record Report(String schema, List<Integer> applied, int version) {
    /** Copies the list. */
    public Report {
      applied = List.copyOf(applied);
    }
  }

  private SchemaMigrator() {}

  /** The migrations this code carries, in order. */
  public static List<Migration> migrations() {
    return MIGRATIONS;
  }

  /**
   * Brings {@code schema} (created if missing) up to this code's version; see the class comment.
   *
   * @throws SchemaException {@code schema-checksum-mismatch}, {@code schema-too-new}, {@code schema-migration-failed},
   *     {@code schema-invalid-name}
   */
  public static Report migrate(DataSource dataSource, String schema) {
    checkName(schema);
    // In auto-commit mode whatever the pool's default: each creation attempt of createVersionTable must be a
    // transaction of its own, or the retry after a lost race runs in the transaction that race aborted (25P02).
    try (Connection c = Connections.autoCommitting(dataSource)) {
      createVersionTable(c, schema);
      boolean autoCommit = c.getAutoCommit();
      c.setAutoCommit(false);
      try {
        Report report = migrateLocked(c, schema);
        c.commit();
        return report;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(autoCommit);
      }
    } catch (SQLException e) {
      throw new SchemaException("schema-migration-failed", "could not migrate schema " + schema + ": " + e, e);
    }
  }

  /** Checks that {@code schema} is a plain lower-case SQL identifier (it is written into statements). */
  static String checkName(String schema) {
    if (schema == null || !NAME.matcher(schema).matches()) {
      throw new SchemaException("schema-invalid-name", "schema name must match " + NAME.pattern()
          + " (lower-case letters, digits and _, at most 63 characters, not starting with a digit); got "
          + (schema == null ? "null" : "'" + schema + "'"));
    }
    return schema;
  }

  /** Creates the schema and its version table if missing; a concurrent creator winning the race is fine. */
  private static void createVersionTable(Connection c, String schema) throws SQLException {
    String[] ddl = {
        "CREATE SCHEMA IF NOT EXISTS " + schema,
        "CREATE TABLE IF NOT EXISTS " + schema + ".schema_version (version integer PRIMARY KEY, description text"
            + " NOT NULL, script text NOT NULL, checksum text NOT NULL,"
            + " applied_at timestamptz NOT NULL DEFAULT now())"};
    for (String sql : ddl) {
      for (int attempt = 1; ; attempt++) {
        try (Statement s = c.createStatement()) {
          s.execute(sql);
          break;
        } catch (SQLException e) {
          // IF NOT EXISTS is not atomic: a concurrent creation can fail with a duplicate in the catalog — a unique
          // violation, a duplicate schema or table, or (the table's row type) "type ... already exists".
          String state = e.getSQLState();
          boolean raced = "23505".equals(state) || "42P06".equals(state) || "42P07".equals(state)
              || "42710".equals(state);
          if (!raced || attempt == 3) {
            throw e;
          }
        }
      }
    }
  }

  private static Report migrateLocked(Connection c, String schema) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("LOCK TABLE " + schema + ".schema_version IN SHARE ROW EXCLUSIVE MODE");
    }
    Map<Integer, String> recorded = new LinkedHashMap<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT version, checksum FROM " + schema + ".schema_version ORDER BY version")) {
      while (rs.next()) {
        recorded.put(rs.getInt(1), rs.getString(2));
      }
    }
    check(schema, recorded);
    List<Integer> done = new ArrayList<>();
    for (Migration m : MIGRATIONS) {
      if (recorded.containsKey(m.version())) {
        continue;
      }
      try (Statement s = c.createStatement()) {
        s.execute(m.sql().replace("${schema}", schema));
      } catch (SQLException e) {
        throw new SchemaException("schema-migration-failed", "migration " + m.version() + " (" + m.script()
            + ") failed on schema " + schema + ", nothing of it was applied: " + e.getMessage(), e);
      }
      try (PreparedStatement p = c.prepareStatement("INSERT INTO " + schema
          + ".schema_version (version, description, script, checksum) VALUES (?, ?, ?, ?)")) {
        p.setInt(1, m.version());
        p.setString(2, m.description());
        p.setString(3, m.script());
        p.setString(4, m.checksum());
        p.executeUpdate();
      }
      done.add(m.version());
    }
    return new Report(schema, done, MIGRATIONS.size());
  }

  /** Refuses a schema that records a migration this code does not know, or one with another checksum. */
  private static void check(String schema, Map<Integer, String> recorded) {
    for (Map.Entry<Integer, String> applied : recorded.entrySet()) {
      int version = applied.getKey();
      if (version < 1 || version > MIGRATIONS.size()) {
        throw new SchemaException("schema-too-new", "schema " + schema + " records migration " + version
            + ", which this code does not know (it knows 1.." + MIGRATIONS.size() + "): it was migrated by newer"
            + " code; refusing to run on it");
      }
      Migration m = MIGRATIONS.get(version - 1);
      if (!m.checksum().equals(applied.getValue())) {
        throw new SchemaException("schema-checksum-mismatch", "schema " + schema + ": migration " + version + " ("
            + m.script() + ") is recorded with checksum " + applied.getValue() + " but the script this code carries"
            + " has checksum " + m.checksum() + "; the database was migrated by other code or its record was"
            + " altered: refusing to run on it");
      }
    }
  }

  /**
   * Checks, without changing anything, that {@code schema} is migrated by this code and current: what tools that
   * only read a store (the command line) run instead of {@link #migrate}.
   *
   * @return the schema's version
   * @throws SchemaException {@code schema-missing} (no version table: never migrated), {@code schema-outdated}
   *     (migrations of this code are missing: run a store or {@link #migrate} first), {@code schema-too-new},
   *     {@code schema-checksum-mismatch}, {@code schema-migration-failed} (the database failed)
   */
  public static int verify(DataSource dataSource, String schema) {
    checkName(schema);
    Map<Integer, String> recorded = new LinkedHashMap<>();
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT to_regclass('" + schema + ".schema_version') IS NOT NULL")) {
        rs.next();
        if (!rs.getBoolean(1)) {
          throw new SchemaException("schema-missing", "schema " + schema + " has no schema_version table: no"
              + " Faultline store was ever opened on it (check the database and --schema)");
        }
      }
      try (ResultSet rs = s.executeQuery("SELECT version, checksum FROM " + schema
          + ".schema_version ORDER BY version")) {
        while (rs.next()) {
          recorded.put(rs.getInt(1), rs.getString(2));
        }
      }
    } catch (SQLException e) {
      throw new SchemaException("schema-migration-failed", "could not read the version of schema " + schema + ": "
          + e, e);
    }
    check(schema, recorded);
    if (recorded.size() < MIGRATIONS.size()) {
      throw new SchemaException("schema-outdated", "schema " + schema + " is at version " + recorded.size()
          + " but this code needs " + MIGRATIONS.size() + ": open a store on it (which migrates) first");
    }
    return recorded.size();
  }

  private static Migration load(int version, String description, String script) {
    String sql;
    try (InputStream in = SchemaMigrator.class.getResourceAsStream(DIRECTORY + script)) {
      if (in == null) {
        throw new IllegalStateException("migration script " + DIRECTORY + script + " is missing from the jar");
      }
      sql = new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("\r\n", "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Migration(version, description, script, sql, sha256(sql));
  }

  static String sha256(String text) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(sha.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
