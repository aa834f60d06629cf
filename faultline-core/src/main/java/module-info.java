/**
 * Faultline's policies and the event vocabulary. Depends on the JDK only.
 */
module dev.faultline.core {
  exports dev.faultline.core;
  exports dev.faultline.core.event;
  exports dev.faultline.core.testing;
  exports dev.faultline.core.circuitbreaker;
  exports dev.faultline.core.registry;
}
