package dev.faultline.console.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.faultline.console.server.Api.Endpoint;
import dev.faultline.console.server.Api.Principal;
import dev.faultline.console.server.Api.Reply;
import dev.faultline.core.Chain;
import dev.faultline.core.Clock;
import dev.faultline.core.ConfigurationException;
import dev.faultline.core.ratelimiter.RateLimitedException;
import dev.faultline.core.ratelimiter.RateLimiter;
import dev.faultline.core.registry.Registry;
import dev.faultline.diagnosis.fta.FaultTreeAnalysis;
import dev.faultline.diagnosis.fta.FaultTreeResult;
import dev.faultline.diagnosis.fta.Importance;
import dev.faultline.state.RecoverableState;
import dev.faultline.state.io.StorageIo;
import dev.faultline.state.workflow.WorkflowExecutor;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.staticfiles.Location;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The console's HTTP server: the JSON API under {@code /api/v1} ({@code docs/api.md} is its contract), {@code /health},
 * and the static dashboard, secured from the first request.
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
 *   <li>Every request, static files included, is first checked against the optional client-address allow-list (403),
 *       then limited per client address (a rate, and at most {@code maxRequestsInProgressPerAddress} requests in
 *       progress at once). Then, except on the public routes ({@code GET /health},
 *       {@code POST /api/v1/login}, {@code POST /api/v1/setup}) and the static files, the caller must authenticate:
 *       {@code Authorization: Bearer} with a session token (users) or a service key (reporters), or the HttpOnly,
 *       SameSite=Strict session cookie set at login — 401 otherwise. A cookie-authenticated request that is not a
 *       {@code GET} must carry the session's CSRF token in {@code X-CSRF-Token} (403 {@code csrf}). The caller's role
 *       must cover the route's (403), and the request is then limited per credential. Rate limits are core
 *       {@link RateLimiter}s, one per key in a bounded {@link Registry}; a limited request gets 429 with
 *       {@code Retry-After}.</li>
 *   <li>Passwords: PBKDF2-HMAC-SHA256 ({@link Passwords}); tokens and keys: 256 random bits stored as SHA-256 digests,
 *       compared in constant time ({@link Secrets}).</li>
 *   <li>First start creates the admin without a password and hands a one-time setup token to the setup-token sink
 *       (the {@code faultline server} command prints it); {@code POST /api/v1/setup} with it sets the password and
 *       spends the token.</li>
 *   <li>Logins lock out with exponential backoff per user and per address ({@link LoginGuard}).</li>
 *   <li>TLS from a key store (PKCS#12 or JKS) or PEM files ({@link Tls}); under TLS every response carries
 *       {@code Strict-Transport-Security} and the session cookie is {@code Secure}.</li>
 *   <li>Bodies: JSON only (415 otherwise; MEF uploads XML), at most {@code maxBodyBytes} (413), well-formed and of the
 *       documented shape (400 naming what was wrong); a rejected request stores nothing. Errors are JSON
 *       {@code {"error": code, "message": text}}; an unexpected failure answers 500 with an id to find it in the
 *       server's log, never a stack trace. So are the errors Jetty answers itself, for requests it cannot parse
 *       (a bad percent-encoding, over-long URI or headers) or refuses before Javalin ({@link JsonErrorHandler}); no
 *       response carries {@code Server} or {@code X-Powered-By}.</li>
 *   <li>At most {@code maxConcurrentAnalyses} fault tree analyses compute at once across the server; a request that
 *       needs one more gets 503 {@code busy} with {@code Retry-After} at once, and kept results are still served
 *       ({@link FaultTreeApi}). Each analysis is stopped after {@code analysisTimeout} (422
 *       {@code analysis-timed-out}, not kept), and closing the server interrupts those in progress.</li>
 *   <li>Every request by an admin or operator, every login (refused ones too), lockout, logout, setup and request
 *       whose credentials were refused (401) is appended to the audit log ({@link AuditLog}); never a password,
 *       token or key.</li>
 * </ul>
 *
 * <h2>Concurrency design</h2>
 * Jetty runs handlers on its thread pool; every collaborator (credential store, sessions, login guard, audit log,
 * store, limiter registries, the endpoint groups) is thread-safe and documents its own locks. This class's fields are
 * final after {@link Builder#start()}. Thread-safe.
 */
public final class ConsoleServer implements AutoCloseable {

  /** Every route the server registers, and nothing else: the server and its tests both read this table. */
  public static final List<Route> ROUTES = List.of(
      new Route("GET", "/health", null, "liveness; no credentials"),
      new Route("POST", "/api/v1/setup", null, "set the admin password with the one-time setup token"),
      new Route("POST", "/api/v1/login", null, "log in; returns a session token and sets the session cookie"),
      new Route("GET", "/api/v1/session", Role.VIEWER, "the caller's session and its CSRF token"),
      new Route("POST", "/api/v1/logout", Role.VIEWER, "end the caller's session"),
      // ingest
      new Route("POST", "/api/v1/events", Role.REPORTER, "ingest a batch of fault events from a service"),
      new Route("POST", "/api/v1/incidents", Role.REPORTER, "ingest incidents as HttpIncidentReporter sends them"),
      new Route("POST", "/api/v1/heartbeats", Role.REPORTER, "ingest heartbeats of a service's instances"),
      new Route("POST", "/api/v1/metrics", Role.REPORTER, "ingest metric samples"),
      // queries
      new Route("GET", "/api/v1/services", Role.VIEWER, "services with their health"),
      new Route("GET", "/api/v1/services/{service}", Role.VIEWER, "one service with its health"),
      new Route("GET", "/api/v1/events", Role.VIEWER, "events, filtered and paged"),
      new Route("GET", "/api/v1/incidents", Role.VIEWER, "incidents, filtered and paged"),
      new Route("GET", "/api/v1/incidents/{id}", Role.VIEWER, "one incident with traceback and suspected causes"),
      new Route("GET", "/api/v1/issues", Role.VIEWER, "issues (incidents grouped by fingerprint)"),
      new Route("GET", "/api/v1/issues/{fingerprint}", Role.VIEWER, "one issue with its latest incidents"),
      new Route("POST", "/api/v1/issues/{fingerprint}/resolve", Role.OPERATOR, "mark an issue resolved"),
      new Route("GET", "/api/v1/timeline", Role.VIEWER, "events and incidents merged, newest first"),
      new Route("GET", "/api/v1/reliability", Role.VIEWER, "failure rate, MTTR, availability, data loss now"),
      new Route("GET", "/api/v1/reliability/series", Role.VIEWER, "reliability metrics per time bucket"),
      new Route("GET", "/api/v1/metrics", Role.VIEWER, "ingested metric samples of one metric"),
      new Route("GET", "/api/v1/dependencies", Role.VIEWER, "the dependency graph for root-cause ranking"),
      new Route("PUT", "/api/v1/dependencies", Role.OPERATOR, "replace the dependency graph"),
      // operations
      new Route("GET", "/api/v1/workflows", Role.VIEWER, "workflows of the configured stores"),
      new Route("GET", "/api/v1/workflows/{store}/{id}", Role.VIEWER, "one workflow with its steps"),
      new Route("POST", "/api/v1/workflows/{store}/{id}/resume", Role.OPERATOR, "resume a workflow"),
      new Route("POST", "/api/v1/workflows/{store}/{id}/cancel", Role.OPERATOR, "cancel a workflow"),
      new Route("GET", "/api/v1/checkpoints", Role.VIEWER, "checkpoints of the configured state stores"),
      new Route("GET", "/api/v1/checkpoints/{store}", Role.VIEWER, "checkpoints of one state store"),
      new Route("POST", "/api/v1/checkpoints/{store}/rollback", Role.OPERATOR,
          "roll a state store back, in two steps (plan, then confirm)"),
      // fault trees
      new Route("GET", "/api/v1/fault-trees", Role.VIEWER, "uploaded fault trees"),
      new Route("PUT", "/api/v1/fault-trees/{name}", Role.OPERATOR, "upload an Open-PSA MEF fault tree"),
      new Route("GET", "/api/v1/fault-trees/{name}", Role.VIEWER, "one fault tree"),
      new Route("DELETE", "/api/v1/fault-trees/{name}", Role.OPERATOR, "delete a fault tree"),
      new Route("GET", "/api/v1/fault-trees/{name}/analysis", Role.VIEWER, "probability, cut sets, importance"),
      new Route("GET", "/api/v1/fault-trees/{name}/live", Role.VIEWER, "the tree's state given what is down now"),
      // administration
      new Route("POST", "/api/v1/keys", Role.ADMIN, "create a service key; its secret is returned once"),
      new Route("GET", "/api/v1/keys", Role.ADMIN, "list service keys, without secrets"),
      new Route("DELETE", "/api/v1/keys/{id}", Role.ADMIN, "revoke a service key"),
      new Route("POST", "/api/v1/users", Role.ADMIN, "create a user with a role and a password"),
      new Route("GET", "/api/v1/users", Role.ADMIN, "list users and their roles"),
      new Route("GET", "/api/v1/audit", Role.ADMIN, "the last audit records"));

  /** The path of logout, audited whatever the caller's role. */
  static final String LOGOUT_PATH = "/api/v1/logout";
  /** The session cookie's name. */
  static final String SESSION_COOKIE = "faultline_session";
  /** The header that carries the CSRF token of a cookie session. */
  static final String CSRF_HEADER = "X-CSRF-Token";
  /** The classpath directory of the dashboard's static files. */
  static final String UI_RESOURCES = "/faultline-ui";

  /**
   * The most bytes of request line and headers Jetty reads (414 {@code uri-too-long} or 431 {@code headers-too-large}
   * beyond): Jetty's default, stated so the error messages can name it.
   */
  static final int MAX_REQUEST_HEAD_BYTES = 8192;

  private static final System.Logger LOG = System.getLogger(ConsoleServer.class.getName());
  private static final String API_CSP = "default-src 'none'; frame-ancestors 'none'";
  private static final String UI_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self';"
      + " connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
  private static final String HSTS = "max-age=31536000";
  /** A request attribute set once a route of the table handles the request, so a 404 it answers is kept. */
  private static final String ANSWERED = "faultline.answered";
  /** A request attribute set once the request passed the allow-list and the address limit. */
  private static final String SCREENED = "faultline.screened";
  /** The client address whose place among its requests in progress this request holds, until it ends. */
  private static final String ENTERED = "faultline.entered";

  private final Builder config;
  private final ObjectMapper mapper;
  private final CredentialStore credentials;
  private final Sessions sessions;
  private final AuditLog audit;
  private final ConsoleStore store;
  private final Database database;
  private final Registry<String, RateLimiter> addressLimiters;
  /** Requests in progress per client address (an address leaves the map when its last one ends). */
  private final java.util.concurrent.ConcurrentHashMap<String, Integer> inProgress =
      new java.util.concurrent.ConcurrentHashMap<>();
  /** Threads in {@link #awaitInProgress} (tests): only then does a request entering notify. */
  private volatile int inProgressWaiters;
  /** Requests that entered while a test waited (awaitInProgress); guarded by the inProgress map's monitor. */
  private long inProgressEntries;
  private final Registry<String, RateLimiter> credentialLimiters;
  private final AccountApi accounts;
  private final FaultTreeApi faultTrees;
  private final Map<String, Endpoint> endpoints;
  private final Javalin app;

  private ConsoleServer(Builder config, CredentialStore credentials, ObjectMapper mapper, ConsoleStore store,
      Sessions.Backend sessionBackend, AuditLog.Backend auditBackend, Database database) {
    this.config = config;
    this.mapper = mapper;
    this.credentials = credentials;
    this.store = store;
    this.database = database;
    this.sessions = new Sessions(config.clock, config.sessionTtl, 100_000, config.maxSessionsPerUser, sessionBackend);
    this.audit = new AuditLog(auditBackend, mapper, config.clock);
    this.addressLimiters = limiters("address", config.addressPermits, config.addressPeriod, config.clock);
    this.credentialLimiters = limiters("credential", config.credentialPermits, config.credentialPeriod, config.clock);
    LoginGuard loginGuard = new LoginGuard(config.clock, config.userLockThreshold, config.addressLockThreshold,
        config.baseLock, config.maxLock);
    this.accounts = new AccountApi(mapper, config.clock, credentials, sessions, loginGuard, audit,
        config.maxBodyBytes, config.keyStore != null);
    Reliability reliability = new Reliability(store, config.clock);
    QueryApi queries = new QueryApi(mapper, config.clock, store, reliability, config.maxBodyBytes);
    IngestApi ingest = new IngestApi(mapper, config.clock, store, config.maxBodyBytes, config.maxBatch,
        config.idempotencyWindow);
    OperationsApi operations = new OperationsApi(mapper, config.clock, store, config.workflowSources,
        config.checkpointSources, config.maxBodyBytes);
    this.faultTrees = new FaultTreeApi(config.clock, store, queries, config.maxDocumentBytes,
        config.maxConcurrentAnalyses, config.analysisRunner, config.analysisTimeout, config.importanceCalculator);
    Map<String, Endpoint> bound = new LinkedHashMap<>();
    bound.put("GET /health", (ctx, p) -> Reply.ok(Map.of("status", "up")));
    accounts.bind(bound);
    ingest.bind(bound);
    queries.bind(bound);
    operations.bind(bound);
    faultTrees.bind(bound);
    this.endpoints = Map.copyOf(bound);
    for (Route route : ROUTES) {
      if (!endpoints.containsKey(route.method() + " " + route.path())) {
        throw new IllegalStateException("no endpoint for the route " + route);
      }
    }
    if (endpoints.size() != ROUTES.size()) {
      throw new IllegalStateException("endpoints outside the route table: " + endpoints.keySet());
    }
    this.app = Javalin.create(javalin -> {
      javalin.showJavalinBanner = false;
      javalin.http.maxRequestSize = Math.max(config.maxBodyBytes, config.maxDocumentBytes);
      javalin.jetty.defaultHost = config.bind;
      javalin.jetty.defaultPort = config.port;
      javalin.jetty.modifyHttpConfiguration(http -> {
        http.setRequestHeaderSize(MAX_REQUEST_HEAD_BYTES);
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
      });
      // Errors Jetty answers itself (requests it cannot parse, or refuses before Javalin) are the API's JSON too.
      javalin.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler(mapper,
          MAX_REQUEST_HEAD_BYTES)));
      javalin.jetty.modifyServletContextHandler(context -> context.setErrorHandler(new JsonErrorHandler(mapper,
          MAX_REQUEST_HEAD_BYTES)));
      if (config.keyStore != null) {
        javalin.jetty.addConnector((server, httpConfig) -> {
          HttpConfiguration https = new HttpConfiguration(httpConfig);
          https.setSecureScheme("https");
          https.addCustomizer(new SecureRequestCustomizer());
          SslContextFactory.Server tls = new SslContextFactory.Server();
          tls.setKeyStore(config.keyStore);
          tls.setKeyStorePassword(new String(config.keyStorePassword));
          tls.setKeyManagerPassword(new String(config.keyStorePassword));
          ServerConnector connector = new ServerConnector(server, new SslConnectionFactory(tls, "http/1.1"),
              new HttpConnectionFactory(https));
          connector.setHost(config.bind);
          connector.setPort(config.port);
          return connector;
        });
      }
      if (ConsoleServer.class.getResource(config.uiResources) != null) {
        javalin.staticFiles.add(files -> {
          files.hostedPath = "/";
          files.directory = config.uiResources;
          files.location = Location.CLASSPATH;
        });
      }
      if (ConsoleServer.class.getResource("/META-INF/resources/webjars") != null) {
        javalin.staticFiles.enableWebjars();
      }
    });
    app.before(this::screen);
    app.after(this::leave);
    for (Route route : ROUTES) {
      Endpoint endpoint = endpoints.get(route.method() + " " + route.path());
      app.addHttpHandler(HandlerType.valueOf(route.method()), route.path(), ctx -> serve(route, endpoint, ctx));
    }
    app.error(404, "*", ctx -> {
      if (ctx.attribute(ANSWERED) == null) {
        writeError(ctx, new ApiException(404, "not-found", "no route " + ctx.method() + " " + ctx.path()));
      }
    });
    app.exception(ApiException.class, (e, ctx) -> writeError(ctx, e));
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

  /** The server's base URI, for example {@code http://127.0.0.1:7070} ({@code https} under TLS). */
  public URI baseUri() {
    String host = config.bind.contains(":") ? "[" + config.bind + "]" : config.bind;
    return URI.create((config.keyStore != null ? "https" : "http") + "://" + host + ":" + port());
  }

  /**
   * Creates a service key, as {@code POST /api/v1/keys} does (and audits it as done by the embedding program), and
   * returns its secret, which the server does not keep.
   *
   * @throws IllegalArgumentException if {@code service} is not a valid name
   * @throws IOException if the credentials file cannot be written
   */
  public String createServiceKey(String service) throws IOException {
    if (!CredentialStore.validName(service)) {
      throw new IllegalArgumentException("service must be 1 to 64 letters, digits or _.- starting with a letter or"
          + " digit, but was '" + service + "'");
    }
    CredentialStore.Created created = credentials.addKey(service, config.clock.wallMillis());
    audit.record("embedding-program", Role.ADMIN, "local", "createServiceKey", 201,
        "created key " + created.key().id() + " for service " + service);
    return created.secret();
  }

  /**
   * Stores a fault tree, as {@code PUT /api/v1/fault-trees/{name}} does.
   *
   * @throws IllegalArgumentException if the name is not valid or the XML is not a valid MEF model (naming the line)
   * @throws IOException if it cannot be stored
   */
  public void putFaultTree(String name, String mefXml, String uploadedBy) throws IOException {
    try {
      faultTrees.put(Requests.name(name, "name"), mefXml.getBytes(StandardCharsets.UTF_8), uploadedBy);
    } catch (ApiException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /**
   * The method and path of every HTTP handler Javalin holds, as {@code "GET /health"}: read back from Javalin's router
   * so a test can prove it matches {@link #ROUTES} exactly (no route registered outside the table). The one
   * {@code before} handler, which screens every request, is not a route and is left out.
   */
  List<String> registeredHandlers() {
    List<String> handlers = new ArrayList<>();
    for (var parsed : app.unsafeConfig().pvt.internalRouter.allHttpHandlers()) {
      if (parsed.getEndpoint().getMethod().isHttpMethod()) {
        handlers.add(parsed.getEndpoint().getMethod().name() + " " + parsed.getEndpoint().getPath());
      }
    }
    return handlers;
  }

  /** The store (for tests). */
  ConsoleStore store() {
    return store;
  }

  /**
   * Stops the server (requests in flight are finished by Jetty's graceful stop; fault tree analyses in progress are
   * interrupted first and answer 503 {@code analysis-interrupted}), then closes the store.
   */
  @Override
  public void close() {
    // First, so that Jetty's graceful stop does not wait for analyses that may run for minutes.
    faultTrees.close();
    app.stop();
    try {
      store.close();
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "closing the console's store failed", e);
    }
    if (database != null) {
      database.close();
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Request pipeline: headers, allow-list and address limit (every request); then authentication, CSRF,
  // authorization, credential limit, endpoint, audit (the routes of the table).

  /** Runs before every request, static files included (once: a directory's welcome file is dispatched again). */
  private void screen(Context ctx) {
    if (ctx.attribute(SCREENED) != null) {
      return;
    }
    ctx.attribute(SCREENED, Boolean.TRUE);
    boolean api = ctx.path().startsWith("/api/") || ctx.path().equals("/health");
    ctx.header("Cache-Control", api ? "no-store" : "no-cache");
    ctx.header("X-Content-Type-Options", "nosniff");
    ctx.header("X-Frame-Options", "DENY");
    ctx.header("Content-Security-Policy", api ? API_CSP : UI_CSP);
    ctx.header("Referrer-Policy", "no-referrer");
    if (config.keyStore != null) {
      ctx.header("Strict-Transport-Security", HSTS);
    }
    String address = ctx.ip();
    if (!config.allowList.allows(address)) {
      throw new ApiException(403, "address-not-allowed", "this client address is not in the server's allow-list");
    }
    limit(addressLimiters, address, "client address");
    if (ctx.method() == HandlerType.HEAD && ctx.path().startsWith("/api/")) {
      // The framework answers HEAD for every GET route without running the route: no authentication, no caller's
      // limit, no audit. The API has no use for it; /health and the dashboard's files keep it.
      ctx.header("Allow", "GET");
      throw new ApiException(405, "method-not-allowed", "HEAD is not served on the API; send GET");
    }
    enter(address, ctx);
  }

  /**
   * Takes one of the client address's places for requests in progress, or refuses the request (429): a server
   * thread stays with a request until it ends, and a client sending bodies slowly would otherwise hold them all
   * (a few hundred connections, a few seconds under the rate limit), so that nobody else is served. Given back by
   * the after-handler, whatever the request's outcome.
   */
  private void enter(String address, Context ctx) {
    boolean[] entered = {false};
    inProgress.compute(address, (a, n) -> {
      int now = n == null ? 0 : n;
      if (now >= config.maxRequestsInProgressPerAddress) {
        return n;
      }
      entered[0] = true;
      return now + 1;
    });
    if (!entered[0]) {
      throw new ApiException(429, "too-many-in-progress", "this client address has "
          + config.maxRequestsInProgressPerAddress + " requests in progress, the most it may have at once", 1);
    }
    ctx.attribute(ENTERED, address);
    if (inProgressWaiters > 0) {
      synchronized (inProgress) {
        inProgressEntries++;
        inProgress.notifyAll();
      }
    }
  }

  private void leave(Context ctx) {
    String address = ctx.attribute(ENTERED);
    if (address != null) {
      ctx.attribute(ENTERED, null);
      inProgress.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
    }
  }

  /** Requests in progress from {@code address} (for tests). */
  int inProgress(String address) {
    return inProgress.getOrDefault(address, 0);
  }

  /**
   * Waits until {@code address} has {@code n} requests in progress (for tests); false if no request entered for
   * {@code timeout} meanwhile. Bounded by the wait itself, not by a clock reading, so that it holds on a fake clock.
   */
  boolean awaitInProgress(String address, int n, Duration timeout) throws InterruptedException {
    synchronized (inProgress) {
      inProgressWaiters++;
      try {
        while (inProgress(address) < n) {
          long entries = inProgressEntries;
          TimeUnit.NANOSECONDS.timedWait(inProgress, timeout.toNanos());
          if (entries == inProgressEntries && inProgress(address) < n) {
            return false; // nobody entered within the timeout
          }
        }
        return true;
      } finally {
        inProgressWaiters--;
      }
    }
  }

  private void serve(Route route, Endpoint endpoint, Context ctx) {
    ctx.attribute(ANSWERED, Boolean.TRUE);
    String address = ctx.ip();
    String action = route.method() + " " + ctx.path();
    Principal principal = null;
    try {
      if (!route.isPublic()) {
        principal = authenticate(ctx);
        if (principal.viaCookie() && !route.method().equals("GET")) {
          checkCsrf(ctx, principal);
        }
        if (!principal.role().covers(route.required())) {
          throw new ApiException(403, "forbidden", route.method() + " " + route.path() + " requires the role "
              + route.required().name().toLowerCase() + "; the caller has " + principal.role().name().toLowerCase());
        }
        limit(credentialLimiters, principal.credential(), "credential");
      }
      Reply reply = endpoint.handle(ctx, principal);
      reply.headers().forEach(ctx::header);
      writeJson(ctx, reply.status(), reply.body());
      audit(ctx, route, principal, address, action, reply.status(), reply.detail());
    } catch (ApiException e) {
      writeError(ctx, e);
      audit(ctx, route, principal, address, action, e.status(), e.getMessage());
    } catch (Exception e) {
      ApiException internal = internalError(e);
      writeError(ctx, internal);
      audit(ctx, route, principal, address, action, 500, internal.getMessage());
    }
  }

  /**
   * Audits what the security audit must show: every request by an admin or operator, every logout (any role), and a
   * request whose credentials were refused (401; the actor is unknown, and no credential is recorded). A request that
   * presented none (the dashboard asking whether it is logged in) is no failed authentication and is not recorded.
   * Login and setup, the public routes, audit themselves.
   */
  private void audit(Context ctx, Route route, Principal principal, String address, String action, int status,
      String detail) {
    if (principal == null) {
      if (status == 401 && !route.isPublic() && presentsCredentials(ctx)) {
        audit.record(AuditLog.ANONYMOUS, null, address, action, status, "failed authentication: " + detail);
      }
      return;
    }
    boolean logout = route.method().equals("POST") && route.path().equals(LOGOUT_PATH);
    if (logout || principal.role() == Role.ADMIN || principal.role() == Role.OPERATOR) {
      audit.record(principal.name(), principal.role(), address, action, status, detail);
    }
  }

  /** Whether the request carries an Authorization header or a session cookie, valid or not. */
  private static boolean presentsCredentials(Context ctx) {
    String header = ctx.header("Authorization");
    String cookie = ctx.cookie(SESSION_COOKIE);
    return (header != null && !header.isBlank()) || (cookie != null && !cookie.isBlank());
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
    if (header != null && !header.isBlank()) {
      if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
        throw unauthenticated("the Authorization header must use the Bearer scheme");
      }
      String secret = header.substring(7).trim();
      if (secret.startsWith(Sessions.PREFIX)) {
        Optional<Sessions.Session> session = sessions.find(secret);
        if (session.isPresent()) {
          return new Principal(session.get().user(), session.get().role(), "user:" + session.get().user(), secret,
              false);
        }
        throw unauthenticated("the session token is not valid or has expired; log in again");
      }
      Optional<CredentialStore.ServiceKey> key = credentials.keyForSecret(secret);
      if (key.isPresent()) {
        return new Principal(key.get().service(), Role.REPORTER, "key:" + key.get().id(), null, false);
      }
      throw unauthenticated("the bearer token is not a valid session token or service key");
    }
    String cookie = ctx.cookie(SESSION_COOKIE);
    if (cookie != null && !cookie.isBlank()) {
      Optional<Sessions.Session> session = cookie.startsWith(Sessions.PREFIX) ? sessions.find(cookie)
          : Optional.empty();
      if (session.isPresent()) {
        return new Principal(session.get().user(), session.get().role(), "user:" + session.get().user(), cookie,
            true);
      }
      accounts.clearCookie(ctx);
      throw unauthenticated("the session has expired or ended; log in again");
    }
    throw unauthenticated("this route requires a session (log in) or 'Authorization: Bearer <session token or"
        + " service key>'");
  }

  private void checkCsrf(Context ctx, Principal principal) {
    String sent = ctx.header(CSRF_HEADER);
    Optional<Sessions.Session> session = sessions.find(principal.session());
    boolean ok = sent != null && session.isPresent() && MessageDigest.isEqual(
        sent.getBytes(StandardCharsets.UTF_8), session.get().csrfToken().getBytes(StandardCharsets.UTF_8));
    if (!ok) {
      throw new ApiException(403, "csrf", "a request authenticated by the session cookie must carry the session's"
          + " CSRF token in the " + CSRF_HEADER + " header (from login or GET /api/v1/session)");
    }
  }

  static ApiException unauthenticated(String message) {
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

  /** Configures and starts a {@link ConsoleServer}. Not thread-safe. */
  public static final class Builder {
    private final Path dataDir;
    private String bind = "127.0.0.1";
    private int port = 7070;
    private Clock clock = Clock.system();
    private long maxBodyBytes = 1024 * 1024;
    private long maxDocumentBytes = 8 * 1024 * 1024;
    private int maxBatch = 1000;
    private int maxEvents = 100_000;
    private int maxIncidents = 10_000;
    private int maxSamples = 100_000;
    private int maxReliabilityEvents = 50_000;
    private int maxInstancesPerService = 1000;
    private int maxComponentsPerService = 1000;
    private Duration idempotencyWindow = Duration.ofHours(24);
    private int maxIdempotencyKeys = 100_000;
    private int maxRequestsInProgressPerAddress = 32;
    private int maxConcurrentAnalyses = Math.min(2, Runtime.getRuntime().availableProcessors());
    private int maxSessionsPerUser = 100;
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
    private KeyStore keyStore;
    private char[] keyStorePassword;
    private StorageIo storage = StorageIo.system();
    private FaultTreeApi.Runner analysisRunner = FaultTreeAnalysis::run;
    private Duration analysisTimeout = Duration.ofSeconds(60);
    private Function<FaultTreeResult, List<Importance>> importanceCalculator = FaultTreeResult::importance;
    private String uiResources = UI_RESOURCES;
    private String databaseUrl;
    private String databaseUser;
    private char[] databasePassword;
    private int databasePoolSize = 10;
    private final Map<String, WorkflowSource> workflowSources = new LinkedHashMap<>();
    private final Map<String, CheckpointSource> checkpointSources = new LinkedHashMap<>();

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

    /** The largest fault tree upload accepted (default 8 MiB); larger ones get 413. */
    public Builder maxDocumentBytes(long maxDocumentBytes) {
      this.maxDocumentBytes = maxDocumentBytes;
      return this;
    }

    /** The most events in one ingest request (default 1000, at most 4096). */
    public Builder maxBatch(int maxBatch) {
      this.maxBatch = maxBatch;
      return this;
    }

    /** The most events kept in memory for queries (default 100,000); all are kept in the data directory. */
    public Builder maxEvents(int maxEvents) {
      this.maxEvents = maxEvents;
      return this;
    }

    /** The most incidents kept in memory for queries (default 10,000); issues are all kept. */
    public Builder maxIncidents(int maxIncidents) {
      this.maxIncidents = maxIncidents;
      return this;
    }

    /** The most metric samples kept in memory for queries (default 100,000). */
    public Builder maxSamples(int maxSamples) {
      this.maxSamples = maxSamples;
      return this;
    }

    /**
     * The most events per service the reliability metrics are computed from, the newest (default 50,000): kept in
     * memory by the embedded store, read per query from PostgreSQL.
     */
    public Builder maxReliabilityEvents(int maxReliabilityEvents) {
      this.maxReliabilityEvents = maxReliabilityEvents;
      return this;
    }

    /**
     * The most distinct heartbeat instances a service may report (default 1,000): a batch naming more new ones than
     * are left is refused whole (422 {@code too-many-instances}), so that a service key cannot grow the service's
     * list (which the services view returns whole and the live fault trees scan) without bound. Instances already
     * known keep reporting.
     */
    public Builder maxInstancesPerService(int maxInstancesPerService) {
      this.maxInstancesPerService = maxInstancesPerService;
      return this;
    }

    /**
     * The most distinct event sources (components) a service may report (default 1,000), as
     * {@link #maxInstancesPerService} for instances (422 {@code too-many-components}).
     */
    public Builder maxComponentsPerService(int maxComponentsPerService) {
      this.maxComponentsPerService = maxComponentsPerService;
      return this;
    }

    /**
     * How long the idempotency key of an ingest request ({@code Idempotency-Key}) is held after its batch was stored
     * (default 24 hours; from 1 minute to 30 days): within it, a request with the same key and service to the same
     * endpoint stores nothing and is answered as the first one was. Both stores keep keys across restarts.
     */
    public Builder idempotencyWindow(Duration window) {
      this.idempotencyWindow = window;
      return this;
    }

    /**
     * The most idempotency keys the embedded store holds in memory (default 100,000, a few hundred bytes each); past it
     * the oldest is forgotten before its window ends (logged). PostgreSQL holds every key for the window.
     */
    public Builder maxIdempotencyKeys(int max) {
      this.maxIdempotencyKeys = max;
      return this;
    }

    /**
     * The most requests one client address may have in progress at once (default 32); beyond, 429
     * {@code too-many-in-progress}. Each holds a server thread until it ends, so this keeps one client that sends
     * its bodies slowly from holding them all.
     */
    public Builder maxRequestsInProgressPerAddress(int max) {
      this.maxRequestsInProgressPerAddress = max;
      return this;
    }

    /**
     * The most fault tree analyses computed at once across the server (default 2, or 1 on a single processor; at most
     * 64). An analysis of a large tree can take long and much memory (exponential in the worst case) and holds its
     * request's server thread, so a request that needs one more is refused at once with 503 {@code busy} and
     * {@code Retry-After} instead of waiting; analyses already computed (the last few are kept) are still served.
     */
    public Builder maxConcurrentAnalyses(int max) {
      this.maxConcurrentAnalyses = max;
      return this;
    }

    /**
     * How long one fault tree analysis may compute (default 60 s, on the server's clock; from 1 ms to 24 hours). One
     * that runs longer is stopped and answered 422 {@code analysis-timed-out}, and is not kept; the limit keeps a
     * large or hostile tree from holding a server thread and an analysis place for ever.
     */
    public Builder analysisTimeout(Duration timeout) {
      this.analysisTimeout = timeout;
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

    /**
     * The most sessions one user holds at once (default 100): a login beyond ends the user's oldest session, so that
     * one account logging in again and again cannot fill the server's sessions (100,000) and refuse everyone's logins.
     */
    public Builder maxSessionsPerUser(int max) {
      this.maxSessionsPerUser = max;
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
     * Serves HTTPS only, with the private key and certificate chain of {@code keyStore} (see {@link Tls} to load one
     * from PEM files or a key store file); {@code password} unlocks the key.
     */
    public Builder tls(KeyStore keyStore, char[] password) {
      this.keyStore = keyStore;
      this.keyStorePassword = password == null ? null : password.clone();
      return this;
    }

    /** Serves HTTPS only, with {@code identity} (from {@link Tls#fromPem} or {@link Tls#fromKeyStore}). */
    public Builder tls(Tls.Identity identity) {
      return tls(identity.keyStore(), identity.password());
    }

    /** Serves the workflows of a live executor as store {@code name}: listed, resumed and cancelled through it. */
    public Builder workflows(String name, WorkflowExecutor executor) {
      workflowSources.put(name, WorkflowSource.live(executor));
      return this;
    }

    /**
     * Serves the workflows of a live executor that may be replaced while the server runs (a supervised service that
     * restarts with a new executor): {@code executor} is asked on every request; while it answers null the store is
     * shown unavailable.
     */
    public Builder workflows(String name, java.util.function.Supplier<WorkflowExecutor> executor) {
      workflowSources.put(name, WorkflowSource.live(executor));
      return this;
    }

    /** Serves the workflow store directory {@code directory} as store {@code name}, read and changed offline. */
    public Builder workflowStore(String name, Path directory) {
      workflowSources.put(name, WorkflowSource.directory(directory));
      return this;
    }

    /** Serves the checkpoints of a live recoverable state as store {@code name}: listed and rolled back through it. */
    public Builder checkpoints(String name, RecoverableState<?, ?> state) {
      checkpointSources.put(name, CheckpointSource.live(state));
      return this;
    }

    /**
     * Serves the checkpoints of a live recoverable state found through {@code state} on every request (one opened
     * after the server started); while it answers null the store is shown unavailable.
     */
    public Builder checkpoints(String name, java.util.function.Supplier<? extends RecoverableState<?, ?>> state) {
      checkpointSources.put(name, CheckpointSource.live(state));
      return this;
    }

    /** Serves the state directory {@code directory} as checkpoint store {@code name}, read and rolled back offline. */
    public Builder checkpointStore(String name, Path directory) {
      checkpointSources.put(name, CheckpointSource.directory(directory));
      return this;
    }

    /**
     * Keeps everything in the PostgreSQL database at {@code jdbcUrl} ({@code jdbc:postgresql://host/db}) instead of
     * the data directory, so that several console instances share it: reported data, fault trees, users, keys,
     * sessions and the audit log. {@code user} and {@code password} may be null (then the URL or the driver's
     * defaults decide). Rate limits and login lockouts stay per instance.
     */
    public Builder database(String jdbcUrl, String user, char[] password) {
      this.databaseUrl = jdbcUrl;
      this.databaseUser = user;
      this.databasePassword = password == null ? null : password.clone();
      return this;
    }

    /** The most database connections this instance opens (default 10). */
    public Builder databasePoolSize(int size) {
      this.databasePoolSize = size;
      return this;
    }

    /** The idempotency window set so far (tests of the command line read the settings through these). */
    Duration idempotencyWindow() {
      return idempotencyWindow;
    }

    int maxIdempotencyKeys() {
      return maxIdempotencyKeys;
    }

    int maxConcurrentAnalyses() {
      return maxConcurrentAnalyses;
    }

    Duration analysisTimeout() {
      return analysisTimeout;
    }

    int maxReliabilityEvents() {
      return maxReliabilityEvents;
    }

    int maxInstancesPerService() {
      return maxInstancesPerService;
    }

    int maxComponentsPerService() {
      return maxComponentsPerService;
    }

    /** The classpath directory of the static dashboard (tests serve their own). */
    Builder uiResources(String classpathDirectory) {
      this.uiResources = classpathDirectory;
      return this;
    }

    /** The file system seam of the store's journal (tests inject faults here). */
    Builder storage(StorageIo storage) {
      this.storage = storage;
      return this;
    }

    /** Runs each fault tree analysis (tests hold one in progress through it). */
    Builder analysisRunner(FaultTreeApi.Runner runner) {
      this.analysisRunner = runner;
      return this;
    }

    /** Computes the importance list of a kept analysis (tests count the computations through it). */
    Builder importanceCalculator(Function<FaultTreeResult, List<Importance>> calculator) {
      this.importanceCalculator = calculator;
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
      require("maxDocumentBytes", maxDocumentBytes >= 1 && maxDocumentBytes < Integer.MAX_VALUE,
          "be from 1 to 2^31 - 2", maxDocumentBytes);
      require("maxBatch", maxBatch >= 1 && maxBatch <= JournalStore.MAX_BATCH, "be from 1 to "
          + JournalStore.MAX_BATCH, maxBatch);
      require("maxEvents", maxEvents >= 1, "be at least 1", maxEvents);
      require("maxIncidents", maxIncidents >= 1, "be at least 1", maxIncidents);
      require("maxSamples", maxSamples >= 1, "be at least 1", maxSamples);
      require("maxReliabilityEvents", maxReliabilityEvents >= 1, "be at least 1", maxReliabilityEvents);
      require("maxInstancesPerService", maxInstancesPerService >= 1, "be at least 1", maxInstancesPerService);
      require("maxComponentsPerService", maxComponentsPerService >= 1, "be at least 1", maxComponentsPerService);
      require("idempotencyWindow", idempotencyWindow != null && idempotencyWindow.compareTo(Duration.ofMinutes(1))
          >= 0 && idempotencyWindow.compareTo(Duration.ofDays(30)) <= 0, "be from 1 minute to 30 days",
          idempotencyWindow);
      require("maxIdempotencyKeys", maxIdempotencyKeys >= 1, "be at least 1", maxIdempotencyKeys);
      require("maxRequestsInProgressPerAddress", maxRequestsInProgressPerAddress >= 1, "be at least 1",
          maxRequestsInProgressPerAddress);
      require("maxConcurrentAnalyses", maxConcurrentAnalyses >= 1 && maxConcurrentAnalyses <= 64, "be from 1 to 64",
          maxConcurrentAnalyses);
      require("addressPermits", addressPermits >= 1, "be at least 1", addressPermits);
      require("addressPeriod", positive(addressPeriod), "be positive", addressPeriod);
      require("credentialPermits", credentialPermits >= 1, "be at least 1", credentialPermits);
      require("credentialPeriod", positive(credentialPeriod), "be positive", credentialPeriod);
      require("sessionTtl", positive(sessionTtl), "be positive", sessionTtl);
      require("maxSessionsPerUser", maxSessionsPerUser >= 1, "be at least 1", maxSessionsPerUser);
      require("userLockThreshold", userLockThreshold >= 1, "be at least 1", userLockThreshold);
      require("addressLockThreshold", addressLockThreshold >= 1, "be at least 1", addressLockThreshold);
      require("baseLock", positive(baseLock), "be positive", baseLock);
      require("maxLock", positive(maxLock) && maxLock.compareTo(baseLock) >= 0, "be positive and at least baseLock ("
          + baseLock + ")", maxLock);
      require("setupTokenSink", setupTokenSink != null, "be set", setupTokenSink);
      require("allowList", allowList != null, "be set", allowList);
      require("tls", keyStore == null || keyStorePassword != null, "have a key password", "none");
      require("storage", storage != null, "be set", storage);
      require("analysisRunner", analysisRunner != null, "be set", analysisRunner);
      require("analysisTimeout", analysisTimeout != null && analysisTimeout.compareTo(Duration.ofMillis(1)) >= 0
          && analysisTimeout.compareTo(Duration.ofHours(24)) <= 0, "be from 1 ms to 24 hours", analysisTimeout);
      require("importanceCalculator", importanceCalculator != null, "be set", importanceCalculator);
      require("database", databaseUrl == null || databaseUrl.startsWith("jdbc:postgresql:"),
          "be a PostgreSQL JDBC URL (jdbc:postgresql://host:port/database)", databaseUrl);
      require("databasePoolSize", databasePoolSize >= 2 && databasePoolSize <= 200, "be from 2 to 200",
          databasePoolSize);
      for (String name : workflowSources.keySet()) {
        require("workflows", name != null && CredentialStore.validName(name), "be named by 1 to 64 letters, digits"
            + " or _.-", name);
      }
      for (String name : checkpointSources.keySet()) {
        require("checkpoints", name != null && CredentialStore.validName(name), "be named by 1 to 64 letters,"
            + " digits or _.-", name);
      }
      if (keyStore != null) {
        Tls.check(keyStore, keyStorePassword);
      }
      // Limiters are made per key on first use; build one of each now so a bad rate fails here, not in a request.
      RateLimiter.builder("address").rate(addressPermits, addressPeriod).clock(clock).build();
      RateLimiter.builder("credential").rate(credentialPermits, credentialPeriod).clock(clock).build();
      ObjectMapper mapper = Requests.newMapper();
      Database database = null;
      ConsoleStore store;
      CredentialStore.Opened opened;
      Sessions.Backend sessionBackend;
      AuditLog.Backend auditBackend;
      if (databaseUrl != null) {
        database = Database.open(databaseUrl, databaseUser, databasePassword, databasePoolSize);
        try {
          opened = CredentialStore.open(SharedAccounts.credentials(database), mapper, clock);
        } catch (IOException | RuntimeException e) {
          database.close();
          throw e;
        }
        store = new PostgresStore(database, mapper, maxReliabilityEvents, idempotencyWindow.toMillis(),
            new ConsoleStore.NameLimits(maxInstancesPerService, maxComponentsPerService));
        sessionBackend = SharedAccounts.sessions(database, clock);
        auditBackend = SharedAccounts.audit(database);
      } else {
        Files.createDirectories(dataDir);
        opened = CredentialStore.open(CredentialStore.file(dataDir), mapper, clock);
        store = JournalStore.open(dataDir, mapper, new JournalStore.Limits(maxEvents, maxIncidents, maxSamples,
            maxReliabilityEvents, maxIdempotencyKeys, idempotencyWindow.toMillis(),
            new ConsoleStore.NameLimits(maxInstancesPerService, maxComponentsPerService)), clock, storage);
        sessionBackend = Sessions.memory();
        auditBackend = AuditLog.file(dataDir);
      }
      ConsoleServer server;
      try {
        server = new ConsoleServer(this, opened.store(), mapper, store, sessionBackend, auditBackend, database);
        server.app.start();
      } catch (RuntimeException e) {
        store.close();
        if (database != null) {
          database.close();
        }
        throw e;
      }
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
