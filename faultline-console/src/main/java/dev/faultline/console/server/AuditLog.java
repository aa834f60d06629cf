package dev.faultline.console.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.faultline.core.Clock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The audit log: one JSON object per line in {@code audit.jsonl} in the data directory, appended and forced to disk
 * before the request that caused it is answered; never rewritten.
 *
 * <p>Record: {@code {"time": "ISO-8601", "actor": "admin", "role": "ADMIN", "address": "127.0.0.1",
 * "action": "POST /api/v1/keys", "status": 201, "detail": "created key k1 for payments"}}.
 *
 * <p>It records every request made by an admin or operator, logins and their failures, lockouts and setup.
 *
 * <h2>Concurrency design</h2>
 * {@code this} guards appends to the file, so lines never interleave, and reads. Thread-safe.
 */
final class AuditLog {
  static final String FILE = "audit.jsonl";

  private final Path file;
  private final ObjectMapper mapper;
  private final Clock clock;

  AuditLog(Path dataDir, ObjectMapper mapper, Clock clock) {
    this.file = dataDir.resolve(FILE);
    this.mapper = mapper;
    this.clock = clock;
  }

  /** Appends one record and forces it to disk. */
  void record(String actor, Role role, String address, String action, int status, String detail) {
    ObjectNode node = mapper.createObjectNode();
    node.put("time", Instant.ofEpochMilli(clock.wallMillis()).toString());
    node.put("actor", actor);
    node.put("role", role == null ? null : role.name());
    node.put("address", address);
    node.put("action", action);
    node.put("status", status);
    node.put("detail", detail);
    try {
      byte[] line = (mapper.writeValueAsString(node) + "\n").getBytes(StandardCharsets.UTF_8);
      synchronized (this) {
        DataFiles.appendAndForce(file, line);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the audit log " + file, e);
    }
  }

  /** The last {@code limit} records, oldest first. */
  List<JsonNode> last(int limit) throws IOException {
    Deque<String> lines = new ArrayDeque<>();
    synchronized (this) {
      if (!Files.exists(file)) {
        return List.of();
      }
      try (var reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
          lines.addLast(line);
          if (lines.size() > limit) {
            lines.removeFirst();
          }
        }
      }
    }
    List<JsonNode> records = new ArrayList<>(lines.size());
    for (String line : lines) {
      records.add(mapper.readTree(line));
    }
    return records;
  }
}
