package dev.faultline.console.server;

import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A console started before each test, with the admin logged in ({@link #admin}) and a service key for
 * {@code payments} ({@link #key}). The store is the embedded one; a subclass runs every test on PostgreSQL by
 * overriding {@link #fixture} with {@link #onPostgres}.
 */
abstract class ServiceConsoleTest {
  @TempDir
  Path dir;

  ServerFixture f;
  String admin;
  String key;

  @BeforeEach
  void start() {
    f = fixture(UnaryOperator.identity());
    admin = f.setUpAndLogInAdmin();
    key = f.serviceKey(admin, "payments");
  }

  @AfterEach
  void stop() {
    f.close();
  }

  /** The server under test, on the store of this class (the same store again when called again: a restart). */
  ServerFixture fixture(UnaryOperator<ConsoleServer.Builder> configure) {
    return new ServerFixture(dir, configure);
  }

  /** {@link #fixture} keeping everything in the PostgreSQL database at {@code url} ({@code --db}). */
  ServerFixture onPostgres(String url, UnaryOperator<ConsoleServer.Builder> configure) {
    return new ServerFixture(dir, b -> configure.apply(b).database(url, "postgres", null));
  }
}
