package dev.faultline.console.server;

import java.nio.file.Path;
import java.util.function.UnaryOperator;

/** Every test of {@link IncidentApiTest}, with the console keeping everything in PostgreSQL ({@code --db}). */
class PostgresIncidentApiTest extends IncidentApiTest {
  @Override
  ServerFixture fixture(Path dir, UnaryOperator<ConsoleServer.Builder> configure) {
    String url = TestDatabase.freshUrl();
    return new ServerFixture(dir, b -> configure.apply(b).database(url, "postgres", null));
  }
}
