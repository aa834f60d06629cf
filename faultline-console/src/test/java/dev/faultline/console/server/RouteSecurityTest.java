package dev.faultline.console.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every route of {@link ConsoleServer#ROUTES} refuses anonymous callers, bad tokens and callers of the wrong role, and
 * lets the right role through; every route that changes something refuses a cookie session without its CSRF token.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RouteSecurityTest {

  private static final Map<Role, String> USERS = Map.of(Role.ADMIN, "admin", Role.OPERATOR, "olga",
      Role.VIEWER, "victor");
  private static final Map<Role, String> PASSWORDS = Map.of(Role.ADMIN, ServerFixture.ADMIN_PASSWORD,
      Role.OPERATOR, ServerFixture.passwordOf("olga"), Role.VIEWER, ServerFixture.passwordOf("victor"));

  private ServerFixture f;
  private final Map<Role, String> credentials = new LinkedHashMap<>();

  @BeforeAll
  void start(@TempDir Path dir) {
    f = new ServerFixture(dir);
    String admin = f.setUpAndLogInAdmin();
    credentials.put(Role.ADMIN, admin);
    credentials.put(Role.OPERATOR, f.userSession(admin, "olga", "operator"));
    credentials.put(Role.VIEWER, f.userSession(admin, "victor", "viewer"));
    credentials.put(Role.REPORTER, f.serviceKey(admin, "payments"));
  }

  @AfterAll
  void stop() {
    f.close();
  }

  /** The route's path with every {parameter} filled with a sample value. */
  private static String path(Route route) {
    return route.path().replaceAll("\\{[a-z]+\\}", "sample");
  }

  private HttpRequest.Builder request(Route route, String token) {
    HttpRequest.Builder request = f.request(path(route), token);
    if (route.method().equals("GET")) {
      request.GET();
    } else {
      request.header("Content-Type", "application/json").method(route.method(), HttpRequest.BodyPublishers.ofString(
          "{}"));
    }
    return request;
  }

  private ServerFixture.Reply call(Route route, String token) {
    return f.send(request(route, token));
  }

  /** Whether the request reached the route's endpoint: neither refused by the pipeline nor unrouted. */
  private static boolean admitted(ServerFixture.Reply reply) {
    return !Set.of(401, 403, 405).contains(reply.status())
        && !(reply.status() == 404 && reply.json().path("message").asText().startsWith("no route"));
  }

  @Test
  void theServerRegistersExactlyTheRoutesOfTheTable() {
    List<String> table = ConsoleServer.ROUTES.stream().map(r -> r.method() + " " + r.path()).sorted().toList();
    List<String> registered = f.server.registeredHandlers().stream().sorted().toList();
    assertEquals(table, registered);
  }

  @Test
  void onlyHealthLoginAndSetupArePublic() {
    Set<String> open = ConsoleServer.ROUTES.stream().filter(Route::isPublic)
        .map(r -> r.method() + " " + r.path()).collect(Collectors.toSet());
    assertEquals(Set.of("GET /health", "POST /api/v1/login", "POST /api/v1/setup"), open);
  }

  @Test
  void everyProtectedRouteRefusesAnonymousAndBadTokens() {
    int checked = 0;
    for (Route route : ConsoleServer.ROUTES) {
      if (route.isPublic()) {
        continue;
      }
      for (String token : new String[] {null, "", "fsess_forged", "fkey_forged", "not-a-token"}) {
        ServerFixture.Reply reply = call(route, token);
        assertEquals(401, reply.status(), route + " with token '" + token + "': " + reply);
        assertEquals("unauthenticated", reply.error(), route + ": " + reply);
        checked++;
      }
      HttpRequest.Builder basic = f.request(path(route), null).header("Authorization", "Basic YWRtaW46YWRtaW4=");
      basic.method(route.method(), HttpRequest.BodyPublishers.noBody());
      assertEquals(401, f.send(basic).status(), route + " with Basic credentials");
      HttpRequest.Builder forgedCookie = request(route, null).header("Cookie", ConsoleServer.SESSION_COOKIE
          + "=fsess_forged");
      assertEquals(401, f.send(forgedCookie).status(), route + " with a forged session cookie");
    }
    assertEquals(5 * (ConsoleServer.ROUTES.size() - 3), checked, "routes checked");
  }

  /**
   * The web framework answers HEAD for every GET route without running its handler: before, an anonymous HEAD of a
   * protected route (the audit log) got 200, skipping authentication, the caller's limit and the audit. The API serves
   * no HEAD (405, with or without credentials); the public health check and the dashboard's files keep it.
   */
  @Test
  void headIsRefusedOnTheApiWhateverTheCaller() {
    int checked = 0;
    for (Route route : ConsoleServer.ROUTES) {
      if (!route.method().equals("GET") || !route.path().startsWith("/api/")) {
        continue;
      }
      for (String token : new String[] {null, credentials.get(Role.ADMIN)}) {
        HttpRequest.Builder head = f.request(path(route), token).method("HEAD", HttpRequest.BodyPublishers.noBody());
        ServerFixture.Reply reply = f.send(head);
        assertEquals(405, reply.status(), "HEAD " + route + (token == null ? " anonymous" : " as admin"));
        assertEquals("GET", reply.headers().firstValue("Allow").orElse(""), "HEAD " + route);
        checked++;
      }
    }
    assertTrue(checked >= 20, "GET routes of the API checked: " + checked);
    ServerFixture.Reply health = f.send(f.request("/health", null).method("HEAD", HttpRequest.BodyPublishers.noBody()));
    assertEquals(200, health.status(), "HEAD /health stays open for load balancers");
  }

  @Test
  void everyProtectedRouteRefusesEveryWrongRoleAndAdmitsTheRightOnes() {
    for (Route route : ConsoleServer.ROUTES) {
      if (route.isPublic()) {
        continue;
      }
      for (Map.Entry<Role, String> caller : credentials.entrySet()) {
        String token = caller.getValue();
        if (route.path().equals("/api/v1/logout") && caller.getKey() != Role.REPORTER) {
          token = f.logIn(USERS.get(caller.getKey()), PASSWORDS.get(caller.getKey()));  // logout spends its session
        }
        ServerFixture.Reply reply = call(route, token);
        if (caller.getKey().covers(route.required())) {
          assertTrue(admitted(reply), route + " must admit " + caller.getKey() + ": " + reply);
        } else {
          assertEquals(403, reply.status(), route + " must refuse " + caller.getKey() + ": " + reply);
          assertEquals("forbidden", reply.error());
        }
      }
    }
  }

  @Test
  void everyChangingRouteRefusesACookieSessionWithoutItsCsrfToken() {
    int checked = 0;
    for (Route route : ConsoleServer.ROUTES) {
      if (route.isPublic() || route.method().equals("GET") || route.required() == Role.REPORTER) {
        continue;
      }
      ServerFixture.CookieSession browser = f.cookieLogIn("admin", ServerFixture.ADMIN_PASSWORD);
      ServerFixture.Reply without = f.send(browser.on(request(route, null), false));
      assertEquals(403, without.status(), route + " without the CSRF header: " + without);
      assertEquals("csrf", without.error());
      ServerFixture.Reply wrong = f.send(browser.on(request(route, null), false)
          .header(ConsoleServer.CSRF_HEADER, "fcsrf_forged"));
      assertEquals(403, wrong.status(), route + " with a wrong CSRF header: " + wrong);
      ServerFixture.Reply with = f.send(browser.on(request(route, null), true));
      assertTrue(admitted(with), route + " with the CSRF header: " + with);
      checked++;
    }
    assertTrue(checked >= 11, "routes checked: " + checked);
  }

  @Test
  void aCookieSessionReadsWithoutTheCsrfTokenAndIsNeverAReporter() {
    ServerFixture.CookieSession browser = f.cookieLogIn("victor", ServerFixture.passwordOf("victor"));
    ServerFixture.Reply session = f.send(browser.on(f.request("/api/v1/session", null).GET(), false));
    assertEquals(200, session.status(), session.body());
    assertEquals(browser.csrf(), session.json().get("csrfToken").asText());
    assertEquals("viewer", session.json().get("role").asText());
    ServerFixture.Reply ingest = f.send(browser.on(f.request("/api/v1/events", null)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("[]")), true));
    assertEquals(403, ingest.status(), ingest.body());
    assertEquals("forbidden", ingest.error());
  }

  @Test
  void theLoginCookieIsHttpOnlyAndSameSiteStrict() {
    ServerFixture.Reply reply = f.post("/api/v1/login", null,
        "{\"user\":\"admin\",\"password\":\"" + ServerFixture.ADMIN_PASSWORD + "\"}");
    String cookie = reply.headers().firstValue("Set-Cookie").orElseThrow();
    assertTrue(cookie.contains("HttpOnly"), cookie);
    assertTrue(cookie.contains("SameSite=Strict"), cookie);
    assertTrue(cookie.contains("Path=/"), cookie);
    assertFalse(cookie.contains("Secure"), "Secure only under TLS (TlsTest checks it there): " + cookie);
  }

  @Test
  void rolesCoverAsDocumented() {
    assertTrue(Role.ADMIN.covers(Role.VIEWER));
    assertTrue(Role.OPERATOR.covers(Role.VIEWER));
    assertFalse(Role.VIEWER.covers(Role.OPERATOR));
    assertFalse(Role.OPERATOR.covers(Role.ADMIN));
    assertFalse(Role.ADMIN.covers(Role.REPORTER));
    assertFalse(Role.REPORTER.covers(Role.VIEWER));
    assertTrue(Role.REPORTER.covers(Role.REPORTER));
  }

  @Test
  void unknownRoutesAnswer404AsJsonWithoutDetail() {
    ServerFixture.Reply reply = f.get("/api/v1/nothing-here", credentials.get(Role.ADMIN));
    assertEquals(404, reply.status(), reply.body());
    assertEquals("not-found", reply.error());
  }
}
