package dev.faultline.console.server;

import java.util.Objects;

/**
 * One route of the console's HTTP API: its method, its path and who may call it.
 *
 * <p>The server registers exactly the routes of {@link ConsoleServer#ROUTES} and nothing else, so tests can enumerate
 * them. Immutable, thread-safe.
 *
 * @param method the HTTP method, upper case ({@code GET}, {@code POST})
 * @param path the path, starting with {@code /}
 * @param required the role a caller needs, or {@code null} for a route that needs no credentials
 *     (its own body may carry them, as login and setup do)
 * @param summary what the route does, in a few words
 */
public record Route(String method, String path, Role required, String summary) {

  /** Checks the fields. */
  public Route {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(summary, "summary");
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException("path must start with '/', but was '" + path + "'");
    }
  }

  /** Whether the route answers without credentials. */
  public boolean isPublic() {
    return required == null;
  }

  @Override
  public String toString() {
    return method + " " + path + " (" + (required == null ? "public" : required.name().toLowerCase()) + ")";
  }
}
