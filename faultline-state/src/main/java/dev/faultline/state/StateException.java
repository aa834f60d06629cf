package dev.faultline.state;

import dev.faultline.core.FaultlineException;

/**
 * Recoverable state could not be recovered, replayed or rolled back. {@link #code()}: {@code state-unrecoverable}
 * (no checkpoint and journal range can rebuild the state), {@code state-replay-failed} (an event of the journal could
 * not be decoded or applied), {@code state-rollback-invalid} (the rollback target does not exist or cannot be reached),
 * {@code state-closed}, {@code state-failed} (the journal failed to write an event after the state machine applied it:
 * the state in memory may hold that change, so no checkpoint is written until the state is opened again),
 * {@code state-crypto} (a checkpoint the recovery needs, or from {@link RecoverableState#readOffline} also a journal
 * segment, cannot be decrypted with the key provider given, or without one; the message names it and why); from
 * {@link RecoverableState#readOffline}: {@code state-missing} (no journal), {@code state-corrupted} (valid records
 * follow damage in the journal).
 */
public final class StateException extends FaultlineException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception. */
  public StateException(String code, String message) {
    super(code, message);
  }

  /** Creates the exception with a cause. */
  public StateException(String code, String message, Throwable cause) {
    super(code, message, cause);
  }
}
