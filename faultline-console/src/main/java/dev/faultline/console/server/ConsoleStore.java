package dev.faultline.console.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.faultline.diagnosis.incident.Incident;
import dev.faultline.diagnosis.incident.IssueStatus;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where the console keeps what services report and what operators upload: events, incidents and the issues they
 * group into, heartbeats, metric samples, and named documents (fault trees, the dependency graph).
 *
 * <p>Every {@code add} is all or nothing and durable when it returns: a batch that throws left nothing visible and
 * nothing on disk that a restart would bring back. Every item stored gets an id, unique and increasing in the order
 * the store accepted it (events and incidents share one order); lists come newest first and page by id.
 *
 * <p>Implementations: {@link JournalStore} (a directory, one process; the default). Implementations are thread-safe.
 */
interface ConsoleStore extends AutoCloseable {

  // ------------------------------------------------------------------------------------------------- what is stored

  /**
   * The most distinct heartbeat instances and event sources (components) one service may have: a batch that names
   * more new ones than are left is refused whole, nothing stored. Checked when a batch is stored (two batches stored
   * at once may each see the other's names as not there yet, so a service may pass a limit by up to one batch).
   */
  record NameLimits(int maxInstancesPerService, int maxComponentsPerService) {

    /**
     * Refuses a batch of {@code service} naming {@code fresh} (in order, at least one) new instances or components
     * on top of the {@code known} it has.
     */
    static ApiException refused(String service, boolean instances, long known, List<String> fresh, int limit) {
      String what = instances ? "heartbeat instances" : "event sources (components)";
      return new ApiException(422, instances ? "too-many-instances" : "too-many-components", "service " + service
          + " has " + known + " " + what + " and may have at most " + limit + "; this batch names " + fresh.size()
          + " new one(s), the first '" + Requests.truncate(fresh.get(0)) + "'. Nothing was stored");
    }
  }

  /** An event as a service reported it, before it is stored. */
  record NewEvent(String type, String source, long timeMillis, ObjectNode fields) {}

  /**
   * A stored event. Its fields are kept as JSON bytes, not as a tree: the store holds many events, and a tree of
   * small objects per event would make every young garbage collection copy several times as many objects.
   */
  record EventRecord(long id, String service, String type, String source, long timeMillis, long receivedAtMillis,
      String fieldsJson) {

    /** The fields, parsed. */
    ObjectNode fields() {
      try {
        return (ObjectNode) FIELDS_READER.readTree(fieldsJson);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException("stored event fields are not JSON", e);
      }
    }
  }

  /** Reads stored event fields (written by the store from checked JSON objects). Thread-safe. */
  com.fasterxml.jackson.databind.ObjectMapper FIELDS_READER = new com.fasterxml.jackson.databind.ObjectMapper();

  /** A stored incident: the incident as the library reported it, and which service sent it. */
  record IncidentRecord(long id, String service, long receivedAtMillis, Incident incident) {}

  /**
   * The incidents of one fingerprint, as {@link dev.faultline.diagnosis.incident.IssueTracker} groups them.
   *
   * @param services every service that reported an incident of it
   * @param service the service of the latest incident
   */
  record IssueRecord(String fingerprint, String service, Set<String> services, String component, String type,
      String message, long firstSeenMillis, long lastSeenMillis, long count, IssueStatus status,
      long lastIncidentId) {}

  /**
   * A heartbeat of one instance of a service: {@code timeMillis} is when the instance sent it (its clock),
   * {@code receivedAtMillis} when the console received it (the console's clock, which decides staleness).
   */
  record Heartbeat(String instance, String status, long intervalMillis, long timeMillis, long receivedAtMillis,
      String detail) {}

  /** A metric sample before it is stored. */
  record NewSample(String name, long timeMillis, double value, Map<String, String> tags) {}

  /** A stored metric sample. */
  record SampleRecord(long id, String service, String name, long timeMillis, double value, Map<String, String> tags) {}

  /**
   * What is known of one service.
   *
   * @param components every event source it reported, sorted
   * @param instances the last heartbeat of each of its instances, by instance name
   */
  record ServiceRecord(String service, long events, long incidents, long lastSeenMillis, List<String> components,
      List<Heartbeat> instances) {}

  /** A named document: a fault tree's MEF XML, the dependency graph's JSON. */
  record Document(String kind, String name, String content, long updatedAtMillis, String updatedBy) {}

  /** A page of a list, newest first, and the id to continue below (or -1 when there is no more). */
  record Page<T>(List<T> items, long next) {}

  // ------------------------------------------------------------------------------------------------- filters

  /** Filters of an event query; null fields match everything. Times select {@code from <= time < to}. */
  record EventQuery(String service, String type, String source, Long fromMillis, Long toMillis, Set<String> types,
      long below, int limit) {}

  /** Filters of an incident query; {@code status} is the status of the incident's issue now. */
  record IncidentQuery(String service, String component, String fingerprint, IssueStatus status, String severity,
      Long fromMillis, Long toMillis, long below, int limit) {}

  /** Filters of an issue query; times select on the issue's last sighting. Pages by last incident id. */
  record IssueQuery(String service, IssueStatus status, String fingerprint, Long fromMillis, Long toMillis,
      long below, int limit) {}

  // ------------------------------------------------------------------------------------------------- idempotency

  /**
   * The idempotency key of an ingest request ({@code Idempotency-Key}), stored with its batch, in the same durable
   * write: the batch's kind ({@code events}, {@code incidents}, {@code heartbeats} or {@code samples}), the client's
   * key, and the SHA-256 of the request body (64 hex digits). A key is scoped by the service and the kind, and held
   * for the store's window after the batch was received: within it, an add with the same service, kind and key
   * stores nothing and throws {@link KeyAlreadyStored}.
   */
  record IngestKey(String kind, String key, String digest) {}

  /**
   * A key the store holds: the body digest of the request that stored it, and the ids of the items its batch stored
   * (in the batch's order; empty for heartbeats, which have none).
   */
  record StoredKey(String digest, List<Long> ids) {}

  /**
   * Thrown by an add whose {@link IngestKey} the store already holds for the service and kind within the window: the
   * add stored nothing. Carries what the first request stored, so the caller can answer as it did (or refuse a
   * different body).
   */
  final class KeyAlreadyStored extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient StoredKey stored;

    KeyAlreadyStored(StoredKey stored) {
      super("the idempotency key is already stored", null, false, false);
      this.stored = stored;
    }

    StoredKey stored() {
      return stored;
    }
  }

  /** How many idempotency keys the store holds now (memory for the embedded store, rows for PostgreSQL). */
  long idempotencyKeys();

  // ------------------------------------------------------------------------------------------------- writes

  /** Stores events of {@code service}, durably; returns them with their ids. */
  default List<EventRecord> addEvents(String service, long receivedAtMillis, List<NewEvent> events)
      throws IOException {
    return addEvents(service, receivedAtMillis, events, null);
  }

  /**
   * Stores events of {@code service} and {@code key} (or none, when null) together, durably; returns them with their
   * ids.
   *
   * @throws KeyAlreadyStored when the store holds {@code key} already; then nothing was stored
   */
  List<EventRecord> addEvents(String service, long receivedAtMillis, List<NewEvent> events, IngestKey key)
      throws IOException;

  /**
   * Stores incidents of {@code service} and {@code key} (or none, when null) together, durably, updating their
   * issues; returns them with their ids.
   *
   * @throws KeyAlreadyStored when the store holds {@code key} already; then nothing was stored
   */
  List<IncidentRecord> addIncidents(String service, long receivedAtMillis, List<Incident> incidents, IngestKey key)
      throws IOException;

  /**
   * Stores heartbeats of {@code service} and {@code key} (or none, when null) together, durably.
   *
   * @throws KeyAlreadyStored when the store holds {@code key} already; then nothing was stored
   */
  void addHeartbeats(String service, long receivedAtMillis, List<Heartbeat> heartbeats, IngestKey key)
      throws IOException;

  /**
   * Stores metric samples of {@code service} and {@code key} (or none, when null) together, durably.
   *
   * @throws KeyAlreadyStored when the store holds {@code key} already; then nothing was stored
   */
  void addSamples(String service, long receivedAtMillis, List<NewSample> samples, IngestKey key) throws IOException;

  /** Marks an issue resolved, durably; empty when no issue has that fingerprint. */
  Optional<IssueRecord> resolve(String fingerprint, long atMillis) throws IOException;

  /** Stores or replaces a document, durably; returns whether one of that kind and name existed. */
  boolean putDocument(Document document) throws IOException;

  /** Deletes a document, durably; returns whether it existed. */
  boolean deleteDocument(String kind, String name) throws IOException;

  // ------------------------------------------------------------------------------------------------- reads

  /** Events matching {@code query}, newest first. */
  Page<EventRecord> events(EventQuery query);

  /**
   * The events of {@code service} whose type is one of {@code types}, with {@code from <= time < to}, in time order:
   * what the reliability metrics are computed from.
   */
  List<EventRecord> eventsInTimeOrder(String service, Set<String> types, long fromMillis, long toMillis);

  /** Incidents matching {@code query}, newest first. */
  Page<IncidentRecord> incidents(IncidentQuery query);

  /** One incident. */
  Optional<IncidentRecord> incident(long id);

  /** Issues matching {@code query}, most recently seen first. */
  Page<IssueRecord> issues(IssueQuery query);

  /** One issue. */
  Optional<IssueRecord> issue(String fingerprint);

  /** How many issues that {@code service} reported incidents of are not resolved. */
  long openIssues(String service);

  /** Every service that reported anything, by name. */
  List<ServiceRecord> services();

  /** The samples of one metric of one service, newest first, with {@code from <= time < to}. */
  Page<SampleRecord> samples(String service, String name, Long fromMillis, Long toMillis, long below, int limit);

  /** One document. */
  Optional<Document> document(String kind, String name);

  /** Every document of a kind, by name. */
  List<Document> documents(String kind);

  /** Closes the store; later calls fail. */
  @Override
  void close() throws IOException;
}
