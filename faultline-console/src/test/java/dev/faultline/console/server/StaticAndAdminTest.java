package dev.faultline.console.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The static dashboard is served without credentials but behind the allow-list and rate limit, with a CSP that allows
 * only the server's own scripts; sessions by cookie; keys revoked; users listed.
 */
class StaticAndAdminTest {

  @TempDir
  Path dir;

  @Test
  void staticFilesAreServedWithoutCredentialsUnderAStrictPolicy() {
    try (ServerFixture f = new ServerFixture(dir, b -> b.uiResources("/faultline-ui-test"))) {
      ServerFixture.Reply index = f.get("/", null);
      assertEquals(200, index.status(), index.body());
      assertTrue(index.body().contains("static test page"), index.body());
      String csp = index.headers().firstValue("Content-Security-Policy").orElseThrow();
      assertTrue(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"), csp);
      assertFalse(csp.contains("unsafe-inline"), csp);
      assertEquals("nosniff", index.headers().firstValue("X-Content-Type-Options").orElseThrow());
      ServerFixture.Reply script = f.get("/app.js", null);
      assertEquals(200, script.status());
      assertTrue(script.headers().firstValue("Content-Type").orElseThrow().contains("javascript"));
      ServerFixture.Reply missing = f.get("/nothing.js", null);
      assertEquals(404, missing.status());
      assertEquals("not-found", missing.error());
      assertEquals("default-src 'none'; frame-ancestors 'none'", f.get("/health", null).headers()
          .firstValue("Content-Security-Policy").orElseThrow(), "API answers allow nothing to load");
    }
  }

  @Test
  void staticFilesAreBehindTheAllowListAndTheAddressRateLimit() {
    try (ServerFixture f = new ServerFixture(dir.resolve("a"), b -> b.uiResources("/faultline-ui-test")
        .allowList(AddressAllowList.of(List.of("10.0.0.0/8"))))) {
      ServerFixture.Reply refused = f.get("/", null);
      assertEquals(403, refused.status(), refused.body());
      assertEquals("address-not-allowed", refused.error());
    }
    try (ServerFixture f = new ServerFixture(dir.resolve("b"), b -> b.uiResources("/faultline-ui-test")
        .addressRateLimit(2, Duration.ofMinutes(1)))) {
      assertEquals(200, f.get("/", null).status());
      assertEquals(200, f.get("/app.js", null).status());
      assertEquals(429, f.get("/app.js", null).status());
    }
  }

  @Test
  void aCookieSessionLogsOutAndTheCookieStopsWorking() {
    try (ServerFixture f = new ServerFixture(dir)) {
      f.setUpAndLogInAdmin();
      ServerFixture.CookieSession browser = f.cookieLogIn("admin", ServerFixture.ADMIN_PASSWORD);
      assertEquals(200, f.send(browser.on(f.request("/api/v1/services", null).GET(), false)).status());
      ServerFixture.Reply out = f.send(browser.on(f.request("/api/v1/logout", null)
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")), true));
      assertEquals(200, out.status(), out.body());
      assertTrue(out.headers().firstValue("Set-Cookie").orElseThrow().contains("Max-Age=0"),
          out.headers().map().toString());
      ServerFixture.Reply after = f.send(browser.on(f.request("/api/v1/services", null).GET(), false));
      assertEquals(401, after.status());
    }
  }

  @Test
  void keysAreRevokedAndUsersListedWithoutSecrets() {
    try (ServerFixture f = new ServerFixture(dir)) {
      String admin = f.setUpAndLogInAdmin();
      String key = f.serviceKey(admin, "payments");
      f.userSession(admin, "olga", "operator");
      JsonNode users = f.get("/api/v1/users", admin).json().get("users");
      assertEquals("[{\"name\":\"admin\",\"role\":\"admin\",\"passwordSet\":true},"
          + "{\"name\":\"olga\",\"role\":\"operator\",\"passwordSet\":true}]", users.toString());
      String id = f.get("/api/v1/keys", admin).json().get("keys").get(0).get("id").asText();
      assertFalse(f.get("/api/v1/keys", admin).body().contains(key), "secrets are never listed");
      String batch = "[{\"type\":\"A\",\"source\":\"s\",\"time\":0}]";
      assertEquals(202, f.post("/api/v1/events", key, batch).status());
      assertEquals(200, f.delete("/api/v1/keys/" + id, admin).status());
      assertEquals(401, f.post("/api/v1/events", key, batch).status(), "a revoked key stops working at once");
      assertEquals(404, f.delete("/api/v1/keys/" + id, admin).status());
      assertEquals(0, f.get("/api/v1/keys", admin).json().get("keys").size());
      String audit = f.get("/api/v1/audit?limit=1000", admin).json().get("records").toString();
      assertTrue(audit.contains("revoked key " + id), audit);
    }
  }
}
