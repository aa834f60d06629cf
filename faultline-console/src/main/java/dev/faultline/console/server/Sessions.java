package dev.faultline.console.server;

import dev.faultline.core.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sessions of logged-in users: a token is 256 random bits, kept only as its SHA-256 digest, and expires a fixed time
 * after login on the injected {@link Clock}. Where sessions are kept is a {@link Backend}: this process's memory (the
 * default: a restart logs everyone out), or the database shared by several console instances.
 *
 * <h2>Concurrency design</h2>
 * The backend is thread-safe and each operation here is one backend call (the memory backend: one
 * {@link ConcurrentHashMap} operation); expired sessions are removed when met or when the store grows past its bound.
 * Thread-safe.
 */
final class Sessions {
  static final String PREFIX = "fsess_";
  static final String CSRF_PREFIX = "fcsrf_";

  /**
   * A session: the user, the role at login, the expiry on this process's monotonic clock and on the wall clock, and
   * the CSRF token that cookie-authenticated changes must carry (not a credential by itself: it is only compared,
   * never accepted alone).
   */
  record Session(String user, Role role, long expiresAtNanos, long expiresAtMillis, String csrfToken) {}

  /** Where sessions are kept, by token digest. Implementations are thread-safe. */
  interface Backend {
    void put(String digest, Session session);

    /** The session, or null. */
    Session get(String digest);

    void remove(String digest, Session session);

    /** Ends the sessions of {@code user} but its {@code keep} newest (latest expiry); returns how many it ended. */
    int endOldest(String user, int keep);

    /** Removes the sessions expired at {@code nowNanos} (this process's clock) and returns how many are left. */
    int purge(long nowNanos);

    int size();
  }

  /** Sessions in this process's memory. */
  static Backend memory() {
    ConcurrentHashMap<String, Session> map = new ConcurrentHashMap<>();
    return new Backend() {
      @Override
      public void put(String digest, Session session) {
        map.put(digest, session);
      }

      @Override
      public Session get(String digest) {
        return map.get(digest);
      }

      @Override
      public void remove(String digest, Session session) {
        if (session == null) {
          map.remove(digest);
        } else {
          map.remove(digest, session);
        }
      }

      @Override
      public int endOldest(String user, int keep) {
        List<Map.Entry<String, Session>> mine = new ArrayList<>();
        for (Map.Entry<String, Session> e : map.entrySet()) {
          if (e.getValue().user().equals(user)) {
            mine.add(e);
          }
        }
        mine.sort(Comparator.comparingLong((Map.Entry<String, Session> e) -> e.getValue().expiresAtNanos())
            .reversed());
        int ended = 0;
        for (int i = keep; i < mine.size(); i++) {
          if (map.remove(mine.get(i).getKey(), mine.get(i).getValue())) {
            ended++;
          }
        }
        return ended;
      }

      @Override
      public int purge(long nowNanos) {
        map.values().removeIf(session -> nowNanos - session.expiresAtNanos() >= 0);
        return map.size();
      }

      @Override
      public int size() {
        return map.size();
      }
    };
  }

  private final Clock clock;
  private final Duration ttl;
  private final int maxSessions;
  private final int maxPerUser;
  private final Backend sessions;

  Sessions(Clock clock, Duration ttl, int maxSessions, int maxPerUser, Backend backend) {
    this.clock = clock;
    this.ttl = ttl;
    this.maxSessions = maxSessions;
    this.maxPerUser = maxPerUser;
    this.sessions = backend;
  }

  /**
   * Opens a session for {@code user} and returns its token, which is not stored. A user holds at most
   * {@code maxPerUser} sessions: the oldest end first, so that one account logging in again and again cannot fill
   * the server's sessions (and refuse everyone's logins) but only end its own.
   */
  Opened open(String user, Role role) {
    sessions.endOldest(user, maxPerUser - 1);
    if (sessions.size() >= maxSessions && sessions.purge(clock.nanoTime()) >= maxSessions) {
      throw new ApiException(503, "too-many-sessions", "the server holds its maximum of " + maxSessions
          + " sessions; try again later");
    }
    String token = Secrets.newSecret(PREFIX);
    Session session = new Session(user, role, clock.nanoTime() + ttl.toNanos(), clock.wallMillis() + ttl.toMillis(),
        Secrets.newSecret(CSRF_PREFIX));
    sessions.put(Secrets.digest(token), session);
    return new Opened(token, session);
  }

  /** A session just opened, with its token. */
  record Opened(String token, Session session) {}

  /** The live session of {@code token}, if any; an expired one is removed. */
  Optional<Session> find(String token) {
    String digest = Secrets.digest(token);
    Session session = sessions.get(digest);
    if (session == null) {
      return Optional.empty();
    }
    if (clock.nanoTime() - session.expiresAtNanos() >= 0) {
      sessions.remove(digest, session);
      return Optional.empty();
    }
    return Optional.of(session);
  }

  /** Ends the session of {@code token}. */
  void close(String token) {
    sessions.remove(Secrets.digest(token), null);
  }
}
