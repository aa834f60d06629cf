/**
 * Log capture for {@code java.util.logging}: a handler keeping the recent log lines of each thread and trace, for
 * incidents to attach. JDK only.
 */
module dev.faultline.jul {
  requires transitive dev.faultline.diagnosis;
  requires transitive java.logging;

  exports dev.faultline.jul;
}
