package dev.faultline.console.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.faultline.core.testing.FakeClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A console server on an ephemeral loopback port with a fake clock, and an HTTP client to call it. Not thread-safe.
 */
final class ServerFixture implements AutoCloseable {
  static final String ADMIN_PASSWORD = "correct horse battery staple";
  static final ObjectMapper JSON = new ObjectMapper();

  final FakeClock clock = new FakeClock();
  final Path dataDir;
  final List<String> setupTokens = new ArrayList<>();
  final ConsoleServer server;
  final HttpClient client;

  ServerFixture(Path dataDir) {
    this(dataDir, UnaryOperator.identity());
  }

  ServerFixture(Path dataDir, UnaryOperator<ConsoleServer.Builder> configure) {
    this(dataDir, configure, HttpClient.newHttpClient());
  }

  ServerFixture(Path dataDir, UnaryOperator<ConsoleServer.Builder> configure, HttpClient client) {
    this.dataDir = dataDir;
    this.client = client;
    try {
      this.server = configure.apply(ConsoleServer.builder(dataDir).port(0).clock(clock)
          // The fake clock never refills a bucket by itself: tests that are not about limits must not meet them.
          .addressRateLimit(1_000_000, Duration.ofSeconds(1)).credentialRateLimit(1_000_000, Duration.ofSeconds(1))
          .setupTokenSink(setupTokens::add)).start();
    } catch (IOException e) {
      throw new IllegalStateException("the server did not start", e);
    }
  }

  /** Completes setup with the token the server handed out, and returns an admin session token. */
  String setUpAndLogInAdmin() {
    Reply setup = post("/api/v1/setup", null,
        "{\"token\":\"" + setupTokens.get(0) + "\",\"password\":\"" + ADMIN_PASSWORD + "\"}");
    if (setup.status() != 200) {
      throw new AssertionError("setup failed: " + setup);
    }
    return logIn("admin", ADMIN_PASSWORD);
  }

  /** Logs in and returns the session token. */
  String logIn(String user, String password) {
    Reply reply = post("/api/v1/login", null, "{\"user\":\"" + user + "\",\"password\":\"" + password + "\"}");
    if (reply.status() != 200) {
      throw new AssertionError("login of " + user + " failed: " + reply);
    }
    return reply.json().get("token").asText();
  }

  /** Creates a user with the admin's token and returns the user's session token. */
  String userSession(String adminToken, String name, String role) {
    String password = passwordOf(name);
    Reply created = post("/api/v1/users", adminToken,
        "{\"name\":\"" + name + "\",\"role\":\"" + role + "\",\"password\":\"" + password + "\"}");
    if (created.status() != 201) {
      throw new AssertionError("creating " + name + " failed: " + created);
    }
    return logIn(name, password);
  }

  /** The password {@link #userSession} gives a user. */
  static String passwordOf(String name) {
    return "password-of-" + name;
  }

  /** Creates a service key with the admin's token and returns its secret. */
  String serviceKey(String adminToken, String service) {
    Reply created = post("/api/v1/keys", adminToken, "{\"service\":\"" + service + "\"}");
    if (created.status() != 201) {
      throw new AssertionError("creating a key failed: " + created);
    }
    return created.json().get("key").asText();
  }

  Reply get(String path, String token) {
    return send(request(path, token).GET());
  }

  Reply post(String path, String token, String json) {
    return send(request(path, token).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  Reply put(String path, String token, String contentType, String body) {
    return send(request(path, token).header("Content-Type", contentType)
        .PUT(HttpRequest.BodyPublishers.ofString(body)));
  }

  Reply delete(String path, String token) {
    return send(request(path, token).DELETE());
  }

  /** A browser's session: the cookie login set and the CSRF token it returned. */
  record CookieSession(String cookie, String csrf) {
    /** A request carrying the cookie (and, when {@code withCsrf}, the CSRF header). */
    HttpRequest.Builder on(HttpRequest.Builder request, boolean withCsrf) {
      request.header("Cookie", ConsoleServer.SESSION_COOKIE + "=" + cookie);
      if (withCsrf) {
        request.header(ConsoleServer.CSRF_HEADER, csrf);
      }
      return request;
    }
  }

  /** Logs in as a browser does and returns the session cookie and CSRF token. */
  CookieSession cookieLogIn(String user, String password) {
    Reply reply = post("/api/v1/login", null, "{\"user\":\"" + user + "\",\"password\":\"" + password + "\"}");
    if (reply.status() != 200) {
      throw new AssertionError("login of " + user + " failed: " + reply);
    }
    String setCookie = reply.headers().firstValue("Set-Cookie").orElseThrow();
    String prefix = ConsoleServer.SESSION_COOKIE + "=";
    String cookie = setCookie.substring(prefix.length(), setCookie.indexOf(';'));
    return new CookieSession(cookie, reply.json().get("csrfToken").asText());
  }

  HttpRequest.Builder request(String path, String token) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(server.baseUri() + path));
    if (token != null) {
      builder.header("Authorization", "Bearer " + token);
    }
    return builder;
  }

  Reply send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new Reply(response.statusCode(), response.body(),
          response.headers().firstValue("Retry-After").orElse(null), response.headers());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  @Override
  public void close() {
    server.close();
  }

  /** A response: status, body, the Retry-After header (or null) and every header. */
  record Reply(int status, String body, String retryAfter, HttpHeaders headers) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON: " + body, e);
      }
    }

    String error() {
      return json().path("error").asText();
    }

    @Override
    public String toString() {
      return status + " " + body;
    }
  }
}
