package dev.faultline.state;

/**
 * What executing a {@link RecoveryPlan} did.
 *
 * @param plan the plan
 * @param replayed the journal records replayed
 * @param discarded the records of a torn journal tail that could not be recovered (an estimate, see
 *     {@link dev.faultline.state.journal.JournalDamage#droppedRecords()})
 */
public record RecoveryResult(RecoveryPlan plan, long replayed, long discarded) {}
