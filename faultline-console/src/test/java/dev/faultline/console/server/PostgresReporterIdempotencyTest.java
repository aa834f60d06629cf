package dev.faultline.console.server;

import java.util.function.UnaryOperator;

/** Every test of {@link ReporterIdempotencyTest}, with the console keeping everything in PostgreSQL ({@code --db}). */
class PostgresReporterIdempotencyTest extends ReporterIdempotencyTest {
  private final String url = TestDatabase.freshUrl();

  @Override
  ServerFixture fixture(UnaryOperator<ConsoleServer.Builder> configure) {
    return onPostgres(url, configure);
  }
}
