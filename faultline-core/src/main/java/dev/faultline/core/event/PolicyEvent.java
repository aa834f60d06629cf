package dev.faultline.core.event;

import dev.faultline.core.PolicyKind;
import dev.faultline.core.circuitbreaker.CircuitState;
import java.time.Duration;
import java.time.Instant;

/** A decision of a tolerate policy. {@link #source()} is the policy's name. */
public sealed interface PolicyEvent extends FaultEvent {

  /** The kind of policy that decided. */
  PolicyKind kind();

  /** An attempt of a call failed (counted by the policy that saw it fail: retry, breaker or hedge). */
  record AttemptFailed(String source, Instant time, PolicyKind kind, int attempt, Throwable failure, Duration elapsed)
      implements PolicyEvent {}

  /** A retry was scheduled: attempt {@code nextAttempt} will start after {@code delay}. */
  record RetryScheduled(String source, Instant time, int nextAttempt, Duration delay, Throwable lastFailure)
      implements PolicyEvent {
    @Override
    public PolicyKind kind() {
      return PolicyKind.RETRY;
    }
  }

  /** Retrying gave up after {@code attempts} attempts (attempts, duration or budget spent); {@code reason} says which. */
  record RetriesExhausted(String source, Instant time, int attempts, String reason, Throwable lastFailure)
      implements PolicyEvent {
    @Override
    public PolicyKind kind() {
      return PolicyKind.RETRY;
    }
  }

  /** Retrying stopped because an abort condition matched. */
  record RetryAborted(String source, Instant time, int attempts, Throwable failure) implements PolicyEvent {
    @Override
    public PolicyKind kind() {
      return PolicyKind.RETRY;
    }
  }

  /** A circuit breaker changed state. */
  record CircuitStateChanged(String source, Instant time, CircuitState from, CircuitState to, String reason)
      implements PolicyEvent {
    @Override
    public PolicyKind kind() {
      return PolicyKind.CIRCUIT_BREAKER;
    }
  }

  /** A policy refused to run a call; {@code reason} says why in words. */
  record CallRejected(String source, Instant time, PolicyKind kind, String reason) implements PolicyEvent {}

  /** A call exceeded its timeout. */
  record TimeoutExceeded(String source, Instant time, Duration timeout) implements PolicyEvent {
    @Override
    public PolicyKind kind() {
      return PolicyKind.TIMEOUT;
    }
  }

  /** A hedged attempt number {@code hedge} (1 for the first hedge) started {@code after} the execution began. */
  record HedgeStarted(String source, Instant time, int hedge, Duration after) implements PolicyEvent {
    @Override
    public PolicyKind kind() {
      return PolicyKind.HEDGE;
    }
  }

  /** Attempt {@code winner} (0 for the primary) of a hedged execution succeeded first; the others were cancelled. */
  record HedgeWon(String source, Instant time, int winner, Duration elapsed) implements PolicyEvent {
    @Override
    public PolicyKind kind() {
      return PolicyKind.HEDGE;
    }
  }

  /** An adaptive concurrency limit changed. */
  record LimitChanged(String source, Instant time, int from, int to) implements PolicyEvent {
    @Override
    public PolicyKind kind() {
      return PolicyKind.ADAPTIVE_LIMITER;
    }
  }

  /** A fallback replaced the outcome of a call; {@code failure} is null when a result predicate triggered it. */
  record FallbackApplied(String source, Instant time, Throwable failure) implements PolicyEvent {
    @Override
    public PolicyKind kind() {
      return PolicyKind.FALLBACK;
    }
  }
}
