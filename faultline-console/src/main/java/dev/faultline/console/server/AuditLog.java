package dev.faultline.console.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.faultline.core.Clock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The audit log: one JSON object per record, appended and durable before the request that caused it is answered;
 * never rewritten. Kept in {@code audit.jsonl} in the data directory (forced to disk per record), or in the database
 * several console instances share ({@link Backend}).
 *
 * <p>Record: {@code {"time": "ISO-8601", "actor": "admin", "role": "ADMIN", "address": "127.0.0.1",
 * "action": "POST /api/v1/keys", "status": 201, "detail": "created key k1 for payments"}}.
 *
 * <p>It records every request made by an admin or operator, logins and their failures (malformed login requests
 * too), lockouts, setup, every logout whatever the role, and every request whose credentials were refused (401,
 * actor {@value #ANONYMOUS}; not one that presented none). No password, session token or key is ever recorded.
 *
 * <h2>Concurrency design</h2>
 * The backend is thread-safe (the file backend: its monitor guards appends, so lines never interleave, and reads).
 * Thread-safe.
 */
final class AuditLog {
  static final String FILE = "audit.jsonl";
  /** The actor of a record when nobody was authenticated. */
  static final String ANONYMOUS = "anonymous";

  /** Where records are kept, as JSON text. Implementations are thread-safe. */
  interface Backend {
    /** Appends one record, durably. */
    void append(String record) throws IOException;

    /** The last {@code limit} records, oldest first. */
    List<String> last(int limit) throws IOException;
  }

  /** Records in {@code audit.jsonl} of a data directory. */
  static Backend file(Path dataDir) {
    Path file = dataDir.resolve(FILE);
    return new Backend() {
      @Override
      public synchronized void append(String record) throws IOException {
        // After an append cut short (a crash, a full disk), the file ends inside a line: start this record on a line
        // of its own, so that it is not glued to the torn one and lost with it.
        String line = endsInsideALine(file) ? "\n" + record + "\n" : record + "\n";
        DataFiles.appendAndForce(file, line.getBytes(StandardCharsets.UTF_8));
      }

      @Override
      public synchronized List<String> last(int limit) throws IOException {
        Deque<String> lines = new ArrayDeque<>();
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
        return List.copyOf(lines);
      }
    };
  }

  /** Whether {@code file} exists and its last byte is not a newline. */
  private static boolean endsInsideALine(Path file) throws IOException {
    if (!Files.exists(file)) {
      return false;
    }
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = channel.size();
      if (size == 0) {
        return false;
      }
      ByteBuffer last = ByteBuffer.allocate(1);
      channel.read(last, size - 1);
      return last.get(0) != '\n';
    }
  }

  private final Backend backend;
  private final ObjectMapper mapper;
  private final Clock clock;

  AuditLog(Backend backend, ObjectMapper mapper, Clock clock) {
    this.backend = backend;
    this.mapper = mapper;
    this.clock = clock;
  }

  /** Appends one record, durably. */
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
      backend.append(mapper.writeValueAsString(node));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the audit log", e);
    }
  }

  /** The last {@code limit} records, oldest first. */
  List<JsonNode> last(int limit) throws IOException {
    List<JsonNode> records = new ArrayList<>();
    for (String line : backend.last(limit)) {
      JsonNode record;
      try {
        record = mapper.readTree(line);
      } catch (JsonProcessingException e) {
        record = null;
      }
      if (record == null || !record.isObject()) {  // a record torn by a crash: shown as it is, not hidden
        record = mapper.createObjectNode().put("unreadable", line);
      }
      records.add(record);
    }
    return records;
  }
}
