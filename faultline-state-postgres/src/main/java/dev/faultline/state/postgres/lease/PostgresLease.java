package dev.faultline.state.postgres.lease;

import dev.faultline.core.internal.Validate;
import dev.faultline.state.postgres.SchemaMigrator;
import dev.faultline.state.postgres.internal.Connections;
import dev.faultline.supervisor.failover.Lease;
import dev.faultline.supervisor.failover.LeaseGrant;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * A {@link Lease} kept as one row of {@code <schema>.leases} (created by {@link SchemaMigrator}, migration 2), so that
 * replicas on different machines can share it through PostgreSQL:
 * <pre>
 *   name text PRIMARY KEY, owner text, epoch bigint (the fencing token), expires_at timestamptz (database clock)
 * </pre>
 * Every operation is one statement. {@link #tryAcquire} is an {@code INSERT ... ON CONFLICT DO UPDATE ... WHERE}
 * that takes the row if it is free, expired or already ours, so it is atomic across every process (the row lock
 * orders concurrent attempts); expiry is computed with the database's {@code now()}, so the replicas' clocks never
 * decide who holds the lease. The epoch rises by one whenever the lease changes hands (or its holder let it
 * expire), exactly as {@link dev.faultline.supervisor.failover.FileLease} does; hand it to resources as the fencing
 * token ({@link dev.faultline.supervisor.failover.Fence}). No advisory locks.
 *
 * <p>{@link LeaseGrant#expiresAtMillis()} is the database's expiry time in epoch milliseconds.
 *
 * <p>Thread-safe (each call borrows its own connection, in auto-commit mode whatever the pool's default). Database
 * failures surface as {@link IOException}s, which
 * {@link dev.faultline.supervisor.failover.Replica} treats as a failed renewal.
 */
public final class PostgresLease implements Lease {
  private static final int MAX_OWNER_CHARS = 1024;

  private final DataSource dataSource;
  private final String name;
  private final String acquire;
  private final String release;
  private final String current;

  /**
   * The lease {@code name} in {@code schema} (which must have been migrated by {@link SchemaMigrator#migrate}) of
   * the database behind {@code dataSource}.
   */
  public PostgresLease(DataSource dataSource, String schema, String name) {
    this.dataSource = Validate.notNull("dataSource", dataSource);
    this.name = Validate.notBlank("name", name);
    Validate.notBlank("schema", schema);
    if (!schema.matches("[a-z_][a-z0-9_]{0,62}")) {
      throw new dev.faultline.core.ConfigurationException("schema", "be a lower-case SQL identifier", schema);
    }
    String table = schema + ".leases";
    acquire = "INSERT INTO " + table + " AS l (name, owner, epoch, expires_at) VALUES (?, ?, 1, now() + ? * interval"
        + " '1 millisecond') ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at,"
        + " epoch = CASE WHEN l.owner = EXCLUDED.owner AND l.expires_at > now() THEN l.epoch ELSE l.epoch + 1 END"
        + " WHERE l.owner = EXCLUDED.owner OR l.expires_at <= now()"
        + " RETURNING owner, epoch, (extract(epoch FROM expires_at) * 1000)::bigint";
    release = "UPDATE " + table + " SET expires_at = now() WHERE name = ? AND owner = ? AND epoch = ?"
        + " AND expires_at > now()";
    current = "SELECT owner, epoch, (extract(epoch FROM expires_at) * 1000)::bigint FROM " + table
        + " WHERE name = ? AND expires_at > now()";
  }

  /** The lease's name (its row's key). */
  public String name() {
    return name;
  }

  @Override
  public Optional<LeaseGrant> tryAcquire(String owner, Duration ttl) throws IOException {
    Validate.notBlank("owner", owner);
    Validate.positive("ttl", ttl);
    if (owner.length() > MAX_OWNER_CHARS) {
      throw new dev.faultline.core.ConfigurationException("owner", "be at most " + MAX_OWNER_CHARS + " characters",
          owner.length() + " characters");
    }
    try (Connection c = Connections.autoCommitting(dataSource); PreparedStatement p = c.prepareStatement(acquire)) {
      p.setString(1, name);
      p.setString(2, owner);
      p.setLong(3, ceilMillis(ttl));
      try (ResultSet rs = p.executeQuery()) {
        return rs.next() ? Optional.of(new LeaseGrant(rs.getString(1), rs.getLong(2), rs.getLong(3)))
            : Optional.empty();
      }
    } catch (SQLException e) {
      throw failure("acquire", e);
    }
  }

  @Override
  public void release(LeaseGrant grant) throws IOException {
    Validate.notNull("grant", grant);
    try (Connection c = Connections.autoCommitting(dataSource); PreparedStatement p = c.prepareStatement(release)) {
      p.setString(1, name);
      p.setString(2, grant.owner());
      p.setLong(3, grant.epoch());
      p.executeUpdate();
    } catch (SQLException e) {
      throw failure("release", e);
    }
  }

  @Override
  public Optional<LeaseGrant> current() throws IOException {
    try (Connection c = Connections.autoCommitting(dataSource); PreparedStatement p = c.prepareStatement(current)) {
      p.setString(1, name);
      try (ResultSet rs = p.executeQuery()) {
        return rs.next() ? Optional.of(new LeaseGrant(rs.getString(1), rs.getLong(2), rs.getLong(3)))
            : Optional.empty();
      }
    } catch (SQLException e) {
      throw failure("read", e);
    }
  }

  /**
   * {@code ttl} in whole milliseconds, rounded up: a {@link dev.faultline.supervisor.failover.Replica} counts the lease
   * valid for the exact ttl on its own clock, so the database's expiry must not come earlier (rounded down, a ttl
   * under 1 ms expired at once and another replica could take the lease while the holder still counted it valid).
   */
  static long ceilMillis(Duration ttl) {
    long millis = ttl.toMillis();
    return ttl.getNano() % 1_000_000 == 0 || millis == Long.MAX_VALUE ? millis : millis + 1;
  }

  /**
   * A connection of the data source in auto-commit mode, so that each statement commits on its own: a pool configured
   * without auto-commit would otherwise roll a grant (or release) back when the connection returns to it, after
   * {@link #tryAcquire} had reported the lease held.
   */
  private IOException failure(String what, SQLException e) {
    return new IOException("could not " + what + " lease " + name + " in PostgreSQL: " + e.getMessage(), e);
  }

  @Override
  public String toString() {
    return "PostgresLease[" + name + "]";
  }
}
