package dev.faultline.console.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.faultline.core.Chain;
import dev.faultline.core.Clock;
import dev.faultline.core.ConfigurationException;
import dev.faultline.core.ratelimiter.RateLimitedException;
import dev.faultline.core.ratelimiter.RateLimiter;
import dev.faultline.core.registry.Registry;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The console's HTTP server: the JSON API under {@code /api/v1} and {@code /health}, secured from the first request.
 *
 * <p>Built on <a href="https://javalin.io">Javalin</a> 6 over Jetty 11. Why Javalin: it is small, actively
 * maintained, and a thin layer over Jetty (the most widely deployed embedded Java server); its handlers are plain
 * functions with no annotation scanning or dependency-injection container, so every route is registered explicitly
 * from one table, {@link #ROUTES}, which tests enumerate to prove that each route refuses anonymous and wrong-role
 * callers. Helidon SE would also fit but brings a larger platform; the JDK's own {@code HttpServer} has no request
 * limits or production pedigree.
 *
 * <h2>Security</h2>
 * <ul>
 *   <li>Every request is first checked against the optional client-address allow-list (403), then limited per
 *       client address, then (except the public routes {@code GET /health},
 *       {@code POST /api/v1/login} and {@code POST /api/v1/setup}) must carry {@code Authorization: Bearer} with a
 *       session token (users) or a service key (reporters) — 401 otherwise — whose role covers the route's — 403
 *       otherwise — and is then limited per credential. Rate limits are core {@link RateLimiter}s, one per key in a
 *       bounded {@link Registry}; a limited request gets 429 with {@code Retry-After}.</li>
 *   <li>Passwords: PBKDF2-HMAC-SHA256 ({@link Passwords}); tokens and keys: 256 random bits stored as SHA-256 digests,
 *       compared in constant time ({@link Secrets}).</li>
 *   <li>First start creates the admin without a password and hands a one-time setup token to the setup-token sink
 *       (the {@code faultline server} command prints it); {@code POST /api/v1/setup} with it sets the password and
 *       spends the token.</li>
 *   <li>Logins lock out with exponential backoff per user and per address ({@link LoginGuard}).</li>
 *   <li>Bodies: JSON only (415 otherwise), at most {@code maxBodyBytes} (413), well-formed and of the documented shape
 *       (400 naming what was wrong); a rejected request stores nothing. Errors are JSON
 *       {@code {"error": code, "message": text}}; an unexpected failure answers 500 with an id to find it in the
 *       server's log, never a stack trace.</li>
 *   <li>Every request by an admin or operator, every login, lockout and setup is appended to the audit log
 *       ({@link AuditLog}).</li>
 * </ul>
 *
 * <h2>Concurrency design</h2>
 * Jetty runs handlers on its thread pool; every collaborator (credential store, sessions, login guard, audit log,
 * event store, limiter registries) is thread-safe and documents its own locks. This class's fields are final after
 * {@link Builder#start()}. Thread-safe.
 */
public final class ConsoleServer implements AutoCloseable {

  /** Every route the server registers, and nothing else: the server and its tests both read this table. */
  public static final List<Route> ROUTES = List.of(
      new Route("GET", "/health", null, "liveness; no credentials"),
      new Route("POST", "/api/v1/setup", null, "set the admin password with the one-time setup token"),
      new Route("POST", "/api/v1/login", null, "log in with user and password; returns a bearer session token"),
      new Route("POST", "/api/v1/logout", Role.VIEWER, "end the caller's session"),
      new Route("POST", "/api/v1/events", Role.REPORTER, "ingest a batch of fault events from a service"),
      new Route("GET", "/api/v1/events", Role.VIEWER, "recent events, filtered by service and type"),
      new Route("GET", "/api/v1/services", Role.VIEWER, "services with their event counts and last seen"),
      new Route("POST", "/api/v1/keys", Role.ADMIN, "create a service key; its secret is returned once"),
      new Route("GET", "/api/v1/keys", Role.ADMIN, "list service keys, without secrets"),
      new Route("POST", "/api/v1/users", Role.ADMIN, "create a user with a role and a password"),
      new Route("GET", "/api/v1/audit", Role.ADMIN, "the last audit records"));

  private static final System.Logger LOG = System.getLogger(ConsoleServer.class.getName());
  private static final Pattern EVENT_TYPE = Pattern.compile("[A-Za-z][A-Za-z0-9_.:-]{0,99}");
  private static final int MAX_SOURCE = 200;
  private static final int MAX_LIMIT = 1000;

  private final Builder config;
  private final ObjectMapper mapper;
  private final CredentialStore credentials;
  private final Sessions sessions;
  private final LoginGuard loginGuard;
  private final AuditLog audit;
  private final EventStore events;
  private final Registry<String, RateLimiter> addressLimiters;
  private final Registry<String, RateLimiter> credentialLimiters;
  private final Passwords.Hash dummyPassword;
  private final Javalin app;

  private ConsoleServer(Builder config, CredentialStore credentials, ObjectMapper mapper) {
    this.config = config;
    this.mapper = mapper;
    this.credentials = credentials;
    this.sessions = new Sessions(config.clock, config.sessionTtl, 100_000);
    this.loginGuard = new LoginGuard(config.clock, config.userLockThreshold, config.addressLockThreshold,
        config.baseLock, config.maxLock);
    this.audit = new AuditLog(config.dataDir, mapper, config.clock);
    this.events = new EventStore(config.dataDir, mapper, config.maxEvents);
    this.addressLimiters = limiters("address", config.addressPermits, config.addressPeriod, config.clock);
    this.credentialLimiters = limiters("credential", config.credentialPermits, config.credentialPeriod, config.clock);
    // Unknown users are checked against this hash, so a login takes as long whether or not the user exists.
    this.dummyPassword = Passwords.hash(Secrets.newSecret("dummy_"));
    this.app = Javalin.create(javalin -> {
      javalin.showJavalinBanner = false;
      javalin.http.maxRequestSize = config.maxBodyBytes;
      javalin.jetty.defaultHost = config.bind;
      javalin.jetty.defaultPort = config.port;
      Dashboard.serve(javalin, config.allowList);
    });
    for (Route route : ROUTES) {
      Endpoint endpoint = endpoint(route);
      app.addHttpHandler(HandlerType.valueOf(route.method()), route.path(), ctx -> serve(route, endpoint, ctx));
    }
    app.error(404, "*", ctx -> writeError(ctx, new ApiException(404, "not-found",
        "no route " + ctx.method() + " " + ctx.path())));
    app.exception(Exception.class, (e, ctx) -> writeError(ctx, internalError(e)));
  }

  private static Registry<String, RateLimiter> limiters(String kind, int permits, Duration period, Clock clock) {
    return Registry.builder((String key) -> RateLimiter.builder(kind + ":" + key).rate(permits, period)
        .clock(clock).build()).maximumSize(100_000).expireAfterAccess(Duration.ofHours(1)).clock(clock).build();
  }

  /** Starts a builder for a server keeping its data in {@code dataDir}. */
  public static Builder builder(Path dataDir) {
    return new Builder(dataDir);
  }

  /** The port the server listens on (the actual one when it was asked for port 0). */
  public int port() {
    return app.port();
  }

  /** The server's base URI, for example {@code http://127.0.0.1:7070}. */
  public URI baseUri() {
    String host = config.bind.contains(":") ? "[" + config.bind + "]" : config.bind;
    return URI.create("http://" + host + ":" + port());
  }

  /**
   * The method and path of every HTTP handler Javalin holds, as {@code "GET /health"}: read back from Javalin's router
   * so a test can prove it matches {@link #ROUTES} exactly (no route registered outside the table).
   */
  List<String> registeredHandlers() {
    List<String> handlers = new ArrayList<>();
    for (var parsed : app.unsafeConfig().pvt.internalRouter.allHttpHandlers()) {
      handlers.add(parsed.getEndpoint().getMethod().name() + " " + parsed.getEndpoint().getPath());
    }
    return handlers;
  }

  /** Stops the server; requests in flight are finished by Jetty's graceful stop. */
  @Override
  public void close() {
    app.stop();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Request pipeline: address limit, authentication, authorization, credential limit, endpoint, audit.

  /** What a route does once the caller is allowed. */
  @FunctionalInterface
  private interface Endpoint {
    Reply handle(Context ctx, Principal principal) throws Exception;
  }

  /** A response: status, JSON body, and a detail for the audit log (or null). */
  private record Reply(int status, Object body, String detail) {}

  /** An authenticated caller: a user or a service key. */
  private record Principal(String name, Role role, String credential) {}

  private void serve(Route route, Endpoint endpoint, Context ctx) {
    String address = ctx.ip();
    String action = route.method() + " " + route.path();
    Principal principal = null;
    ctx.header("Cache-Control", "no-store");
    ctx.header("X-Content-Type-Options", "nosniff");
    ctx.header("X-Frame-Options", "DENY");
    ctx.header("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
    ctx.header("Referrer-Policy", "no-referrer");
    try {
      if (!config.allowList.allows(address)) {
        throw new ApiException(403, "address-not-allowed", "this client address is not in the server's allow-list");
      }
      limit(addressLimiters, address, "client address");
      if (!route.isPublic()) {
        principal = authenticate(ctx);
        if (!principal.role().covers(route.required())) {
          throw new ApiException(403, "forbidden", action + " requires the role "
              + route.required().name().toLowerCase() + "; the caller has " + principal.role().name().toLowerCase());
        }
        limit(credentialLimiters, principal.credential(), "credential");
      }
      Reply reply = endpoint.handle(ctx, principal);
      writeJson(ctx, reply.status(), reply.body());
      auditIfPrivileged(principal, address, action, reply.status(), reply.detail());
    } catch (ApiException e) {
      writeError(ctx, e);
      auditIfPrivileged(principal, address, action, e.status(), e.getMessage());
    } catch (Exception e) {
      ApiException internal = internalError(e);
      writeError(ctx, internal);
      auditIfPrivileged(principal, address, action, 500, internal.getMessage());
    }
  }

  private void auditIfPrivileged(Principal principal, String address, String action, int status, String detail) {
    if (principal != null && (principal.role() == Role.ADMIN || principal.role() == Role.OPERATOR)) {
      audit.record(principal.name(), principal.role(), address, action, status, detail);
    }
  }

  private void limit(Registry<String, RateLimiter> limiters, String key, String what) {
    RateLimiter limiter = limiters.get(key);
    try {
      limiter.execute(Chain.of(config.clock, () -> Boolean.TRUE));
    } catch (RateLimitedException e) {
      long retryAfter = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(limiter.config().interval().toNanos()));
      throw new ApiException(429, "rate-limited", "too many requests for this " + what + "; the limit is "
          + limiter.config().permits() + " per " + limiter.config().period(), retryAfter);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("rate limiter failed", e);
    }
  }

  private Principal authenticate(Context ctx) {
    String header = ctx.header("Authorization");
    if (header == null || header.isBlank()) {
      throw unauthenticated("this route requires 'Authorization: Bearer <session token or service key>'");
    }
    if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw unauthenticated("the Authorization header must use the Bearer scheme");
    }
    String secret = header.substring(7).trim();
    if (secret.startsWith(Sessions.PREFIX)) {
      Optional<Sessions.Session> session = sessions.find(secret);
      if (session.isPresent()) {
        return new Principal(session.get().user(), session.get().role(), "user:" + session.get().user());
      }
      throw unauthenticated("the session token is not valid or has expired; log in again");
    }
    Optional<CredentialStore.ServiceKey> key = credentials.keyForSecret(secret);
    if (key.isPresent()) {
      return new Principal(key.get().service(), Role.REPORTER, "key:" + key.get().id());
    }
    throw unauthenticated("the bearer token is not a valid session token or service key");
  }

  private static ApiException unauthenticated(String message) {
    return new ApiException(401, "unauthenticated", message);
  }

  private ApiException internalError(Exception e) {
    String id = UUID.randomUUID().toString();
    LOG.log(System.Logger.Level.ERROR, "request failed, error id " + id, e);
    return new ApiException(500, "internal", "the server failed to handle the request; error id " + id);
  }

  private void writeJson(Context ctx, int status, Object body) throws JsonProcessingException {
    ctx.status(status);
    ctx.contentType("application/json");
    ctx.result(mapper.writeValueAsBytes(body));
  }

  private void writeError(Context ctx, ApiException e) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", e.code());
    body.put("message", e.getMessage());
    if (e.status() == 401) {
      ctx.header("WWW-Authenticate", "Bearer");
    }
    if (e.retryAfterSeconds() > 0) {
      ctx.header("Retry-After", Long.toString(e.retryAfterSeconds()));
    }
    try {
      writeJson(ctx, e.status(), body);
    } catch (JsonProcessingException impossible) {
      ctx.status(e.status());
      ctx.result("{\"error\":\"internal\"}");
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Endpoints.

  private Endpoint endpoint(Route route) {
    String key = route.method() + " " + route.path();
    switch (key) {
      case "GET /health":
        return (ctx, p) -> new Reply(200, Map.of("status", "up"), null);
      case "POST /api/v1/setup":
        return this::setup;
      case "POST /api/v1/login":
        return this::login;
      case "POST /api/v1/logout":
        return (ctx, p) -> {
          sessions.close(ctx.header("Authorization").substring(7).trim());
          return new Reply(200, Map.of("status", "logged out"), "logged out");
        };
      case "POST /api/v1/events":
        return this::ingest;
      case "GET /api/v1/events":
        return this::queryEvents;
      case "GET /api/v1/services":
        return this::services;
      case "POST /api/v1/keys":
        return this::createKey;
      case "GET /api/v1/keys":
        return this::listKeys;
      case "POST /api/v1/users":
        return this::createUser;
      case "GET /api/v1/audit":
        return (ctx, p) -> new Reply(200, Map.of("records", audit.last(intParam(ctx, "limit", 100))), null);
      default:
        throw new IllegalStateException("no endpoint for the route " + route);
    }
  }

  private Reply setup(Context ctx, Principal ignored) throws IOException {
    ObjectNode body = object(readJson(ctx), "the body", Set.of("token", "password"));
    String token = text(body, "token", "the body");
    String password = text(body, "password", "the body");
    try {
      credentials.checkSetupToken(token);
      String weakness = Passwords.weakness(password);
      if (weakness != null) {
        throw ApiException.badRequest(weakness);
      }
      credentials.completeSetup(token, Passwords.hash(password));
    } catch (ApiException e) {
      audit.record("anonymous", null, ctx.ip(), "POST /api/v1/setup", e.status(), e.getMessage());
      throw e;
    }
    audit.record(CredentialStore.ADMIN, Role.ADMIN, ctx.ip(), "POST /api/v1/setup", 200, "admin password set");
    return new Reply(200, Map.of("user", CredentialStore.ADMIN, "status", "setup complete; log in"), null);
  }

  private Reply login(Context ctx, Principal ignored) {
    ObjectNode body = object(readJson(ctx), "the body", Set.of("user", "password"));
    String user = text(body, "user", "the body");
    String password = text(body, "password", "the body");
    if (password.length() > Passwords.MAX_LENGTH) {
      throw ApiException.badRequest("password must have at most " + Passwords.MAX_LENGTH + " characters");
    }
    String address = ctx.ip();
    if (!CredentialStore.validName(user)) {
      // No such user can exist; the name is not kept (bounded memory), but the address pays a failure.
      loginGuard.failed(null, address);
      audit.record(truncate(user), null, address, "POST /api/v1/login", 401, "failed login (invalid user name)");
      throw unauthenticated("wrong user or password");
    }
    long lockedNanos = loginGuard.lockedFor(user, address);
    if (lockedNanos > 0) {
      long seconds = Math.max(1, (lockedNanos + 999_999_999L) / 1_000_000_000L);
      audit.record(user, null, address, "POST /api/v1/login", 429, "refused: locked out for " + seconds + " s");
      throw new ApiException(429, "locked-out", "too many failed logins; try again in " + seconds + " s", seconds);
    }
    Optional<CredentialStore.User> found = credentials.user(user);
    Passwords.Hash stored = found.map(CredentialStore.User::password).orElse(null);
    boolean ok = Passwords.verify(password, stored == null ? dummyPassword : stored) && stored != null;
    if (!ok) {
      loginGuard.failed(user, address);
      audit.record(user, null, address, "POST /api/v1/login", 401, "failed login");
      throw unauthenticated("wrong user or password");
    }
    loginGuard.succeeded(user);
    Sessions.Opened opened = sessions.open(user, found.get().role());
    audit.record(user, found.get().role(), address, "POST /api/v1/login", 200, "logged in");
    Map<String, Object> reply = new LinkedHashMap<>();
    reply.put("token", opened.token());
    reply.put("user", user);
    reply.put("role", found.get().role().name().toLowerCase());
    reply.put("expiresAt", Instant.ofEpochMilli(opened.session().expiresAtMillis()).toString());
    return new Reply(200, reply, null);
  }

  private Reply ingest(Context ctx, Principal principal) throws IOException {
    JsonNode body = readJson(ctx);
    if (!body.isArray()) {
      throw ApiException.badRequest("the body must be a JSON array of events, but was " + kind(body));
    }
    if (body.isEmpty() || body.size() > config.maxBatch) {
      throw ApiException.badRequest("a batch must hold 1 to " + config.maxBatch + " events, but held " + body.size());
    }
    long receivedAt = config.clock.wallMillis();
    List<EventStore.StoredEvent> batch = new ArrayList<>(body.size());
    for (int i = 0; i < body.size(); i++) {
      batch.add(event(body.get(i), "events[" + i + "]", principal.name(), receivedAt));
    }
    events.add(batch);
    return new Reply(202, Map.of("accepted", batch.size()), null);
  }

  private static EventStore.StoredEvent event(JsonNode node, String where, String service, long receivedAt) {
    ObjectNode object = object(node, where, Set.of("type", "source", "time", "fields"));
    String type = text(object, "type", where);
    if (!EVENT_TYPE.matcher(type).matches()) {
      throw ApiException.badRequest(where + ".type must be a name like CallFailed (a letter, then up to 99 letters,"
          + " digits or _.:-), but was '" + truncate(type) + "'");
    }
    String source = text(object, "source", where);
    if (source.isBlank() || source.length() > MAX_SOURCE || source.chars().anyMatch(Character::isISOControl)) {
      throw ApiException.badRequest(where + ".source must be 1 to " + MAX_SOURCE
          + " printable characters, but was '" + truncate(source) + "'");
    }
    JsonNode time = object.get("time");
    long timeMillis;
    if (time == null) {
      throw ApiException.badRequest(where + ".time is missing");
    } else if (time.canConvertToExactIntegral() && time.canConvertToLong() && time.asLong() >= 0) {
      timeMillis = time.asLong();
    } else if (time.isTextual()) {
      try {
        timeMillis = Instant.parse(time.asText()).toEpochMilli();
      } catch (DateTimeParseException | ArithmeticException e) {
        throw ApiException.badRequest(where + ".time must be an ISO-8601 instant such as 2026-01-01T00:00:00Z,"
            + " but was '" + truncate(time.asText()) + "'");
      }
    } else {
      throw ApiException.badRequest(where + ".time must be epoch milliseconds (a non-negative integer) or an"
          + " ISO-8601 instant, but was " + kind(time));
    }
    JsonNode fields = object.get("fields");
    if (fields != null && !fields.isObject()) {
      throw ApiException.badRequest(where + ".fields must be a JSON object, but was " + kind(fields));
    }
    ObjectNode copy = fields == null ? JsonNodeFactory.instance.objectNode() : (ObjectNode) fields;
    return new EventStore.StoredEvent(service, type, source, timeMillis, receivedAt, copy);
  }

  private Reply queryEvents(Context ctx, Principal principal) {
    int limit = intParam(ctx, "limit", 100);
    List<Map<String, Object>> list = new ArrayList<>();
    for (EventStore.StoredEvent event : events.query(ctx.queryParam("service"), ctx.queryParam("type"), limit)) {
      Map<String, Object> item = new LinkedHashMap<>();
      item.put("service", event.service());
      item.put("type", event.type());
      item.put("source", event.source());
      item.put("time", Instant.ofEpochMilli(event.timeMillis()).toString());
      item.put("receivedAt", Instant.ofEpochMilli(event.receivedAtMillis()).toString());
      item.put("fields", event.fields());
      list.add(item);
    }
    return new Reply(200, Map.of("events", list), null);
  }

  private Reply services(Context ctx, Principal principal) {
    List<Map<String, Object>> list = new ArrayList<>();
    for (EventStore.ServiceSummary summary : events.services()) {
      Map<String, Object> item = new LinkedHashMap<>();
      item.put("service", summary.service());
      item.put("events", summary.events());
      item.put("lastSeen", Instant.ofEpochMilli(summary.lastSeenMillis()).toString());
      list.add(item);
    }
    return new Reply(200, Map.of("services", list), null);
  }

  private Reply createKey(Context ctx, Principal principal) throws IOException {
    ObjectNode body = object(readJson(ctx), "the body", Set.of("service"));
    String service = text(body, "service", "the body");
    if (!CredentialStore.validName(service)) {
      throw ApiException.badRequest("service must be 1 to 64 letters, digits or _.- starting with a letter or digit,"
          + " but was '" + truncate(service) + "'");
    }
    CredentialStore.Created created = credentials.addKey(service, config.clock.wallMillis());
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
    return new Reply(200, Map.of("keys", list), null);
  }

  private Reply createUser(Context ctx, Principal principal) throws IOException {
    ObjectNode body = object(readJson(ctx), "the body", Set.of("name", "role", "password"));
    String name = text(body, "name", "the body");
    String roleName = text(body, "role", "the body");
    String password = text(body, "password", "the body");
    if (!CredentialStore.validName(name)) {
      throw ApiException.badRequest("name must be 1 to 64 letters, digits or _.- starting with a letter or digit,"
          + " but was '" + truncate(name) + "'");
    }
    Role role = Role.parse(roleName);
    if (role == null || role == Role.REPORTER) {
      throw ApiException.badRequest("role must be admin, operator or viewer, but was '" + truncate(roleName) + "'");
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

  // ---------------------------------------------------------------------------------------------------------------
  // Input.

  /** Reads the body as JSON: JSON content type, at most maxBodyBytes, well-formed, one value. */
  private JsonNode readJson(Context ctx) {
    String contentType = ctx.contentType();
    if (contentType == null || !contentType.toLowerCase().startsWith("application/json")) {
      throw new ApiException(415, "unsupported-media-type", "the body must be JSON with Content-Type:"
          + " application/json, but the Content-Type was " + (contentType == null ? "missing" : "'" + contentType
          + "'"));
    }
    long declared = ctx.req().getContentLengthLong();
    if (declared > config.maxBodyBytes) {
      throw tooLarge(declared);
    }
    byte[] bytes;
    try (InputStream in = ctx.req().getInputStream()) {
      bytes = in.readNBytes(Math.toIntExact(config.maxBodyBytes + 1));
    } catch (IOException e) {
      throw ApiException.badRequest("the request body could not be read: " + e.getMessage());
    }
    if (bytes.length > config.maxBodyBytes) {
      throw tooLarge(-1);
    }
    if (bytes.length == 0) {
      throw ApiException.badRequest("the request body is empty; expected JSON");
    }
    try {
      JsonNode node = mapper.readTree(bytes);
      if (node == null || node.isMissingNode()) {
        throw ApiException.badRequest("the request body holds no JSON value");
      }
      return node;
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
      throw ApiException.badRequest("malformed JSON" + where + ": " + e.getOriginalMessage());
    } catch (IOException e) {
      throw ApiException.badRequest("the request body could not be read as JSON: " + e.getMessage());
    }
  }

  private ApiException tooLarge(long declared) {
    return new ApiException(413, "payload-too-large", "the request body may hold at most " + config.maxBodyBytes
        + " bytes" + (declared > 0 ? ", but Content-Length was " + declared : ", but it held more"));
  }

  private static ObjectNode object(JsonNode node, String where, Set<String> allowed) {
    if (!node.isObject()) {
      throw ApiException.badRequest(where + " must be a JSON object, but was " + kind(node));
    }
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!allowed.contains(name)) {
        throw ApiException.badRequest(where + " has an unknown field '" + truncate(name) + "'; allowed: "
            + String.join(", ", allowed.stream().sorted().toList()));
      }
    }
    return (ObjectNode) node;
  }

  private static String text(ObjectNode object, String field, String where) {
    JsonNode value = object.get(field);
    if (value == null || value.isNull()) {
      throw ApiException.badRequest(where + "." + field + " is missing");
    }
    if (!value.isTextual()) {
      throw ApiException.badRequest(where + "." + field + " must be a string, but was " + kind(value));
    }
    return value.asText();
  }

  private static int intParam(Context ctx, String name, int defaultValue) {
    String value = ctx.queryParam(name);
    if (value == null) {
      return defaultValue;
    }
    try {
      int parsed = Integer.parseInt(value);
      if (parsed >= 1 && parsed <= MAX_LIMIT) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw ApiException.badRequest("query parameter " + name + " must be an integer from 1 to " + MAX_LIMIT
        + ", but was '" + truncate(value) + "'");
  }

  private static String kind(JsonNode node) {
    return node.isArray() ? "an array" : node.isObject() ? "an object" : node.isTextual() ? "a string"
        : node.isNumber() ? "a number" : node.isBoolean() ? "a boolean" : "null";
  }

  private static String truncate(String text) {
    return text.length() <= 64 ? text : text.substring(0, 64) + "…";
  }

  /** The JSON mapper of the API: strict about duplicate keys, trailing data and nesting depth. */
  static ObjectMapper newMapper() {
    JsonFactory factory = JsonFactory.builder()
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).build())
        .build();
    return JsonMapper.builder(factory).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
  }

  /** Configures and starts a {@link ConsoleServer}. Not thread-safe. */
  public static final class Builder {
    private final Path dataDir;
    private String bind = "127.0.0.1";
    private int port = 7070;
    private Clock clock = Clock.system();
    private long maxBodyBytes = 1024 * 1024;
    private int maxBatch = 1000;
    private int maxEvents = 100_000;
    private int addressPermits = 100;
    private Duration addressPeriod = Duration.ofSeconds(1);
    private int credentialPermits = 200;
    private Duration credentialPeriod = Duration.ofSeconds(1);
    private Duration sessionTtl = Duration.ofHours(12);
    private int userLockThreshold = 5;
    private int addressLockThreshold = 20;
    private Duration baseLock = Duration.ofSeconds(1);
    private Duration maxLock = Duration.ofMinutes(15);
    private Consumer<String> setupTokenSink = token -> { };
    private AddressAllowList allowList = AddressAllowList.allowAll();

    private Builder(Path dataDir) {
      this.dataDir = dataDir;
    }

    /** The address to listen on (default {@code 127.0.0.1}: only this machine). */
    public Builder bind(String bind) {
      this.bind = bind;
      return this;
    }

    /** The port to listen on (default 7070; 0 picks a free port, see {@link ConsoleServer#port()}). */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** The clock of sessions, lockouts, rate limits and timestamps (default {@link Clock#system()}). */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** The largest request body accepted (default 1 MiB); larger ones get 413. */
    public Builder maxBodyBytes(long maxBodyBytes) {
      this.maxBodyBytes = maxBodyBytes;
      return this;
    }

    /** The most events in one ingest request (default 1000). */
    public Builder maxBatch(int maxBatch) {
      this.maxBatch = maxBatch;
      return this;
    }

    /** The most events kept in memory for queries (default 100,000); all are kept in the data directory. */
    public Builder maxEvents(int maxEvents) {
      this.maxEvents = maxEvents;
      return this;
    }

    /** The request rate allowed per client address (default 100 per second, bursts of as many). */
    public Builder addressRateLimit(int permits, Duration period) {
      this.addressPermits = permits;
      this.addressPeriod = period;
      return this;
    }

    /** The request rate allowed per session user or service key (default 200 per second). */
    public Builder credentialRateLimit(int permits, Duration period) {
      this.credentialPermits = permits;
      this.credentialPeriod = period;
      return this;
    }

    /** How long a session lasts after login (default 12 hours). */
    public Builder sessionTtl(Duration sessionTtl) {
      this.sessionTtl = sessionTtl;
      return this;
    }

    /**
     * Login lockout: failures before a user or an address is locked (default 5 and 20), the first lock (default 1 s),
     * doubled by each further failure up to {@code maxLock} (default 15 minutes).
     */
    public Builder loginLockout(int userThreshold, int addressThreshold, Duration baseLock, Duration maxLock) {
      this.userLockThreshold = userThreshold;
      this.addressLockThreshold = addressThreshold;
      this.baseLock = baseLock;
      this.maxLock = maxLock;
      return this;
    }

    /** The client addresses allowed to connect (default: all; the server binds to loopback by default). */
    public Builder allowList(AddressAllowList allowList) {
      this.allowList = allowList;
      return this;
    }

    /** Receives the one-time setup token when setup is pending (default: dropped; the command prints it). */
    public Builder setupTokenSink(Consumer<String> setupTokenSink) {
      this.setupTokenSink = setupTokenSink;
      return this;
    }

    /**
     * Checks the configuration, opens the data directory (creating it and the admin on first start), hands a pending
     * setup token to the sink, and starts listening.
     *
     * @throws ConfigurationException naming the field, the rule and the value that broke it
     * @throws IOException when the data directory cannot be created or read
     */
    public ConsoleServer start() throws IOException {
      require("dataDir", dataDir != null, "be set", dataDir);
      require("bind", bind != null && !bind.isBlank(), "be an address to listen on", bind);
      require("port", port >= 0 && port <= 65_535, "be from 0 to 65535", port);
      require("clock", clock != null, "be set", clock);
      require("maxBodyBytes", maxBodyBytes >= 1 && maxBodyBytes < Integer.MAX_VALUE, "be from 1 to 2^31 - 2",
          maxBodyBytes);
      require("maxBatch", maxBatch >= 1, "be at least 1", maxBatch);
      require("maxEvents", maxEvents >= 1, "be at least 1", maxEvents);
      require("addressPermits", addressPermits >= 1, "be at least 1", addressPermits);
      require("addressPeriod", positive(addressPeriod), "be positive", addressPeriod);
      require("credentialPermits", credentialPermits >= 1, "be at least 1", credentialPermits);
      require("credentialPeriod", positive(credentialPeriod), "be positive", credentialPeriod);
      require("sessionTtl", positive(sessionTtl), "be positive", sessionTtl);
      require("userLockThreshold", userLockThreshold >= 1, "be at least 1", userLockThreshold);
      require("addressLockThreshold", addressLockThreshold >= 1, "be at least 1", addressLockThreshold);
      require("baseLock", positive(baseLock), "be positive", baseLock);
      require("maxLock", positive(maxLock) && maxLock.compareTo(baseLock) >= 0, "be positive and at least baseLock ("
          + baseLock + ")", maxLock);
      require("setupTokenSink", setupTokenSink != null, "be set", setupTokenSink);
      require("allowList", allowList != null, "be set", allowList);
      // Limiters are made per key on first use; build one of each now so a bad rate fails here, not in a request.
      RateLimiter.builder("address").rate(addressPermits, addressPeriod).clock(clock).build();
      RateLimiter.builder("credential").rate(credentialPermits, credentialPeriod).clock(clock).build();
      Files.createDirectories(dataDir);
      ObjectMapper mapper = newMapper();
      CredentialStore.Opened opened = CredentialStore.open(dataDir, mapper);
      ConsoleServer server = new ConsoleServer(this, opened.store(), mapper);
      long torn = server.events.load();
      if (torn > 0) {
        LOG.log(System.Logger.Level.WARNING, "cut off a torn last record of " + torn + " bytes from "
            + dataDir.resolve(EventStore.FILE) + " (a batch whose write was interrupted and never acknowledged)");
      }
      server.app.start();
      opened.setupToken().ifPresent(setupTokenSink);
      return server;
    }

    private static void require(String field, boolean ok, String rule, Object value) {
      if (!ok) {
        throw new ConfigurationException(field, rule, value);
      }
    }

    private static boolean positive(Duration duration) {
      return duration != null && !duration.isNegative() && !duration.isZero();
    }
  }
}
