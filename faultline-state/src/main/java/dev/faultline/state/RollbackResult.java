package dev.faultline.state;

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
 */
public record RollbackResult(RollbackTarget target, Optional<String> checkpointId, long sequence, long replayed,
    long discarded, int checkpointsDeleted) {}
