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
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Reading requests strictly: bodies (content type, size limit, well-formed JSON of the documented shape), fields and
 * query parameters, each refusal an {@link ApiException} whose message names what was wrong and the rule.
 * Stateless and thread-safe.
 */
final class Requests {
  /** The largest {@code limit} of a list. */
  static final int MAX_LIMIT = 1000;
  /** The default {@code limit} of a list. */
  static final int DEFAULT_LIMIT = 100;

  private Requests() {}

  /** The JSON mapper of the API: strict about duplicate keys, trailing data and nesting depth. */
  static ObjectMapper newMapper() {
    JsonFactory factory = JsonFactory.builder()
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).build())
        .build();
    return JsonMapper.builder(factory).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
  }

  /**
   * The body's bytes: the content type must start with one of {@code mediaTypes}, the body must hold 1 to
   * {@code maxBytes} bytes (checked on {@code Content-Length} and while reading a chunked body).
   */
  static byte[] body(Context ctx, long maxBytes, String... mediaTypes) {
    String contentType = ctx.contentType();
    boolean accepted = false;
    if (contentType != null) {
      String lower = contentType.toLowerCase(Locale.ROOT);
      for (String type : mediaTypes) {
        accepted |= lower.startsWith(type);
      }
    }
    if (!accepted) {
      throw new ApiException(415, "unsupported-media-type", "the body must have Content-Type: "
          + String.join(" or ", mediaTypes) + ", but the Content-Type was "
          + (contentType == null ? "missing" : "'" + truncate(contentType) + "'"));
    }
    long declared = ctx.req().getContentLengthLong();
    if (declared > maxBytes) {
      throw tooLarge(maxBytes, declared);
    }
    byte[] bytes;
    try (InputStream in = ctx.req().getInputStream()) {
      bytes = in.readNBytes(Math.toIntExact(maxBytes + 1));
    } catch (IOException e) {
      throw ApiException.badRequest("the request body could not be read: " + e.getMessage());
    }
    if (bytes.length > maxBytes) {
      throw tooLarge(maxBytes, -1);
    }
    if (bytes.length == 0) {
      throw ApiException.badRequest("the request body is empty; expected " + mediaTypes[0].substring(
          mediaTypes[0].indexOf('/') + 1).toUpperCase(Locale.ROOT));
    }
    return bytes;
  }

  private static ApiException tooLarge(long maxBytes, long declared) {
    return new ApiException(413, "payload-too-large", "the request body may hold at most " + maxBytes
        + " bytes" + (declared > 0 ? ", but Content-Length was " + declared : ", but it held more"));
  }

  /** The body as one JSON value: JSON content type, at most {@code maxBytes}, well-formed. */
  static JsonNode json(Context ctx, ObjectMapper mapper, long maxBytes) {
    return json(body(ctx, maxBytes, "application/json"), mapper);
  }

  /** {@code bytes} (a body read by {@link #body}) as one well-formed JSON value. */
  static JsonNode json(byte[] bytes, ObjectMapper mapper) {
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

  /** {@code node} as an object with no field outside {@code allowed}. */
  static ObjectNode object(JsonNode node, String where, Set<String> allowed) {
    if (!node.isObject()) {
      throw ApiException.badRequest(where + " must be a JSON object, but was " + kind(node));
    }
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!allowed.contains(name)) {
        throw ApiException.badRequest(where + " has an unknown field '" + truncate(name) + "'; allowed: "
            + (allowed.isEmpty() ? "none" : String.join(", ", allowed.stream().sorted().toList())));
      }
    }
    return (ObjectNode) node;
  }

  /** A required string field. */
  static String text(ObjectNode object, String field, String where) {
    String value = optionalText(object, field, where);
    if (value == null) {
      throw ApiException.badRequest(where + "." + field + " is missing");
    }
    return value;
  }

  /** An optional string field: null when absent or JSON null. */
  static String optionalText(ObjectNode object, String field, String where) {
    JsonNode value = object.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual()) {
      throw ApiException.badRequest(where + "." + field + " must be a string, but was " + kind(value));
    }
    return value.asText();
  }

  /** A name (service, user, store, instance, fault tree): 1 to 64 letters, digits or {@code _.-}. */
  static String name(String value, String what) {
    if (value == null || !CredentialStore.validName(value)) {
      throw ApiException.badRequest(what + " must be 1 to 64 letters, digits or _.- starting with a letter or digit,"
          + " but was " + (value == null ? "missing" : "'" + truncate(value) + "'"));
    }
    return value;
  }

  /** A time: epoch milliseconds (non-negative integer) or an ISO-8601 instant. */
  static long time(JsonNode value, String where) {
    if (value.canConvertToExactIntegral() && value.canConvertToLong() && value.asLong() >= 0) {
      return value.asLong();
    }
    if (value.isTextual()) {
      return parseInstant(value.asText(), where);
    }
    throw ApiException.badRequest(where + " must be epoch milliseconds (a non-negative integer) or an ISO-8601"
        + " instant, but was " + kind(value));
  }

  private static long parseInstant(String text, String where) {
    try {
      return Instant.parse(text).toEpochMilli();
    } catch (DateTimeException | ArithmeticException e) {
      throw ApiException.badRequest(where + " must be an ISO-8601 instant such as 2026-01-01T00:00:00Z, but was '"
          + truncate(text) + "'");
    }
  }

  /** An optional time query parameter (ISO-8601 instant or epoch milliseconds), or null. */
  static Long timeParam(Context ctx, String name) {
    String value = ctx.queryParam(name);
    if (value == null || value.isEmpty()) {
      return null;
    }
    if (value.chars().allMatch(Character::isDigit) && value.length() <= 15) {
      return Long.parseLong(value);
    }
    return parseInstant(value, "query parameter " + name);
  }

  /** An optional duration query parameter (ISO-8601 such as PT1H, or milliseconds), or {@code defaultValue}. */
  static Duration durationParam(Context ctx, String name, Duration defaultValue, Duration min, Duration max) {
    String value = ctx.queryParam(name);
    if (value == null || value.isEmpty()) {
      return defaultValue;
    }
    Duration parsed = null;
    try {
      parsed = value.chars().allMatch(Character::isDigit) && value.length() <= 15
          ? Duration.ofMillis(Long.parseLong(value)) : Duration.parse(value);
    } catch (DateTimeException e) {
      // reported below
    }
    if (parsed == null || parsed.compareTo(min) < 0 || parsed.compareTo(max) > 0) {
      throw ApiException.badRequest("query parameter " + name + " must be a duration from " + min + " to " + max
          + " (ISO-8601 such as PT1H, or milliseconds), but was '" + truncate(value) + "'");
    }
    return parsed;
  }

  /** An integer query parameter from {@code min} to {@code max}, or {@code defaultValue}. */
  static int intParam(Context ctx, String name, int defaultValue, int min, int max) {
    String value = ctx.queryParam(name);
    if (value == null) {
      return defaultValue;
    }
    try {
      int parsed = Integer.parseInt(value);
      if (parsed >= min && parsed <= max) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw ApiException.badRequest("query parameter " + name + " must be an integer from " + min + " to " + max
        + ", but was '" + truncate(value) + "'");
  }

  /** The {@code limit} query parameter: 1 to {@value #MAX_LIMIT}, default {@value #DEFAULT_LIMIT}. */
  static int limit(Context ctx) {
    return intParam(ctx, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
  }

  /** A boolean query parameter ({@code true} or {@code false}), or {@code defaultValue}. */
  static boolean boolParam(Context ctx, String name, boolean defaultValue) {
    String value = ctx.queryParam(name);
    if (value == null) {
      return defaultValue;
    }
    if (value.equals("true") || value.equals("false")) {
      return Boolean.parseBoolean(value);
    }
    throw ApiException.badRequest("query parameter " + name + " must be true or false, but was '" + truncate(value)
        + "'");
  }

  /** An enum query parameter by name (any case), or null. */
  static <E extends Enum<E>> E enumParam(Context ctx, String name, Class<E> type) {
    String value = ctx.queryParam(name);
    if (value == null || value.isEmpty()) {
      return null;
    }
    for (E constant : type.getEnumConstants()) {
      if (constant.name().equalsIgnoreCase(value)) {
        return constant;
      }
    }
    Set<String> names = new LinkedHashSet<>();
    for (E constant : type.getEnumConstants()) {
      names.add(constant.name());
    }
    throw ApiException.badRequest("query parameter " + name + " must be one of " + String.join(", ", names)
        + ", but was '" + truncate(value) + "'");
  }

  /** A comma-separated list query parameter, or null when absent. */
  static Set<String> listParam(Context ctx, String name) {
    String value = ctx.queryParam(name);
    if (value == null || value.isEmpty()) {
      return null;
    }
    Set<String> items = new LinkedHashSet<>();
    for (String item : value.split(",")) {
      if (!item.isBlank()) {
        items.add(item.strip());
      }
    }
    return items;
  }

  /** The {@code cursor} query parameter as the id to continue below, or -1 for the first page. */
  static long cursor(Context ctx) {
    String value = ctx.queryParam("cursor");
    if (value == null || value.isEmpty()) {
      return -1;
    }
    try {
      long below = Long.parseLong(value, 36);
      if (below > 0) {
        return below;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw ApiException.badRequest("query parameter cursor must be a cursor returned as 'next' by this list, but was '"
        + truncate(value) + "'");
  }

  /** The cursor to return for a page that continues below {@code id}, or null when there is no more. */
  static String nextCursor(long id) {
    return id < 0 ? null : Long.toString(id, 36);
  }

  /** What kind of JSON value {@code node} is, for messages. */
  static String kind(JsonNode node) {
    return node.isArray() ? "an array" : node.isObject() ? "an object" : node.isTextual() ? "a string"
        : node.isNumber() ? "a number" : node.isBoolean() ? "a boolean" : "null";
  }

  /** {@code text} cut to 64 characters, for messages. */
  static String truncate(String text) {
    return text.length() <= 64 ? text : text.substring(0, 64) + "…";
  }
}
