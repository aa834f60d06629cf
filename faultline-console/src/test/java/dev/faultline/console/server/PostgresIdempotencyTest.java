package dev.faultline.console.server;

import java.util.function.UnaryOperator;

/** Every test of {@link IdempotencyTest}, with the console keeping everything in PostgreSQL ({@code --db}). */
class PostgresIdempotencyTest extends IdempotencyTest {
  /** One database per test: a restart opens it again. */
  private final String url = TestDatabase.freshUrl();

  @Override
  ServerFixture fixture(UnaryOperator<ConsoleServer.Builder> configure) {
    return onPostgres(url, configure);
  }
}
