package dev.faultline.console.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.faultline.console.server.Api.Endpoint;
import dev.faultline.console.server.Api.Principal;
import dev.faultline.console.server.Api.Reply;
import dev.faultline.core.Clock;
import dev.faultline.core.FaultlineException;
import dev.faultline.diagnosis.incident.Incident;
import dev.faultline.diagnosis.incident.IncidentJson;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The ingest routes, for service keys: events, incidents, heartbeats and metric samples. Each request is checked in
 * full before anything is stored, then stored as one durable batch ({@link ConsoleStore}); a refused request stores
 * nothing.
 *
 * <p>A request may carry an {@value #KEY_HEADER} header (1 to {@value #MAX_KEY} letters, digits or {@code _.:-}; a
 * client makes one per batch, a UUID for instance, and keeps it across retries). The key is stored with the batch,
 * scoped by the service of the caller's key and the endpoint, with the SHA-256 of the body. A request whose key is
 * held already (within the window) stores nothing: with the same body it is answered as the first one was (202, the
 * same ids) with {@code Idempotent-Replayed: true}; with another body it is refused (422
 * {@code idempotency-key-reused}). So a client may retry a batch whose answer it never got without storing it twice.
 *
 * <h2>Concurrency design</h2>
 * Stateless itself; the store is thread-safe. Thread-safe.
 */
final class IngestApi {
  /** A type or metric name: a letter, then up to 99 letters, digits or {@code _.:-}. */
  static final Pattern TYPE = Pattern.compile("[A-Za-z][A-Za-z0-9_.:-]{0,99}");
  static final int MAX_SOURCE = 200;
  static final int MAX_SMALL_BATCH = 100;
  static final int MAX_DETAIL = 500;
  static final int MAX_TAGS = 16;
  static final Set<String> STATUSES = Set.of("UP", "DEGRADED", "DOWN");
  static final long DEFAULT_INTERVAL_MILLIS = 10_000;
  /** The request header of an idempotency key. */
  static final String KEY_HEADER = "Idempotency-Key";
  /** The response header of an answer replayed for a key already stored. */
  static final String REPLAYED_HEADER = "Idempotent-Replayed";
  /** The longest idempotency key. */
  static final int MAX_KEY = 255;
  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_.:-]{1," + MAX_KEY + "}");

  private final ObjectMapper mapper;
  private final Clock clock;
  private final ConsoleStore store;
  private final long maxBodyBytes;
  private final int maxBatch;
  private final java.time.Duration keyWindow;

  IngestApi(ObjectMapper mapper, Clock clock, ConsoleStore store, long maxBodyBytes, int maxBatch,
      java.time.Duration keyWindow) {
    this.mapper = mapper;
    this.clock = clock;
    this.store = store;
    this.maxBodyBytes = maxBodyBytes;
    this.maxBatch = maxBatch;
    this.keyWindow = keyWindow;
  }

  /** A request read: its idempotency key (or null) and its body's items. */
  private record Read(ConsoleStore.IngestKey key, List<JsonNode> items) {}

  /**
   * The {@value #KEY_HEADER} of the request (null when it has none) with the SHA-256 of {@code body}: checked before
   * anything is stored, refused (400, naming the header) unless it is one value of 1 to {@value #MAX_KEY} letters,
   * digits or {@code _.:-}.
   */
  private static ConsoleStore.IngestKey key(Context ctx, String kind, byte[] body) {
    java.util.Enumeration<String> values = ctx.req().getHeaders(KEY_HEADER);
    if (values == null || !values.hasMoreElements()) {
      return null;
    }
    String key = values.nextElement();
    if (values.hasMoreElements()) {
      throw ApiException.badRequest("the " + KEY_HEADER + " header must be given once, but was given more than once");
    }
    if (key == null || !KEY.matcher(key).matches()) {
      throw ApiException.badRequest("the " + KEY_HEADER + " header must be 1 to " + MAX_KEY + " letters, digits or"
          + " _.:- (a UUID, for instance), but was " + (key == null || key.isEmpty() ? "empty"
          : key.length() > MAX_KEY ? key.length() + " characters long" : "'" + Requests.truncate(key) + "'"));
    }
    try {
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(body);
      return new ConsoleStore.IngestKey(kind, key, java.util.HexFormat.of().formatHex(digest));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  /**
   * The answer to a request whose key the store held already: the first answer again, marked replayed, when the
   * body is the same; 422 otherwise.
   */
  private Reply replay(ConsoleStore.IngestKey key, ConsoleStore.KeyAlreadyStored held, String path, Object body) {
    if (!held.stored().digest().equals(key.digest())) {
      throw new ApiException(422, "idempotency-key-reused", "the " + KEY_HEADER + " '" + Requests.truncate(key.key())
          + "' was used within the last " + keyWindow.toMinutes() + " minutes for a different request body to POST "
          + path + "; nothing was stored: send a new key with a new batch (and the same key only with the same"
          + " body)");
    }
    return new Reply(202, body, null, Map.of(REPLAYED_HEADER, "true"));
  }

  void bind(Map<String, Endpoint> routes) {
    routes.put("POST /api/v1/events", this::events);
    routes.put("POST /api/v1/incidents", this::incidents);
    routes.put("POST /api/v1/heartbeats", this::heartbeats);
    routes.put("POST /api/v1/metrics", this::metrics);
  }

  /**
   * The body as an array of {@code 1..max} items (or, when {@code single} is allowed, one object), every string in
   * it Unicode text ({@link #checkText}).
   */
  private Read items(Context ctx, String kind, String what, int max, boolean single, boolean refuseNul) {
    byte[] bytes = Requests.body(ctx, maxBodyBytes, "application/json");
    ConsoleStore.IngestKey key = key(ctx, kind, bytes);
    JsonNode body = Requests.json(bytes, mapper);
    List<JsonNode> items;
    if (single && body.isObject()) {
      items = List.of(body);
    } else if (!body.isArray()) {
      throw ApiException.badRequest("the body must be a JSON array of " + what + (single ? " or one " + what
          .substring(0, what.length() - 1) : "") + ", but was " + Requests.kind(body));
    } else if (body.isEmpty() || body.size() > max) {
      throw ApiException.badRequest("a batch must hold 1 to " + max + " " + what + ", but held " + body.size());
    } else {
      items = new ArrayList<>(body.size());
      body.forEach(items::add);
    }
    for (int i = 0; i < items.size(); i++) {
      checkText(items.get(i), items.size() == 1 && single ? "the " + what.substring(0, what.length() - 1)
          : what + "[" + i + "]", refuseNul);
    }
    return new Read(key, items);
  }

  /**
   * Refuses a string or field name anywhere in {@code node} that holds an unpaired UTF-16 surrogate (a JSON escape of
   * half a surrogate pair, as a string cut in the middle of an emoji has): it is not Unicode text, and neither store
   * can keep it as sent (the embedded one failed the request, PostgreSQL replaced it with '?'). With
   * {@code refuseNul}, also U+0000, which PostgreSQL cannot hold in the text columns incidents are stored in.
   */
  private static void checkText(JsonNode node, String where, boolean refuseNul) {
    if (node.isTextual()) {
      String problem = textProblem(node.textValue(), refuseNul);
      if (problem != null) {
        throw ApiException.badRequest(where + " " + problem);
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        checkText(node.get(i), where + "[" + i + "]", refuseNul);
      }
    } else if (node.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> field = fields.next();
        String problem = textProblem(field.getKey(), refuseNul);
        if (problem != null) {
          throw ApiException.badRequest(where + " has a field name that " + problem);
        }
        checkText(field.getValue(), where + "." + Requests.truncate(field.getKey()), refuseNul);
      }
    }
  }

  /** What is wrong with {@code text} (a phrase starting with "holds"), or null. */
  private static String textProblem(String text, boolean refuseNul) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return String.format("holds an unpaired UTF-16 surrogate \\u%04x at character %d: not valid Unicode text"
            + " (was a string cut inside a character?)", (int) c, i);
      } else if (c == 0 && refuseNul) {
        return "holds the character U+0000 at character " + i + ", which the console cannot store";
      }
    }
    return null;
  }

  private Reply events(Context ctx, Principal principal) throws IOException {
    Read read = items(ctx, "events", "events", maxBatch, false, false);
    List<JsonNode> items = read.items();
    List<ConsoleStore.NewEvent> batch = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      batch.add(event(items.get(i), "events[" + i + "]"));
    }
    try {
      store.addEvents(principal.name(), clock.wallMillis(), batch, read.key());
    } catch (ConsoleStore.KeyAlreadyStored held) {
      return replay(read.key(), held, "/api/v1/events", Map.of("accepted", batch.size()));
    }
    return new Reply(202, Map.of("accepted", batch.size()), null);
  }

  private static ConsoleStore.NewEvent event(JsonNode node, String where) {
    ObjectNode object = Requests.object(node, where, Set.of("type", "source", "time", "fields"));
    String type = Requests.text(object, "type", where);
    if (!TYPE.matcher(type).matches()) {
      throw ApiException.badRequest(where + ".type must be a name like CallFailed (a letter, then up to 99 letters,"
          + " digits or _.:-), but was '" + Requests.truncate(type) + "'");
    }
    String source = Requests.text(object, "source", where);
    if (source.isBlank() || source.length() > MAX_SOURCE || source.chars().anyMatch(Character::isISOControl)) {
      throw ApiException.badRequest(where + ".source must be 1 to " + MAX_SOURCE
          + " printable characters, but was '" + Requests.truncate(source) + "'");
    }
    JsonNode time = object.get("time");
    if (time == null) {
      throw ApiException.badRequest(where + ".time is missing");
    }
    long timeMillis = Requests.time(time, where + ".time");
    JsonNode fields = object.get("fields");
    if (fields != null && !fields.isObject()) {
      throw ApiException.badRequest(where + ".fields must be a JSON object, but was " + Requests.kind(fields));
    }
    ObjectNode copy = fields == null ? JsonNodeFactory.instance.objectNode() : (ObjectNode) fields;
    return new ConsoleStore.NewEvent(type, source, timeMillis, copy);
  }

  private Reply incidents(Context ctx, Principal principal) throws IOException {
    Read read = items(ctx, "incidents", "incidents", MAX_SMALL_BATCH, true, true);
    List<JsonNode> items = read.items();
    List<Incident> batch = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      String where = items.size() == 1 ? "the incident" : "incidents[" + i + "]";
      JsonNode item = items.get(i);
      if (!item.isObject()) {
        throw ApiException.badRequest(where + " must be a JSON object, but was " + Requests.kind(item));
      }
      try {
        batch.add(IncidentJson.read(mapper.writeValueAsString(item)));
      } catch (FaultlineException e) {
        // The library's strict reader names the attribute; its character position is of the re-serialized object.
        String message = e.getMessage().replaceFirst("^malformed incident JSON at position \\d+: ", "");
        throw ApiException.badRequest(where + " is not a valid incident: " + message);
      }
    }
    List<Long> ids = new ArrayList<>(batch.size());
    try {
      for (ConsoleStore.IncidentRecord record : store.addIncidents(principal.name(), clock.wallMillis(), batch,
          read.key())) {
        ids.add(record.id());
      }
    } catch (ConsoleStore.KeyAlreadyStored held) {
      // The same body (checked by replay) holds the same incidents, stored under the ids the key kept.
      return replay(read.key(), held, "/api/v1/incidents", incidentsReply(batch, held.stored().ids()));
    }
    return new Reply(202, incidentsReply(batch, ids), null);
  }

  /** The answer to stored incidents: their ids and fingerprints, and their issues as they are now. */
  private Map<String, Object> incidentsReply(List<Incident> batch, List<Long> ids) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (int i = 0; i < batch.size() && i < ids.size(); i++) {
      String fingerprint = batch.get(i).fingerprint();
      Map<String, Object> item = new LinkedHashMap<>();
      item.put("id", Views.incidentId(ids.get(i)));
      item.put("fingerprint", fingerprint);
      store.issue(fingerprint).ifPresent(issue -> {
        item.put("issueStatus", issue.status().name());
        item.put("issueCount", issue.count());
      });
      out.add(item);
    }
    Map<String, Object> reply = new LinkedHashMap<>();
    reply.put("accepted", out.size());
    reply.put("incidents", out);
    return reply;
  }

  private Reply heartbeats(Context ctx, Principal principal) throws IOException {
    Read read = items(ctx, "heartbeats", "heartbeats", MAX_SMALL_BATCH, true, false);
    List<JsonNode> items = read.items();
    long now = clock.wallMillis();
    List<ConsoleStore.Heartbeat> batch = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      String where = items.size() == 1 ? "the heartbeat" : "heartbeats[" + i + "]";
      ObjectNode object = Requests.object(items.get(i), where, Set.of("instance", "status", "intervalMillis", "time",
          "detail"));
      String instance = Requests.optionalText(object, "instance", where);
      instance = instance == null ? "default" : Requests.name(instance, where + ".instance");
      String status = Requests.text(object, "status", where);
      if (!STATUSES.contains(status)) {
        throw ApiException.badRequest(where + ".status must be UP, DEGRADED or DOWN, but was '"
            + Requests.truncate(status) + "'");
      }
      long interval = DEFAULT_INTERVAL_MILLIS;
      JsonNode intervalNode = object.get("intervalMillis");
      if (intervalNode != null && !intervalNode.isNull()) {
        if (!intervalNode.canConvertToExactIntegral() || intervalNode.asLong() < 100
            || intervalNode.asLong() > 3_600_000) {
          throw ApiException.badRequest(where + ".intervalMillis must be an integer from 100 to 3600000, but was "
              + intervalNode);
        }
        interval = intervalNode.asLong();
      }
      JsonNode time = object.get("time");
      long timeMillis = time == null || time.isNull() ? now : Requests.time(time, where + ".time");
      String detail = Requests.optionalText(object, "detail", where);
      if (detail != null && (detail.length() > MAX_DETAIL || detail.chars().anyMatch(Character::isISOControl))) {
        throw ApiException.badRequest(where + ".detail must be at most " + MAX_DETAIL + " printable characters");
      }
      batch.add(new ConsoleStore.Heartbeat(instance, status, interval, timeMillis, now, detail));
    }
    try {
      store.addHeartbeats(principal.name(), now, batch, read.key());
    } catch (ConsoleStore.KeyAlreadyStored held) {
      return replay(read.key(), held, "/api/v1/heartbeats", Map.of("accepted", batch.size()));
    }
    return new Reply(202, Map.of("accepted", batch.size()), null);
  }

  private Reply metrics(Context ctx, Principal principal) throws IOException {
    Read read = items(ctx, "samples", "samples", maxBatch, false, false);
    List<JsonNode> items = read.items();
    List<ConsoleStore.NewSample> batch = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      String where = "samples[" + i + "]";
      ObjectNode object = Requests.object(items.get(i), where, Set.of("name", "time", "value", "tags"));
      String name = Requests.text(object, "name", where);
      if (!TYPE.matcher(name).matches()) {
        throw ApiException.badRequest(where + ".name must be a metric name (a letter, then up to 99 letters, digits"
            + " or _.:-), but was '" + Requests.truncate(name) + "'");
      }
      JsonNode time = object.get("time");
      if (time == null) {
        throw ApiException.badRequest(where + ".time is missing");
      }
      long timeMillis = Requests.time(time, where + ".time");
      JsonNode value = object.get("value");
      if (value == null || !value.isNumber() || !Double.isFinite(value.asDouble())) {
        throw ApiException.badRequest(where + ".value must be a finite number, but was "
            + (value == null ? "missing" : value.toString()));
      }
      Map<String, String> tags = new LinkedHashMap<>();
      JsonNode tagNode = object.get("tags");
      if (tagNode != null && !tagNode.isNull()) {
        if (!tagNode.isObject() || tagNode.size() > MAX_TAGS) {
          throw ApiException.badRequest(where + ".tags must be an object of at most " + MAX_TAGS + " strings");
        }
        Iterator<Map.Entry<String, JsonNode>> fields = tagNode.fields();
        while (fields.hasNext()) {
          Map.Entry<String, JsonNode> tag = fields.next();
          if (!tag.getValue().isTextual() || tag.getKey().length() > 100 || tag.getValue().asText().length() > 200) {
            throw ApiException.badRequest(where + ".tags." + Requests.truncate(tag.getKey())
                + " must be a string of at most 200 characters, under a name of at most 100");
          }
          tags.put(tag.getKey(), tag.getValue().asText());
        }
      }
      batch.add(new ConsoleStore.NewSample(name, timeMillis, value.asDouble(), tags));
    }
    try {
      store.addSamples(principal.name(), clock.wallMillis(), batch, read.key());
    } catch (ConsoleStore.KeyAlreadyStored held) {
      return replay(read.key(), held, "/api/v1/metrics", Map.of("accepted", batch.size()));
    }
    return new Reply(202, Map.of("accepted", batch.size()), null);
  }
}
