package dev.faultline.core.event;

import java.time.Instant;

/** A failure reported as an incident. {@link #source()} names the component that failed. */
public sealed interface IncidentEvent extends FaultEvent {

  /** An incident was reported; {@code fingerprint} groups it with others of the same cause. */
  record IncidentReported(String source, Instant time, String fingerprint, String type, String message)
      implements IncidentEvent {}
}
