/**
 * Detect and recover: supervision trees and restart strategies, watchdogs for hung work and deadlocks, health checks,
 * and phi-accrual heartbeat failure detection. Depends on the JDK and faultline-core only.
 */
module dev.faultline.supervisor {
  requires transitive dev.faultline.core;
  requires java.management;
  requires java.net.http;
  requires transitive java.sql;

  exports dev.faultline.supervisor;
  exports dev.faultline.supervisor.failover;
  exports dev.faultline.supervisor.health;
  exports dev.faultline.supervisor.heartbeat;
  exports dev.faultline.supervisor.recovery;
  exports dev.faultline.supervisor.watchdog;
}
