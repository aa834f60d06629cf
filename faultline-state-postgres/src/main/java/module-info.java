/**
 * Durable workflows shared by several executor nodes on PostgreSQL (leases on the database clock, takeover, epoch
 * fencing, versioned schema migrations), and a PostgreSQL lease for faultline-supervisor's failover (needs
 * faultline-supervisor, an optional dependency).
 */
module dev.faultline.state.postgres {
  requires transitive dev.faultline.state;
  requires transitive java.sql;
  requires static transitive dev.faultline.supervisor;
  requires com.zaxxer.hikari;
  requires org.postgresql.jdbc;

  exports dev.faultline.state.postgres;
  exports dev.faultline.state.postgres.lease;
}
