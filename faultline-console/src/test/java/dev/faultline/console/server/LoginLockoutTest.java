package dev.faultline.console.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Failed logins lock the user and the address out, with backoff that doubles, on the fake clock. */
class LoginLockoutTest {

  @TempDir
  Path dir;

  private static String body(String user, String password) {
    return "{\"user\":\"" + user + "\",\"password\":\"" + password + "\"}";
  }

  @Test
  void repeatedBadLoginsLockTheUserWithDoublingBackoff() {
    try (ServerFixture f = new ServerFixture(dir,
        b -> b.loginLockout(3, 100, Duration.ofSeconds(10), Duration.ofMinutes(15)))) {
      f.setUpAndLogInAdmin();
      for (int i = 0; i < 3; i++) {
        assertEquals(401, f.post("/api/v1/login", null, body("admin", "wrong password " + i)).status());
      }
      ServerFixture.Reply locked = f.post("/api/v1/login", null, body("admin", ServerFixture.ADMIN_PASSWORD));
      assertEquals(429, locked.status(), "even the right password is refused while locked: " + locked);
      assertEquals("locked-out", locked.error());
      assertEquals("10", locked.retryAfter());

      f.clock.advance(Duration.ofSeconds(10));
      assertEquals(401, f.post("/api/v1/login", null, body("admin", "wrong again")).status());
      f.clock.advance(Duration.ofSeconds(10));
      ServerFixture.Reply stillLocked = f.post("/api/v1/login", null, body("admin", ServerFixture.ADMIN_PASSWORD));
      assertEquals(429, stillLocked.status(), "the fourth failure locks for 20 s: " + stillLocked);
      assertEquals("10", stillLocked.retryAfter());

      f.clock.advance(Duration.ofSeconds(10));
      assertEquals(200, f.post("/api/v1/login", null, body("admin", ServerFixture.ADMIN_PASSWORD)).status());
      assertEquals(401, f.post("/api/v1/login", null, body("admin", "a success resets the count")).status());
      assertEquals(200, f.post("/api/v1/login", null, body("admin", ServerFixture.ADMIN_PASSWORD)).status());
    }
  }

  @Test
  void anAddressGuessingManyUsersIsLockedToo() {
    try (ServerFixture f = new ServerFixture(dir,
        b -> b.loginLockout(100, 3, Duration.ofMinutes(1), Duration.ofMinutes(15)))) {
      f.setUpAndLogInAdmin();
      for (String user : new String[] {"alice", "bob", "x".repeat(100_000)}) {
        ServerFixture.Reply reply = f.post("/api/v1/login", null, body(user, "a wrong guess"));
        assertEquals(401, reply.status(), reply.body());
      }
      ServerFixture.Reply locked = f.post("/api/v1/login", null, body("admin", ServerFixture.ADMIN_PASSWORD));
      assertEquals(429, locked.status(), locked.body());
      f.clock.advance(Duration.ofMinutes(1));
      assertEquals(200, f.post("/api/v1/login", null, body("admin", ServerFixture.ADMIN_PASSWORD)).status());
    }
  }

  @Test
  void concurrentGuessesGetNoMorePasswordChecksThanTheThreshold() throws Exception {
    try (ServerFixture f = new ServerFixture(dir,
        b -> b.loginLockout(2, 1000, Duration.ofMinutes(15), Duration.ofMinutes(15)))) {
      f.setUpAndLogInAdmin();
      List<CompletableFuture<HttpResponse<String>>> guesses = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        HttpRequest request = f.request("/api/v1/login", null).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body("admin", "concurrent guess " + i))).build();
        guesses.add(f.client.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
      }
      int checked = 0;
      for (CompletableFuture<HttpResponse<String>> guess : guesses) {
        int status = guess.get().statusCode();
        assertEquals(true, status == 401 || status == 429, "status " + status);
        checked += status == 401 ? 1 : 0;
      }
      // Sent at once, the guesses all passed the lock check before the first failure was recorded.
      assertEquals(2, checked, "passwords checked while the lock allows 2 failures");
      assertEquals(429, f.post("/api/v1/login", null, body("admin", ServerFixture.ADMIN_PASSWORD)).status());
    }
  }
}
