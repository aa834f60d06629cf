package dev.faultline.console.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.faultline.core.Clock;
import dev.faultline.diagnosis.incident.Incident;
import dev.faultline.diagnosis.incident.IncidentJson;
import dev.faultline.diagnosis.incident.IssueStatus;
import dev.faultline.state.io.StorageIo;
import dev.faultline.state.journal.Journal;
import dev.faultline.state.journal.JournalCursor;
import dev.faultline.state.journal.JournalException;
import dev.faultline.state.journal.JournalRecord;
import dev.faultline.state.journal.OpenReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The embedded {@link ConsoleStore}: a faultline-state {@link Journal} in {@code <data>/journal} holds every batch
 * reported (events, incidents, heartbeats, samples) and every issue resolution, one journal record per request;
 * documents are files in {@code <data>/documents/<kind>/<name>.json}, each replaced atomically.
 *
 * <h2>Journal records</h2>
 * Each record is one JSON object, UTF-8 (the journal frames, checksums and sequences it). Record format version
 * {@value #RECORD_VERSION}, written since idempotency keys:
 * <pre>
 * {"v":2, "k":"events",     "service":S, "receivedAt":MILLIS [, "key":K, "digest":D],
 *         "items":[{"type":T,"source":SRC,"time":MILLIS,"fields":{..}}]}
 * {"v":2, "k":"incidents",  "service":S, "receivedAt":MILLIS [, "key":K, "digest":D],
 *         "items":["&lt;IncidentJson text&gt;", ...]}
 * {"v":2, "k":"heartbeats", "service":S, "receivedAt":MILLIS [, "key":K, "digest":D],
 *         "items":[{"instance":I,"status":ST,"interval":MS,"time":MILLIS,"detail":D}]}
 * {"v":2, "k":"samples",    "service":S, "receivedAt":MILLIS [, "key":K, "digest":D],
 *         "items":[{"name":N,"time":MILLIS,"value":V,"tags":{..}}]}
 * {"v":2, "k":"resolve",    "fingerprint":F, "at":MILLIS}
 * </pre>
 * {@code key} is the request's {@code Idempotency-Key} and {@code digest} the SHA-256 of its body (64 lowercase hex
 * digits), both present or both absent: the key commits with its batch, in the same record. Version 1 records (no
 * {@code "v"}, never a key) are the same without {@code v}, {@code key} and {@code digest}, and are still read; a
 * record of a version above {@value #RECORD_VERSION} refuses the start (written by a newer console).
 *
 * <h2>Idempotency keys</h2>
 * The keys of the records received within the window ({@code idempotencyWindowMillis}) are held in memory, oldest
 * first, and rebuilt from the journal on start, so a retry after a restart is still recognized. Memory is bounded by
 * the window and by {@code maxIdempotencyKeys}: past that count the oldest key is forgotten before its window ends
 * (logged, and counted in {@link #keysForgottenEarly()}), and a retry of its batch would be stored again.
 * An item's id is {@code sequence * 4096 + its index in the record}, so ids follow the journal's order and survive a
 * restart; a batch holds at most {@value #MAX_BATCH} items. The journal is appended in {@code SYNC} durability: an
 * append returns once forced to disk, and concurrent requests share one force (group commit), which is what lets
 * ingest keep up with many small batches. On open the journal cuts off a torn tail (a batch that was never
 * acknowledged) and refuses corruption in the middle, naming segment and offset ({@code faultline journal verify} and
 * {@code repair} work on this directory); then every record is replayed into memory.
 *
 * <h2>Memory</h2>
 * Queries are answered from memory: the newest {@code maxEvents} events, {@code maxIncidents} incidents and
 * {@code maxSamples} samples; per service the events the reliability metrics read ({@link #RELIABILITY_TYPES}), up to
 * {@code maxReliabilityEvents}; every issue, service and last heartbeat. The journal keeps everything.
 *
 * <h2>Concurrency design</h2>
 * A write appends to the journal first, holding no lock (the journal is thread-safe and batches forces), and only
 * then, under {@code lock}, updates memory: a batch is visible only once durable, and a failed append leaves memory
 * untouched. {@code lock} guards every map below it; queries take it for their scan. An add with an idempotency key
 * first reserves the key under {@code lock} ({@code pendingKeys}): a second request with the same key waits on
 * {@code lock} until the first one's append ended, then finds the key held (or, if that append failed, reserves it
 * itself), so concurrent retries store one batch. Documents are guarded by
 * {@code documentLock} (file writes, no other lock held). {@code names} (canonical type and source names) is a
 * concurrent map, used without a lock. Thread-safe.
 */
final class JournalStore implements ConsoleStore {
  private static final System.Logger LOG = System.getLogger(JournalStore.class.getName());

  /** The record format version this code writes; it reads every version up to it. */
  static final int RECORD_VERSION = 2;
  /** The most items of one record: the low 12 bits of an id. */
  static final int MAX_BATCH = 4096;
  static final String JOURNAL_DIR = "journal";
  static final String DOCUMENTS_DIR = "documents";
  private static final String EMPTY_FIELDS = "{}";
  private static final int MAX_NAMES = 10_000;
  /**
   * Reads journal records on replay. Not the API's mapper: its nesting limit is for request bodies, and a record
   * nests an event's fields one level deeper than the body did (record, items, event, fields), so an accepted event
   * at the API's limit would make its record unreadable and the console unable to start.
   */
  private static final ObjectMapper RECORD_READER = new ObjectMapper();

  /** The event types the reliability metrics read; kept per service beyond the recent-events window. */
  static final Set<String> RELIABILITY_TYPES = Set.of("ComponentStarted", "ComponentFailed", "ComponentRestarted",
      "ComponentRecovered", "ComponentStopped", "HealthChanged", "PeerSuspected", "CircuitStateChanged",
      "CheckpointWritten", "StateRecovered", "StateRolledBack", "DataLost");

  /**
   * How much the store keeps in memory, and for how long it holds idempotency keys.
   *
   * @param maxIdempotencyKeys the most keys held; past it the oldest is forgotten early
   * @param idempotencyWindowMillis how long a key is held after its batch was received
   * @param nameLimits how many distinct instances and components a service may have
   */
  record Limits(int maxEvents, int maxIncidents, int maxSamples, int maxReliabilityEvents, int maxIdempotencyKeys,
      long idempotencyWindowMillis, NameLimits nameLimits) {}

  /** An idempotency key's scope and value. */
  private record KeyId(String service, String kind, String key) {}

  /** A held key: its body digest, and the record that stored its batch (ids are derived from it). */
  private record KeyEntry(String digest, long sequence, int items, boolean hasIds, long receivedAt) {
    StoredKey stored() {
      List<Long> ids = new ArrayList<>(hasIds ? items : 0);
      for (int i = 0; hasIds && i < items; i++) {
        ids.add(id(sequence, i));
      }
      return new StoredKey(digest, List.copyOf(ids));
    }
  }

  private final Path dataDir;
  private final ObjectMapper mapper;
  private final Limits limits;
  private final Journal journal;

  private final Object lock = new Object();
  private final TreeMap<Long, EventRecord> events = new TreeMap<>();
  private final Map<String, TreeMap<Long, EventRecord>> reliability = new HashMap<>();
  private final TreeMap<Long, IncidentRecord> incidents = new TreeMap<>();
  private final Map<String, IssueRecord> issues = new HashMap<>();
  private final TreeMap<Long, SampleRecord> samples = new TreeMap<>();
  private final Map<String, ServiceState> services = new TreeMap<>();
  /** Held idempotency keys, oldest first. */
  private final LinkedHashMap<KeyId, KeyEntry> keys = new LinkedHashMap<>();
  /** Keys whose batch is being appended: a request with the same key waits for it, then answers as it did. */
  private final Set<KeyId> pendingKeys = new java.util.HashSet<>();
  private long keysForgottenEarly;

  private final Object documentLock = new Object();
  private final java.util.concurrent.ConcurrentHashMap<String, String> names =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** What is known of one service; guarded by {@code lock}. */
  private static final class ServiceState {
    long events;
    long incidents;
    long lastSeen;
    final TreeSet<String> components = new TreeSet<>();
    final TreeMap<String, Heartbeat> instances = new TreeMap<>();
  }

  private JournalStore(Path dataDir, ObjectMapper mapper, Limits limits, Journal journal) {
    this.dataDir = dataDir;
    this.mapper = mapper;
    this.limits = limits;
    this.journal = journal;
  }

  /**
   * Opens the store in {@code dataDir} and replays its journal into memory.
   *
   * @throws IOException when the journal cannot be opened or a record in it cannot be read
   */
  static JournalStore open(Path dataDir, ObjectMapper mapper, Limits limits, Clock clock, StorageIo storage)
      throws IOException {
    Journal journal;
    try {
      journal = Journal.builder(dataDir.resolve(JOURNAL_DIR)).storage(storage).clock(clock).name("console-store")
          .maxRecordSize(64 << 20).open();
    } catch (JournalException e) {
      throw new IOException("cannot open the console's journal in " + dataDir.resolve(JOURNAL_DIR) + ": "
          + e.getMessage(), e);
    }
    JournalStore store = new JournalStore(dataDir, mapper, limits, journal);
    try {
      OpenReport report = journal.openReport();
      if (!report.clean()) {
        LOG.log(System.Logger.Level.WARNING, report.describe());
      }
      store.replay();
    } catch (IOException | RuntimeException e) {
      journal.close();
      throw e;
    }
    return store;
  }

  /** What opening the journal found (a torn tail cut off, for instance). */
  OpenReport openReport() {
    return journal.openReport();
  }

  private void replay() throws IOException {
    if (journal.lastSequence() < journal.firstSequence()) {
      return;
    }
    try (JournalCursor cursor = journal.read(journal.firstSequence())) {
      while (cursor.hasNext()) {
        JournalRecord record = cursor.next();
        try {
          apply(record.sequence(), RECORD_READER.readTree(record.payload()));
        } catch (IOException | RuntimeException e) {
          throw new IOException("journal record " + record.sequence() + " in " + dataDir.resolve(JOURNAL_DIR)
              + " is not a valid console record (" + e.getMessage() + ")", e);
        }
      }
    }
  }

  // ------------------------------------------------------------------------------------------------- writes

  @Override
  public List<EventRecord> addEvents(String service, long receivedAt, List<NewEvent> batch, IngestKey key)
      throws IOException {
    return keyed(service, key, receivedAt, batch.size(),
        reserved -> addEvents(service, receivedAt, batch, key, reserved));
  }

  private List<EventRecord> addEvents(String service, long receivedAt, List<NewEvent> batch, IngestKey key,
      KeyId reserved) throws IOException {
    checkNames(service, batch, NewEvent::source, false);
    // Each event's fields are written to JSON once: that text goes into the journal record and stays in memory.
    String[] fields = new String[batch.size()];
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(128 + batch.size() * 128);
    try (com.fasterxml.jackson.core.JsonGenerator out = mapper.getFactory().createGenerator(bytes)) {
      out.writeStartObject();
      out.writeNumberField("v", RECORD_VERSION);
      out.writeStringField("k", "events");
      out.writeStringField("service", service);
      out.writeNumberField("receivedAt", receivedAt);
      if (key != null) {
        out.writeStringField("key", key.key());
        out.writeStringField("digest", key.digest());
      }
      out.writeArrayFieldStart("items");
      for (int i = 0; i < fields.length; i++) {
        NewEvent event = batch.get(i);
        fields[i] = event.fields().isEmpty() ? EMPTY_FIELDS : mapper.writeValueAsString(event.fields());
        out.writeStartObject();
        out.writeStringField("type", event.type());
        out.writeStringField("source", event.source());
        out.writeNumberField("time", event.timeMillis());
        out.writeFieldName("fields");
        out.writeRawValue(fields[i]);
        out.writeEndObject();
      }
      out.writeEndArray();
      out.writeEndObject();
    }
    long sequence = append(bytes.toByteArray());
    List<EventRecord> stored = new ArrayList<>(fields.length);
    for (int i = 0; i < fields.length; i++) {
      NewEvent event = batch.get(i);
      stored.add(new EventRecord(id(sequence, i), service, canonical(event.type()), canonical(event.source()),
          event.timeMillis(), receivedAt, fields[i]));
    }
    remember(service, receivedAt, stored);
    keyStored(reserved, key, sequence, batch.size(), true, receivedAt);
    return stored;
  }

  @Override
  public List<IncidentRecord> addIncidents(String service, long receivedAt, List<Incident> batch, IngestKey key)
      throws IOException {
    return keyed(service, key, receivedAt, batch.size(), reserved -> {
      ObjectNode record = header("incidents", service, receivedAt, key);
      ArrayNode items = record.putArray("items");
      for (Incident incident : batch) {
        items.add(IncidentJson.write(incident));
      }
      long sequence = append(record);
      List<IncidentRecord> stored = new ArrayList<>(batch.size());
      synchronized (lock) {
        for (int i = 0; i < batch.size(); i++) {
          stored.add(rememberIncident(new IncidentRecord(id(sequence, i), service, receivedAt, batch.get(i))));
        }
      }
      keyStored(reserved, key, sequence, batch.size(), true, receivedAt);
      return stored;
    });
  }

  @Override
  public void addHeartbeats(String service, long receivedAt, List<Heartbeat> batch, IngestKey key)
      throws IOException {
    keyed(service, key, receivedAt, batch.size(), reserved -> {
      addHeartbeats(service, receivedAt, batch, key, reserved);
      return null;
    });
  }

  private void addHeartbeats(String service, long receivedAt, List<Heartbeat> batch, IngestKey key, KeyId reserved)
      throws IOException {
    checkNames(service, batch, Heartbeat::instance, true);
    ObjectNode record = header("heartbeats", service, receivedAt, key);
    ArrayNode items = record.putArray("items");
    for (Heartbeat beat : batch) {
      ObjectNode item = items.addObject();
      item.put("instance", beat.instance());
      item.put("status", beat.status());
      item.put("interval", beat.intervalMillis());
      item.put("time", beat.timeMillis());
      item.put("detail", beat.detail());
    }
    long sequence = append(record);
    synchronized (lock) {
      for (Heartbeat beat : batch) {
        rememberHeartbeat(service, receivedAt, beat);
      }
    }
    keyStored(reserved, key, sequence, batch.size(), false, receivedAt);
  }

  @Override
  public void addSamples(String service, long receivedAt, List<NewSample> batch, IngestKey key) throws IOException {
    keyed(service, key, receivedAt, batch.size(), reserved -> {
      addSamples(service, receivedAt, batch, key, reserved);
      return null;
    });
  }

  private void addSamples(String service, long receivedAt, List<NewSample> batch, IngestKey key, KeyId reserved)
      throws IOException {
    ObjectNode record = header("samples", service, receivedAt, key);
    ArrayNode items = record.putArray("items");
    for (NewSample sample : batch) {
      ObjectNode item = items.addObject();
      item.put("name", sample.name());
      item.put("time", sample.timeMillis());
      item.put("value", sample.value());
      ObjectNode tags = item.putObject("tags");
      sample.tags().forEach(tags::put);
    }
    long sequence = append(record);
    synchronized (lock) {
      for (int i = 0; i < batch.size(); i++) {
        NewSample sample = batch.get(i);
        rememberSample(new SampleRecord(id(sequence, i), service, sample.name(), sample.timeMillis(), sample.value(),
            Map.copyOf(sample.tags())), receivedAt);
      }
    }
    keyStored(reserved, key, sequence, batch.size(), true, receivedAt);
  }

  @Override
  public Optional<IssueRecord> resolve(String fingerprint, long atMillis) throws IOException {
    synchronized (lock) {
      if (!issues.containsKey(fingerprint)) {
        return Optional.empty();
      }
    }
    ObjectNode record = mapper.createObjectNode();
    record.put("v", RECORD_VERSION);
    record.put("k", "resolve");
    record.put("fingerprint", fingerprint);
    record.put("at", atMillis);
    append(record);
    synchronized (lock) {
      return Optional.ofNullable(rememberResolve(fingerprint));
    }
  }

  private static void checkBatch(int size) {
    if (size < 1 || size > MAX_BATCH) {
      throw new IllegalArgumentException("a batch must hold 1 to " + MAX_BATCH + " items, but held " + size);
    }
  }

  private ObjectNode header(String kind, String service, long receivedAt, IngestKey key) {
    ObjectNode record = mapper.createObjectNode();
    record.put("v", RECORD_VERSION);
    record.put("k", kind);
    record.put("service", service);
    record.put("receivedAt", receivedAt);
    if (key != null) {
      record.put("key", key.key());
      record.put("digest", key.digest());
    }
    return record;
  }

  // ------------------------------------------------------------------------------------------------- idempotency

  /** Stores one ingest batch under its idempotency key, if any: the key is reserved before and released after. */
  private interface KeyedBatch<T> {
    T store(KeyId reserved) throws IOException;
  }

  /** Checks the batch's size, reserves {@code key}, runs {@code batch} and releases the key, whatever happened. */
  private <T> T keyed(String service, IngestKey key, long receivedAt, int size, KeyedBatch<T> batch)
      throws IOException {
    checkBatch(size);
    KeyId reserved = reserve(service, key, receivedAt);
    try {
      return batch.store(reserved);
    } finally {
      release(reserved);
    }
  }

  /**
   * Reserves {@code key} for an add of {@code service} (null when there is no key): waits while another add holds
   * it, then throws {@link KeyAlreadyStored} if the key is held within the window.
   */
  private KeyId reserve(String service, IngestKey key, long now) throws IOException {
    if (key == null) {
      return null;
    }
    KeyId id = new KeyId(service, key.kind(), key.key());
    synchronized (lock) {
      while (pendingKeys.contains(id)) {
        try {
          lock.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("interrupted while another request with the same idempotency"
              + " key was being stored");
        }
      }
      KeyEntry held = keys.get(id);
      if (held != null && now - held.receivedAt() < limits.idempotencyWindowMillis()) {
        throw new KeyAlreadyStored(held.stored());
      }
      pendingKeys.add(id);
    }
    return id;
  }

  /** Holds the key of a batch now durable (nothing when there is no key). */
  private void keyStored(KeyId id, IngestKey key, long sequence, int items, boolean hasIds, long receivedAt) {
    if (id == null) {
      return;
    }
    synchronized (lock) {
      holdKey(id, new KeyEntry(key.digest(), sequence, items, hasIds, receivedAt));
    }
  }

  /** Ends the reservation of {@code id} (null: none), stored or not, and wakes the requests waiting for it. */
  private void release(KeyId id) {
    if (id == null) {
      return;
    }
    synchronized (lock) {
      pendingKeys.remove(id);
      lock.notifyAll();
    }
  }

  /** Caller holds {@code lock}. Holds a key, forgetting the expired ones and, past the cap, the oldest. */
  private void holdKey(KeyId id, KeyEntry entry) {
    keys.remove(id); // an expired key used again moves to the end
    keys.put(id, entry);
    Iterator<KeyEntry> oldest = keys.values().iterator();
    while (oldest.hasNext()) {
      KeyEntry head = oldest.next();
      if (entry.receivedAt() - head.receivedAt() >= limits.idempotencyWindowMillis()) {
        oldest.remove();
      } else if (keys.size() > limits.maxIdempotencyKeys()) {
        oldest.remove();
        if (keysForgottenEarly++ == 0) {
          LOG.log(System.Logger.Level.WARNING, "more than " + limits.maxIdempotencyKeys() + " idempotency keys were"
              + " received within the window of " + limits.idempotencyWindowMillis() + " ms: the oldest are"
              + " forgotten early, and a retry of their batches would be stored again (raise"
              + " maxIdempotencyKeys)");
        }
      } else {
        break;
      }
    }
  }

  @Override
  public long idempotencyKeys() {
    synchronized (lock) {
      return keys.size();
    }
  }

  /** How many keys were forgotten before their window ended, because of the cap (since the store opened). */
  long keysForgottenEarly() {
    synchronized (lock) {
      return keysForgottenEarly;
    }
  }

  /** Appends a record and returns its sequence once it is durable. */
  private long append(ObjectNode record) throws IOException {
    return append(mapper.writeValueAsBytes(record));
  }

  private long append(byte[] payload) throws IOException {
    try {
      return journal.append(payload);
    } catch (JournalException e) {
      throw new IOException("cannot append to the console's journal: " + e.getMessage(), e);
    }
  }

  private static long id(long sequence, int index) {
    return sequence * MAX_BATCH + index;
  }

  // ------------------------------------------------------------------------------------------------- memory

  /** Applies one journal record during replay. */
  private void apply(long sequence, JsonNode record) throws IOException {
    int version = record.path("v").asInt(1);
    if (version < 1 || version > RECORD_VERSION) {
      throw new IOException("record format version " + record.get("v") + " is not one this console reads (1 to "
          + RECORD_VERSION + "); was it written by a newer console? Upgrade the console");
    }
    String kind = record.path("k").asText();
    if (kind.equals("resolve")) {
      synchronized (lock) {
        rememberResolve(record.get("fingerprint").textValue());
      }
      return;
    }
    String service = record.get("service").textValue();
    long receivedAt = record.get("receivedAt").longValue();
    JsonNode items = record.get("items");
    if (service == null || items == null || !items.isArray()) {
      throw new IOException("service or items missing");
    }
    JsonNode key = record.get("key");
    if (key != null) {
      JsonNode digest = record.get("digest");
      if (!key.isTextual() || digest == null || !digest.isTextual()) {
        throw new IOException("key or digest is not text");
      }
      synchronized (lock) {
        holdKey(new KeyId(service, kind, key.textValue()), new KeyEntry(digest.textValue(), sequence, items.size(),
            !kind.equals("heartbeats"), receivedAt));
      }
    }
    switch (kind) {
      case "events":
        applyEvents(sequence, service, receivedAt, (ArrayNode) items);
        break;
      case "incidents":
        synchronized (lock) {
          for (int i = 0; i < items.size(); i++) {
            rememberIncident(new IncidentRecord(id(sequence, i), service, receivedAt,
                IncidentJson.read(items.get(i).textValue())));
          }
        }
        break;
      case "heartbeats":
        synchronized (lock) {
          for (JsonNode item : items) {
            rememberHeartbeat(service, receivedAt, new Heartbeat(item.get("instance").textValue(),
                item.get("status").textValue(), item.get("interval").longValue(), item.get("time").longValue(),
                receivedAt, item.path("detail").textValue()));
          }
        }
        break;
      case "samples":
        synchronized (lock) {
          for (int i = 0; i < items.size(); i++) {
            JsonNode item = items.get(i);
            Map<String, String> tags = new LinkedHashMap<>();
            item.path("tags").fields().forEachRemaining(e -> tags.put(e.getKey(), e.getValue().asText()));
            rememberSample(new SampleRecord(id(sequence, i), service, item.get("name").textValue(),
                item.get("time").longValue(), item.get("value").doubleValue(), Map.copyOf(tags)), receivedAt);
          }
        }
        break;
      default:
        throw new IOException("unknown record kind '" + kind + "'");
    }
  }

  private void applyEvents(long sequence, String service, long receivedAt, ArrayNode items) throws IOException {
    List<EventRecord> stored = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      JsonNode item = items.get(i);
      JsonNode fields = item.get("fields");
      String fieldsJson = fields instanceof ObjectNode && !fields.isEmpty() ? mapper.writeValueAsString(fields)
          : EMPTY_FIELDS;
      stored.add(new EventRecord(id(sequence, i), service, canonical(item.get("type").textValue()),
          canonical(item.get("source").textValue()), item.get("time").longValue(), receivedAt, fieldsJson));
    }
    remember(service, receivedAt, stored);
  }

  /**
   * One instance of each type and source name (they repeat in almost every event): fewer objects held per event, so
   * fewer to copy in each young collection while events stream in. Bounded: past the bound, names are kept as given.
   */
  private String canonical(String name) {
    String known = names.get(name);
    if (known != null) {
      return known;
    }
    if (names.size() < MAX_NAMES) {
      known = names.putIfAbsent(name, name);
    }
    return known == null ? name : known;
  }

  private void remember(String service, long receivedAt, List<EventRecord> stored) {
    synchronized (lock) {
      ServiceState state = services.computeIfAbsent(service, s -> new ServiceState());
      for (EventRecord event : stored) {
        events.put(event.id(), event);
        if (events.size() > limits.maxEvents()) {
          events.pollFirstEntry();
        }
        if (RELIABILITY_TYPES.contains(event.type())) {
          TreeMap<Long, EventRecord> kept = reliability.computeIfAbsent(service, s -> new TreeMap<>());
          kept.put(event.id(), event);
          if (kept.size() > limits.maxReliabilityEvents()) {
            kept.pollFirstEntry();
          }
        }
        state.events++;
        state.components.add(event.source());
      }
      state.lastSeen = Math.max(state.lastSeen, receivedAt);
    }
  }

  /** Caller holds {@code lock}. */
  private IncidentRecord rememberIncident(IncidentRecord record) {
    incidents.put(record.id(), record);
    if (incidents.size() > limits.maxIncidents()) {
      incidents.pollFirstEntry();
    }
    ServiceState state = services.computeIfAbsent(record.service(), s -> new ServiceState());
    state.incidents++;
    state.lastSeen = Math.max(state.lastSeen, record.receivedAtMillis());
    Incident incident = record.incident();
    long time = incident.time().toEpochMilli();
    IssueRecord old = issues.get(incident.fingerprint());
    IssueRecord updated;
    if (old == null) {
      updated = new IssueRecord(incident.fingerprint(), record.service(), Set.of(record.service()),
          incident.component(), incident.errorType(), incident.exceptionMessage(), time, time, 1, IssueStatus.NEW,
          record.id());
    } else {
      IssueStatus status = old.status() == IssueStatus.RESOLVED ? IssueStatus.REGRESSED : IssueStatus.ONGOING;
      Set<String> seenIn = old.services();
      if (!seenIn.contains(record.service())) {
        TreeSet<String> more = new TreeSet<>(seenIn);
        more.add(record.service());
        seenIn = Collections.unmodifiableSet(more);
      }
      updated = new IssueRecord(old.fingerprint(), record.service(), seenIn, incident.component(),
          incident.errorType(), incident.exceptionMessage(), Math.min(old.firstSeenMillis(), time),
          Math.max(old.lastSeenMillis(), time), old.count() + 1, status, Math.max(old.lastIncidentId(), record.id()));
    }
    issues.put(updated.fingerprint(), updated);
    return record;
  }

  /** Caller holds {@code lock}. */
  private IssueRecord rememberResolve(String fingerprint) {
    IssueRecord old = issues.get(fingerprint);
    if (old == null) {
      return null;
    }
    IssueRecord resolved = new IssueRecord(old.fingerprint(), old.service(), old.services(), old.component(),
        old.type(), old.message(), old.firstSeenMillis(), old.lastSeenMillis(), old.count(), IssueStatus.RESOLVED,
        old.lastIncidentId());
    issues.put(fingerprint, resolved);
    return resolved;
  }

  /**
   * Refuses (before anything is written) a batch of {@code service} whose items name, through {@code name}, more new
   * instances ({@code instances}) or components than the service may still have.
   */
  private <T> void checkNames(String service, List<T> batch, java.util.function.Function<T, String> name,
      boolean instances) {
    int limit = instances ? limits.nameLimits().maxInstancesPerService()
        : limits.nameLimits().maxComponentsPerService();
    synchronized (lock) {
      ServiceState state = services.get(service);
      Set<String> known = state == null ? Set.of() : instances ? state.instances.keySet() : state.components;
      java.util.LinkedHashSet<String> fresh = null;
      for (T item : batch) {
        String candidate = name.apply(item);
        if (!known.contains(candidate)) {
          if (fresh == null) {
            fresh = new java.util.LinkedHashSet<>();
          }
          fresh.add(candidate);
        }
      }
      if (fresh != null && known.size() + fresh.size() > limit) {
        throw NameLimits.refused(service, instances, known.size(), List.copyOf(fresh), limit);
      }
    }
  }

  /** Caller holds {@code lock}. */
  private void rememberHeartbeat(String service, long receivedAt, Heartbeat beat) {
    ServiceState state = services.computeIfAbsent(service, s -> new ServiceState());
    Heartbeat old = state.instances.get(beat.instance());
    if (old == null || old.receivedAtMillis() <= beat.receivedAtMillis()) {
      state.instances.put(beat.instance(), beat);
    }
    state.lastSeen = Math.max(state.lastSeen, receivedAt);
  }

  /** Caller holds {@code lock}. */
  private void rememberSample(SampleRecord sample, long receivedAt) {
    samples.put(sample.id(), sample);
    if (samples.size() > limits.maxSamples()) {
      samples.pollFirstEntry();
    }
    ServiceState state = services.computeIfAbsent(sample.service(), s -> new ServiceState());
    state.lastSeen = Math.max(state.lastSeen, receivedAt);
  }

  // ------------------------------------------------------------------------------------------------- reads

  /** Scans {@code map} newest first below {@code below}, keeping what {@code keep} accepts, up to {@code limit}. */
  private static <T> Page<T> page(NavigableMap<Long, T> map, long below, int limit, Predicate<T> keep) {
    List<T> items = new ArrayList<>(Math.min(limit, 64));
    long lastKept = -1;
    long next = -1;
    NavigableMap<Long, T> range = below < 0 ? map.descendingMap() : map.headMap(below, false).descendingMap();
    for (Map.Entry<Long, T> entry : range.entrySet()) {
      if (!keep.test(entry.getValue())) {
        continue;
      }
      if (items.size() == limit) {
        next = lastKept;
        break;
      }
      items.add(entry.getValue());
      lastKept = entry.getKey();
    }
    return new Page<>(items, next);
  }

  private static boolean inRange(long time, Long from, Long to) {
    return (from == null || time >= from) && (to == null || time < to);
  }

  @Override
  public Page<EventRecord> events(EventQuery q) {
    synchronized (lock) {
      return page(events, q.below(), q.limit(), e -> (q.service() == null || q.service().equals(e.service()))
          && (q.type() == null || q.type().equals(e.type()))
          && (q.types() == null || q.types().contains(e.type()))
          && (q.source() == null || q.source().equals(e.source()))
          && inRange(e.timeMillis(), q.fromMillis(), q.toMillis()));
    }
  }

  @Override
  public List<EventRecord> eventsInTimeOrder(String service, Set<String> types, long fromMillis, long toMillis) {
    List<EventRecord> out = new ArrayList<>();
    synchronized (lock) {
      Iterable<EventRecord> source = RELIABILITY_TYPES.containsAll(types)
          ? reliability.getOrDefault(service, new TreeMap<>()).values() : events.values();
      for (EventRecord event : source) {
        if (event.service().equals(service) && types.contains(event.type())
            && event.timeMillis() >= fromMillis && event.timeMillis() < toMillis) {
          out.add(event);
        }
      }
    }
    out.sort(Comparator.comparingLong(EventRecord::timeMillis).thenComparingLong(EventRecord::id));
    return out;
  }

  @Override
  public Page<IncidentRecord> incidents(IncidentQuery q) {
    synchronized (lock) {
      return page(incidents, q.below(), q.limit(), r -> {
        Incident i = r.incident();
        IssueRecord issue = issues.get(i.fingerprint());
        return (q.service() == null || q.service().equals(r.service()))
            && (q.component() == null || q.component().equals(i.component()))
            && (q.fingerprint() == null || q.fingerprint().equals(i.fingerprint()))
            && (q.status() == null || (issue != null && issue.status() == q.status()))
            && (q.severity() == null || q.severity().equals(i.severity().name()))
            && inRange(i.time().toEpochMilli(), q.fromMillis(), q.toMillis());
      });
    }
  }

  @Override
  public Optional<IncidentRecord> incident(long id) {
    synchronized (lock) {
      return Optional.ofNullable(incidents.get(id));
    }
  }

  @Override
  public Page<IssueRecord> issues(IssueQuery q) {
    TreeMap<Long, IssueRecord> byLastIncident = new TreeMap<>();
    synchronized (lock) {
      for (IssueRecord issue : issues.values()) {
        if ((q.service() == null || issue.services().contains(q.service()))
            && (q.status() == null || issue.status() == q.status())
            && (q.fingerprint() == null || q.fingerprint().equals(issue.fingerprint()))
            && inRange(issue.lastSeenMillis(), q.fromMillis(), q.toMillis())) {
          byLastIncident.put(issue.lastIncidentId(), issue);
        }
      }
    }
    return page(byLastIncident, q.below(), q.limit(), issue -> true);
  }

  @Override
  public Optional<IssueRecord> issue(String fingerprint) {
    synchronized (lock) {
      return Optional.ofNullable(issues.get(fingerprint));
    }
  }

  @Override
  public long openIssues(String service) {
    long open = 0;
    synchronized (lock) {
      for (IssueRecord issue : issues.values()) {
        if (issue.status() != IssueStatus.RESOLVED && issue.services().contains(service)) {
          open++;
        }
      }
    }
    return open;
  }

  @Override
  public List<ServiceRecord> services() {
    List<ServiceRecord> out = new ArrayList<>();
    synchronized (lock) {
      services.forEach((name, s) -> out.add(new ServiceRecord(name, s.events, s.incidents, s.lastSeen,
          List.copyOf(s.components), List.copyOf(s.instances.values()))));
    }
    return out;
  }

  @Override
  public Page<SampleRecord> samples(String service, String name, Long fromMillis, Long toMillis, long below,
      int limit) {
    synchronized (lock) {
      return page(samples, below, limit, s -> s.service().equals(service) && s.name().equals(name)
          && inRange(s.timeMillis(), fromMillis, toMillis));
    }
  }

  // ------------------------------------------------------------------------------------------------- documents

  private Path documentFile(String kind, String name) {
    if (!CredentialStore.validName(kind) || !CredentialStore.validName(name)) {
      // A name is a file name here: one with a separator or a leading dot could reach outside the documents.
      throw new IllegalArgumentException("a document's kind and name must be 1 to 64 letters, digits or _.-"
          + " starting with a letter or digit, but were '" + kind + "' and '" + name + "'");
    }
    return dataDir.resolve(DOCUMENTS_DIR).resolve(kind).resolve(name + ".json");
  }

  @Override
  public boolean putDocument(Document document) throws IOException {
    Path file = documentFile(document.kind(), document.name());
    ObjectNode node = mapper.createObjectNode();
    node.put("name", document.name());
    node.put("updatedAt", document.updatedAtMillis());
    node.put("updatedBy", document.updatedBy());
    node.put("content", document.content());
    byte[] bytes = mapper.writeValueAsBytes(node);
    synchronized (documentLock) {
      boolean existed = Files.exists(file);
      if (!existed) {
        // New directories must survive a crash too: force each parent whose entries changed.
        Path kindDir = file.getParent();
        Path documentsDir = kindDir.getParent();
        boolean newDocumentsDir = !Files.exists(documentsDir);
        boolean newKindDir = !Files.exists(kindDir);
        Files.createDirectories(kindDir);
        if (newDocumentsDir) {
          DataFiles.forceDirectory(dataDir);
        }
        if (newKindDir) {
          DataFiles.forceDirectory(documentsDir);
        }
      }
      DataFiles.replaceAtomically(file, bytes);
      return existed;
    }
  }

  @Override
  public boolean deleteDocument(String kind, String name) throws IOException {
    Path file = documentFile(kind, name);
    synchronized (documentLock) {
      boolean deleted = Files.deleteIfExists(file);
      if (deleted) {
        DataFiles.forceDirectory(file.getParent());
      }
      return deleted;
    }
  }

  @Override
  public Optional<Document> document(String kind, String name) {
    synchronized (documentLock) {
      return readDocument(kind, documentFile(kind, name));
    }
  }

  @Override
  public List<Document> documents(String kind) {
    Path dir = dataDir.resolve(DOCUMENTS_DIR).resolve(kind);
    List<Document> out = new ArrayList<>();
    synchronized (documentLock) {
      if (!Files.isDirectory(dir)) {
        return out;
      }
      try (Stream<Path> files = Files.list(dir)) {
        Iterator<Path> it = files.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().iterator();
        while (it.hasNext()) {
          readDocument(kind, it.next()).ifPresent(out::add);
        }
      } catch (IOException e) {
        throw new java.io.UncheckedIOException("cannot list " + dir, e);
      }
    }
    return out;
  }

  private Optional<Document> readDocument(String kind, Path file) {
    try {
      JsonNode node = mapper.readTree(Files.readAllBytes(file));
      return Optional.of(new Document(kind, node.get("name").textValue(), node.get("content").textValue(),
          node.get("updatedAt").longValue(), node.get("updatedBy").textValue()));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("the document " + file + " cannot be read (" + e.getMessage()
          + "); restore it from a backup or delete it", e);
    }
  }

  @Override
  public void close() {
    journal.close();
  }

  /** How many events are held in memory (for tests). */
  int eventsInMemory() {
    synchronized (lock) {
      return events.size();
    }
  }
}
