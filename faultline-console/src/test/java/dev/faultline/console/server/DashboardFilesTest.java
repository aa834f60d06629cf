package dev.faultline.console.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard's static files: served without credentials from the jar, each with the Content-Security-Policy that
 * forbids inline script; every file a page or script refers to is there (uPlot included, bundled at build time), none
 * comes from another origin, and clients outside the allow-list get none.
 */
class DashboardFilesTest {
  /** The policy docs/api.md promises for the dashboard's files. */
  private static final String CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self';"
      + " connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
  private static final Pattern HTML_REFERENCE = Pattern.compile("(?:src|href)=\"([^\"#]+)\"");
  private static final Pattern IMPORT = Pattern.compile("(?m)^\\s*import\\s+(?:[^'\"]+\\s+from\\s+)?'([^']+)'");

  @TempDir
  Path dir;

  @Test
  void theLoginPageIsServedAtTheRootWithTheContentSecurityPolicy() throws Exception {
    try (ServerFixture f = new ServerFixture(dir)) {
      HttpResponse<String> page = f.client.send(f.request("/", null).GET().build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, page.statusCode(), page.body());
      assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"), page.headers().toString());
      assertEquals(CSP, page.headers().firstValue("Content-Security-Policy").orElse(null));
      assertEquals("nosniff", page.headers().firstValue("X-Content-Type-Options").orElse(null));
      assertEquals("DENY", page.headers().firstValue("X-Frame-Options").orElse(null));
      assertTrue(page.body().contains("<script type=\"module\" src=\"js/app.js\"></script>"), page.body());
    }
  }

  @Test
  void everyReferencedFileIsServedFromThisOriginAndNoPageHasInlineScriptOrStyle() throws Exception {
    try (ServerFixture f = new ServerFixture(dir)) {
      String index = get(f, "/index.html");
      assertFalse(Pattern.compile("<script(?![^>]*\\bsrc=)[^>]*>").matcher(index).find(), "inline <script> in index");
      assertFalse(index.contains("style="), "style attribute in index");
      assertFalse(index.contains("<style"), "<style> element in index");
      Set<String> seen = new LinkedHashSet<>();
      Deque<String> todo = new ArrayDeque<>();
      Matcher html = HTML_REFERENCE.matcher(index);
      while (html.find()) {
        todo.add(resolve("/index.html", html.group(1)));
      }
      while (!todo.isEmpty()) {
        String path = todo.poll();
        if (!seen.add(path)) {
          continue;
        }
        String body = get(f, path);
        if (path.endsWith(".js")) {
          assertFalse(body.contains("innerHTML") && !path.contains("/vendor/"),
              path + " must build the page with textContent, never innerHTML");
          assertFalse(body.contains("eval("), path + " must not eval");
          Matcher imports = IMPORT.matcher(body);
          while (imports.find()) {
            todo.add(resolve(path, imports.group(1)));
          }
        }
      }
      assertTrue(seen.containsAll(List.of("/js/app.js", "/js/api.js", "/js/charts.js", "/vendor/uPlot.esm.js",
          "/vendor/uPlot.min.css", "/app.css", "/js/views/overview.js", "/js/views/incident.js",
          "/js/views/workflows.js", "/js/views/checkpoints.js", "/js/views/faulttrees.js", "/js/views/login.js")),
          seen.toString());
      assertEquals(200, f.get("/vendor/LICENSE", null).status(), "uPlot's licence ships with it");
    }
  }

  @Test
  void clientsOutsideTheAllowListGetNoFile() throws Exception {
    try (ServerFixture f = new ServerFixture(dir, b -> b.allowList(AddressAllowList.of(List.of("10.9.8.0/24"))))) {
      HttpResponse<String> page = f.client.send(f.request("/", null).GET().build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(403, page.statusCode(), page.body());
      assertFalse(page.body().contains("<html"), page.body());
    }
  }

  private static String get(ServerFixture f, String path) throws Exception {
    HttpResponse<String> response = f.client.send(f.request(path, null).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), path + ": " + response.body());
    assertEquals(CSP, response.headers().firstValue("Content-Security-Policy")
        .orElse(null), path);
    return response.body();
  }

  /** Resolves a relative reference the way the browser does; refuses references to another origin. */
  private static String resolve(String from, String reference) {
    assertFalse(reference.contains("//"), from + " refers to another origin: " + reference);
    return java.net.URI.create("http://x" + from).resolve(reference).getPath();
  }
}
