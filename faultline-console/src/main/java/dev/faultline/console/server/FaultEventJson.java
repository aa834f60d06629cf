package dev.faultline.console.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.faultline.core.circuitbreaker.CircuitState;
import dev.faultline.core.event.ComponentEvent;
import dev.faultline.core.event.FaultEvent;
import dev.faultline.core.event.PolicyEvent;
import dev.faultline.core.event.StateEvent;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The JSON form of a {@link FaultEvent} in the console's ingest API ({@code POST /api/v1/events}, see
 * {@code docs/api.md}): {@code {"type": <record's simple name>, "source": ..., "time": ISO-8601, "fields": {...}}},
 * where the fields are the record's other components — {@link Duration}s as milliseconds, {@link Throwable}s as
 * {@code "class: message"}, enums and other values by their string form, {@link Instant}s as ISO-8601, numbers,
 * booleans and strings as they are; null components are left out.
 *
 * <p>The server reads back, as {@link FaultEvent}s, the types the reliability metrics need ({@link #read}). Stateless
 * and thread-safe.
 */
public final class FaultEventJson {
  private FaultEventJson() {}

  /**
   * The event as the ingest API takes it: a map of {@code type}, {@code source}, {@code time} and {@code fields},
   * ready for any JSON writer.
   *
   * @throws IllegalArgumentException if the event is not a record (every event of the core family is)
   */
  public static Map<String, Object> toJson(FaultEvent event) {
    if (!event.getClass().isRecord()) {
      throw new IllegalArgumentException("event must be a record of the FaultEvent family, but was "
          + event.getClass().getName());
    }
    Map<String, Object> fields = new LinkedHashMap<>();
    for (RecordComponent component : event.getClass().getRecordComponents()) {
      String name = component.getName();
      if (name.equals("source") || name.equals("time")) {
        continue;
      }
      Object value;
      try {
        value = component.getAccessor().invoke(event);
      } catch (IllegalAccessException | InvocationTargetException e) {
        throw new IllegalArgumentException("cannot read " + name + " of " + event.getClass().getSimpleName(), e);
      }
      if (value != null) {
        fields.put(name, plain(value));
      }
    }
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("type", event.getClass().getSimpleName());
    json.put("source", event.source());
    json.put("time", event.time() == null ? null : event.time().toString());
    json.put("fields", fields);
    return json;
  }

  private static Object plain(Object value) {
    if (value instanceof Duration d) {
      return d.toMillis();
    }
    if (value instanceof Throwable t) {
      return t.getMessage() == null ? t.getClass().getName() : t.getClass().getName() + ": " + t.getMessage();
    }
    if (value instanceof Number || value instanceof Boolean || value instanceof String) {
      return value;
    }
    return value.toString();
  }

  /**
   * The stored event as the {@link FaultEvent} the reliability metrics read, for the types of
   * {@link JournalStore#RELIABILITY_TYPES}; empty for other types, or when a field it needs is missing or malformed
   * (such an event says nothing the metrics could use).
   */
  static Optional<FaultEvent> read(ConsoleStore.EventRecord event) {
    String source = event.source();
    Instant time = Instant.ofEpochMilli(event.timeMillis());
    JsonNode f = event.fields();
    try {
      switch (event.type()) {
        case "ComponentStarted":
          return Optional.of(new ComponentEvent.ComponentStarted(source, time));
        case "ComponentFailed":
          return Optional.of(new ComponentEvent.ComponentFailed(source, time, text(f, "cause"), null));
        case "ComponentRestarted":
          return Optional.of(new ComponentEvent.ComponentRestarted(source, time, (int) f.path("restarts").asLong(0),
              millis(f, "delay"), text(f, "cause")));
        case "ComponentRecovered":
          return Optional.of(new ComponentEvent.ComponentRecovered(source, time, millis(f, "downtime")));
        case "ComponentStopped":
          return Optional.of(new ComponentEvent.ComponentStopped(source, time, text(f, "reason")));
        case "HealthChanged":
          return Optional.of(new ComponentEvent.HealthChanged(source, time, text(f, "check"), text(f, "from"),
              text(f, "to"), text(f, "detail")));
        case "PeerSuspected":
          return Optional.of(new ComponentEvent.PeerSuspected(source, time, text(f, "peer"),
              f.path("phi").asDouble(0)));
        case "CircuitStateChanged":
          return Optional.of(new PolicyEvent.CircuitStateChanged(source, time, state(f, "from"), state(f, "to"),
              text(f, "reason")));
        case "CheckpointWritten":
          return Optional.of(new StateEvent.CheckpointWritten(source, time, text(f, "checkpointId"),
              f.path("sequence").asLong(0)));
        case "StateRecovered":
          return Optional.of(new StateEvent.StateRecovered(source, time, text(f, "checkpointId"),
              f.path("replayed").asLong(0), f.path("discarded").asLong(0)));
        case "StateRolledBack":
          return Optional.of(new StateEvent.StateRolledBack(source, time, text(f, "target"),
              f.path("discarded").asLong(0)));
        case "DataLost":
          return Optional.of(new StateEvent.DataLost(source, time, f.path("records").asLong(0), text(f, "reason")));
        default:
          return Optional.empty();
      }
    } catch (IllegalArgumentException | java.time.DateTimeException e) {
      return Optional.empty();
    }
  }

  private static String text(JsonNode fields, String name) {
    JsonNode value = fields.get(name);
    return value == null || value.isNull() ? null : value.asText();
  }

  private static Duration millis(JsonNode fields, String name) {
    JsonNode value = fields.get(name);
    if (value == null || value.isNull()) {
      return null;
    }
    if (value.isNumber()) {
      return Duration.ofMillis(value.asLong());
    }
    return Duration.parse(value.asText());
  }

  private static CircuitState state(JsonNode fields, String name) {
    String value = text(fields, name);
    return value == null ? null : CircuitState.valueOf(value);
  }
}
