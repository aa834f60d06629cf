package dev.faultline.console.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Admin and operator actions, logins and setup are appended to the audit log, which admins can read. */
class AuditTest {

  @TempDir
  Path dir;

  @Test
  void adminActionsLoginsAndSetupAreAudited() throws Exception {
    try (ServerFixture f = new ServerFixture(dir)) {
      String admin = f.setUpAndLogInAdmin();
      f.serviceKey(admin, "payments");
      String operator = f.userSession(admin, "olga", "operator");
      assertEquals(200, f.get("/api/v1/services", operator).status());
      String viewer = f.userSession(admin, "victor", "viewer");
      assertEquals(200, f.get("/api/v1/services", viewer).status());
      assertEquals(401, f.post("/api/v1/login", null, "{\"user\":\"olga\",\"password\":\"wrong password\"}")
          .status());

      JsonNode records = f.get("/api/v1/audit?limit=1000", admin).json().get("records");
      List<String> lines = new ArrayList<>();
      for (JsonNode record : records) {
        lines.add(record.get("actor").asText() + " " + record.get("action").asText() + " "
            + record.get("status").asInt() + " " + record.get("detail").asText());
      }
      String all = String.join("\n", lines);
      assertTrue(all.contains("admin POST /api/v1/setup 200 admin password set"), all);
      assertTrue(all.contains("admin POST /api/v1/login 200 logged in"), all);
      assertTrue(all.contains("admin POST /api/v1/keys 201 created key k1 for service payments"), all);
      assertTrue(all.contains("admin POST /api/v1/users 201 created user olga with role operator"), all);
      assertTrue(all.contains("olga GET /api/v1/services 200"), all);
      assertTrue(all.contains("olga POST /api/v1/login 401 failed login"), all);
      assertFalse(all.contains("victor GET"), "viewers' reads are not admin or operator actions: " + all);
      List<String> file = Files.readAllLines(dir.resolve(AuditLog.FILE));
      assertEquals(records.size() + 1, file.size(), "the file holds every record, and then the audit read itself");
      assertTrue(file.get(file.size() - 1).contains("GET /api/v1/audit"), file.get(file.size() - 1));
      assertFalse(Files.readString(dir.resolve(AuditLog.FILE)).contains("fkey_"), "no secret in the audit log");
    }
  }

  /**
   * The security audit shows every logout (a viewer's too), every request whose credentials were refused (401; not
   * one that presented none), and every refused login, malformed ones included; never the password, token or key
   * that was sent.
   */
  @Test
  void logoutsFailedAuthenticationAndMalformedLoginsAreAuditedWithoutSecrets() throws Exception {
    try (ServerFixture f = new ServerFixture(dir)) {
      String admin = f.setUpAndLogInAdmin();
      String viewer = f.userSession(admin, "victor", "viewer");
      assertEquals(200, f.post("/api/v1/logout", viewer, "{}").status());
      assertEquals(401, f.get("/api/v1/services", viewer).status(), "the ended session");
      assertEquals(401, f.get("/api/v1/services", "fkey_not-a-key-0123456789").status());
      assertEquals(401, f.get("/api/v1/services", null).status());
      ServerFixture.Reply expiredCookie = f.send(f.request("/api/v1/session", null)
          .header("Cookie", ConsoleServer.SESSION_COOKIE + "=" + viewer).GET());
      assertEquals(401, expiredCookie.status(), "the ended session, as a cookie");
      assertEquals(400, f.post("/api/v1/login", null, "{\"user\":\"victor\",\"password\":\"Sec'ret\" x").status(),
          "malformed JSON, whose error message would quote the password");
      assertEquals(400, f.post("/api/v1/login", null, "{\"user\":\"victor\"}").status());
      String tooLong = "Long-" + "p".repeat(Passwords.MAX_LENGTH);
      assertEquals(400, f.post("/api/v1/login", null, "{\"user\":\"victor\",\"password\":\"" + tooLong + "\"}")
          .status());

      List<String> lines = new ArrayList<>();
      for (JsonNode record : f.get("/api/v1/audit?limit=1000", admin).json().get("records")) {
        lines.add(record.get("actor").asText() + " " + record.get("role").asText() + " "
            + record.get("action").asText() + " " + record.get("status").asInt() + " " + record.get("detail").asText());
      }
      String all = String.join("\n", lines);
      assertTrue(all.contains("victor VIEWER POST /api/v1/logout 200 logged out"), all);
      assertTrue(all.contains("anonymous null GET /api/v1/services 401 failed authentication: the session token is"
          + " not valid or has expired; log in again"), all);
      assertTrue(all.contains("anonymous null GET /api/v1/services 401 failed authentication: the bearer token is not"
          + " a valid session token or service key"), all);
      assertTrue(all.contains("anonymous null GET /api/v1/session 401 failed authentication: the session has expired"
          + " or ended; log in again"), all);
      assertFalse(all.contains("this route requires a session"), "a request without credentials is no failed"
          + " authentication: " + all);
      assertEquals(2, count(all, "anonymous null POST /api/v1/login 400 refused: malformed request (bad-request)"),
          all);
      assertTrue(all.contains("victor null POST /api/v1/login 400 refused login (password longer than "
          + Passwords.MAX_LENGTH + " characters)"), all);
      String file = Files.readString(dir.resolve(AuditLog.FILE));
      for (String secret : new String[] {viewer, "fkey_not-a-key", "Sec'ret", tooLong}) {
        assertFalse(file.contains(secret), "no credential in the audit log: " + secret);
      }
    }
  }

  private static int count(String text, String part) {
    int n = 0;
    for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
      n++;
    }
    return n;
  }
}
