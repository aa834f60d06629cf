package dev.faultline.console.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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
    synchronized (lock) {
      for (StoredEvent event : batch) {
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
