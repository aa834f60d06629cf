package dev.faultline.console.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Events reported by services: the most recent {@code capacity} in memory for queries, and every one appended to
 * {@code events.jsonl} in the data directory, forced to disk before the ingest request is answered.
 *
 * <p>Record, one per line: {@code {"service": "payments", "type": "CallFailed", "source": "payments-retry",
 * "time": "ISO-8601", "receivedAt": "ISO-8601", "fields": {...}}}. A batch is written as one append, so a
 * batch is either wholly stored or (when the write fails) not acknowledged.
 *
 * <p>On start, {@link #load()} reads the file back: the last {@code capacity} events return to memory and every event
 * counts towards its service. A last line without its newline is a torn write (the batch was never acknowledged): it
 * is cut off and the file forced. A complete line that is not a valid record is corruption in the middle: the load
 * fails naming the line, rather than silently skipping data.
 *
 * <h2>Concurrency design</h2>
 * {@code fileLock} serializes appends to the file (I/O, no other lock held). {@code lock} guards {@code recent} (a
 * bounded deque, oldest first) and {@code services}; it is taken after the append, only to update memory, and by
 * queries. Thread-safe.
 */
final class EventStore {
  static final String FILE = "events.jsonl";

  /** One stored event. */
  record StoredEvent(String service, String type, String source, long timeMillis, long receivedAtMillis,
      ObjectNode fields) {}

  /** What is known of one service. */
  record ServiceSummary(String service, long events, long lastSeenMillis) {}

  private final Path file;
  private final ObjectMapper mapper;
  private final int capacity;
  private final Object fileLock = new Object();
  private final Object lock = new Object();
  private final ArrayDeque<StoredEvent> recent = new ArrayDeque<>();
  private final Map<String, ServiceSummary> services = new TreeMap<>();

  EventStore(Path dataDir, ObjectMapper mapper, int capacity) {
    this.file = dataDir.resolve(FILE);
    this.mapper = mapper;
    this.capacity = capacity;
  }

  /**
   * Reads the file back into memory, cutting off a torn last line.
   *
   * @return the number of bytes of torn tail cut off (0 when the file ended cleanly)
   * @throws IOException when the file cannot be read, or a complete line in it is not a valid record
   */
  long load() throws IOException {
    if (!Files.exists(file)) {
      return 0;
    }
    long goodEnd = 0;
    long offset = 0;
    long lineNumber = 0;
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
      for (int b = in.read(); b != -1; b = in.read()) {
        offset++;
        if (b != '\n') {
          line.write(b);
          continue;
        }
        lineNumber++;
        remember(parse(line.toByteArray(), lineNumber));
        line.reset();
        goodEnd = offset;
      }
    }
    long torn = offset - goodEnd;
    if (torn > 0) {
      synchronized (fileLock) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
          channel.truncate(goodEnd);
          channel.force(true);
        }
      }
    }
    return torn;
  }

  private StoredEvent parse(byte[] bytes, long lineNumber) throws IOException {
    try {
      JsonNode node = mapper.readTree(bytes);
      JsonNode fields = node.get("fields");
      String service = node.get("service").textValue();
      String type = node.get("type").textValue();
      String source = node.get("source").textValue();
      if (service == null || type == null || source == null || fields == null || !fields.isObject()) {
        throw new IOException("a field is missing or of the wrong kind");
      }
      return new StoredEvent(service, type, source, Instant.parse(node.get("time").textValue()).toEpochMilli(),
          Instant.parse(node.get("receivedAt").textValue()).toEpochMilli(), (ObjectNode) fields);
    } catch (IOException | RuntimeException e) {
      throw new IOException(file + " line " + lineNumber + " is not a valid event record (" + e.getMessage()
          + "); the file is corrupt in the middle: restore it from a backup or move it aside", e);
    }
  }

  /** Stores a batch: appends it to the file, forced to disk, then adds it to memory. */
  void add(List<StoredEvent> batch) throws IOException {
    StringBuilder lines = new StringBuilder();
    for (StoredEvent event : batch) {
      ObjectNode node = mapper.createObjectNode();
      node.put("service", event.service());
      node.put("type", event.type());
      node.put("source", event.source());
      node.put("time", Instant.ofEpochMilli(event.timeMillis()).toString());
      node.put("receivedAt", Instant.ofEpochMilli(event.receivedAtMillis()).toString());
      node.set("fields", event.fields());
      lines.append(mapper.writeValueAsString(node)).append('\n');
    }
    synchronized (fileLock) {
      DataFiles.appendAndForce(file, lines.toString().getBytes(StandardCharsets.UTF_8));
    }
    for (StoredEvent event : batch) {
      remember(event);
    }
  }

  private void remember(StoredEvent event) {
    synchronized (lock) {
      recent.addLast(event);
      if (recent.size() > capacity) {
        recent.removeFirst();
      }
      ServiceSummary old = services.get(event.service());
      long count = old == null ? 1 : old.events() + 1;
      long lastSeen = old == null ? event.receivedAtMillis() : Math.max(old.lastSeenMillis(),
          event.receivedAtMillis());
      services.put(event.service(), new ServiceSummary(event.service(), count, lastSeen));
    }
  }

  /** The newest events (newest first), at most {@code limit}, filtered by service and type when those are non-null. */
  List<StoredEvent> query(String service, String type, int limit) {
    List<StoredEvent> result = new ArrayList<>();
    synchronized (lock) {
      Iterator<StoredEvent> newestFirst = recent.descendingIterator();
      while (newestFirst.hasNext() && result.size() < limit) {
        StoredEvent event = newestFirst.next();
        if ((service == null || service.equals(event.service())) && (type == null || type.equals(event.type()))) {
          result.add(event);
        }
      }
    }
    return result;
  }

  /** Every service that reported since start, by name, with its event count and when it was last heard from. */
  List<ServiceSummary> services() {
    synchronized (lock) {
      return List.copyOf(services.values());
    }
  }

  /** The number of events held in memory. */
  int size() {
    synchronized (lock) {
      return recent.size();
    }
  }
}
