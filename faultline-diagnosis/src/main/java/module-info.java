/**
 * Locate: fault trees (Open-PSA MEF), log template mining and traceback, incidents, reliability metrics.
 */
module dev.faultline.diagnosis {
  requires transitive dev.faultline.core;
  requires transitive java.net.http;
  requires java.xml;

  exports dev.faultline.diagnosis.fta;
  exports dev.faultline.diagnosis.logs;
  exports dev.faultline.diagnosis.incident;
  exports dev.faultline.diagnosis.metrics;
  exports dev.faultline.diagnosis.model;
}
