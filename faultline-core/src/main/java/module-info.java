/**
 * Faultline's policies and the event vocabulary. Depends on the JDK only.
 */
@SuppressWarnings("module") // the qualified export names modules built after this one
module dev.faultline.core {
  exports dev.faultline.core;
  exports dev.faultline.core.event;
  exports dev.faultline.core.testing;
  exports dev.faultline.core.circuitbreaker;
  // Validate, Events and Exceptions, shared with Faultline modules only (never with users).
  exports dev.faultline.core.internal to dev.faultline.state;
}
