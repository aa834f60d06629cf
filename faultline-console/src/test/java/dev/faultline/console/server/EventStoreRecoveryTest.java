package dev.faultline.console.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Events survive a restart; a torn last line is cut off; corruption in the middle stops the start, naming the line. */
class EventStoreRecoveryTest {

  @TempDir
  Path dir;

  private static final String BATCH = "[{\"type\":\"CallFailed\",\"source\":\"s\",\"time\":0},"
      + "{\"type\":\"RetryScheduled\",\"source\":\"s\",\"time\":1}]";

  private String ingestOnce() {
    try (ServerFixture f = new ServerFixture(dir)) {
      String admin = f.setUpAndLogInAdmin();
      String key = f.serviceKey(admin, "payments");
      assertEquals(202, f.post("/api/v1/events", key, BATCH).status());
      return key;
    }
  }

  @Test
  void eventsAndServiceCountsSurviveARestart() {
    ingestOnce();
    try (ServerFixture f = new ServerFixture(dir)) {
      String admin = f.logIn("admin", ServerFixture.ADMIN_PASSWORD);
      JsonNode services = f.get("/api/v1/services", admin).json().get("services");
      assertEquals(2, services.get(0).get("events").asLong(), services.toString());
      assertEquals("RetryScheduled", f.get("/api/v1/events", admin).json().get("events").get(0).get("type").asText());
    }
  }

  @Test
  void aTornLastLineIsCutOffOnStart() throws IOException {
    ingestOnce();
    Path file = dir.resolve(EventStore.FILE);
    long clean = Files.size(file);
    Files.write(file, "{\"service\":\"payments\",\"ty".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
    try (ServerFixture f = new ServerFixture(dir)) {
      String admin = f.logIn("admin", ServerFixture.ADMIN_PASSWORD);
      assertEquals(2, f.get("/api/v1/events", admin).json().get("events").size());
    }
    assertEquals(clean, Files.size(file), "the torn tail is cut off, the acknowledged records kept");
  }

  @Test
  void corruptionInTheMiddleStopsTheStartNamingTheLine() throws IOException {
    ingestOnce();
    Path file = dir.resolve(EventStore.FILE);
    String content = Files.readString(file);
    Files.writeString(file, content.replaceFirst("\"type\":\"CallFailed\"", "\"type\":CallFailed"));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> new ServerFixture(dir).close());
    assertTrue(e.getCause().getMessage().contains("line 1 is not a valid event record"), e.getCause().getMessage());
    assertEquals(content.length() - 2, Files.readString(file).length(), "a corrupt file is left as it was");
  }
}
