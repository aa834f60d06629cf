package dev.faultline.console.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.faultline.console.server.Api.Endpoint;
import dev.faultline.console.server.Api.Principal;
import dev.faultline.console.server.Api.Reply;
import dev.faultline.core.Clock;
import dev.faultline.core.ConfigurationException;
import dev.faultline.diagnosis.incident.Incident;
import dev.faultline.diagnosis.incident.IssueStatus;
import dev.faultline.diagnosis.logs.LogEvent;
import dev.faultline.diagnosis.logs.Suspect;
import dev.faultline.diagnosis.logs.Traceback;
import dev.faultline.diagnosis.logs.TracebackReport;
import dev.faultline.diagnosis.metrics.ComponentMetrics;
import dev.faultline.diagnosis.model.DependencyGraph;
import dev.faultline.diagnosis.model.Observation;
import dev.faultline.diagnosis.model.RootCause;
import dev.faultline.diagnosis.model.RootCauseRanker;
import io.javalin.http.Context;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The read routes over what services reported (services and health, events, incidents, issues, timeline, reliability
 * metrics, samples), issue resolution, and the dependency graph used to rank root causes.
 *
 * <h2>Concurrency design</h2>
 * Stateless itself; the store is thread-safe and every query builds its own values. Thread-safe.
 */
final class QueryApi {
  static final String CONFIG = "config";
  static final String DEPENDENCIES = "dependencies";
  /** Missed beats after which an instance counts as down. */
  static final int MISSED_BEATS = 3;
  static final Duration ROOT_CAUSE_WINDOW = Duration.ofMinutes(10);
  static final int OCCURRENCES = 20;

  private final ObjectMapper mapper;
  private final Clock clock;
  private final ConsoleStore store;
  private final Reliability reliability;
  private final long maxBodyBytes;

  QueryApi(ObjectMapper mapper, Clock clock, ConsoleStore store, Reliability reliability, long maxBodyBytes) {
    this.mapper = mapper;
    this.clock = clock;
    this.store = store;
    this.reliability = reliability;
    this.maxBodyBytes = maxBodyBytes;
  }

  void bind(Map<String, Endpoint> routes) {
    routes.put("GET /api/v1/services", this::services);
    routes.put("GET /api/v1/services/{service}", this::service);
    routes.put("GET /api/v1/events", this::events);
    routes.put("GET /api/v1/incidents", this::incidents);
    routes.put("GET /api/v1/incidents/{id}", this::incident);
    routes.put("GET /api/v1/issues", this::issues);
    routes.put("GET /api/v1/issues/{fingerprint}", this::issue);
    routes.put("POST /api/v1/issues/{fingerprint}/resolve", this::resolve);
    routes.put("GET /api/v1/timeline", this::timeline);
    routes.put("GET /api/v1/reliability", this::reliability);
    routes.put("GET /api/v1/reliability/series", this::series);
    routes.put("GET /api/v1/metrics", this::samples);
    routes.put("GET /api/v1/dependencies", (ctx, p) -> Reply.ok(Map.of("dependencies", dependencies())));
    routes.put("PUT /api/v1/dependencies", this::putDependencies);
  }

  // ------------------------------------------------------------------------------------------------- services

  /** The health of every service, as the API shows it. */
  List<Map<String, Object>> serviceViews() {
    long now = clock.wallMillis();
    List<Map<String, Object>> list = new ArrayList<>();
    for (ConsoleStore.ServiceRecord service : store.services()) {
      list.add(serviceView(service, now));
    }
    return list;
  }

  private Map<String, Object> serviceView(ConsoleStore.ServiceRecord s, long now) {
    List<Map<String, Object>> instances = new ArrayList<>();
    int up = 0;
    List<String> reasons = new ArrayList<>();
    for (ConsoleStore.Heartbeat beat : s.instances()) {
      long silent = now - beat.receivedAtMillis();
      String health = beat.status();
      if (silent > MISSED_BEATS * beat.intervalMillis()) {
        health = "DOWN";
        reasons.add(beat.instance() + ": no heartbeat for " + silent / 1000 + " s (expected every "
            + beat.intervalMillis() / 1000.0 + " s)");
      } else if (!health.equals("UP")) {
        reasons.add(beat.instance() + ": reports " + health + (beat.detail() == null ? "" : " (" + beat.detail()
            + ")"));
      }
      if (health.equals("UP")) {
        up++;
      }
      Map<String, Object> item = new LinkedHashMap<>();
      item.put("instance", beat.instance());
      item.put("status", beat.status());
      item.put("health", health);
      item.put("lastHeartbeat", Views.time(beat.timeMillis()));
      item.put("intervalMillis", beat.intervalMillis());
      item.put("detail", beat.detail());
      instances.add(item);
    }
    String health = s.instances().isEmpty() ? "UNKNOWN" : up == s.instances().size() ? "UP" : up == 0 ? "DOWN"
        : "DEGRADED";
    Map<String, Object> item = new LinkedHashMap<>();
    item.put("service", s.service());
    item.put("health", health);
    item.put("healthReason", health.equals("UP") ? null : health.equals("UNKNOWN") ? "no heartbeat received"
        : String.join("; ", reasons));
    item.put("lastSeen", Views.time(s.lastSeenMillis()));
    item.put("events", s.events());
    item.put("incidents", s.incidents());
    item.put("openIssues", store.openIssues(s.service()));
    item.put("instances", instances);
    item.put("components", s.components());
    item.put("downComponents", List.copyOf(reliability.down(s.service())));
    return item;
  }

  private Reply services(Context ctx, Principal principal) {
    return Reply.ok(Map.of("services", serviceViews()));
  }

  private Reply service(Context ctx, Principal principal) {
    String name = ctx.pathParam("service");
    for (ConsoleStore.ServiceRecord s : store.services()) {
      if (s.service().equals(name)) {
        return Reply.ok(serviceView(s, clock.wallMillis()));
      }
    }
    throw new ApiException(404, "not-found", "no service named '" + Requests.truncate(name) + "' has reported");
  }

  /** Services whose health is DOWN now, and components the metrics see down now. */
  Set<String> downNow() {
    Set<String> down = new TreeSet<>();
    for (Map<String, Object> service : serviceViews()) {
      if ("DOWN".equals(service.get("health"))) {
        down.add((String) service.get("service"));
      }
      for (Object component : (List<?>) service.get("downComponents")) {
        down.add((String) component);
      }
    }
    return down;
  }

  // ------------------------------------------------------------------------------------------------- lists

  private static Map<String, Object> page(String name, List<?> items, long next) {
    Map<String, Object> reply = new LinkedHashMap<>();
    reply.put(name, items);
    reply.put("next", Requests.nextCursor(next));
    return reply;
  }

  private static void checkRange(Long from, Long to) {
    if (from != null && to != null && from > to) {
      throw ApiException.badRequest("query parameter from (" + Views.time(from) + ") must not be after to ("
          + Views.time(to) + ")");
    }
  }

  private Reply events(Context ctx, Principal principal) {
    Long from = Requests.timeParam(ctx, "from");
    Long to = Requests.timeParam(ctx, "to");
    checkRange(from, to);
    ConsoleStore.Page<ConsoleStore.EventRecord> page = store.events(new ConsoleStore.EventQuery(
        ctx.queryParam("service"), ctx.queryParam("type"), ctx.queryParam("source"), from, to, null,
        Requests.cursor(ctx), Requests.limit(ctx)));
    return Reply.ok(page("events", page.items().stream().map(Views::event).toList(), page.next()));
  }

  private ConsoleStore.IncidentQuery incidentQuery(Context ctx) {
    Long from = Requests.timeParam(ctx, "from");
    Long to = Requests.timeParam(ctx, "to");
    checkRange(from, to);
    String severity = ctx.queryParam("severity");
    if (severity != null && !Set.of("INFO", "WARNING", "ERROR", "FATAL").contains(severity)) {
      throw ApiException.badRequest("query parameter severity must be one of INFO, WARNING, ERROR, FATAL, but was '"
          + Requests.truncate(severity) + "'");
    }
    return new ConsoleStore.IncidentQuery(ctx.queryParam("service"), ctx.queryParam("component"),
        ctx.queryParam("fingerprint"), Requests.enumParam(ctx, "status", IssueStatus.class), severity, from, to,
        Requests.cursor(ctx), Requests.limit(ctx));
  }

  private List<Map<String, Object>> incidentSummaries(List<ConsoleStore.IncidentRecord> records) {
    List<Map<String, Object>> list = new ArrayList<>();
    for (ConsoleStore.IncidentRecord record : records) {
      list.add(Views.incidentSummary(record, store.issue(record.incident().fingerprint()).orElse(null)));
    }
    return list;
  }

  private Reply incidents(Context ctx, Principal principal) {
    ConsoleStore.Page<ConsoleStore.IncidentRecord> page = store.incidents(incidentQuery(ctx));
    return Reply.ok(page("incidents", incidentSummaries(page.items()), page.next()));
  }

  private Reply incident(Context ctx, Principal principal) throws IOException {
    String id = ctx.pathParam("id");
    ConsoleStore.IncidentRecord record = store.incident(Views.parseIncidentId(id)).orElseThrow(
        () -> new ApiException(404, "not-found", "no incident has the id '" + Requests.truncate(id)
            + "' (only the newest incidents are kept for queries)"));
    Incident incident = record.incident();
    ConsoleStore.IssueRecord issue = store.issue(incident.fingerprint()).orElse(null);
    Map<String, Object> reply = Views.incidentDetail(record, issue);
    if (issue != null) {
      Map<String, Object> issueView = new LinkedHashMap<>();
      issueView.put("fingerprint", issue.fingerprint());
      issueView.put("status", issue.status().name());
      issueView.put("count", issue.count());
      issueView.put("firstSeen", Views.time(issue.firstSeenMillis()));
      issueView.put("lastSeen", Views.time(issue.lastSeenMillis()));
      reply.put("issue", issueView);
    }
    List<Map<String, Object>> occurrences = new ArrayList<>();
    for (ConsoleStore.IncidentRecord other : store.incidents(new ConsoleStore.IncidentQuery(null, null,
        incident.fingerprint(), null, null, null, null, -1, OCCURRENCES)).items()) {
      Map<String, Object> item = new LinkedHashMap<>();
      item.put("id", Views.incidentId(other.id()));
      item.put("time", other.incident().time().toString());
      item.put("service", other.service());
      item.put("component", other.incident().component());
      occurrences.add(item);
    }
    reply.put("occurrences", occurrences);
    reply.put("traceback", traceback(incident.logLines()));
    reply.put("suspectedRootCauses", rootCauses(incident));
    return Reply.ok(reply);
  }

  /** The log traceback over an incident's log lines, or null when they hold no error to trace back from. */
  private Map<String, Object> traceback(List<String> lines) throws IOException {
    if (lines.isEmpty()) {
      return null;
    }
    Path file = Files.createTempFile("faultline-incident", ".log");
    try {
      Files.write(file, String.join("\n", lines).concat("\n").getBytes(StandardCharsets.UTF_8));
      TracebackReport report;
      try {
        report = Traceback.builder().build().fromFirstError(List.of(file));
      } catch (IllegalArgumentException e) {
        return null;
      }
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("failure", logEvent(report.failure()));
      out.put("windowStart", report.windowStart().toString());
      out.put("timeline", report.timeline().stream().map(QueryApi::logEvent).toList());
      List<Map<String, Object>> suspects = new ArrayList<>();
      for (Suspect suspect : report.suspects()) {
        Map<String, Object> item = logEvent(suspect.event());
        item.put("score", suspect.score());
        item.put("reasons", suspect.reasons());
        suspects.add(item);
      }
      out.put("suspects", suspects);
      out.put("notes", report.notes());
      return out;
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private static Map<String, Object> logEvent(LogEvent event) {
    Map<String, Object> item = new LinkedHashMap<>();
    item.put("time", event.time().toString());
    item.put("level", event.level());
    item.put("text", event.content());
    item.put("template", event.template());
    return item;
  }

  /** Failures observed around the incident, ranked by the dependency graph. */
  private List<Map<String, Object>> rootCauses(Incident incident) {
    long at = incident.time().toEpochMilli();
    long from = at - ROOT_CAUSE_WINDOW.toMillis();
    List<Observation> observations = new ArrayList<>();
    for (ConsoleStore.EventRecord failed : store.events(new ConsoleStore.EventQuery(null, "ComponentFailed", null,
        from, at + 1, null, -1, Requests.MAX_LIMIT)).items()) {
      observations.add(Observation.of(failed.source(), Instant.ofEpochMilli(failed.timeMillis())));
    }
    for (ConsoleStore.IncidentRecord other : store.incidents(new ConsoleStore.IncidentQuery(null, null, null, null,
        null, from, at + 1, -1, Requests.MAX_LIMIT)).items()) {
      observations.add(Observation.of(other.incident().component(), other.incident().time())
          .withFingerprint(other.incident().fingerprint()));
    }
    DependencyGraph graph;
    try {
      graph = graph(dependencies());
    } catch (ConfigurationException e) {
      graph = DependencyGraph.builder().build();
    }
    List<Map<String, Object>> out = new ArrayList<>();
    for (RootCause cause : new RootCauseRanker(graph, List.of()).rank(observations)) {
      Map<String, Object> item = new LinkedHashMap<>();
      item.put("component", cause.component());
      item.put("onset", cause.onset().toString());
      item.put("score", cause.score());
      item.put("reasons", cause.reasons().stream().map(RootCause.Reason::detail).toList());
      out.add(item);
    }
    return out;
  }

  private Reply issues(Context ctx, Principal principal) {
    Long from = Requests.timeParam(ctx, "from");
    Long to = Requests.timeParam(ctx, "to");
    checkRange(from, to);
    ConsoleStore.Page<ConsoleStore.IssueRecord> page = store.issues(new ConsoleStore.IssueQuery(
        ctx.queryParam("service"), Requests.enumParam(ctx, "status", IssueStatus.class), ctx.queryParam("fingerprint"),
        from, to, Requests.cursor(ctx), Requests.limit(ctx)));
    return Reply.ok(page("issues", page.items().stream().map(Views::issue).toList(), page.next()));
  }

  private ConsoleStore.IssueRecord findIssue(Context ctx) {
    String fingerprint = ctx.pathParam("fingerprint");
    return store.issue(fingerprint).orElseThrow(() -> new ApiException(404, "not-found",
        "no issue has the fingerprint '" + Requests.truncate(fingerprint) + "'"));
  }

  private Reply issue(Context ctx, Principal principal) {
    ConsoleStore.IssueRecord issue = findIssue(ctx);
    Map<String, Object> reply = new LinkedHashMap<>();
    reply.put("issue", Views.issue(issue));
    reply.put("incidents", incidentSummaries(store.incidents(new ConsoleStore.IncidentQuery(null, null,
        issue.fingerprint(), null, null, null, null, -1, OCCURRENCES)).items()));
    return Reply.ok(reply);
  }

  private Reply resolve(Context ctx, Principal principal) throws IOException {
    Requests.object(Requests.json(ctx, mapper, maxBodyBytes), "the body", Set.of());
    ConsoleStore.IssueRecord issue = findIssue(ctx);
    ConsoleStore.IssueRecord resolved = store.resolve(issue.fingerprint(), clock.wallMillis()).orElseThrow();
    return new Reply(200, Map.of("issue", Views.issue(resolved)), "resolved issue " + issue.fingerprint());
  }

  private Reply timeline(Context ctx, Principal principal) {
    Long from = Requests.timeParam(ctx, "from");
    Long to = Requests.timeParam(ctx, "to");
    checkRange(from, to);
    String service = ctx.queryParam("service");
    Set<String> types = Requests.listParam(ctx, "types");
    long below = Requests.cursor(ctx);
    int limit = Requests.limit(ctx);
    ConsoleStore.Page<ConsoleStore.EventRecord> events = store.events(new ConsoleStore.EventQuery(service, null,
        null, from, to, types, below, limit));
    ConsoleStore.Page<ConsoleStore.IncidentRecord> incidents = types != null && !types.contains("incident")
        ? new ConsoleStore.Page<>(List.of(), -1)
        : store.incidents(new ConsoleStore.IncidentQuery(service, null, null, null, null, from, to, below, limit));
    // Both lists are newest first by id, and ids share one order: merge them and keep the newest `limit`.
    TreeMap<Long, Map<String, Object>> merged = new TreeMap<>();
    for (ConsoleStore.EventRecord event : events.items()) {
      merged.put(event.id(), eventEntry(event));
    }
    for (ConsoleStore.IncidentRecord record : incidents.items()) {
      merged.put(record.id(), incidentEntry(record));
    }
    List<Map<String, Object>> entries = new ArrayList<>(limit);
    long next = -1;
    Iterator<Map.Entry<Long, Map<String, Object>>> newest = merged.descendingMap().entrySet().iterator();
    long lastKept = -1;
    while (newest.hasNext()) {
      Map.Entry<Long, Map<String, Object>> entry = newest.next();
      if (entries.size() == limit) {
        next = lastKept;
        break;
      }
      entries.add(entry.getValue());
      lastKept = entry.getKey();
    }
    if (next < 0 && (events.next() >= 0 || incidents.next() >= 0)) {
      next = lastKept;
    }
    return Reply.ok(page("entries", entries, next));
  }

  private static Map<String, Object> eventEntry(ConsoleStore.EventRecord event) {
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("kind", "event");
    entry.put("id", Views.eventId(event.id()));
    entry.put("time", Views.time(event.timeMillis()));
    entry.put("service", event.service());
    entry.put("source", event.source());
    entry.put("type", event.type());
    entry.put("summary", summary(event));
    entry.put("fields", event.fields());
    return entry;
  }

  private static Map<String, Object> incidentEntry(ConsoleStore.IncidentRecord record) {
    Incident i = record.incident();
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("kind", "incident");
    entry.put("id", Views.incidentId(record.id()));
    entry.put("time", i.time().toString());
    entry.put("service", record.service());
    entry.put("source", i.component());
    entry.put("type", "incident");
    entry.put("summary", i.errorType() + (i.exceptionMessage() == null ? "" : ": " + i.exceptionMessage()));
    entry.put("fingerprint", i.fingerprint());
    return entry;
  }

  /** One line saying what an event means. */
  static String summary(ConsoleStore.EventRecord event) {
    JsonNode f = event.fields();
    String s = event.source();
    switch (event.type()) {
      case "ComponentFailed":
        return s + " failed" + (f.hasNonNull("cause") ? ": " + f.get("cause").asText() : "");
      case "ComponentRecovered":
        return s + " recovered" + (f.hasNonNull("downtime") ? " after " + f.get("downtime").asText() + " ms" : "");
      case "ComponentStarted":
        return s + " started";
      case "ComponentStopped":
        return s + " stopped" + (f.hasNonNull("reason") ? ": " + f.get("reason").asText() : "");
      case "ComponentRestarted":
        return s + " restarting" + (f.hasNonNull("restarts") ? " (restart " + f.get("restarts").asText() + ")" : "");
      case "CircuitStateChanged":
        return s + " circuit " + f.path("from").asText("?") + " -> " + f.path("to").asText("?");
      case "HealthChanged":
        return s + " health " + f.path("from").asText("?") + " -> " + f.path("to").asText("?");
      case "DataLost":
        return s + " lost " + f.path("records").asText("?") + " record(s)";
      case "StateRolledBack":
        return s + " rolled back to " + f.path("target").asText("?") + ", " + f.path("discarded").asText("0")
            + " record(s) discarded";
      case "CheckpointWritten":
        return s + " wrote checkpoint " + f.path("checkpointId").asText("?");
      default:
        return s + " " + event.type();
    }
  }

  // ------------------------------------------------------------------------------------------------- metrics

  private Reply reliability(Context ctx, Principal principal) {
    Duration window = Requests.durationParam(ctx, "window", Duration.ofHours(24), Duration.ofSeconds(1),
        Duration.ofDays(35));
    String only = ctx.queryParam("service");
    long now = clock.wallMillis();
    List<Map<String, Object>> services = new ArrayList<>();
    for (ConsoleStore.ServiceRecord s : store.services()) {
      if (only != null && !only.equals(s.service())) {
        continue;
      }
      Optional<Reliability.ServiceMetrics> metrics = reliability.now(s.service(), window);
      Map<String, Object> item = new LinkedHashMap<>();
      item.put("service", s.service());
      item.put("metrics", metrics.map(m -> Views.metrics(m.service())).orElse(null));
      List<Map<String, Object>> components = new ArrayList<>();
      metrics.ifPresent(m -> m.components().forEach((name, c) -> {
        Map<String, Object> component = new LinkedHashMap<>();
        component.put("component", name);
        component.put("metrics", Views.metrics(c));
        components.add(component);
      }));
      item.put("components", components);
      services.add(item);
    }
    Map<String, Object> reply = new LinkedHashMap<>();
    reply.put("window", Map.of("from", Views.time(now - window.toMillis()), "to", Views.time(now)));
    reply.put("services", services);
    return Reply.ok(reply);
  }

  private Reply series(Context ctx, Principal principal) {
    String service = ctx.queryParam("service");
    if (service == null || service.isEmpty()) {
      throw ApiException.badRequest("query parameter service is required");
    }
    String component = ctx.queryParam("component");
    Long toParam = Requests.timeParam(ctx, "to");
    long to = toParam == null ? clock.wallMillis() : toParam;
    Long fromParam = Requests.timeParam(ctx, "from");
    long from = fromParam == null ? to - Duration.ofHours(24).toMillis() : fromParam;
    if (from >= to) {
      throw ApiException.badRequest("query parameter from (" + Views.time(from) + ") must be before to ("
          + Views.time(to) + ")");
    }
    Duration step = Requests.durationParam(ctx, "step", Duration.ofMillis(Math.max(1000, (to - from) / 24)),
        Duration.ofSeconds(1), Duration.ofDays(35));
    long buckets = (to - from) / step.toMillis();
    if (buckets < 1 || buckets > 500) {
      throw ApiException.badRequest("from, to and step make " + buckets + " buckets; they must make 1 to 500");
    }
    List<Map<String, Object>> points = new ArrayList<>();
    for (ComponentMetrics m : reliability.series(service, component, from, from + buckets * step.toMillis(),
        step.toMillis())) {
      Map<String, Object> point = new LinkedHashMap<>();
      point.put("from", m.from().toString());
      point.put("to", m.to().toString());
      point.put("failures", m.failures());
      point.put("recoveries", m.recoveries());
      point.put("failuresPerHour", m.failuresPerHour());
      point.put("mttrMillis", m.mttr().map(Duration::toMillis).orElse(null));
      point.put("availability", m.availability().isPresent() ? m.availability().getAsDouble() : null);
      point.put("downtimeMillis", m.downtime().toMillis());
      point.put("recordsLost", m.recordsLost());
      points.add(point);
    }
    Map<String, Object> reply = new LinkedHashMap<>();
    reply.put("service", service);
    reply.put("component", component);
    reply.put("step", step.toString());
    reply.put("points", points);
    return Reply.ok(reply);
  }

  private Reply samples(Context ctx, Principal principal) {
    String service = ctx.queryParam("service");
    String name = ctx.queryParam("name");
    if (service == null || name == null) {
      throw ApiException.badRequest("query parameters service and name are required");
    }
    Long from = Requests.timeParam(ctx, "from");
    Long to = Requests.timeParam(ctx, "to");
    checkRange(from, to);
    ConsoleStore.Page<ConsoleStore.SampleRecord> page = store.samples(service, name, from, to, Requests.cursor(ctx),
        Requests.limit(ctx));
    List<Map<String, Object>> items = new ArrayList<>();
    for (ConsoleStore.SampleRecord sample : page.items()) {
      Map<String, Object> item = new LinkedHashMap<>();
      item.put("service", sample.service());
      item.put("name", sample.name());
      item.put("time", Views.time(sample.timeMillis()));
      item.put("value", sample.value());
      item.put("tags", sample.tags());
      items.add(item);
    }
    return Reply.ok(page("samples", items, page.next()));
  }

  // ------------------------------------------------------------------------------------------------- dependencies

  /** The stored dependency graph, dependant to its dependencies (empty when none was set). */
  Map<String, List<String>> dependencies() {
    Optional<ConsoleStore.Document> document = store.document(CONFIG, DEPENDENCIES);
    Map<String, List<String>> graph = new TreeMap<>();
    if (document.isEmpty()) {
      return graph;
    }
    try {
      JsonNode node = mapper.readTree(document.get().content());
      node.fields().forEachRemaining(e -> {
        List<String> deps = new ArrayList<>();
        e.getValue().forEach(d -> deps.add(d.asText()));
        graph.put(e.getKey(), deps);
      });
    } catch (IOException e) {
      throw new IllegalStateException("the stored dependency graph is not JSON", e);
    }
    return graph;
  }

  private static DependencyGraph graph(Map<String, List<String>> dependencies) {
    DependencyGraph.Builder builder = DependencyGraph.builder();
    dependencies.forEach((dependant, deps) -> builder.dependsOn(dependant, deps.toArray(String[]::new)));
    return builder.build();
  }

  private Reply putDependencies(Context ctx, Principal principal) throws IOException {
    ObjectNode body = Requests.object(Requests.json(ctx, mapper, maxBodyBytes), "the body", Set.of("dependencies"));
    JsonNode graphNode = body.get("dependencies");
    if (graphNode == null || !graphNode.isObject()) {
      throw ApiException.badRequest("the body.dependencies must be an object of component to array of components");
    }
    Map<String, List<String>> graph = new TreeMap<>();
    Iterator<Map.Entry<String, JsonNode>> fields = graphNode.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> entry = fields.next();
      String where = "dependencies." + Requests.truncate(entry.getKey());
      if (entry.getKey().isBlank() || entry.getKey().length() > IngestApi.MAX_SOURCE) {
        throw ApiException.badRequest(where + ": a component name must be 1 to " + IngestApi.MAX_SOURCE
            + " characters");
      }
      if (!entry.getValue().isArray()) {
        throw ApiException.badRequest(where + " must be an array of component names, but was "
            + Requests.kind(entry.getValue()));
      }
      List<String> deps = new ArrayList<>();
      for (JsonNode dep : entry.getValue()) {
        if (!dep.isTextual() || dep.asText().isBlank() || dep.asText().length() > IngestApi.MAX_SOURCE) {
          throw ApiException.badRequest(where + " must hold component names of 1 to " + IngestApi.MAX_SOURCE
              + " characters, but held " + dep);
        }
        deps.add(dep.asText());
      }
      graph.put(entry.getKey(), deps);
    }
    try {
      graph(graph);
    } catch (ConfigurationException e) {
      throw ApiException.badRequest("the dependencies must " + e.rule() + ", but have the cycle " + e.value());
    }
    store.putDocument(new ConsoleStore.Document(CONFIG, DEPENDENCIES, mapper.writeValueAsString(graph),
        clock.wallMillis(), principal.name()));
    return new Reply(200, Map.of("dependencies", graph), "set the dependency graph (" + graph.size()
        + " component(s) with dependencies)");
  }
}
