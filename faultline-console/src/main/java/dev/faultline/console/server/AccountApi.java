package dev.faultline.console.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.faultline.console.server.Api.Endpoint;
import dev.faultline.console.server.Api.Principal;
import dev.faultline.console.server.Api.Reply;
import dev.faultline.core.Clock;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.SameSite;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The routes of accounts: setup, login and logout, the session, service keys, users and the audit log.
 *
 * <h2>Concurrency design</h2>
 * Stateless itself; the credential store, sessions, login guard and audit log are thread-safe. Thread-safe.
 */
final class AccountApi {
  private final ObjectMapper mapper;
  private final Clock clock;
  private final CredentialStore credentials;
  private final Sessions sessions;
  private final LoginGuard loginGuard;
  private final AuditLog audit;
  private final long maxBodyBytes;
  private final boolean secureCookies;
  private final Passwords.Hash dummyPassword;

  AccountApi(ObjectMapper mapper, Clock clock, CredentialStore credentials, Sessions sessions, LoginGuard loginGuard,
      AuditLog audit, long maxBodyBytes, boolean secureCookies) {
    this.mapper = mapper;
    this.clock = clock;
    this.credentials = credentials;
    this.sessions = sessions;
    this.loginGuard = loginGuard;
    this.audit = audit;
    this.maxBodyBytes = maxBodyBytes;
    this.secureCookies = secureCookies;
    // Unknown users are checked against this hash, so a login takes as long whether or not the user exists.
    this.dummyPassword = Passwords.hash(Secrets.newSecret("dummy_"));
  }

  void bind(Map<String, Endpoint> routes) {
    routes.put("POST /api/v1/setup", this::setup);
    routes.put("POST /api/v1/login", this::login);
    routes.put("GET /api/v1/session", this::session);
    routes.put("POST /api/v1/logout", this::logout);
    routes.put("POST /api/v1/keys", this::createKey);
    routes.put("GET /api/v1/keys", this::listKeys);
    routes.put("DELETE /api/v1/keys/{id}", this::deleteKey);
    routes.put("POST /api/v1/users", this::createUser);
    routes.put("GET /api/v1/users", this::listUsers);
    routes.put("GET /api/v1/audit", (ctx, p) -> Reply.ok(Map.of("records",
        audit.last(Requests.intParam(ctx, "limit", 100, 1, Requests.MAX_LIMIT)))));
  }

  private ObjectNode body(Context ctx, Set<String> allowed) {
    return Requests.object(Requests.json(ctx, mapper, maxBodyBytes), "the body", allowed);
  }

  /**
   * Reads the body of login or setup, auditing a refusal: with a fixed detail, not the error's message, which may
   * quote the malformed body and so the password or token in it.
   */
  private ObjectNode credentialsBody(Context ctx, String action, Set<String> allowed, List<String> required) {
    try {
      ObjectNode body = body(ctx, allowed);
      for (String field : required) {
        Requests.text(body, field, "the body");
      }
      return body;
    } catch (ApiException e) {
      audit.record(AuditLog.ANONYMOUS, null, ctx.ip(), action, e.status(), "refused: malformed request ("
          + e.code() + ")");
      throw e;
    }
  }

  private Reply setup(Context ctx, Principal ignored) throws IOException {
    ObjectNode body = credentialsBody(ctx, "POST /api/v1/setup", Set.of("token", "password"),
        List.of("token", "password"));
    String token = Requests.text(body, "token", "the body");
    String password = Requests.text(body, "password", "the body");
    try {
      credentials.checkSetupToken(token);
      String weakness = Passwords.weakness(password);
      if (weakness != null) {
        throw ApiException.badRequest(weakness);
      }
      credentials.completeSetup(token, Passwords.hash(password));
    } catch (ApiException e) {
      audit.record(AuditLog.ANONYMOUS, null, ctx.ip(), "POST /api/v1/setup", e.status(), e.getMessage());
      throw e;
    }
    audit.record(CredentialStore.ADMIN, Role.ADMIN, ctx.ip(), "POST /api/v1/setup", 200, "admin password set");
    return Reply.ok(Map.of("user", CredentialStore.ADMIN, "status", "setup complete; log in"));
  }

  private Reply login(Context ctx, Principal ignored) {
    ObjectNode body = credentialsBody(ctx, "POST /api/v1/login", Set.of("user", "password"),
        List.of("user", "password"));
    String user = Requests.text(body, "user", "the body");
    String password = Requests.text(body, "password", "the body");
    String address = ctx.ip();
    if (password.length() > Passwords.MAX_LENGTH) {
      audit.record(Requests.truncate(user), null, address, "POST /api/v1/login", 400,
          "refused login (password longer than " + Passwords.MAX_LENGTH + " characters)");
      throw ApiException.badRequest("password must have at most " + Passwords.MAX_LENGTH + " characters");
    }
    if (!CredentialStore.validName(user)) {
      // No such user can exist; the name is not kept (bounded memory), but the address pays a failure.
      loginGuard.failedInvalidName(address);
      audit.record(Requests.truncate(user), null, address, "POST /api/v1/login", 401,
          "failed login (invalid user name)");
      throw ConsoleServer.unauthenticated("wrong user or password");
    }
    LoginGuard.Attempt attempt = loginGuard.admit(user, address);
    if (attempt.waitNanos() > 0) {
      long seconds = Math.max(1, (attempt.waitNanos() + 999_999_999L) / 1_000_000_000L);
      audit.record(user, null, address, "POST /api/v1/login", 429, "refused: locked out for " + seconds + " s");
      throw new ApiException(429, "locked-out", "too many failed logins; try again in " + seconds + " s", seconds);
    }
    Optional<CredentialStore.User> found;
    try {
      found = credentials.user(user);
      Passwords.Hash stored = found.map(CredentialStore.User::password).orElse(null);
      boolean ok = Passwords.verify(password, stored == null ? dummyPassword : stored) && stored != null;
      if (!ok) {
        attempt.failed();
        audit.record(user, null, address, "POST /api/v1/login", 401, "failed login");
        throw ConsoleServer.unauthenticated("wrong user or password");
      }
      attempt.succeeded();
    } finally {
      attempt.abandon();  // when the check itself threw; does nothing once failed() or succeeded() ended it
    }
    Sessions.Opened opened = sessions.open(user, found.get().role());
    audit.record(user, found.get().role(), address, "POST /api/v1/login", 200, "logged in");
    ctx.cookie(new Cookie(ConsoleServer.SESSION_COOKIE, opened.token(), "/", -1, secureCookies, 0, true, null, null,
        SameSite.STRICT));
    Map<String, Object> reply = new LinkedHashMap<>();
    reply.put("token", opened.token());
    reply.put("user", user);
    reply.put("role", found.get().role().name().toLowerCase());
    reply.put("expiresAt", Instant.ofEpochMilli(opened.session().expiresAtMillis()).toString());
    reply.put("csrfToken", opened.session().csrfToken());
    return Reply.ok(reply);
  }

  private Reply session(Context ctx, Principal principal) {
    Sessions.Session session = sessions.find(principal.session()).orElseThrow(
        () -> ConsoleServer.unauthenticated("the session has ended; log in again"));
    Map<String, Object> reply = new LinkedHashMap<>();
    reply.put("user", session.user());
    reply.put("role", session.role().name().toLowerCase());
    reply.put("expiresAt", Instant.ofEpochMilli(session.expiresAtMillis()).toString());
    reply.put("csrfToken", session.csrfToken());
    return Reply.ok(reply);
  }

  private Reply logout(Context ctx, Principal principal) {
    if (principal.session() == null) {
      throw new ApiException(403, "forbidden", "only a user's session can be logged out");
    }
    sessions.close(principal.session());
    clearCookie(ctx);
    return new Reply(200, Map.of("status", "logged out"), "logged out");
  }

  /** Tells the browser to forget the session cookie. */
  void clearCookie(Context ctx) {
    ctx.cookie(new Cookie(ConsoleServer.SESSION_COOKIE, "", "/", 0, secureCookies, 0, true, null, null,
        SameSite.STRICT));
  }

  private Reply createKey(Context ctx, Principal principal) throws IOException {
    String service = Requests.name(Requests.text(body(ctx, Set.of("service")), "service", "the body"), "service");
    CredentialStore.Created created = credentials.addKey(service, clock.wallMillis());
    Map<String, Object> reply = new LinkedHashMap<>();
    reply.put("id", created.key().id());
    reply.put("service", service);
    reply.put("key", created.secret());
    reply.put("note", "store this key now: the server keeps only its digest and cannot show it again");
    return new Reply(201, reply, "created key " + created.key().id() + " for service " + service);
  }

  private Reply listKeys(Context ctx, Principal principal) {
    List<Map<String, Object>> list = new ArrayList<>();
    for (CredentialStore.ServiceKey key : credentials.keys()) {
      Map<String, Object> item = new LinkedHashMap<>();
      item.put("id", key.id());
      item.put("service", key.service());
      item.put("createdAt", Instant.ofEpochMilli(key.createdAt()).toString());
      list.add(item);
    }
    return Reply.ok(Map.of("keys", list));
  }

  private Reply deleteKey(Context ctx, Principal principal) throws IOException {
    String id = ctx.pathParam("id");
    if (!credentials.removeKey(id)) {
      throw new ApiException(404, "not-found", "no service key has the id '" + Requests.truncate(id) + "'");
    }
    return new Reply(200, Map.of("deleted", id), "revoked key " + id);
  }

  private Reply createUser(Context ctx, Principal principal) throws IOException {
    ObjectNode body = body(ctx, Set.of("name", "role", "password"));
    String name = Requests.name(Requests.text(body, "name", "the body"), "name");
    String roleName = Requests.text(body, "role", "the body");
    String password = Requests.text(body, "password", "the body");
    Role role = Role.parse(roleName);
    if (role == null || role == Role.REPORTER) {
      throw ApiException.badRequest("role must be admin, operator or viewer, but was '" + Requests.truncate(roleName)
          + "'");
    }
    String weakness = Passwords.weakness(password);
    if (weakness != null) {
      throw ApiException.badRequest(weakness);
    }
    if (credentials.user(name).isPresent()) {
      throw new ApiException(409, "conflict", "a user named '" + name + "' already exists");
    }
    credentials.addUser(name, role, Passwords.hash(password));
    return new Reply(201, Map.of("name", name, "role", role.name().toLowerCase()),
        "created user " + name + " with role " + role.name().toLowerCase());
  }

  private Reply listUsers(Context ctx, Principal principal) {
    List<Map<String, Object>> list = new ArrayList<>();
    for (CredentialStore.User user : credentials.users()) {
      Map<String, Object> item = new LinkedHashMap<>();
      item.put("name", user.name());
      item.put("role", user.role().name().toLowerCase());
      item.put("passwordSet", user.password() != null);
      list.add(item);
    }
    return Reply.ok(Map.of("users", list));
  }
}
