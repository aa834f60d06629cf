package dev.faultline.core.event;

/**
 * Receives {@link FaultEvent}s.
 *
 * <p>Rules for listeners: be fast (events are delivered in the thread that made the decision, often on a call's hot
 * path); take no lock that a policy's caller may hold; never throw — an exception thrown by a listener is caught and
 * dropped so that it cannot change the outcome of a call, and the listener loses that event only.
 */
@FunctionalInterface
public interface FaultEventListener {

  /** Called once per event. */
  void onEvent(FaultEvent event);
}
