package dev.faultline.core.event;

import java.time.Instant;

/**
 * Something that happened to a part of a service that matters for its reliability: the one vocabulary in which every
 * Faultline module reports what it does. Metrics (failure rate, MTTR, availability, data loss), incident timelines and
 * the console are all derived from this stream.
 *
 * <p>The family is sealed and grouped by the part that publishes it:
 * <ul>
 *   <li>{@link PolicyEvent} — decisions of the tolerate policies (attempt failed, retry scheduled, breaker state
 *       changed, call rejected, timeout, hedge started or won, limit changed, fallback applied);
 *   <li>{@link ComponentEvent} — components failing, restarting, recovering, changing health, peers suspected;
 *   <li>{@link StateEvent} — checkpoints written, state recovered or rolled back, data lost;
 *   <li>{@link WorkflowEvent} — durable workflows starting, stepping, resuming, compensating, being taken over;
 *   <li>{@link IncidentEvent} — failures reported as incidents.
 * </ul>
 *
 * <p><b>Pairing.</b> For one execution of a policy: every {@code RetryScheduled} follows an {@code AttemptFailed} of
 * the same attempt; an execution that gives up ends with exactly one {@code RetriesExhausted} or {@code RetryAborted};
 * a {@code HedgeWon} follows the {@code HedgeStarted} of the hedge that won (hedge 0, the primary, is never "started").
 * A {@code CircuitStateChanged} is published once per transition, in transition order.
 *
 * <p>Events are immutable values. They are delivered to each {@link FaultEventListener} synchronously, in the thread
 * that made the decision, outside any lock of the publisher.
 */
public sealed interface FaultEvent permits PolicyEvent, ComponentEvent, StateEvent, WorkflowEvent, IncidentEvent {

  /** The name of what published the event: a policy, a component, a journal, a workflow executor. */
  String source();

  /** When it happened, by the publisher's clock. */
  Instant time();
}
