package dev.faultline.console.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** First start, the one-time setup token, login, sessions and what is persisted — over real HTTP. */
class SetupAndLoginTest {

  @TempDir
  Path dir;

  @Test
  void healthAnswersWithoutCredentialsWithSafeHeaders() throws Exception {
    try (ServerFixture f = new ServerFixture(dir)) {
      ServerFixture.Reply reply = f.get("/health", null);
      assertEquals(200, reply.status(), reply.body());
      assertEquals("up", reply.json().get("status").asText());
      HttpResponse<String> raw = f.client.send(f.request("/health", null).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals("nosniff", raw.headers().firstValue("X-Content-Type-Options").orElse(null));
      assertEquals("no-store", raw.headers().firstValue("Cache-Control").orElse(null));
      assertEquals("DENY", raw.headers().firstValue("X-Frame-Options").orElse(null));
    }
  }

  @Test
  void firstStartHandsOutOneSetupTokenAndNoPasswordWorksBeforeSetup() throws Exception {
    try (ServerFixture f = new ServerFixture(dir)) {
      assertEquals(1, f.setupTokens.size());
      assertTrue(f.setupTokens.get(0).length() >= 40, f.setupTokens.get(0));
      for (String guess : new String[] {"admin", "password", "", f.setupTokens.get(0)}) {
        ServerFixture.Reply login = f.post("/api/v1/login", null,
            "{\"user\":\"admin\",\"password\":\"" + guess + "\"}");
        assertEquals(401, login.status(), "admin must have no password before setup: " + login);
      }
      String stored = Files.readString(f.dataDir.resolve(CredentialStore.FILE));
      assertFalse(stored.contains(f.setupTokens.get(0)), "the token must be stored only as a digest");
      assertTrue(stored.contains(Secrets.digest(f.setupTokens.get(0))), stored);
    }
  }

  @Test
  void setupSetsThePasswordAndTheTokenCannotBeReused() throws Exception {
    try (ServerFixture f = new ServerFixture(dir)) {
      String token = f.setupTokens.get(0);
      ServerFixture.Reply wrong = f.post("/api/v1/setup", null,
          "{\"token\":\"fsetup_wrong\",\"password\":\"" + ServerFixture.ADMIN_PASSWORD + "\"}");
      assertEquals(401, wrong.status(), wrong.body());
      ServerFixture.Reply weak = f.post("/api/v1/setup", null, "{\"token\":\"" + token + "\",\"password\":\"short\"}");
      assertEquals(400, weak.status(), weak.body());
      assertTrue(weak.json().get("message").asText().contains("at least 12"), weak.body());

      ServerFixture.Reply done = f.post("/api/v1/setup", null,
          "{\"token\":\"" + token + "\",\"password\":\"" + ServerFixture.ADMIN_PASSWORD + "\"}");
      assertEquals(200, done.status(), done.body());

      ServerFixture.Reply reuse = f.post("/api/v1/setup", null,
          "{\"token\":\"" + token + "\",\"password\":\"another password entirely\"}");
      assertEquals(410, reuse.status(), reuse.body());
      assertEquals(401, f.post("/api/v1/login", null,
          "{\"user\":\"admin\",\"password\":\"another password entirely\"}").status());
      assertNotNull(f.logIn("admin", ServerFixture.ADMIN_PASSWORD));

      String stored = Files.readString(f.dataDir.resolve(CredentialStore.FILE));
      assertFalse(stored.contains(ServerFixture.ADMIN_PASSWORD), "the password must be stored only hashed");
      assertTrue(stored.contains("\"iterations\" : " + Passwords.ITERATIONS), stored);
      assertFalse(Files.exists(f.dataDir.resolve(CredentialStore.FILE + ".tmp")), "no temporary file left");
    }
  }

  @Test
  void concurrentSetupsWithTheTokenSucceedExactlyOnce() throws Exception {
    try (ServerFixture f = new ServerFixture(dir)) {
      List<CompletableFuture<HttpResponse<String>>> racing = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        HttpRequest request = f.request("/api/v1/setup", null).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"token\":\"" + f.setupTokens.get(0)
                + "\",\"password\":\"racing password " + i + "\"}")).build();
        racing.add(f.client.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
      }
      List<Integer> statuses = new ArrayList<>();
      for (CompletableFuture<HttpResponse<String>> response : racing) {
        statuses.add(response.get(60, TimeUnit.SECONDS).statusCode());
      }
      assertEquals(1, statuses.stream().filter(s -> s == 200).count(), statuses.toString());
      assertEquals(5, statuses.stream().filter(s -> s == 410).count(), statuses.toString());
    }
  }

  @Test
  void aRestartBeforeSetupReplacesTheTokenAndAfterSetupKeepsUsersAndKeys() {
    String oldToken;
    try (ServerFixture f = new ServerFixture(dir)) {
      oldToken = f.setupTokens.get(0);
    }
    String key;
    try (ServerFixture f = new ServerFixture(dir)) {
      assertEquals(1, f.setupTokens.size());
      ServerFixture.Reply stale = f.post("/api/v1/setup", null,
          "{\"token\":\"" + oldToken + "\",\"password\":\"" + ServerFixture.ADMIN_PASSWORD + "\"}");
      assertEquals(401, stale.status(), "a token from an earlier start is void: " + stale);
      String admin = f.setUpAndLogInAdmin();
      key = f.serviceKey(admin, "payments");
    }
    try (ServerFixture f = new ServerFixture(dir)) {
      assertTrue(f.setupTokens.isEmpty(), "no setup token once setup is done");
      assertNotNull(f.logIn("admin", ServerFixture.ADMIN_PASSWORD));
      ServerFixture.Reply ingest = f.post("/api/v1/events", key,
          "[{\"type\":\"CallFailed\",\"source\":\"s\",\"time\":0}]");
      assertEquals(202, ingest.status(), "keys survive a restart: " + ingest);
    }
  }

  @Test
  void sessionsExpireAndLogoutEndsThem() {
    try (ServerFixture f = new ServerFixture(dir, b -> b.sessionTtl(Duration.ofMinutes(30)))) {
      String admin = f.setUpAndLogInAdmin();
      assertEquals(200, f.get("/api/v1/services", admin).status());
      f.clock.advance(Duration.ofMinutes(30));
      ServerFixture.Reply expired = f.get("/api/v1/services", admin);
      assertEquals(401, expired.status(), expired.body());

      String again = f.logIn("admin", ServerFixture.ADMIN_PASSWORD);
      assertEquals(200, f.post("/api/v1/logout", again, "{}").status());
      assertEquals(401, f.get("/api/v1/services", again).status());
    }
  }
}
