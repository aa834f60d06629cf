package dev.faultline.console.server;

import java.nio.file.Path;
import java.util.function.UnaryOperator;

/** Every test of {@link ReliabilityApiTest}, with the console keeping everything in PostgreSQL ({@code --db}). */
class PostgresReliabilityApiTest extends ReliabilityApiTest {
  @Override
  ServerFixture fixture(Path dir, UnaryOperator<ConsoleServer.Builder> configure) {
    String url = TestDatabase.freshUrl();
    return new ServerFixture(dir, b -> configure.apply(b).database(url, "postgres", null));
  }
}
