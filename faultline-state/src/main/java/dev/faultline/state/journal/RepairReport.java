package dev.faultline.state.journal;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What {@link Journal#repair(Path)} did.
 *
 * @param directory the journal directory
 * @param cut the damage at which the journal was truncated, with what that dropped; empty if nothing was wrong
 * @param lastSequence the last sequence after the repair
 */
public record RepairReport(Path directory, Optional<JournalDamage> cut, long lastSequence) {}
