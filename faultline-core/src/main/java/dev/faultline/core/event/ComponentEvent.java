package dev.faultline.core.event;

import java.time.Duration;
import java.time.Instant;

/** Something that happened to a supervised component or a monitored peer. {@link #source()} names the component. */
public sealed interface ComponentEvent extends FaultEvent {

  /** The component started (or started again after a restart). */
  record ComponentStarted(String source, Instant time) implements ComponentEvent {}

  /** The component failed; {@code cause} says how (an exception's summary, a failed check, a watchdog). */
  record ComponentFailed(String source, Instant time, String cause, Throwable failure) implements ComponentEvent {}

  /** The component is being restarted for the {@code restarts}-th time after {@code delay}. */
  record ComponentRestarted(String source, Instant time, int restarts, Duration delay, String cause)
      implements ComponentEvent {}

  /** The component serves again; {@code downtime} is the time since it failed (its time to recover). */
  record ComponentRecovered(String source, Instant time, Duration downtime) implements ComponentEvent {}

  /** The component stopped for good; {@code reason} says why (shutdown, escalation, restart intensity). */
  record ComponentStopped(String source, Instant time, String reason) implements ComponentEvent {}

  /** A health check of the component changed status. */
  record HealthChanged(String source, Instant time, String check, String from, String to, String detail)
      implements ComponentEvent {}

  /** A peer is suspected to have failed (for example its heartbeats stopped). */
  record PeerSuspected(String source, Instant time, String peer, double phi) implements ComponentEvent {}

  /** A replica became the active one of its group, holding lease epoch {@code epoch}. */
  record LeaderElected(String source, Instant time, String owner, long epoch) implements ComponentEvent {}
}
