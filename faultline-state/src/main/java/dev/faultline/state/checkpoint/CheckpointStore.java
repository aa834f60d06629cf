package dev.faultline.state.checkpoint;

import dev.faultline.core.Clock;
import dev.faultline.core.internal.Validate;
import dev.faultline.state.crypto.KeyProvider;
import dev.faultline.state.io.StorageIo;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.function.Predicate;

/**
 * Checkpoints of state kept as files in a directory: each written atomically, checksummed, tied to a journal sequence.
 *
 * <h2>Writing</h2>
 * A checkpoint is written to {@code <id>.checkpoint.tmp}, forced, renamed to {@code <id>.checkpoint} and then the
 * directory is forced: after a crash a checkpoint is either complete or absent. Leftover temporary files are removed
 * when the store opens. After each write the oldest checkpoints beyond {@code keep} are deleted.
 *
 * <h2>File format (versions 1 and 2, big-endian)</h2>
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                    Magic 0x464C4350 "FLCP"                    |
 *  +---------------------------------------------------------------+
 *  |        Format version (1: plain or unbound, 2: bound)         |
 *  +---------------------------------------------------------------+
 *  |                   Key id (0: not encrypted)                   |
 *  +---------------------------------------------------------------+
 *  |                          Reserved (0)                         |
 *  +---------------------------------------------------------------+
 *  |                   Checkpoint number (64 bits)                 |
 *  +---------------------------------------------------------------+
 *  |                Journal sequence covered (64 bits)             |
 *  +---------------------------------------------------------------+
 *  |              Time, epoch milliseconds (64 bits)               |
 *  +---------------------------------------------------------------+
 *  |                    Label length L (bytes)                     |
 *  +---------------------------------------------------------------+
 *  |                Snapshot length S (64 bits)                    |
 *  +---------------------------------------------------------------+
 *  |                CRC32C of header bytes 0 to 51                 |
 *  +===============================================================+
 *  |                    Label (L bytes, UTF-8)                    ...
 *  +---------------------------------------------------------------+
 *  |     Snapshot (S bytes; encrypted: nonce, ciphertext, tag)    ...
 *  +---------------------------------------------------------------+
 *  |           CRC32C of every byte before this field              |
 *  +---------------------------------------------------------------+
 * </pre>
 * (Each 64-bit field takes two rows of the drawing's width; they are drawn as one for brevity.) With a key id, the
 * snapshot is sealed with AES-256-GCM (12-byte nonce, 16-byte tag); the label is not encrypted. What is authenticated
 * with it depends on the version: in version 2, written for every new encrypted snapshot, {@code "FLCP" (4 bytes) ||
 * directory identity (16) || number || sequence || time (8 each)}, so a checkpoint copied from another directory does
 * not decrypt; in version 1 (encrypted before directory identities, still read) the number, sequence and time alone.
 * Plain snapshots are still written as version 1; version 2 with key id 0 is damage.
 *
 * <h2>Directory identity</h2>
 * {@code directory.id} holds the directory's identity (magic {@code "FLID"}, version 2, 16 random bytes, the highest
 * journal sequence and the highest checkpoint number that version-1 sealed files may hold (-1: none), CRC32C; drawn
 * in the internal class {@code DirectoryIdentity}). A store opened for writing with a key provider makes it if it is
 * missing and no version-2 checkpoint (nor encrypted version-2 journal segment) is there, recording how far the
 * version-1 sealed checkpoints and journal segments in the directory reach (a directory written before identities
 * keeps reading them); if it is damaged, or missing beside such a file, opening fails with
 * {@code checkpoint-crypto} and changes nothing. A version-1 sealed checkpoint numbered past the recorded reach was
 * put there later (perhaps copied from another directory under the same key) and is refused as
 * {@code checkpoint-crypto}: reported by {@link #problems()}, skipped by {@link #latestValid()}, left out of
 * {@link #list()} (so retention and {@link #deleteAfter} leave it in place). An identity file of version 1 (from the
 * previous release) is still read and never rewritten; it records no reach, so there version-1 sealed checkpoints of
 * any number are accepted.
 * A read-only store never creates it; version-2 snapshots it cannot authenticate are reported as
 * {@code checkpoint-crypto}. The journal of {@code RecoverableState} lives in the same directory and uses the same
 * file: one identity names the directory, and the associated data of records and snapshots differ in tag and length.
 *
 * <h2>Ids</h2>
 * A checkpoint's id is {@code cp-} and its number, zero-padded to 12 digits; numbers grow by one with each checkpoint
 * and are <b>never reused</b>, not even after a rollback deleted the newest checkpoints: before a deletion removes the
 * highest-numbered checkpoint file, the highest number issued is recorded, atomically like a checkpoint, in
 * {@code checkpoints.highest}, and opening continues after the larger of it and the highest file. An id therefore
 * always names the same snapshot. Its format (big-endian): magic {@code 0x464C4348 "FLCH"} (4 bytes), format version
 * 1 (4), the highest number issued (8), CRC32C of the 16 bytes before (4). A damaged one makes opening fail with
 * {@code checkpoint-corrupt} (read-only stores ignore it).
 *
 * <h2>Damage</h2>
 * A checkpoint whose size, header or checksum is wrong is never used: {@link #latestValid()} and the other selections
 * skip it in favour of the previous one and report it in {@link CheckpointSelection#skipped()} (and the log).
 *
 * <p>Thread-safe. One store should write to a directory at a time; {@code RecoverableState} guarantees this by holding
 * the journal's lock on the same directory.
 */
public interface CheckpointStore {

  /** A builder for a store in {@code directory} (created if missing). */
  static Builder builder(Path directory) {
    return new Builder(directory);
  }

  /** Opens a store in {@code directory} with the defaults. */
  static CheckpointStore open(Path directory) {
    return builder(directory).open();
  }

  /**
   * Writes a checkpoint of {@code snapshot} covering the journal up to {@code sequence}, atomically and durably, then
   * applies retention.
   *
   * @return the new checkpoint's header
   * @throws CheckpointException {@code checkpoint-io} if it could not be written (nothing is left behind)
   */
  CheckpointInfo write(long sequence, String label, byte[] snapshot);

  /** Every checkpoint whose header is valid, oldest first. Damaged headers are logged and left out. */
  List<CheckpointInfo> list();

  /**
   * Every checkpoint file whose header or checksum is damaged (reads every file in full). With a key provider,
   * encrypted snapshots are also opened, and one that does not (wrong key, tampered bytes) is a problem too; without
   * one, their checksum alone is checked.
   *
   * @throws CheckpointException {@code checkpoint-crypto} if the key provider does not have a checkpoint's key
   */
  List<CheckpointProblem> problems();

  /**
   * Reads checkpoint {@code id} in full and checks it.
   *
   * @throws CheckpointException {@code checkpoint-not-found}, {@code checkpoint-corrupt}, {@code checkpoint-invalid-id}
   */
  Checkpoint load(String id);

  /** The newest checkpoint that passes every check, skipping (and reporting) damaged newer ones. */
  CheckpointSelection latestValid();

  /** The newest valid checkpoint that matches {@code filter}, skipping (and reporting) damaged candidates. */
  CheckpointSelection latestValid(Predicate<CheckpointInfo> filter);

  /** The newest valid checkpoint covering at most {@code sequence}. */
  default CheckpointSelection latestAtOrBefore(long sequence) {
    return latestValid(info -> info.sequence() <= sequence);
  }

  /** The newest valid checkpoint taken at or before {@code time}. */
  default CheckpointSelection latestAtOrBefore(Instant time) {
    return latestValid(info -> !info.time().isAfter(time));
  }

  /** Deletes checkpoint {@code id} durably; returns whether it existed. */
  boolean delete(String id);

  /**
   * Deletes, durably, every checkpoint covering more than {@code sequence} (for a rollback).
   *
   * @return how many were deleted
   */
  int deleteAfter(long sequence);

  /** Deletes all but the newest {@code keep} checkpoints; returns how many were deleted. */
  int retain(int keep);

  /** The directory of the store. */
  Path directory();

  /** Configures and opens a {@link CheckpointStore}. Not thread-safe. */
  final class Builder {
    final Path directory;
    StorageIo storage = StorageIo.system();
    Clock clock = Clock.system();
    int keep = 3;
    boolean readOnly;
    KeyProvider keyProvider;
    boolean requireEncryption;

    Builder(Path directory) {
      this.directory = Validate.notNull("directory", directory);
    }

    /** The file system seam; {@link StorageIo#system()} by default. */
    public Builder storage(StorageIo storage) {
      this.storage = storage;
      return this;
    }

    /** The clock that stamps checkpoints; {@link Clock#system()} by default. */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** How many checkpoints to keep after each write; 3 by default, at least 1. */
    public Builder keep(int keep) {
      this.keep = keep;
      return this;
    }

    /**
     * Encrypts snapshots at rest with AES-256-GCM under the provider's current key (none by default); the key id is
     * written in the header, and the label stays readable. Reading an encrypted checkpoint needs the provider.
     */
    public Builder keyProvider(KeyProvider keyProvider) {
      this.keyProvider = keyProvider;
      return this;
    }

    /**
     * Refuses a checkpoint whose snapshot is not encrypted (key id 0 in its header) instead of reading it as plain:
     * {@link #latestValid()} skips and reports it, {@link #load} fails with {@code checkpoint-crypto} naming its file.
     * Without this, someone who can write the directory could put a forged plain checkpoint in place of encrypted
     * ones. Off by default, so that checkpoints written before encryption was turned on stay readable; turn it on once
     * none is left. Needs a {@link #keyProvider}.
     */
    public Builder requireEncryption(boolean require) {
      this.requireEncryption = require;
      return this;
    }

    /**
     * Opens the store for reading only, for tools inspecting a directory that another process may own: the directory
     * must exist, nothing is created or removed, and writing or deleting fails with code {@code checkpoint-read-only}.
     */
    public Builder readOnly() {
      this.readOnly = true;
      return this;
    }

    /**
     * Validates the settings, creates the directory and removes leftover temporary files (unless read-only).
     *
     * @throws dev.faultline.core.ConfigurationException if a setting is invalid
     * @throws CheckpointException {@code checkpoint-io} if the directory cannot be prepared
     */
    public CheckpointStore open() {
      Validate.notNull("storage", storage);
      Validate.notNull("clock", clock);
      Validate.atLeast("keep", keep, 1);
      if (requireEncryption && keyProvider == null) {
        throw new dev.faultline.core.ConfigurationException("requireEncryption", "be set only together with a"
            + " keyProvider", true);
      }
      return FileCheckpointStore.open(this);
    }
  }
}
