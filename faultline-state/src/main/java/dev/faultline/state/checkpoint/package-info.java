/**
 * Checkpoints: snapshots of state written atomically and checksummed, tied to the journal sequence they cover.
 * {@link dev.faultline.state.checkpoint.CheckpointStore} is the entry point.
 */
package dev.faultline.state.checkpoint;
