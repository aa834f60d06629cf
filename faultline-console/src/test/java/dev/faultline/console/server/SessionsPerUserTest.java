package dev.faultline.console.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A user holds at most maxSessionsPerUser sessions, the oldest ending first: before, every login added one, so one
 * account logging in again and again filled the server's 100,000 sessions, after which every login of every user got
 * 503 too-many-sessions for up to the session lifetime. In memory and in the shared database alike.
 */
class SessionsPerUserTest {
  @TempDir
  Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"memory", "database"})
  void aLoginBeyondTheUsersSessionsEndsItsOldest(String where) {
    UnaryOperator<ConsoleServer.Builder> configure = where.equals("memory")
        ? b -> b.maxSessionsPerUser(3)
        : b -> b.maxSessionsPerUser(3).database(TestDatabase.freshUrl(), "postgres", null);
    try (ServerFixture f = new ServerFixture(dir, configure)) {
      List<String> tokens = new ArrayList<>();
      tokens.add(f.setUpAndLogInAdmin());
      for (int i = 0; i < 4; i++) {
        f.clock.advance(java.time.Duration.ofSeconds(1)); // later logins expire later: "oldest" is well defined
        tokens.add(f.logIn("admin", ServerFixture.ADMIN_PASSWORD));
      }
      List<Integer> statuses = new ArrayList<>();
      for (String token : tokens) {
        statuses.add(f.get("/api/v1/session", token).status());
      }
      assertEquals(List.of(401, 401, 200, 200, 200), statuses, "the two oldest of five sessions end, with 3 kept");
    }
  }
}
