/**
 * Log capture for Logback: an appender keeping the recent log lines of each thread and trace, for incidents to attach.
 */
module dev.faultline.logback {
  requires transitive dev.faultline.diagnosis;
  requires transitive ch.qos.logback.classic;
  requires transitive ch.qos.logback.core;
  requires org.slf4j;

  exports dev.faultline.logback;
}
