package dev.faultline.state.checkpoint;

import java.nio.file.Path;
import java.time.Instant;

/**
 * What a checkpoint's header says about it.
 *
 * @param id the checkpoint's id, {@code cp-} and a zero-padded number that grows with each checkpoint
 * @param sequence the journal sequence the snapshot covers: the state after applying every record up to it
 * @param time when the checkpoint was taken, by the store's clock
 * @param label a free text given by whoever took it (may be empty)
 * @param snapshotBytes the size of the snapshot
 * @param file the checkpoint file
 * @param keyId the id of the key its snapshot is sealed with, 0 if it is not encrypted
 */
public record CheckpointInfo(String id, long sequence, Instant time, String label, long snapshotBytes, Path file,
    int keyId) {}
