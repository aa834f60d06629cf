package dev.faultline.console.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * A service key cannot grow its service's lists of heartbeat instances and event sources (components) without bound:
 * past the limits (3 each here), a batch naming a new one is refused whole, nothing stored, and known names keep
 * reporting. Before, every new name was kept for good, and the services view returned them all.
 */
class NameLimitsTest extends ServiceConsoleTest {

  @Override
  ServerFixture fixture(UnaryOperator<ConsoleServer.Builder> configure) {
    return on(b -> configure.apply(b).maxInstancesPerService(3).maxComponentsPerService(3));
  }

  /** The console with {@code configure} applied, on this class's store. */
  ServerFixture on(UnaryOperator<ConsoleServer.Builder> configure) {
    return super.fixture(configure);
  }

  private ServerFixture.Reply post(String path, String body) {
    return f.send(f.request(path, key).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  private JsonNode service() {
    for (JsonNode s : f.get("/api/v1/services", admin).json().get("services")) {
      if (s.get("service").asText().equals("payments")) {
        return s;
      }
    }
    throw new AssertionError("no service payments");
  }

  private List<String> names(String field, String inner) {
    List<String> names = new ArrayList<>();
    for (JsonNode node : service().get(field)) {
      names.add(inner == null ? node.asText() : node.get(inner).asText());
    }
    return names;
  }

  private static String event(String source, long time) {
    return "{\"type\":\"ComponentFailed\",\"source\":\"" + source + "\",\"time\":" + time + "}";
  }

  @Test
  void eventsNamingMoreNewSourcesThanAreLeftAreRefusedWhole() {
    assertEquals(202, post("/api/v1/events", "[" + event("a", 1) + "," + event("b", 2) + "]").status());
    ServerFixture.Reply refused = post("/api/v1/events", "[" + event("a", 3) + "," + event("c", 4) + ","
        + event("d", 5) + "]");
    assertEquals(422, refused.status(), refused.body());
    assertEquals("too-many-components", refused.error());
    String message = refused.json().get("message").asText();
    assertTrue(message.contains("payments") && message.contains("at most 3") && message.contains("'c'")
        && message.contains("Nothing was stored"), message);
    assertEquals(2, service().get("events").asLong(), "the refused batch stored nothing, not even its known source");
    assertEquals(List.of("a", "b"), names("components", null));

    assertEquals(202, post("/api/v1/events", "[" + event("c", 6) + "," + event("a", 7) + "]").status());
    assertEquals(202, post("/api/v1/events", "[" + event("b", 8) + "]").status(), "known sources keep reporting");
    assertEquals(422, post("/api/v1/events", "[" + event("e", 9) + "]").status());
    assertEquals(List.of("a", "b", "c"), names("components", null));
    assertEquals(5, service().get("events").asLong());
  }

  @Test
  void heartbeatsNamingMoreNewInstancesThanAreLeftAreRefusedWhole() {
    String beat = "{\"instance\":\"%s\",\"status\":\"UP\"}";
    assertEquals(202, post("/api/v1/heartbeats", "[" + String.format(beat, "p1") + "," + String.format(beat, "p2")
        + "]").status());
    ServerFixture.Reply refused = post("/api/v1/heartbeats", "[" + String.format(beat, "p3") + ","
        + String.format(beat, "p4") + "]");
    assertEquals(422, refused.status(), refused.body());
    assertEquals("too-many-instances", refused.error());
    assertTrue(refused.json().get("message").asText().contains("'p3'"), refused.body());
    assertEquals(List.of("p1", "p2"), names("instances", "instance"));

    assertEquals(202, post("/api/v1/heartbeats", String.format(beat, "p3")).status());
    assertEquals(202, post("/api/v1/heartbeats", String.format(beat, "p1")).status(), "known instances keep beating");
    assertEquals(422, post("/api/v1/heartbeats", String.format(beat, "p5")).status());
    assertEquals(List.of("p1", "p2", "p3"), names("instances", "instance"));
  }
}
