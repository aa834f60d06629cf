package dev.faultline.console.server;

import io.javalin.config.JavalinConfig;
import io.javalin.http.staticfiles.Location;
import java.util.Map;

/**
 * The web dashboard's static files, from the classpath directory {@value #CLASSPATH_DIRECTORY}: the single page
 * {@code /} (login, overview, incidents, workflows, checkpoints, fault trees), its scripts and style sheets, and
 * uPlot, copied out of its WebJar at build time into {@code vendor/}. Nothing is loaded from another origin.
 *
 * <p>These files are public, like the login page they make up: they hold code, never data. Every piece of data the
 * dashboard shows comes from the API, which authenticates each request. Clients outside the address allow-list get
 * no file (the request falls through to the JSON 404).
 *
 * <p>Each file is sent with {@link #HEADERS}: a Content-Security-Policy that allows scripts, styles and connections
 * from this origin only — no inline script, no {@code eval}, no framing — and the API's other safety headers.
 * Stateless; thread-safe.
 */
final class Dashboard {

  /** Where the files are on the classpath. */
  static final String CLASSPATH_DIRECTORY = "/faultline-ui";

  /** The policy: same-origin scripts, styles, images and API calls only; inline script and framing forbidden. */
  static final String CONTENT_SECURITY_POLICY = "default-src 'self'; img-src 'self' data:; style-src 'self';"
      + " script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

  /** The headers of every static file. */
  static final Map<String, String> HEADERS = Map.of(
      "Content-Security-Policy", CONTENT_SECURITY_POLICY,
      "X-Content-Type-Options", "nosniff",
      "X-Frame-Options", "DENY",
      "Referrer-Policy", "no-referrer",
      // Revalidate every time: a new build of the server must never run with an old build's scripts.
      "Cache-Control", "no-cache");

  private Dashboard() {}

  /** Adds the dashboard's files to a server being configured; clients the allow-list refuses get none of them. */
  static void serve(JavalinConfig javalin, AddressAllowList allowList) {
    javalin.staticFiles.add(files -> {
      files.hostedPath = "/";
      files.directory = CLASSPATH_DIRECTORY;
      files.location = Location.CLASSPATH;
      files.headers = HEADERS;
      files.skipFileFunction = request -> !allowList.allows(request.getRemoteAddr());
    });
  }
}
