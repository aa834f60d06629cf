package dev.faultline.state.postgres.internal;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/** Connections borrowed the way every part of this module needs them. Not exported by the module. */
public final class Connections {
  private Connections() {}

  /**
   * A connection of {@code dataSource} in auto-commit mode, whatever the pool's default: every statement of this
   * module commits by itself or runs in a transaction it commits explicitly, and on a pool that hands out connections
   * without auto-commit its writes would otherwise be rolled back when the connection goes back (lost, silently).
   */
  public static Connection autoCommitting(DataSource dataSource) throws SQLException {
    Connection c = dataSource.getConnection();
    try {
      if (!c.getAutoCommit()) {
        c.setAutoCommit(true);
      }
      return c;
    } catch (SQLException | RuntimeException e) {
      c.close();
      throw e;
    }
  }
}
