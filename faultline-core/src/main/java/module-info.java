/**
 * Faultline's policies and the event vocabulary. Depends on the JDK only.
 */
@SuppressWarnings("module") // the qualified export names modules built after this one
module dev.faultline.core {
  exports dev.faultline.core;
  exports dev.faultline.core.event;
  exports dev.faultline.core.testing;
  exports dev.faultline.core.bulkhead;
  exports dev.faultline.core.circuitbreaker;
  exports dev.faultline.core.fallback;
  exports dev.faultline.core.hedge;
  exports dev.faultline.core.limit;
  exports dev.faultline.core.ratelimiter;
  exports dev.faultline.core.registry;
  exports dev.faultline.core.retry;
  exports dev.faultline.core.timeout;
  // Validate, Events and Exceptions, shared with Faultline modules only (never with users).
  exports dev.faultline.core.internal to dev.faultline.state, dev.faultline.supervisor, dev.faultline.diagnosis,
      dev.faultline.state.postgres;
}
