package dev.faultline.state.journal;

import dev.faultline.state.crypto.KeyProvider;
import dev.faultline.state.io.StorageIo;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A durable, append-only log of records kept in one directory: records get consecutive sequences starting at 1, are
 * checksummed, survive {@code kill -9} and (in {@link Durability#SYNC}, the default) power loss, and are read back in
 * order from any retained sequence.
 *
 * <h2>Directory</h2>
 * <pre>
 *   journal.lock                      exclusive lock of the open journal (a second opener gets "journal-locked")
 *   00000000000000000001.journal      segment: records 1 .. 4711
 *   00000000000000004712.journal      segment named by its first sequence, zero-padded to 20 digits
 *   force-failed                      left by a failed force: the last durable sequence (see Failure)
 *   async-session                     present while an ASYNC session is open (its window, for loss reports;
 *                                     a session opened after an unclean one records the larger of both windows)
 *   directory.id                      the directory's identity, which encrypted records authenticate (with a key)
 * </pre>
 * A segment is closed ("rolled") when the next record would take it past {@code segmentSize}; the old segment is
 * forced first, then the new one is created, its header forced, and the directory forced, so a segment never appears
 * after a crash unless every segment before it is complete.
 *
 * <h2>Segment format (versions 1 and 2, big-endian)</h2>
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                    Magic 0x464C4A4C "FLJL"                    |  file header, 32 bytes
 *  +---------------------------------------------------------------+
 *  |        Format version (1: plain or unbound, 2: bound)         |
 *  +---------------------------------------------------------------+
 *  |                 First sequence of the segment                 |
 *  |                        (64 bits, = name)                      |
 *  +---------------------------------------------------------------+
 *  |                   Key id (0: not encrypted)                   |
 *  +---------------------------------------------------------------+
 *  |                          Reserved (0)                         |
 *  +---------------------------------------------------------------+
 *  |                          Reserved (0)                         |
 *  +---------------------------------------------------------------+
 *  |                CRC32C of header bytes 0 to 27                 |
 *  +===============================================================+
 *  |                     Payload length L (bytes)                  |  record frame, 16 + L bytes,
 *  +---------------------------------------------------------------+  repeated to the end of the file
 *  |     CRC32C of the length, the sequence and the payload        |
 *  +---------------------------------------------------------------+
 *  |                        Sequence (64 bits)                     |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                        Payload (L bytes)                     ...
 * ...                                                              |
 *  +---------------------------------------------------------------+
 * </pre>
 * Frames are packed without padding; sequences within and across segments are consecutive. While a segment is
 * appended to, its writer keeps the file zero-filled for up to 1 MiB (within {@code segmentSize}) ahead of the last
 * frame, so that a force overwrites blocks the file already has instead of growing it (cheaper: no file-system
 * metadata to commit); rolling the segment or closing the journal cuts the zeros off, and a disk without room for them
 * only makes the segment go without (the records' own writes decide whether the journal stops). Zeros from where the
 * frames stop to the end of a file are therefore the end of the data, never damage: a frame never starts with zeros,
 * its sequence being at least 1. (A write torn so that only zeros reached the disk, such as the first bytes of a
 * length, leaves nothing to report either: no complete record was there.) Version 1 files written before this was
 * done have no such zeros and read the same. In a segment whose key id is not 0 (see
 * {@link JournalBuilder#keyProvider}), each payload is stored sealed with AES-256-GCM as
 * {@code nonce (12 bytes) || ciphertext || tag (16 bytes)}; the CRC32C covers the sealed bytes, so torn tails are
 * found without the key. The associated data depends on the version: in version 2, which is written for every new
 * encrypted segment, it is {@code "FLJL" (4 bytes) || directory identity (16) || sequence (8)}, so a segment copied
 * from another directory does not decrypt; in version 1 (encrypted segments written before directory identities) it
 * is the sequence alone, and such segments stay readable but are never appended to again (appends go on in a new
 * version-2 segment). Plain segments are still written as version 1, their format being unchanged; version 2 with key
 * id 0 is refused. The identity ({@code directory.id}, drawn in the internal class {@code DirectoryIdentity}: magic
 * {@code "FLID"}, version 2, 16 random bytes, the highest sequence and checkpoint number version-1 sealed files may
 * hold (-1: none), CRC32C) is made when the journal is first opened for writing with a key provider, before any
 * version-2 segment, recording how far the version-1 sealed segments and checkpoints then in the directory reach
 * (they stay readable). Opening and reading refuse with {@code journal-crypto}, changing nothing, a version-1 sealed
 * segment holding a sequence past that reach: it was put there later (perhaps copied from another directory under
 * the same key). An identity file of version 1 (from the previous release, which recorded no reach) is still read
 * and never rewritten; there version-1 sealed segments are only refused after a version-2 one. The identity is never
 * replaced: if it is damaged, or missing while a version-2 segment
 * exists, opening and reading fail with {@code journal-crypto} and change nothing (restore it from a backup; a new one
 * would leave the records unreadable); opening for writing fails so too while an encrypted version-2 checkpoint is in
 * the directory (the checkpoints of {@code RecoverableState} share the identity). Read-only access ({@link #verify},
 * {@link #readOnly}) never creates it.
 * Opening refuses plain segments holding records with {@link JournalBuilder#requireEncryption}, and a plain segment
 * after an encrypted one always.
 *
 * <h2>Opening and damage</h2>
 * Opening scans every segment and checks every header and frame (length in range, CRC32C, the expected sequence).
 * Where the valid records stop early (before the end of the file, or before its final zeros), what follows decides:
 * if no valid frame follows the damage, it is a <b>torn tail</b> (a write a crash interrupted) and is cut off, logged,
 * published as
 * {@link dev.faultline.core.event.StateEvent.DataLost} and reported in {@link #openReport()}; if valid frames follow,
 * it is <b>corruption</b> and opening fails with a {@link JournalCorruptedException} naming segment and offset; so it
 * is, valid frames or not, if a newer segment file follows the damaged one or the damaged file's name does not
 * continue the segment before it (a roll never leaves either: see above);
 * {@link #repair(Path)} then truncates there and reports what it dropped. {@link #verify(Path)} checks without
 * changing anything. A file named like a segment whose first bytes are neither the magic nor the zeros a crash while
 * creating it leaves is not cut as a torn tail: it is not a segment, so opening fails with {@code journal-format}
 * naming it and changes nothing. Repair refuses so too, rather than delete data it does not know, for such a file
 * that holds no valid frame (a segment whose header a bit flip damaged still holds its records), whether the repair
 * would cut it or delete it as a later segment: move the file out of the directory and repair again.
 *
 * <h2>Failure</h2>
 * An I/O error on a write or a force (disk full, EIO) stops the journal: that append and every later one fail with
 * code {@code journal-failed} and the original error as cause. A failed force is never retried, because after a
 * failed fsync the kernel may have dropped the dirty pages and a second fsync would wrongly succeed. Records that were
 * durable before the failure stay readable; reopening cuts off whatever the failure left half-written. A force that
 * the journal issues on a timer (the {@code ASYNC} force timer, or that of {@link #commitLater} in {@code SYNC}) has no
 * caller to report to, so when it fails every later call that would acknowledge or force a record not yet durable
 * ({@link #commit}, {@link #commitLater}, {@link #force}, {@link #awaitDurable}) fails with {@code journal-failed} as
 * appends do, {@link #close} does too while committed records are not durable, and the journal publishes
 * {@link dev.faultline.core.event.StateEvent.DataLost} counting them. No force succeeds after a failed one (a later
 * fsync may succeed without the pages the failed one lost). After a failed force the operating system may have marked
 * the pages it could not write clean, so a journal reopened before the machine restarts would read those records
 * back from memory and count them as durable though the disk may not hold them; so the failed force leaves the file
 * {@code force-failed} naming the last durable sequence, and the next open cuts off the records after it (none was
 * acknowledged as durable; in {@code ASYNC} they are within the reported loss window), reported as a torn tail, then
 * removes the file. The read-only tools see what that open keeps: {@link #verify} reports the marker
 * ({@link VerifyReport#failedForce}: the durable sequence and how many records the open cuts), and {@link #readOnly}
 * ends at the durable sequence, as {@code RecoverableState.readOffline} does. If even that file cannot be written,
 * this is logged, and a reopen before a restart may keep those records. An unreadable {@code force-failed} file makes
 * opening fail with {@code journal-format}, changing nothing; {@link #verify} reports it as such
 * ({@link VerifyReport#corrupt}) and {@link #readOnly} refuses it as opening does. An interrupt
 * delivered to an appending thread is held back during its I/O, but one that arrives inside the system call closes
 * the channel (as {@link java.nio.channels.FileChannel} does) and also stops the journal.
 *
 * <h2>Reading</h2>
 * Cursors see committed records: in {@code SYNC} those forced to disk, in {@code ASYNC} those written to the operating
 * system. {@link JournalCursor#awaitNext()} blocks for the next one, which makes a cursor a tailer.
 *
 * <p>Thread-safe.
 */
public interface Journal extends AutoCloseable {

  /** A builder for a journal in {@code directory} (created if missing). */
  static JournalBuilder builder(Path directory) {
    return new JournalBuilder(directory);
  }

  /** Opens the journal in {@code directory} with the defaults ({@link Durability#SYNC}). */
  static Journal open(Path directory) {
    return builder(directory).open();
  }

  /**
   * Checks every segment and record of the journal in {@code directory} without changing anything and without taking
   * its lock (so a live journal's newest records may show as a torn tail). A marker that a failed force left is
   * reported, not applied: the report's records are the valid ones the files hold, and
   * {@link VerifyReport#failedForce} says how many of them the next open cuts (a marker naming no durable sequence,
   * which opening refuses, is reported there too, and makes the report {@link VerifyReport#corrupt corrupt}).
   *
   * @throws JournalException {@code journal-io} if the directory cannot be read, {@code journal-format} for a segment
   *     of an unsupported format version
   */
  static VerifyReport verify(Path directory) {
    return verify(directory, StorageIo.system());
  }

  /** As {@link #verify(Path)}, through {@code storage}. */
  static VerifyReport verify(Path directory, StorageIo storage) {
    return SegmentedJournal.verify(directory, storage);
  }

  /**
   * A read-only cursor over the journal in {@code directory} from {@code fromSequence}, for tools: it takes no lock,
   * changes nothing, and ends where the records valid at the time of the call end (before any damage) or, where a
   * failed force left its marker ({@code force-failed}, see "Failure"), at the durable sequence the marker names: the
   * records after it, which the next open cuts, are not read (as {@code RecoverableState.readOffline} leaves them
   * out), so {@code fromSequence} may be at most one past it. Close it.
   *
   * @throws JournalException {@code journal-io}; {@code journal-format} for a segment of an unsupported format
   *     version, or for a marker of a failed force that names no durable sequence (naming it; opening refuses it
   *     too); {@code sequence-out-of-range}
   */
  static JournalCursor readOnly(Path directory, long fromSequence) {
    return readOnly(directory, fromSequence, StorageIo.system());
  }

  /** As {@link #readOnly(Path, long)}, through {@code storage}. */
  static JournalCursor readOnly(Path directory, long fromSequence, StorageIo storage) {
    return SnapshotCursor.open(directory, storage, fromSequence, null, false);
  }

  /**
   * As {@link #readOnly(Path, long)}, through {@code storage}, decrypting with {@code keyProvider}.
   *
   * @throws JournalException {@code journal-crypto} if a segment needs a key the provider does not have
   */
  static JournalCursor readOnly(Path directory, long fromSequence, StorageIo storage, KeyProvider keyProvider) {
    return SnapshotCursor.open(directory, storage, fromSequence, keyProvider, false);
  }

  /**
   * Truncates the journal in {@code directory} where its valid records stop (torn tail or corruption), removing later
   * segments, and reports what was dropped. Takes the journal's lock for the duration. Removes only what it knows to
   * be this journal's: a file named like a segment that is none makes it refuse (see "Opening and damage").
   *
   * @throws JournalException {@code journal-locked} if the journal is open elsewhere; {@code journal-format}, changing
   *     nothing, for a segment of an unsupported format version, or if the repair would cut or delete a file named
   *     like a segment that does not start with the journal's magic and holds no valid frame (naming it)
   */
  static RepairReport repair(Path directory) {
    return repair(directory, StorageIo.system());
  }

  /** As {@link #repair(Path)}, through {@code storage}. */
  static RepairReport repair(Path directory, StorageIo storage) {
    return SegmentedJournal.repair(directory, storage);
  }

  /**
   * Appends a record and waits as the journal's {@link Durability} requires: in {@code SYNC} until it is forced to
   * disk (sharing the force with concurrent appenders), in {@code ASYNC} only when the unforced window is full.
   *
   * @return the record's sequence
   * @throws JournalException {@code journal-failed} if this or an earlier write or force failed,
   *     {@code record-too-large}, {@code journal-closed}
   */
  long append(byte[] payload);

  /**
   * Writes a record without waiting for any force, whatever the durability; {@link #commit(long)} then waits as
   * {@link #append(byte[])} would. Lets a caller write under its own lock and wait outside it.
   *
   * @return the record's sequence
   */
  long write(byte[] payload);

  /**
   * Waits for record {@code sequence} as {@link #append(byte[])} waits for its own record.
   *
   * @throws JournalException {@code journal-failed} if a write or force failed before the record was durable, in
   *     {@code ASYNC} too (where the record would otherwise count as committed without a wait)
   */
  void commit(long sequence);

  /**
   * Commits record {@code sequence} (written by {@link #write}) without waiting in {@code SYNC}: it is forced by the
   * next force of the journal or, if none comes, within the ASYNC force interval
   * ({@link JournalBuilder#asyncForceInterval}). Until then a power loss or an operating-system crash can lose it,
   * not a crash of the process (it was written to the operating system). In {@code ASYNC}, as {@link #commit}. For
   * records that recovery can do without because it computes them again: such a loss leaves the journal shorter when
   * it next opens, unreported, or with a torn tail that the open cuts off and reports as any torn tail
   * ({@code StateEvent.DataLost}). A failure of that force stops the journal as any failed force does: every later
   * call reports it, {@link #close} included, and a {@code StateEvent.DataLost} counts the records it left not
   * durable.
   *
   * <p>The default waits as {@link #commit} does.
   *
   * @throws JournalException {@code journal-failed} if the journal stopped and the record is not durable
   */
  default void commitLater(long sequence) {
    commit(sequence);
  }

  /**
   * Waits until every record up to {@code sequence} is forced to disk, forcing if no other thread is.
   *
   * @throws JournalException {@code journal-failed} if a write or force failed before that
   */
  void awaitDurable(long sequence);

  /** Forces every record written so far. */
  void force();

  /**
   * A cursor over committed records from {@code fromSequence} on; it also sees records committed later.
   *
   * @throws JournalException {@code sequence-out-of-range} if {@code fromSequence} is below {@link #firstSequence()}
   *     or above {@code lastSequence() + 1}
   */
  JournalCursor read(long fromSequence);

  /** The first retained sequence ({@code lastSequence() + 1} if the journal holds no records). */
  long firstSequence();

  /** The sequence of the last record written (0 if none was ever written). */
  long lastSequence();

  /** The sequence up to which every record is forced to disk. */
  long durableSequence();

  /** Records written but not yet forced: in {@code ASYNC} mode, what a power loss now could lose. */
  long unforcedRecords();

  /** How many forces of segment data this journal has issued (group commit makes it far fewer than appends). */
  long forces();

  /**
   * Retention: deletes the segments all of whose records are below {@code sequence}; never the segment being appended.
   *
   * @return the number of records deleted
   */
  long deleteBelow(long sequence);

  /**
   * Cuts every record after {@code sequence} from the journal (durably) so that the next append gets
   * {@code sequence + 1}. Open cursors are invalidated. Later segments are deleted; the segment holding
   * {@code sequence + 1} is not cut in place but replaced by a forced copy of what it keeps, renamed over it (cursors
   * may have its pages mapped), so this copies up to one segment.
   *
   * @return the number of records removed
   * @throws JournalException {@code sequence-out-of-range} if {@code sequence} is below {@code firstSequence() - 1}
   */
  long truncateAfter(long sequence);

  /** What opening found and did. */
  OpenReport openReport();

  /** The durability chosen at build time. */
  Durability durability();

  /** The journal's directory. */
  Path directory();

  /** The error that stopped the journal, if one did. */
  Optional<JournalException> failure();

  /**
   * Forces what was written, releases the lock and closes every file. Idempotent.
   *
   * @throws JournalException after releasing everything: {@code journal-failed} if this force failed, or if the
   *     journal had stopped while records callers were told were committed (in {@code ASYNC} every record written,
   *     in {@code SYNC} those of {@link #commitLater}) were not yet durable, naming them and the cause;
   *     {@code journal-io} if the ASYNC session marker cannot be removed
   */
  @Override
  void close();
}
