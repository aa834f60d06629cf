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
 * lets the right role through.
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

  private ServerFixture.Reply call(Route route, String token) {
    HttpRequest.Builder request = f.request(route.path(), token);
    if (route.method().equals("GET")) {
      request.GET();
    } else {
      request.header("Content-Type", "application/json").method(route.method(), HttpRequest.BodyPublishers.ofString(
          "{}"));
    }
    return f.send(request);
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
      HttpRequest.Builder basic = f.request(route.path(), null).header("Authorization", "Basic YWRtaW46YWRtaW4=");
      basic.method(route.method(), HttpRequest.BodyPublishers.noBody());
      assertEquals(401, f.send(basic).status(), route + " with Basic credentials");
    }
    assertTrue(checked >= 5 * 8, "routes checked: " + checked);
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
          assertFalse(Set.of(401, 403, 404, 405).contains(reply.status()),
              route + " must admit " + caller.getKey() + ": " + reply);
        } else {
          assertEquals(403, reply.status(), route + " must refuse " + caller.getKey() + ": " + reply);
          assertEquals("forbidden", reply.error());
        }
      }
    }
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
