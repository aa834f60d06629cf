package dev.faultline.console.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.faultline.diagnosis.incident.Incident;
import dev.faultline.diagnosis.incident.IncidentJson;
import dev.faultline.diagnosis.incident.IssueStatus;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The {@link ConsoleStore} on PostgreSQL ({@link Database}), shared by every console instance that opens the same
 * database: what one instance ingests, another answers.
 *
 * <p>Each write is one transaction: a batch is wholly visible, on every instance, or not at all. Issues are grouped
 * by an upsert on the fingerprint whose status rule is {@code IssueTracker}'s (NEW, then ONGOING; REGRESSED after
 * RESOLVED), so concurrent instances count every incident once. Lists page by id, newest first, as the embedded store
 * does; nothing is held in memory.
 *
 * <p>An ingest batch with an idempotency key inserts the key into {@code ingest_keys} first, in the batch's
 * transaction: the key and the batch commit together. A key held within the window ends the transaction (rolled
 * back, nothing stored) with {@link KeyAlreadyStored}; a row older than the window is taken over. Rows older than the
 * window are deleted by a sweep that runs after a keyed batch, at most once a minute per instance.
 *
 * <h2>Concurrency design</h2>
 * PostgreSQL's transactions and row locks order concurrent writes: two transactions inserting the same key (on one
 * instance or two) meet on the key's primary-key row, and the second waits until the first commits (then finds the
 * key held) or rolls back (then inserts it). The only state of its own is {@code lastSweep}, an atomic that lets one
 * request a minute sweep. Thread-safe.
 */
final class PostgresStore implements ConsoleStore {
  private static final String P = Database.PREFIX;
  private final Database db;
  private final ObjectMapper mapper;
  /** The most events the reliability metrics read per service and query, the newest (as the embedded store keeps). */
  private final int maxReliabilityEvents;
  private final NameLimits nameLimits;
  /** How long an idempotency key is held after its batch was received. */
  private final long keyWindowMillis;
  /** When expired keys were last swept (console wall time), or {@code Long.MIN_VALUE}. */
  private final java.util.concurrent.atomic.AtomicLong lastSweep =
      new java.util.concurrent.atomic.AtomicLong(Long.MIN_VALUE);
  private static final long SWEEP_INTERVAL_MILLIS = 60_000;
  private static final System.Logger LOG = System.getLogger(PostgresStore.class.getName());

  PostgresStore(Database db, ObjectMapper mapper, int maxReliabilityEvents, long keyWindowMillis,
      NameLimits nameLimits) {
    this.db = db;
    this.mapper = mapper;
    this.maxReliabilityEvents = maxReliabilityEvents;
    this.keyWindowMillis = keyWindowMillis;
    this.nameLimits = nameLimits;
  }

  /**
   * Refuses (the transaction then rolls back: nothing stored) a batch of heartbeats naming more new instances than
   * {@code service} may still have. Asked before the upsert, which counts an update as it counts an insertion.
   */
  private void checkInstances(Connection c, String service, List<Heartbeat> heartbeats) throws SQLException {
    java.util.LinkedHashSet<String> names = new java.util.LinkedHashSet<>();
    for (Heartbeat beat : heartbeats) {
      names.add(beat.instance());
    }
    long total;
    try (PreparedStatement s = Database.prepare(c, "SELECT instance FROM " + P + "heartbeats WHERE service = ? AND"
        + " instance = ANY (?)", service, c.createArrayOf("text", names.toArray()));
        ResultSet rs = s.executeQuery()) {
      while (rs.next()) {
        names.remove(rs.getString(1));
      }
    }
    if (names.isEmpty()) {
      return;
    }
    try (PreparedStatement s = Database.prepare(c, "SELECT count(*) FROM " + P + "heartbeats WHERE service = ?",
        service); ResultSet rs = s.executeQuery()) {
      rs.next();
      total = rs.getLong(1);
    }
    if (total + names.size() > nameLimits.maxInstancesPerService()) {
      throw NameLimits.refused(service, true, total, List.copyOf(names), nameLimits.maxInstancesPerService());
    }
  }

  /**
   * Refuses (the transaction then rolls back: nothing stored) a batch of events of {@code service} whose insertion
   * of {@code names} into its components ({@code counts}: the batch's update counts, 1 for a new row) took the
   * service past its limit of distinct components. Asked after the insertion, so only when a name was new.
   */
  private void checkComponents(Connection c, String service, List<String> names, int[] counts)
      throws SQLException {
    List<String> fresh = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      if (counts[i] != 0) { // 1: inserted; SUCCESS_NO_INFO: perhaps
        fresh.add(names.get(i));
      }
    }
    if (fresh.isEmpty()) {
      return;
    }
    int limit = nameLimits.maxComponentsPerService();
    try (PreparedStatement s = Database.prepare(c, "SELECT count(*) FROM " + P + "components WHERE service = ?",
        service); ResultSet rs = s.executeQuery()) {
      rs.next();
      long total = rs.getLong(1);
      if (total > limit) {
        throw NameLimits.refused(service, false, Math.max(0, total - fresh.size()), fresh, limit);
      }
    }
  }

  // ------------------------------------------------------------------------------------------------- idempotency

  /**
   * Inserts the key of a batch (nothing when {@code key} is null), in the batch's transaction and before the batch:
   * throws {@link KeyAlreadyStored} when the key is held within the window, so the transaction rolls back.
   */
  private void insertKey(Connection c, String service, IngestKey key, long receivedAt, long[] ids)
      throws SQLException {
    if (key == null) {
      return;
    }
    Long[] boxed = new Long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      boxed[i] = ids[i];
    }
    try (PreparedStatement s = Database.prepare(c, "INSERT INTO " + P + "ingest_keys AS k (service, kind, key,"
        + " digest, received_ms, ids) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (service, kind, key) DO UPDATE SET"
        + " digest = EXCLUDED.digest, received_ms = EXCLUDED.received_ms, ids = EXCLUDED.ids"
        + " WHERE k.received_ms <= ?", service, key.kind(), key.key(), key.digest(), receivedAt,
        c.createArrayOf("bigint", boxed), receivedAt - keyWindowMillis)) {
      if (s.executeUpdate() == 1) {
        return;
      }
    }
    try (PreparedStatement s = Database.prepare(c, "SELECT digest, ids FROM " + P + "ingest_keys WHERE service = ?"
        + " AND kind = ? AND key = ?", service, key.kind(), key.key()); ResultSet rs = s.executeQuery()) {
      if (!rs.next()) {
        throw new SQLException("the idempotency key conflicted but its row is gone");
      }
      List<Long> stored = new ArrayList<>();
      for (Object id : (Object[]) rs.getArray(2).getArray()) {
        stored.add(((Number) id).longValue());
      }
      throw new KeyAlreadyStored(new StoredKey(rs.getString(1), List.copyOf(stored)));
    }
  }

  /** After a keyed batch: deletes expired keys, at most once a minute; a failure is logged, not the request's. */
  private void sweepKeys(IngestKey key, long now) {
    long last = lastSweep.get();
    if (key == null || (last != Long.MIN_VALUE && now - last < SWEEP_INTERVAL_MILLIS)
        || !lastSweep.compareAndSet(last, now)) {
      return;
    }
    try {
      db.transaction(c -> {
        try (PreparedStatement s = Database.prepare(c, "DELETE FROM " + P + "ingest_keys WHERE received_ms <= ?",
            now - keyWindowMillis)) {
          return s.executeUpdate();
        }
      });
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "sweeping expired idempotency keys failed; the next sweep tries again",
          e);
    }
  }

  @Override
  public long idempotencyKeys() {
    return db.read(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT count(*) FROM " + P + "ingest_keys");
          ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    });
  }

  // ------------------------------------------------------------------------------------------------- writes

  private static void touchService(Connection c, String service, long events, long incidents, long seen)
      throws SQLException {
    try (PreparedStatement s = Database.prepare(c, "INSERT INTO " + P + "services AS s (service, events, incidents,"
        + " last_seen_ms) VALUES (?, ?, ?, ?) ON CONFLICT (service) DO UPDATE SET events = s.events + EXCLUDED.events,"
        + " incidents = s.incidents + EXCLUDED.incidents, last_seen_ms = GREATEST(s.last_seen_ms,"
        + " EXCLUDED.last_seen_ms)", service, events, incidents, seen)) {
      s.executeUpdate();
    }
  }

  @Override
  public List<EventRecord> addEvents(String service, long receivedAt, List<NewEvent> batch, IngestKey key)
      throws IOException {
    List<EventRecord> added = db.transaction(c -> {
      long[] ids = Database.ids(c, batch.size());
      insertKey(c, service, key, receivedAt, ids);
      List<EventRecord> stored = new ArrayList<>(batch.size());
      TreeSet<String> components = new TreeSet<>();
      try (PreparedStatement s = c.prepareStatement("INSERT INTO " + P + "events (id, service, type, source, time_ms,"
          + " received_ms, fields) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
        for (int i = 0; i < batch.size(); i++) {
          NewEvent e = batch.get(i);
          String fields = e.fields().isEmpty() ? "{}" : mapper.writeValueAsString(e.fields());
          s.setLong(1, ids[i]);
          s.setString(2, service);
          s.setString(3, e.type());
          s.setString(4, e.source());
          s.setLong(5, e.timeMillis());
          s.setLong(6, receivedAt);
          s.setString(7, fields);
          s.addBatch();
          stored.add(new EventRecord(ids[i], service, e.type(), e.source(), e.timeMillis(), receivedAt, fields));
          components.add(e.source());
        }
        s.executeBatch();
      }
      try (PreparedStatement s = c.prepareStatement("INSERT INTO " + P + "components (service, component)"
          + " VALUES (?, ?) ON CONFLICT DO NOTHING")) {
        for (String component : components) {
          s.setString(1, service);
          s.setString(2, component);
          s.addBatch();
        }
        checkComponents(c, service, List.copyOf(components), s.executeBatch());
      }
      touchService(c, service, batch.size(), 0, receivedAt);
      return stored;
    });
    sweepKeys(key, receivedAt);
    return added;
  }

  @Override
  public List<IncidentRecord> addIncidents(String service, long receivedAt, List<Incident> batch, IngestKey key)
      throws IOException {
    List<IncidentRecord> added = db.transaction(c -> {
      long[] ids = Database.ids(c, batch.size());
      insertKey(c, service, key, receivedAt, ids);
      List<IncidentRecord> stored = new ArrayList<>(batch.size());
      for (int i = 0; i < batch.size(); i++) {
        Incident incident = batch.get(i);
        long time = incident.time().toEpochMilli();
        try (PreparedStatement s = Database.prepare(c, "INSERT INTO " + P + "incidents (id, service, component,"
            + " fingerprint, severity, time_ms, received_ms, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", ids[i], service,
            incident.component(), incident.fingerprint(), incident.severity().name(), time, receivedAt,
            IncidentJson.write(incident))) {
          s.executeUpdate();
        }
        try (PreparedStatement s = Database.prepare(c, "INSERT INTO " + P + "issues AS i (fingerprint, service,"
            + " component, type, message, first_ms, last_ms, count, status, last_incident)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, 1, 'NEW', ?) ON CONFLICT (fingerprint) DO UPDATE SET"
            + " service = EXCLUDED.service, component = EXCLUDED.component, type = EXCLUDED.type,"
            + " message = EXCLUDED.message, first_ms = LEAST(i.first_ms, EXCLUDED.first_ms),"
            + " last_ms = GREATEST(i.last_ms, EXCLUDED.last_ms), count = i.count + 1,"
            + " status = CASE WHEN i.status = 'RESOLVED' THEN 'REGRESSED' ELSE 'ONGOING' END,"
            + " last_incident = GREATEST(i.last_incident, EXCLUDED.last_incident)", incident.fingerprint(), service,
            incident.component(), incident.errorType(), incident.exceptionMessage(), time, time, ids[i])) {
          s.executeUpdate();
        }
        try (PreparedStatement s = Database.prepare(c, "INSERT INTO " + P + "issue_services (fingerprint, service)"
            + " VALUES (?, ?) ON CONFLICT DO NOTHING", incident.fingerprint(), service)) {
          s.executeUpdate();
        }
        stored.add(new IncidentRecord(ids[i], service, receivedAt, incident));
      }
      touchService(c, service, 0, batch.size(), receivedAt);
      return stored;
    });
    sweepKeys(key, receivedAt);
    return added;
  }

  @Override
  public void addHeartbeats(String service, long receivedAt, List<Heartbeat> heartbeats, IngestKey key)
      throws IOException {
    db.transaction(c -> {
      insertKey(c, service, key, receivedAt, new long[0]);
      checkInstances(c, service, heartbeats);
      try (PreparedStatement s = c.prepareStatement("INSERT INTO " + P + "heartbeats AS h (service, instance, status,"
          + " interval_ms, time_ms, received_ms, detail) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (service, instance)"
          + " DO UPDATE SET status = EXCLUDED.status, interval_ms = EXCLUDED.interval_ms, time_ms = EXCLUDED.time_ms,"
          + " received_ms = EXCLUDED.received_ms, detail = EXCLUDED.detail"
          + " WHERE h.received_ms <= EXCLUDED.received_ms")) {
        for (Heartbeat beat : heartbeats) {
          s.setString(1, service);
          s.setString(2, beat.instance());
          s.setString(3, beat.status());
          s.setLong(4, beat.intervalMillis());
          s.setLong(5, beat.timeMillis());
          s.setLong(6, beat.receivedAtMillis());
          s.setString(7, beat.detail());
          s.addBatch();
        }
        s.executeBatch();
      }
      touchService(c, service, 0, 0, receivedAt);
      return null;
    });
    sweepKeys(key, receivedAt);
  }

  @Override
  public void addSamples(String service, long receivedAt, List<NewSample> samples, IngestKey key)
      throws IOException {
    db.transaction(c -> {
      long[] ids = Database.ids(c, samples.size());
      insertKey(c, service, key, receivedAt, ids);
      try (PreparedStatement s = c.prepareStatement("INSERT INTO " + P + "samples (id, service, name, time_ms, value,"
          + " tags) VALUES (?, ?, ?, ?, ?, ?)")) {
        for (int i = 0; i < samples.size(); i++) {
          NewSample sample = samples.get(i);
          s.setLong(1, ids[i]);
          s.setString(2, service);
          s.setString(3, sample.name());
          s.setLong(4, sample.timeMillis());
          s.setDouble(5, sample.value());
          s.setString(6, mapper.writeValueAsString(sample.tags()));
          s.addBatch();
        }
        s.executeBatch();
      }
      touchService(c, service, 0, 0, receivedAt);
      return null;
    });
    sweepKeys(key, receivedAt);
  }

  @Override
  public Optional<IssueRecord> resolve(String fingerprint, long atMillis) throws IOException {
    int updated = db.transaction(c -> {
      try (PreparedStatement s = Database.prepare(c, "UPDATE " + P + "issues SET status = 'RESOLVED'"
          + " WHERE fingerprint = ?", fingerprint)) {
        return s.executeUpdate();
      }
    });
    return updated == 0 ? Optional.empty() : issue(fingerprint);
  }

  @Override
  public boolean putDocument(Document document) throws IOException {
    return db.transaction(c -> {
      boolean existed;
      try (PreparedStatement s = Database.prepare(c, "SELECT 1 FROM " + P + "documents WHERE kind = ? AND name = ?"
          + " FOR UPDATE", document.kind(), document.name()); ResultSet rs = s.executeQuery()) {
        existed = rs.next();
      }
      try (PreparedStatement s = Database.prepare(c, "INSERT INTO " + P + "documents (kind, name, content, updated_ms,"
          + " updated_by) VALUES (?, ?, ?, ?, ?) ON CONFLICT (kind, name) DO UPDATE SET content = EXCLUDED.content,"
          + " updated_ms = EXCLUDED.updated_ms, updated_by = EXCLUDED.updated_by", document.kind(), document.name(),
          document.content(), document.updatedAtMillis(), document.updatedBy())) {
        s.executeUpdate();
      }
      return existed;
    });
  }

  @Override
  public boolean deleteDocument(String kind, String name) throws IOException {
    return db.transaction(c -> {
      try (PreparedStatement s = Database.prepare(c, "DELETE FROM " + P + "documents WHERE kind = ? AND name = ?",
          kind, name)) {
        return s.executeUpdate() > 0;
      }
    });
  }

  // ------------------------------------------------------------------------------------------------- reads

  /** Builds "WHERE a AND b ..." and its parameters from the filters that are set. */
  private static final class Where {
    private final List<String> clauses = new ArrayList<>();
    private final List<Object> values = new ArrayList<>();

    Where add(String clause, Object value) {
      if (value != null) {
        clauses.add(clause);
        values.add(value);
      }
      return this;
    }

    Where below(String column, long below) {
      return below < 0 ? this : add(column + " < ?", below);
    }

    String sql() {
      return clauses.isEmpty() ? "" : " WHERE " + String.join(" AND ", clauses);
    }

    Object[] values(Object... more) {
      List<Object> all = new ArrayList<>(values);
      Collections.addAll(all, more);
      return all.toArray();
    }
  }

  /** Runs a newest-first page query (one row more than the limit, to know whether there is a next page). */
  private <T> Page<T> page(String select, Where where, String idColumn, int limit, RowReader<T> reader) {
    return db.read(c -> {
      List<T> items = new ArrayList<>();
      long next = -1;
      try (PreparedStatement s = Database.prepare(c, select + where.sql() + " ORDER BY " + idColumn + " DESC LIMIT ?",
          where.values(limit + 1)); ResultSet rs = s.executeQuery()) {
        long lastKept = -1;
        while (rs.next()) {
          if (items.size() == limit) {
            next = lastKept;
            break;
          }
          items.add(reader.read(rs));
          lastKept = rs.getLong(idColumn.contains(".") ? idColumn.substring(idColumn.indexOf('.') + 1) : idColumn);
        }
      }
      return new Page<>(items, next);
    });
  }

  @FunctionalInterface
  private interface RowReader<T> {
    T read(ResultSet rs) throws SQLException, IOException;
  }

  private static EventRecord event(ResultSet rs) throws SQLException {
    return new EventRecord(rs.getLong("id"), rs.getString("service"), rs.getString("type"), rs.getString("source"),
        rs.getLong("time_ms"), rs.getLong("received_ms"), rs.getString("fields"));
  }

  @Override
  public Page<EventRecord> events(EventQuery q) {
    Where where = new Where().add("service = ?", q.service()).add("type = ?", q.type())
        .add("source = ?", q.source()).add("time_ms >= ?", q.fromMillis()).add("time_ms < ?", q.toMillis())
        .below("id", q.below());
    if (q.types() != null) {
      where.clauses.add("type = ANY (?)");
      where.values.add(q.types().toArray(String[]::new));
    }
    return pageWithArrays("SELECT * FROM " + P + "events", where, "id", q.limit(), PostgresStore::event);
  }

  /** As {@link #page}, binding array parameters as SQL arrays. */
  private <T> Page<T> pageWithArrays(String select, Where where, String idColumn, int limit, RowReader<T> reader) {
    return db.read(c -> {
      List<T> items = new ArrayList<>();
      long next = -1;
      Object[] values = where.values(limit + 1);
      try (PreparedStatement s = c.prepareStatement(select + where.sql() + " ORDER BY " + idColumn
          + " DESC LIMIT ?")) {
        for (int i = 0; i < values.length; i++) {
          if (values[i] instanceof String[] array) {
            s.setArray(i + 1, c.createArrayOf("text", array));
          } else {
            s.setObject(i + 1, values[i]);
          }
        }
        try (ResultSet rs = s.executeQuery()) {
          long lastKept = -1;
          while (rs.next()) {
            if (items.size() == limit) {
              next = lastKept;
              break;
            }
            items.add(reader.read(rs));
            lastKept = rs.getLong(idColumn);
          }
        }
      }
      return new Page<>(items, next);
    });
  }

  @Override
  public List<EventRecord> eventsInTimeOrder(String service, Set<String> types, long fromMillis, long toMillis) {
    return db.read(c -> {
      List<EventRecord> out = new ArrayList<>();
      try (PreparedStatement s = c.prepareStatement("SELECT * FROM (SELECT * FROM " + P + "events WHERE service = ?"
          + " AND type = ANY (?) AND time_ms >= ? AND time_ms < ? ORDER BY time_ms DESC, id DESC LIMIT ?) recent"
          + " ORDER BY time_ms, id")) {
        s.setString(1, service);
        s.setArray(2, c.createArrayOf("text", types.toArray()));
        s.setLong(3, fromMillis);
        s.setLong(4, toMillis);
        s.setInt(5, maxReliabilityEvents);
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            out.add(event(rs));
          }
        }
      }
      return out;
    });
  }

  private static IncidentRecord incident(ResultSet rs) throws SQLException {
    return new IncidentRecord(rs.getLong("id"), rs.getString("service"), rs.getLong("received_ms"),
        IncidentJson.read(rs.getString("body")));
  }

  @Override
  public Page<IncidentRecord> incidents(IncidentQuery q) {
    Where where = new Where().add("n.service = ?", q.service()).add("n.component = ?", q.component())
        .add("n.fingerprint = ?", q.fingerprint()).add("i.status = ?", q.status() == null ? null : q.status().name())
        .add("n.severity = ?", q.severity()).add("n.time_ms >= ?", q.fromMillis()).add("n.time_ms < ?", q.toMillis())
        .below("n.id", q.below());
    return page("SELECT n.* FROM " + P + "incidents n LEFT JOIN " + P + "issues i ON i.fingerprint = n.fingerprint",
        where, "n.id", q.limit(), PostgresStore::incident);
  }

  @Override
  public Optional<IncidentRecord> incident(long id) {
    return db.read(c -> {
      try (PreparedStatement s = Database.prepare(c, "SELECT * FROM " + P + "incidents WHERE id = ?", id);
          ResultSet rs = s.executeQuery()) {
        return rs.next() ? Optional.of(incident(rs)) : Optional.empty();
      }
    });
  }

  private IssueRecord issue(ResultSet rs, Connection c) throws SQLException {
    String fingerprint = rs.getString("fingerprint");
    TreeSet<String> services = new TreeSet<>();
    try (PreparedStatement s = Database.prepare(c, "SELECT service FROM " + P + "issue_services"
        + " WHERE fingerprint = ?", fingerprint); ResultSet srs = s.executeQuery()) {
      while (srs.next()) {
        services.add(srs.getString(1));
      }
    }
    return new IssueRecord(fingerprint, rs.getString("service"), Collections.unmodifiableSet(services),
        rs.getString("component"), rs.getString("type"), rs.getString("message"), rs.getLong("first_ms"),
        rs.getLong("last_ms"), rs.getLong("count"), IssueStatus.valueOf(rs.getString("status")),
        rs.getLong("last_incident"));
  }

  @Override
  public Page<IssueRecord> issues(IssueQuery q) {
    Where where = new Where().add("status = ?", q.status() == null ? null : q.status().name())
        .add("fingerprint = ?", q.fingerprint()).add("last_ms >= ?", q.fromMillis()).add("last_ms < ?", q.toMillis())
        .add("fingerprint IN (SELECT fingerprint FROM " + P + "issue_services WHERE service = ?)", q.service())
        .below("last_incident", q.below());
    return db.read(c -> {
      List<IssueRecord> items = new ArrayList<>();
      long next = -1;
      try (PreparedStatement s = Database.prepare(c, "SELECT * FROM " + P + "issues" + where.sql()
          + " ORDER BY last_incident DESC LIMIT ?", where.values(q.limit() + 1)); ResultSet rs = s.executeQuery()) {
        long lastKept = -1;
        while (rs.next()) {
          if (items.size() == q.limit()) {
            next = lastKept;
            break;
          }
          items.add(issue(rs, c));
          lastKept = rs.getLong("last_incident");
        }
      }
      return new Page<>(items, next);
    });
  }

  @Override
  public Optional<IssueRecord> issue(String fingerprint) {
    return db.read(c -> {
      try (PreparedStatement s = Database.prepare(c, "SELECT * FROM " + P + "issues WHERE fingerprint = ?",
          fingerprint); ResultSet rs = s.executeQuery()) {
        return rs.next() ? Optional.of(issue(rs, c)) : Optional.empty();
      }
    });
  }

  @Override
  public long openIssues(String service) {
    return db.read(c -> {
      try (PreparedStatement s = Database.prepare(c, "SELECT count(*) FROM " + P + "issues i JOIN " + P
          + "issue_services s ON s.fingerprint = i.fingerprint WHERE s.service = ? AND i.status <> 'RESOLVED'",
          service); ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    });
  }

  @Override
  public List<ServiceRecord> services() {
    return db.read(c -> {
      // Names sort COLLATE "C" (code point order), as the embedded store's Java order does, whatever the database's
      // collation (under en_US "Zeta" came before "alpha" in one store and after it in the other).
      Map<String, List<String>> components = new TreeMap<>();
      try (PreparedStatement s = c.prepareStatement("SELECT service, component FROM " + P + "components"
          + " ORDER BY service COLLATE \"C\", component COLLATE \"C\""); ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          components.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getString(2));
        }
      }
      Map<String, List<Heartbeat>> beats = new TreeMap<>();
      try (PreparedStatement s = c.prepareStatement("SELECT * FROM " + P + "heartbeats"
          + " ORDER BY service COLLATE \"C\", instance COLLATE \"C\"");
          ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          beats.computeIfAbsent(rs.getString("service"), k -> new ArrayList<>()).add(new Heartbeat(
              rs.getString("instance"), rs.getString("status"), rs.getLong("interval_ms"), rs.getLong("time_ms"),
              rs.getLong("received_ms"), rs.getString("detail")));
        }
      }
      List<ServiceRecord> out = new ArrayList<>();
      try (PreparedStatement s = c.prepareStatement("SELECT * FROM " + P + "services ORDER BY service"
          + " COLLATE \"C\"");
          ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          String service = rs.getString("service");
          out.add(new ServiceRecord(service, rs.getLong("events"), rs.getLong("incidents"),
              rs.getLong("last_seen_ms"), List.copyOf(components.getOrDefault(service, List.of())),
              List.copyOf(beats.getOrDefault(service, List.of()))));
        }
      }
      return out;
    });
  }

  @Override
  public Page<SampleRecord> samples(String service, String name, Long fromMillis, Long toMillis, long below,
      int limit) {
    Where where = new Where().add("service = ?", service).add("name = ?", name).add("time_ms >= ?", fromMillis)
        .add("time_ms < ?", toMillis).below("id", below);
    return page("SELECT * FROM " + P + "samples", where, "id", limit, rs -> {
      Map<String, String> tags = new LinkedHashMap<>();
      JsonNode node = mapper.readTree(rs.getString("tags"));
      node.fields().forEachRemaining(e -> tags.put(e.getKey(), e.getValue().asText()));
      return new SampleRecord(rs.getLong("id"), rs.getString("service"), rs.getString("name"), rs.getLong("time_ms"),
          rs.getDouble("value"), Map.copyOf(tags));
    });
  }

  private static Document document(ResultSet rs) throws SQLException {
    return new Document(rs.getString("kind"), rs.getString("name"), rs.getString("content"),
        rs.getLong("updated_ms"), rs.getString("updated_by"));
  }

  @Override
  public Optional<Document> document(String kind, String name) {
    return db.read(c -> {
      try (PreparedStatement s = Database.prepare(c, "SELECT * FROM " + P + "documents WHERE kind = ? AND name = ?",
          kind, name); ResultSet rs = s.executeQuery()) {
        return rs.next() ? Optional.of(document(rs)) : Optional.empty();
      }
    });
  }

  @Override
  public List<Document> documents(String kind) {
    return db.read(c -> {
      List<Document> out = new ArrayList<>();
      try (PreparedStatement s = Database.prepare(c, "SELECT * FROM " + P + "documents WHERE kind = ? ORDER BY name"
          + " COLLATE \"C\"",
          kind); ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          out.add(document(rs));
        }
      }
      return out;
    });
  }

  /** The database stays open: the server that opened it closes it. */
  @Override
  public void close() {
  }
}
