package dev.faultline.console.server;

import java.util.function.UnaryOperator;

/** Every test of {@link NameLimitsTest}, with the console keeping everything in PostgreSQL ({@code --db}). */
class PostgresNameLimitsTest extends NameLimitsTest {
  private final String url = TestDatabase.freshUrl();

  @Override
  ServerFixture on(UnaryOperator<ConsoleServer.Builder> configure) {
    return onPostgres(url, configure);
  }
}
