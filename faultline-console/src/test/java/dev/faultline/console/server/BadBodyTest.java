package dev.faultline.console.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every route of {@link ConsoleServer#ROUTES} that reads a body refuses malformed and oversized bodies with 400 and
 * 413 and a clear message, never a stack trace, and nothing that can be queried changes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadBodyTest {
  private static final int MAX_BODY = 2048;
  /** Routes that read no body. */
  private static final Set<String> BODILESS = Set.of("POST /api/v1/logout");

  private ServerFixture f;
  private String admin;
  private String key;

  @BeforeAll
  void start(@TempDir Path dir) {
    f = new ServerFixture(dir, b -> b.maxBodyBytes(MAX_BODY).maxDocumentBytes(MAX_BODY)
        .checkpointStore("ledger", dir.resolve("state")).workflowStore("batch", dir.resolve("workflows")));
    admin = f.setUpAndLogInAdmin();
    key = f.serviceKey(admin, "payments");
  }

  @AfterAll
  void stop() {
    f.close();
  }

  /** What a caller can see of the server's state. */
  private List<String> visibleState() {
    List<String> state = new ArrayList<>();
    for (String path : new String[] {"/api/v1/events", "/api/v1/incidents", "/api/v1/issues", "/api/v1/services",
        "/api/v1/metrics?service=payments&name=q", "/api/v1/keys", "/api/v1/users", "/api/v1/fault-trees",
        "/api/v1/dependencies"}) {
      state.add(f.get(path, admin).body());
    }
    return state;
  }

  private ServerFixture.Reply send(Route route, String contentType, String body) {
    String token = route.required() == Role.REPORTER ? key : route.isPublic() ? null : admin;
    return f.send(f.request(route.path().replaceAll("\\{[a-z]+\\}", "sample"), token)
        .header("Content-Type", contentType).method(route.method(), HttpRequest.BodyPublishers.ofString(body)));
  }

  @Test
  void malformedAndOversizedBodiesAreRefusedAndChangeNothing() {
    List<String> before = visibleState();
    int checked = 0;
    for (Route route : ConsoleServer.ROUTES) {
      if (route.method().equals("GET") || route.method().equals("DELETE")
          || BODILESS.contains(route.method() + " " + route.path())) {
        continue;
      }
      boolean xml = route.path().startsWith("/api/v1/fault-trees/");
      String type = xml ? "application/xml" : "application/json";
      String malformed = xml ? "<opsa-mef><define-gate" : "{\"broken\": ";
      ServerFixture.Reply bad = send(route, type, malformed);
      assertEquals(400, bad.status(), route + " malformed: " + bad);
      assertEquals("bad-request", bad.error(), route + ": " + bad);
      assertTrue(bad.json().get("message").asText().contains(xml ? "malformed XML" : "malformed JSON"), route + ": " + bad);
      assertFalse(bad.body().contains("\tat ") || bad.body().contains("Exception"), route + ": " + bad);

      ServerFixture.Reply big = send(route, type, (xml ? "<!--" : "[\"") + "x".repeat(MAX_BODY) + (xml ? "-->" : "\"]"));
      assertEquals(413, big.status(), route + " oversized: " + big);
      assertEquals("payload-too-large", big.error());

      ServerFixture.Reply wrongType = send(route, "text/plain", "{}");
      assertEquals(415, wrongType.status(), route + " text/plain: " + wrongType);
      checked++;
    }
    assertEquals(14, checked, "every route that reads a body");
    assertEquals(before, visibleState(), "a refused request stores nothing");
  }
}
