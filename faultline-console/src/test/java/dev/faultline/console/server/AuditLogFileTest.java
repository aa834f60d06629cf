package dev.faultline.console.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.faultline.core.Clock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file backend of the audit log after an append that was cut short (a crash, a full disk). */
class AuditLogFileTest {
  @TempDir
  Path dir;

  @Test
  void aRecordAppendedAfterATornOneIsKeptAndTheLogStaysReadable() throws Exception {
    AuditLog log = new AuditLog(AuditLog.file(dir), new ObjectMapper(), Clock.system());
    log.record("admin", Role.ADMIN, "127.0.0.1", "POST /api/v1/keys", 201, "created key k1");
    // The next append was cut short: part of a record, without its newline.
    Files.write(dir.resolve(AuditLog.FILE), "{\"time\":\"2024-01-01T00:00:00Z\",\"act".getBytes(StandardCharsets.UTF_8),
        StandardOpenOption.APPEND);
    log.record("admin", Role.ADMIN, "127.0.0.1", "DELETE /api/v1/keys/k1", 200, "revoked key k1");

    List<JsonNode> records = log.last(10);
    assertEquals("POST /api/v1/keys", records.get(0).path("action").asText());
    assertEquals("DELETE /api/v1/keys/k1", records.get(records.size() - 1).path("action").asText(),
        "the record after the torn one is intact: " + records);
    assertEquals(3, records.size(), records.toString());
    assertEquals("{\"time\":\"2024-01-01T00:00:00Z\",\"act", records.get(1).path("unreadable").asText(),
        "the torn record is shown as it is");
  }
}
