package dev.faultline.state;

import dev.faultline.state.journal.OpenReport;
import java.util.Optional;

/**
 * What a rollback did.
 *
 * @param target where it went
 * @param checkpointId the checkpoint the state was restored from (empty: the initial state)
 * @param sequence the journal sequence the state now stands at; later records were cut from the journal
 * @param replayed journal records replayed on top of the checkpoint to reach {@code sequence}
 * @param discarded journal records cut after {@code sequence}
 * @param checkpointsDeleted checkpoints deleted because they covered records after {@code sequence}
 * @param opened for an offline rollback, what opening the journal found: the first open after a crash cuts a torn
 *     tail and reads the loss window of an ASYNC session, which are reported here since no state was opened to
 *     report them (and the next open finds them gone); empty for the rollback of an open state
 */
public record RollbackResult(RollbackTarget target, Optional<String> checkpointId, long sequence, long replayed,
    long discarded, int checkpointsDeleted, Optional<OpenReport> opened) {}
