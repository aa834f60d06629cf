/**
 * Micrometer meter binders for Faultline: the policies' metrics, the reliability metrics and SLO error budgets.
 */
@SuppressWarnings("requires-transitive-automatic") // Micrometer core is an automatic module (no module-info).
module dev.faultline.micrometer {
  requires transitive dev.faultline.diagnosis;
  requires transitive micrometer.core;

  exports dev.faultline.micrometer;
}
