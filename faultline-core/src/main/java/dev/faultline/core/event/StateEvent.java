package dev.faultline.core.event;

import java.time.Instant;

/** Something that happened to durable state. {@link #source()} names the store or state machine. */
public sealed interface StateEvent extends FaultEvent {

  /** A checkpoint was written, covering the journal up to {@code sequence}. */
  record CheckpointWritten(String source, Instant time, String checkpointId, long sequence) implements StateEvent {}

  /**
   * State was recovered from checkpoint {@code checkpointId} (null: none) by replaying {@code replayed} records;
   * {@code discarded} records (a torn tail) could not be recovered.
   */
  record StateRecovered(String source, Instant time, String checkpointId, long replayed, long discarded)
      implements StateEvent {}

  /** State was rolled back to {@code target}; {@code discarded} records after it no longer count. */
  record StateRolledBack(String source, Instant time, String target, long discarded) implements StateEvent {}

  /** Records were lost ({@code records}, possibly an upper bound) for {@code reason}. */
  record DataLost(String source, Instant time, long records, String reason) implements StateEvent {}
}
