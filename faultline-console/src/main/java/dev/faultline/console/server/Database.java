package dev.faultline.console.server;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The PostgreSQL database several console instances share ({@code --db jdbc:postgresql://...}): a bounded connection
 * pool, the schema (created and migrated on open), and transactions.
 *
 * <h2>Schema (version 3)</h2>
 * Every table is prefixed {@code faultline_console_} and lives in the connection's current schema (set it with
 * {@code ?currentSchema=} on the URL):
 * <pre>
 * meta(key PK, value)                                   schema version
 * credentials(id PK = 1, version, content)              the CredentialStore's JSON, replaced by compare-and-set
 * sessions(digest PK, user, role, expires_ms, csrf)     logged-in sessions
 * audit(id bigserial PK, record)                        audit records as JSON
 * events(id PK, service, type, source, time_ms, received_ms, fields)
 * incidents(id PK, service, component, fingerprint, severity, time_ms, received_ms, body)
 * issues(fingerprint PK, service, component, type, message, first_ms, last_ms, count, status, last_incident)
 * issue_services(fingerprint, service; PK both)
 * services(service PK, events, incidents, last_seen_ms), components(service, component; PK both)
 * heartbeats(service, instance; PK both, status, interval_ms, time_ms, received_ms, detail)
 * samples(id PK, service, name, time_ms, value, tags)
 * documents(kind, name; PK both, content, updated_ms, updated_by)
 * ingest_keys(service, kind, key; PK all three, digest, received_ms, ids)      idempotency keys of ingest batches
 * </pre>
 * Version 2 added an index of sessions by user; version 3 the table {@code ingest_keys}: the {@code Idempotency-Key}
 * of an ingest batch, inserted in the batch's transaction (so the two commit together), with the SHA-256 of the
 * request body and the ids its batch stored ({@code bigint[]}); rows older than the window are swept by
 * {@link PostgresStore}.
 * Event and incident ids come from one sequence ({@code faultline_console_ids}), so that they share one order, as in
 * the embedded store. Migrations are ordered steps recorded in {@code meta}; opening a database of a newer schema
 * version than this code knows is refused.
 *
 * <h2>Concurrency design</h2>
 * The pool is thread-safe; each operation takes its own connection. Thread-safe.
 */
final class Database implements AutoCloseable {
  static final int SCHEMA_VERSION = 3;
  static final String PREFIX = "faultline_console_";

  private static final List<String> SCHEMA_V1 = List.of(
      "CREATE TABLE IF NOT EXISTS " + PREFIX + "meta (key text PRIMARY KEY, value text NOT NULL)",
      "CREATE SEQUENCE IF NOT EXISTS " + PREFIX + "ids",
      "CREATE TABLE IF NOT EXISTS " + PREFIX + "credentials (id int PRIMARY KEY, version bigint NOT NULL,"
          + " content text NOT NULL)",
      "CREATE TABLE IF NOT EXISTS " + PREFIX + "sessions (digest text PRIMARY KEY, username text NOT NULL,"
          + " role text NOT NULL, expires_ms bigint NOT NULL, csrf text NOT NULL)",
      "CREATE TABLE IF NOT EXISTS " + PREFIX + "audit (id bigserial PRIMARY KEY, record text NOT NULL)",
      "CREATE TABLE IF NOT EXISTS " + PREFIX + "events (id bigint PRIMARY KEY, service text NOT NULL,"
          + " type text NOT NULL, source text NOT NULL, time_ms bigint NOT NULL, received_ms bigint NOT NULL,"
          + " fields text NOT NULL)",
      "CREATE INDEX IF NOT EXISTS " + PREFIX + "events_service ON " + PREFIX + "events (service, id)",
      "CREATE INDEX IF NOT EXISTS " + PREFIX + "events_type ON " + PREFIX + "events (service, type, time_ms)",
      "CREATE TABLE IF NOT EXISTS " + PREFIX + "incidents (id bigint PRIMARY KEY, service text NOT NULL,"
          + " component text NOT NULL, fingerprint text NOT NULL, severity text NOT NULL, time_ms bigint NOT NULL,"
          + " received_ms bigint NOT NULL, body text NOT NULL)",
      "CREATE INDEX IF NOT EXISTS " + PREFIX + "incidents_fingerprint ON " + PREFIX + "incidents (fingerprint, id)",
      "CREATE TABLE IF NOT EXISTS " + PREFIX + "issues (fingerprint text PRIMARY KEY, service text NOT NULL,"
          + " component text NOT NULL, type text NOT NULL, message text, first_ms bigint NOT NULL,"
          + " last_ms bigint NOT NULL, count bigint NOT NULL, status text NOT NULL, last_incident bigint NOT NULL)",
      "CREATE TABLE IF NOT EXISTS " + PREFIX + "issue_services (fingerprint text NOT NULL, service text NOT NULL,"
          + " PRIMARY KEY (fingerprint, service))",
      "CREATE TABLE IF NOT EXISTS " + PREFIX + "services (service text PRIMARY KEY, events bigint NOT NULL,"
          + " incidents bigint NOT NULL, last_seen_ms bigint NOT NULL)",
      "CREATE TABLE IF NOT EXISTS " + PREFIX + "components (service text NOT NULL, component text NOT NULL,"
          + " PRIMARY KEY (service, component))",
      "CREATE TABLE IF NOT EXISTS " + PREFIX + "heartbeats (service text NOT NULL, instance text NOT NULL,"
          + " status text NOT NULL, interval_ms bigint NOT NULL, time_ms bigint NOT NULL, received_ms bigint NOT NULL,"
          + " detail text, PRIMARY KEY (service, instance))",
      "CREATE TABLE IF NOT EXISTS " + PREFIX + "samples (id bigint PRIMARY KEY, service text NOT NULL,"
          + " name text NOT NULL, time_ms bigint NOT NULL, value double precision NOT NULL, tags text NOT NULL)",
      "CREATE INDEX IF NOT EXISTS " + PREFIX + "samples_metric ON " + PREFIX + "samples (service, name, id)",
      "CREATE TABLE IF NOT EXISTS " + PREFIX + "documents (kind text NOT NULL, name text NOT NULL,"
          + " content text NOT NULL, updated_ms bigint NOT NULL, updated_by text NOT NULL, PRIMARY KEY (kind, name))");

  /** Version 2: a user's sessions by age, for the cap on sessions per user. */
  private static final List<String> SCHEMA_V2 = List.of(
      "CREATE INDEX IF NOT EXISTS " + PREFIX + "sessions_user ON " + PREFIX + "sessions (username, expires_ms)");

  /** Version 3: idempotency keys of ingest batches. */
  private static final List<String> SCHEMA_V3 = List.of(
      "CREATE TABLE IF NOT EXISTS " + PREFIX + "ingest_keys (service text NOT NULL, kind text NOT NULL,"
          + " key text NOT NULL, digest text NOT NULL, received_ms bigint NOT NULL, ids bigint[] NOT NULL,"
          + " PRIMARY KEY (service, kind, key))",
      "CREATE INDEX IF NOT EXISTS " + PREFIX + "ingest_keys_received ON " + PREFIX + "ingest_keys (received_ms)");

  private final HikariDataSource pool;
  private final String url;

  private Database(HikariDataSource pool, String url) {
    this.pool = pool;
    this.url = url;
  }

  /** Work done in one transaction on one connection. */
  @FunctionalInterface
  interface Work<T> {
    T run(Connection connection) throws SQLException, IOException;
  }

  /**
   * Opens the pool and brings the schema to {@link #SCHEMA_VERSION}.
   *
   * @throws IOException naming the URL (never the password) when the database cannot be reached or is of a newer
   *     schema version
   */
  static Database open(String url, String user, char[] password, int poolSize) throws IOException {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    if (user != null) {
      config.setUsername(user);
    }
    if (password != null) {
      config.setPassword(new String(password));
    }
    config.setMaximumPoolSize(poolSize);
    config.setPoolName("faultline-console");
    config.setInitializationFailTimeout(10_000);
    config.setConnectionTimeout(10_000);
    HikariDataSource pool;
    try {
      pool = new HikariDataSource(config);
    } catch (RuntimeException e) {
      throw new IOException("cannot connect to the database " + url + ": " + rootMessage(e), e);
    }
    Database database = new Database(pool, url);
    try {
      database.migrate();
    } catch (IOException | RuntimeException e) {
      pool.close();
      throw e;
    }
    return database;
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.getMessage();
  }

  private void migrate() throws IOException {
    transaction(connection -> {
      try (Statement statement = connection.createStatement()) {
        // One console at a time migrates: others wait here, then find the schema done.
        statement.execute("SELECT pg_advisory_xact_lock(4672155)");
        statement.execute(SCHEMA_V1.get(0));
        int version = 0;
        try (ResultSet rs = statement.executeQuery("SELECT value FROM " + PREFIX + "meta WHERE key = 'schema'")) {
          if (rs.next()) {
            version = Integer.parseInt(rs.getString(1));
          }
        }
        if (version > SCHEMA_VERSION) {
          throw new IOException("the database " + url + " has console schema version " + version + "; this console"
              + " knows up to " + SCHEMA_VERSION + ": upgrade the console");
        }
        if (version < 1) {
          for (String ddl : SCHEMA_V1) {
            statement.execute(ddl);
          }
          statement.execute("INSERT INTO " + PREFIX + "meta (key, value) VALUES ('schema', '1')"
              + " ON CONFLICT (key) DO UPDATE SET value = '1'");
        }
        if (version < 2) {
          for (String ddl : SCHEMA_V2) {
            statement.execute(ddl);
          }
          statement.execute("INSERT INTO " + PREFIX + "meta (key, value) VALUES ('schema', '2')"
              + " ON CONFLICT (key) DO UPDATE SET value = '2'");
        }
        if (version < 3) {
          for (String ddl : SCHEMA_V3) {
            statement.execute(ddl);
          }
          statement.execute("INSERT INTO " + PREFIX + "meta (key, value) VALUES ('schema', '3')"
              + " ON CONFLICT (key) DO UPDATE SET value = '3'");
        }
      }
      return null;
    });
  }

  /** Runs {@code work} in one transaction, committed when it returns, rolled back when it throws. */
  <T> T transaction(Work<T> work) throws IOException {
    try (Connection connection = pool.getConnection()) {
      connection.setAutoCommit(false);
      try {
        T result = work.run(connection);
        connection.commit();
        return result;
      } catch (SQLException | IOException | RuntimeException e) {
        connection.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new IOException("database " + url + ": " + e.getMessage(), e);
    }
  }

  /** Runs a read on a connection of its own (auto-commit), turning SQL failures into unchecked I/O failures. */
  <T> T read(Work<T> work) {
    try (Connection connection = pool.getConnection()) {
      return work.run(connection);
    } catch (SQLException | IOException e) {
      throw new java.io.UncheckedIOException(new IOException("database " + url + ": " + e.getMessage(), e));
    }
  }

  /** A prepared statement with {@code values} bound in order. */
  static PreparedStatement prepare(Connection connection, String sql, Object... values) throws SQLException {
    PreparedStatement statement = connection.prepareStatement(sql);
    for (int i = 0; i < values.length; i++) {
      statement.setObject(i + 1, values[i]);
    }
    return statement;
  }

  /** {@code count} new ids from the shared sequence, increasing. */
  static long[] ids(Connection connection, int count) throws SQLException {
    long[] ids = new long[count];
    try (PreparedStatement statement = connection.prepareStatement("SELECT nextval('" + PREFIX + "ids')"
        + " FROM generate_series(1, ?)")) {
      statement.setInt(1, count);
      try (ResultSet rs = statement.executeQuery()) {
        for (int i = 0; i < count && rs.next(); i++) {
          ids[i] = rs.getLong(1);
        }
      }
    }
    java.util.Arrays.sort(ids);
    return ids;
  }

  /** The URL, for messages (never carries the password: it is given apart). */
  String url() {
    return url;
  }

  @Override
  public void close() {
    pool.close();
  }
}
