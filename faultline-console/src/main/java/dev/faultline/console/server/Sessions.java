package dev.faultline.console.server;

import dev.faultline.core.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bearer-token sessions of logged-in users: a token is 256 random bits, kept only as its SHA-256 digest, and expires
 * a fixed time after login on the injected {@link Clock}.
 *
 * <h2>Concurrency design</h2>
 * {@code sessions} is a {@link ConcurrentHashMap} from token digest to an immutable {@link Session}; each operation is
 * one map operation, and expired sessions are removed when met or when the map grows past its bound. Thread-safe.
 *
 * <p>Sessions live in this process's memory: a restart logs everyone out, and several console instances do not share
 * them.
 */
final class Sessions {
  static final String PREFIX = "fsess_";
  static final String CSRF_PREFIX = "fcsrf_";

  /**
   * A session: the user, the role at login, the expiry on the clock's monotonic time, and the CSRF token that
   * cookie-authenticated changes must carry (not a credential by itself: it is only compared, never accepted alone).
   */
  record Session(String user, Role role, long expiresAtNanos, long expiresAtMillis, String csrfToken) {}

  private final Clock clock;
  private final Duration ttl;
  private final int maxSessions;
  private final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();

  Sessions(Clock clock, Duration ttl, int maxSessions) {
    this.clock = clock;
    this.ttl = ttl;
    this.maxSessions = maxSessions;
  }

  /** Opens a session for {@code user} and returns its token, which is not stored. */
  Opened open(String user, Role role) {
    if (sessions.size() >= maxSessions) {
      long now = clock.nanoTime();
      sessions.values().removeIf(session -> now - session.expiresAtNanos() >= 0);
      if (sessions.size() >= maxSessions) {
        throw new ApiException(503, "too-many-sessions", "the server holds its maximum of " + maxSessions
            + " sessions; try again later");
      }
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
    sessions.remove(Secrets.digest(token));
  }
}
