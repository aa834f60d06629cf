package dev.faultline.console.server;

import dev.faultline.core.Clock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The accounts of several console instances, kept in their shared {@link Database}: the credentials document
 * (compare-and-set on its version), sessions (so a login on one instance is valid on every other) and the audit log.
 *
 * <p>Sessions found in the database are cached for {@link #SESSION_CACHE} in this process: a logout on one instance
 * ends the session on the others within that time (at once on the instance that logged out).
 *
 * <h2>Concurrency design</h2>
 * The database orders concurrent writes; the session cache is a concurrent map of immutable entries. Thread-safe.
 */
final class SharedAccounts {
  /** How long a session read from the database is trusted without reading it again. */
  static final Duration SESSION_CACHE = Duration.ofSeconds(1);
  private static final String P = Database.PREFIX;

  private SharedAccounts() {}

  /** The credentials document in the database. */
  static CredentialStore.Persistence credentials(Database db) {
    return new CredentialStore.Persistence() {
      @Override
      public Snapshot read() throws IOException {
        return db.transaction(c -> {
          try (PreparedStatement s = c.prepareStatement("SELECT content, version FROM " + P + "credentials"
              + " WHERE id = 1"); ResultSet rs = s.executeQuery()) {
            return rs.next() ? new Snapshot(rs.getString(1).getBytes(StandardCharsets.UTF_8), rs.getLong(2))
                : new Snapshot(null, 0);
          }
        });
      }

      @Override
      public boolean write(byte[] content, long expected) throws IOException {
        String text = new String(content, StandardCharsets.UTF_8);
        return db.transaction(c -> {
          if (expected == 0) {
            try (PreparedStatement s = Database.prepare(c, "INSERT INTO " + P + "credentials (id, version, content)"
                + " VALUES (1, 1, ?) ON CONFLICT (id) DO NOTHING", text)) {
              return s.executeUpdate() == 1;
            }
          }
          try (PreparedStatement s = Database.prepare(c, "UPDATE " + P + "credentials SET version = version + 1,"
              + " content = ? WHERE id = 1 AND version = ?", text, expected)) {
            return s.executeUpdate() == 1;
          }
        });
      }

      @Override
      public boolean shared() {
        return true;
      }

      @Override
      public long version() throws IOException {
        return db.transaction(c -> {
          try (PreparedStatement s = c.prepareStatement("SELECT version FROM " + P + "credentials WHERE id = 1");
              ResultSet rs = s.executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0L;
          }
        });
      }
    };
  }

  /** Sessions in the database, cached briefly in this process. */
  static Sessions.Backend sessions(Database db, Clock clock) {
    record Cached(Sessions.Session session, long readAtNanos) {}
    ConcurrentHashMap<String, Cached> cache = new ConcurrentHashMap<>();
    return new Sessions.Backend() {
      @Override
      public void put(String digest, Sessions.Session session) {
        write(() -> db.transaction(c -> {
          try (PreparedStatement s = Database.prepare(c, "INSERT INTO " + P + "sessions (digest, username, role,"
              + " expires_ms, csrf) VALUES (?, ?, ?, ?, ?)", digest, session.user(), session.role().name(),
              session.expiresAtMillis(), session.csrfToken())) {
            return s.executeUpdate();
          }
        }));
        cache.put(digest, new Cached(session, clock.nanoTime()));
      }

      @Override
      public Sessions.Session get(String digest) {
        Cached cached = cache.get(digest);
        long now = clock.nanoTime();
        if (cached != null && now - cached.readAtNanos() < SESSION_CACHE.toNanos()) {
          return cached.session();
        }
        Sessions.Session session = db.read(c -> {
          try (PreparedStatement s = Database.prepare(c, "SELECT username, role, expires_ms, csrf FROM " + P
              + "sessions WHERE digest = ?", digest); ResultSet rs = s.executeQuery()) {
            if (!rs.next()) {
              return null;
            }
            long expiresMillis = rs.getLong(3);
            // This process's monotonic deadline for the wall-clock expiry the database holds.
            long expiresNanos = now + Duration.ofMillis(expiresMillis - clock.wallMillis()).toNanos();
            return new Sessions.Session(rs.getString(1), Role.valueOf(rs.getString(2)), expiresNanos, expiresMillis,
                rs.getString(4));
          }
        });
        if (session == null) {
          cache.remove(digest);
        } else {
          cache.put(digest, new Cached(session, now));
        }
        return session;
      }

      @Override
      public void remove(String digest, Sessions.Session session) {
        cache.remove(digest);
        write(() -> db.transaction(c -> {
          try (PreparedStatement s = Database.prepare(c, "DELETE FROM " + P + "sessions WHERE digest = ?", digest)) {
            return s.executeUpdate();
          }
        }));
      }

      @Override
      public int endOldest(String user, int keep) {
        cache.values().removeIf(c -> c.session().user().equals(user));
        int[] ended = {0};
        write(() -> db.transaction(c -> {
          try (PreparedStatement s = Database.prepare(c, "DELETE FROM " + P + "sessions WHERE digest IN (SELECT"
              + " digest FROM " + P + "sessions WHERE username = ? ORDER BY expires_ms DESC OFFSET ?)", user, keep)) {
            ended[0] = s.executeUpdate();
            return ended[0];
          }
        }));
        return ended[0];
      }

      @Override
      public int purge(long nowNanos) {
        cache.clear();
        long now = clock.wallMillis();
        write(() -> db.transaction(c -> {
          try (PreparedStatement s = Database.prepare(c, "DELETE FROM " + P + "sessions WHERE expires_ms <= ?",
              now)) {
            return s.executeUpdate();
          }
        }));
        return size();
      }

      @Override
      public int size() {
        return db.read(c -> {
          try (PreparedStatement s = c.prepareStatement("SELECT count(*) FROM " + P + "sessions");
              ResultSet rs = s.executeQuery()) {
            rs.next();
            return rs.getInt(1);
          }
        });
      }
    };
  }

  /** The audit log in the database. */
  static AuditLog.Backend audit(Database db) {
    return new AuditLog.Backend() {
      @Override
      public void append(String record) throws IOException {
        db.transaction(c -> {
          try (PreparedStatement s = Database.prepare(c, "INSERT INTO " + P + "audit (record) VALUES (?)", record)) {
            return s.executeUpdate();
          }
        });
      }

      @Override
      public List<String> last(int limit) throws IOException {
        List<String> records = db.transaction(c -> {
          List<String> out = new ArrayList<>();
          try (PreparedStatement s = Database.prepare(c, "SELECT record FROM " + P + "audit ORDER BY id DESC LIMIT ?",
              limit); ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
              out.add(rs.getString(1));
            }
          }
          return out;
        });
        Collections.reverse(records);
        return records;
      }
    };
  }

  @FunctionalInterface
  private interface Write {
    Object run() throws IOException;
  }

  private static void write(Write write) {
    try {
      write.run();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
