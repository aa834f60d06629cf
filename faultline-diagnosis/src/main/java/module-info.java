/**
 * Locate: fault trees (Open-PSA MEF), log template mining and traceback, incidents, reliability metrics.
 */
module dev.faultline.diagnosis {
  requires transitive dev.faultline.core;
  requires java.xml;

  exports dev.faultline.diagnosis.fta;
}
