package dev.faultline.state.journal;

import dev.faultline.core.Clock;
import dev.faultline.core.Scheduler;
import dev.faultline.core.event.StateEvent;
import dev.faultline.core.internal.Events;
import dev.faultline.state.crypto.KeyProvider;
import dev.faultline.state.internal.Aead;
import dev.faultline.state.internal.DirectoryIdentity;
import dev.faultline.state.internal.JournalAccess;
import dev.faultline.state.io.StorageChannel;
import dev.faultline.state.io.StorageIo;
import java.io.Closeable;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;
import javax.crypto.SecretKey;

/**
 * The {@link Journal} implementation: segment files appended through a {@link StorageIo}, with group commit.
 *
 * <h2>Concurrency design</h2>
 * <pre>
 * writeLock (ReentrantLock) guards the append state: nextSequence, writePosition, active, batch, crc, and every
 *   replacement of the segment list.
 *
 * Write combining: an appender pushes a PendingWrite (its payload array, its thread, whether it wants the record
 *   forced) on `queued`, a lock-free stack. Whoever gets writeLock (tryLock) takes the whole stack, and in arrival
 *   order takes the next sequences, seals each frame (length, sequence, CRC32C) straight into `batch` and writes the
 *   batch with one call, because the file's order is the sequence order. It then publishes `written` (a volatile
 *   Position: last sequence written, its segment, its end offset) and finishes (marks and unparks) the appenders
 *   that only wanted their record written.
 *
 * Group commit in SYNC, one wait per appender: if any record of the batch was appended in SYNC, the combiner forces
 *   the active segment itself, still under writeLock (under forceLock too), publishes durable under sync, and only
 *   then marks those appenders finished. Appenders that arrive during the force queue up and park. The combiner
 *   releases writeLock, unparks the appender on top of the stack, which takes everything queued meanwhile as the next
 *   batch and forces it once (one force per batch of appenders), and then, while that one works, unparks exactly the
 *   appenders it finished: each is woken once, when its record is durable, and no other thread is woken. That pushed
 *   record came before its appender's failed tryLock, which came before the release, so either the holder drained it
 *   or the appender is woken to combine; whoever takes writeLock (a combiner, retention, truncation or close) unparks
 *   the top on release (retention once released without waking: an appender that queued meanwhile parked for ever).
 *
 * Preallocation: writeLock also guards preallocatedEnd; the combiner zero-fills the active segment ahead of its
 *   frames before it writes them, and a roll or close cuts the zeros off (under forceLock, after the final force).
 *
 * Explicit waits for durability (commit and awaitDurable after write, force, close, the ASYNC timer, the timer of
 *   commitLater in SYNC) use a
 *   leader/follower scheme on the `sync` monitor instead:
 *   sync guards `forcing` (a leader is elected), `durableWaiters` and `durableQueue` (the parked waiters), `forces`,
 *   `asyncTask` (and in SYNC `laterSequence`, the records commitLater left to it), and every change of `durable` and
 *   `failure` (both volatile, so read without it).
 *   A waiter whose record is not yet durable either becomes the leader, if no such force is in flight, or registers
 *   in durableQueue and parks. The leader takes forceLock, reads `written` and forces that segment's channel outside
 *   sync and writeLock; then, under sync, it publishes durable = the position it read (unless a combiner's force
 *   already went further), clears `forcing`, and unparks the waiters that force covered plus the first one it did
 *   not (to lead the next force): a force wakes only the threads it concerns. A waiter that leaves (covered, or
 *   failing) while nobody forces and others still wait unparks the first of them, so the lead is never dropped.
 *   Every other change a waiter cares about (a combiner's or a roll's force, a failure, truncation, close) unparks
 *   every registered waiter, which then checks again; registration and every unpark happen under sync, and a park
 *   after an unpark returns at once, so no wake-up is lost.
 *
 * Yielding before parking (yieldNanos, JournalBuilder.yieldBeforePark): a SYNC appender that did not get writeLock,
 *   and a registered durability waiter, first yield the CPU for up to yieldNanos, checking between yields (the
 *   appender its `finished` flag and writeLock; the waiter `durable`, `forcing` (volatile for this read) and
 *   `failure`), and park only if still waiting then. Nothing else changes: whoever finishes them still unparks
 *   them (an unpark of a running thread only sets its permit, and a later park returns at once and checks again);
 *   a yielding waiter that sees nobody forcing goes back under sync and may lead. Why: on few cores the wake-ups of
 *   parked appenders (a futex call each, by the thread that forced, one after another) cost more CPU than the
 *   forces; a yielding thread notices by itself.
 *
 * forceLock serialises forces with segment rolls and truncation, which close and swap channels. A roll (under
 *   writeLock) takes forceLock, forces the old segment, publishes it durable, creates the next segment and swaps.
 *   Lock order is always writeLock, then forceLock, then sync; a leader never takes writeLock. Because a leader
 *   reads `written` under forceLock, the segment it names is either still open or was forced by a roll that already
 *   made `durable` cover it (the leader then skips the force).
 *
 * A failed write or force sets `failure` once; the journal is stopped and nothing is retried. A failed force is
 *   recorded (under sync) before forceLock is released, and every force checks `failure` under forceLock first, so
 *   no force succeeds after a failed one: a later fsync can succeed without the pages the failed one lost, and would
 *   make the records after them count as durable. Still under forceLock, and before it wakes anyone, the failed
 *   force leaves the force-failed marker (markForceFailed) for the next open. Truncation waits, under
 *   writeLock, until every record is durable and no appender is left waiting (durableWaiters == 0) and no leader is
 *   forcing, before it lowers `durable`.
 *
 * Tailers wait on sync until committed() passes their sequence. SYNC commits happen under sync (notifyAll); ASYNC
 *   writers notify only when `tailWaiters` > 0: both that count and `written` are volatile, so either the writer
 *   sees the waiter or the waiter sees the new position before it waits.
 * </pre>
 */
final class SegmentedJournal implements Journal {
  private static final System.Logger LOG = System.getLogger(Journal.class.getName());
  static final String LOCK_FILE = "journal.lock";
  static final String ASYNC_MARKER = "async-session";
  private static final String ASYNC_MARKER_TMP = "async-session.tmp";
  /** Left when a force failed, naming the durable sequence then; the next open cuts the records after it. */
  static final String FORCE_FAILED_MARKER = "force-failed";
  private static final String FORCE_FAILED_MARKER_TMP = "force-failed.tmp";
  /** The suffix of the temporary copy that replaces a segment cut by {@link #truncateAfter}. */
  private static final String TMP_SUFFIX = ".tmp";

  /**
   * How far ahead of the frames the active segment is kept zero-filled (capped at the segment size), so that a force
   * overwrites blocks the file already has instead of growing it: on ext4 an fdatasync that extends the file commits
   * metadata too, one that overwrites does not (measured with dd oflag=dsync on the benchmark VM: about 254 us per
   * 4 KiB appended, 122 us overwritten).
   */
  static final int PREALLOCATION = 1 << 20;
  private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(64 * 1024).asReadOnlyBuffer();

  /** The bytes of frames one appender writes for the others at most (a larger frame goes alone). */
  static final int MAX_BATCH = 1 << 20;

  private static final VarHandle QUEUED;

  static {
    try {
      QUEUED = MethodHandles.lookup().findVarHandle(SegmentedJournal.class, "queued", PendingWrite.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
    JournalAccess.install(journal -> {
      if (journal instanceof SegmentedJournal segmented) {
        segmented.closeAbandoned();
      } else {
        journal.close();
      }
    });
  }

  /**
   * A record waiting to be written by whichever appender holds writeLock (flat combining), linked into the queue
   * through {@code next}. {@code sequence} and {@code error} are written before {@code finished}, and read after it.
   * The payload is the caller's array, which the caller cannot touch until its call returns.
   */
  private static final class PendingWrite {
    final byte[] payload;
    final Thread thread;
    /** Whether the appender waits until the record is durable (a SYNC append), not only written. */
    final boolean forced;
    PendingWrite next;
    /** Set by the combiner that woke this appender early (a record that was only to be written). */
    boolean woken;
    long sequence;
    JournalException error;
    volatile boolean finished;

    PendingWrite(byte[] payload, Thread thread, boolean forced) {
      this.payload = payload;
      this.thread = thread;
      this.forced = forced;
    }
  }

  /** A point in the journal: a sequence, the segment it is in, and the end offset of its frame there. */
  record Position(long sequence, Segment segment, long end) {}

  private final Path directory;
  private final StorageIo io;
  private final Durability durability;
  private final long segmentSize;
  private final int maxRecordSize;
  private final long asyncMaxUnforced;
  /** How long a thread waiting for a force yields before it parks, in nanoseconds; 0 parks at once. */
  private final long yieldNanos;
  /** Times the yielding before a park (the builder's clock, so that tests control it). */
  private final Clock clock;
  private final Duration asyncInterval;
  private final Scheduler scheduler;
  /** Seals records; its current key is asked once per batch, so a key made current while open is used. */
  private final KeyProvider keyProvider;
  /** The directory's identity, which records sealed in version-2 segments authenticate; null without a provider. */
  private final byte[] identity;
  private final Closeable lock;
  private final OpenReport openReport;
  /** The marker of the unclean ASYNC session that opening reported as a possible loss (its bytes); null if none. */
  private final byte[] reportedMarker;
  /** Set by {@link #closeAbandoned}: close leaves the possible loss of {@link #reportedMarker} to the next open. */
  private volatile boolean abandoned;
  /** Where the journal publishes {@link StateEvent.DataLost}: at open, and when a timer's force fails. */
  private final Events events;
  /** The source name of the published events. */
  private final String eventSource;

  private final ReentrantLock writeLock = new ReentrantLock();
  /** The queued records, newest on top (a Treiber stack: pushed lock-free, taken whole by the combiner). */
  private volatile PendingWrite queued;
  private ByteBuffer batch = ByteBuffer.allocate(MAX_BATCH);
  private final CRC32C crc = new CRC32C();
  private final ReentrantLock forceLock = new ReentrantLock();
  private final Object sync = new Object();

  private long nextSequence;
  private long writePosition;
  /** The end of the zero-filled part of the active segment (at least writePosition); guarded by writeLock. */
  private long preallocatedEnd;
  private Segment active;
  private volatile boolean closed;
  private volatile List<Segment> segments;
  private volatile Position written;
  private volatile Position durable;
  private volatile int generation;
  private volatile JournalException failure;
  private volatile int tailWaiters;
  /** Whether a leader forces for the durability waiters; written under sync, read without it while yielding. */
  private volatile boolean forcing;
  /** The threads parked in awaitDurable, in arrival order; guarded by sync. */
  private final java.util.ArrayDeque<DurableWaiter> durableQueue = new java.util.ArrayDeque<>();
  private int durableWaiters;
  private long forces;
  /** ASYNC: the force timer; SYNC: the pending force of records committed later (commitLater). */
  private Scheduler.Task asyncTask;
  /** SYNC: the highest record committed later; guarded by sync. */
  private long laterSequence;

  private SegmentedJournal(JournalBuilder config, Closeable lock, byte[] identity, List<Segment> segments,
      long writePosition, long preallocatedEnd, OpenReport openReport, byte[] reportedMarker) {
    this.directory = config.directory;
    this.io = config.storage;
    this.durability = config.durability;
    this.segmentSize = config.segmentSize;
    this.maxRecordSize = config.maxRecordSize;
    this.asyncMaxUnforced = config.asyncMaxUnforcedRecords;
    this.yieldNanos = config.yieldBeforePark.toNanos();
    this.clock = config.clock;
    this.asyncInterval = config.asyncForceInterval;
    this.scheduler = config.scheduler;
    this.keyProvider = config.keyProvider;
    this.identity = identity;
    this.lock = lock;
    this.openReport = openReport;
    this.reportedMarker = reportedMarker;
    this.events = new Events(config.clock, config.listeners);
    this.eventSource = config.name != null ? config.name : String.valueOf(config.directory.getFileName());
    this.segments = List.copyOf(segments);
    this.active = segments.get(segments.size() - 1);
    this.writePosition = writePosition;
    this.preallocatedEnd = preallocatedEnd;
    this.nextSequence = openReport.lastSequence() + 1;
    Position position = new Position(openReport.lastSequence(), active, writePosition);
    this.written = position;
    this.durable = position;
  }

  // ---------------------------------------------------------------------------------------------------- opening

  static Journal open(JournalBuilder config) {
    Path directory = config.directory;
    StorageIo io = config.storage;
    Closeable lock;
    try {
      io.createDirectories(directory);
      lock = io.tryLock(directory.resolve(LOCK_FILE)).orElse(null);
    } catch (IOException e) {
      throw new JournalException("journal-io", "cannot lock journal directory " + directory + ": " + e, e);
    }
    if (lock == null) {
      throw new JournalException("journal-locked", "journal directory " + directory
          + " is locked by another process or by another open journal in this JVM");
    }
    try {
      return openLocked(config, lock);
    } catch (Throwable t) {
      closeQuietly(lock, t);
      throw t;
    }
  }

  private static SegmentedJournal openLocked(JournalBuilder config, Closeable lock) {
    Path directory = config.directory;
    StorageIo io = config.storage;
    Scanner.Result scan = scan(io, directory);
    JournalDamage damage = scan.damage;
    if (damage != null && damage.kind() == JournalDamage.Kind.CORRUPTION) {
      throw corrupted(damage);
    }
    List<Segment> segments = new ArrayList<>();
    StorageChannel channel = null;
    OpenReport.AsyncWindowLoss loss;
    byte[] previousMarker;
    long writePosition;
    long preallocatedEnd;
    DirectoryIdentity.Identity identity;
    Long forceFailed;
    try {
      if (damage != null && damage.offset() < Format.HEADER_SIZE) {
        refuseForeignFile(io, damage.segment());
      }
      forceFailed = readForceFailedMarker(io, directory);
      if (forceFailed != null) {
        scan = cutAfterFailedForce(io, directory, scan, forceFailed);
        damage = scan.damage;
      }
      // Refuse a damaged or missing identity, a missing or wrong key, and plain segments where they cannot be
      // trusted, before changing anything (cutting a tail, replacing an empty segment).
      identity = identity(config.keyProvider, io, directory, scan.segments);
      checkKeys(config.keyProvider, config.requireEncryption, io, scan.segments, identity);
      if (config.keyProvider != null && identity == null) {
        // First opened with a key (or written before identities): no segment is sealed for an identity yet, but the
        // checkpoints kept in the same directory (RecoverableState) may be.
        Optional<Path> bound = DirectoryIdentity.boundFile(io, directory);
        if (bound.isPresent()) {
          throw new JournalException("journal-crypto", "journal " + directory + " has no identity file "
              + directory.resolve(DirectoryIdentity.FILE) + ", but " + bound.get() + " in the same directory is"
              + " encrypted for one (format version 2): the file was deleted, or that file was copied here from"
              + " another directory. A new identity would leave it unreadable, so none is made; restore "
              + DirectoryIdentity.FILE + " from a backup of this directory. Nothing was changed");
        }
        identity = DirectoryIdentity.create(io, directory);
        LOG.log(System.Logger.Level.INFO, "journal " + directory + ": created its identity file "
            + DirectoryIdentity.FILE + "; records sealed from now on are bound to this directory");
      }
      deleteTemporaryCopies(io, directory);
      int currentKeyId = config.keyProvider == null ? 0 : config.keyProvider.currentKeyId();
      List<Scanner.ScannedSegment> kept = damage == null && !scan.segments.isEmpty() ? scan.segments
          : cut(io, directory, scan, currentKeyId);
      Scanner.ScannedSegment last = kept.get(kept.size() - 1);
      if (last.validEnd == Format.HEADER_SIZE && !isCurrent(last.keyId, last.version, currentKeyId)) {
        // An empty segment sealed for another key (or none): start it again under the current key. Replaced by a
        // rename, never deleted first: it may be the only segment left, and only its name keeps the journal's
        // position (a power loss with no segment would start the journal again at sequence 1).
        replaceEmptySegment(io, directory, last.file, last.firstSequence, currentKeyId);
        last.keyId = currentKeyId;
        last.version = Format.versionFor(currentKeyId);
      }
      for (Scanner.ScannedSegment scanned : kept) {
        checkKey(config.keyProvider, scanned.file, scanned.keyId);
        Segment segment = new Segment(scanned.file, scanned.firstSequence, scanned.keyId, scanned.version,
            scanned.index);
        segment.finalEnd = scanned.validEnd;
        segments.add(segment);
      }
      Segment activeSegment = segments.get(segments.size() - 1);
      activeSegment.finalEnd = -1;
      channel = io.open(last.file, StorageIo.OpenMode.READ_WRITE);
      // What a previous session wrote but never forced (ASYNC, or a crash between write and force) counts as
      // durable from now on, so make it so.
      channel.force();
      activeSegment.channel = channel;
      writePosition = last.validEnd;
      preallocatedEnd = channel.size();
      // The marker of an unclean ASYNC session is the only record of its possible loss: it is read here and
      // replaced or removed only as the last step of opening, so that an open failing before reports it again.
      io.delete(directory.resolve(ASYNC_MARKER_TMP)); // left by an open that failed while writing the marker
      previousMarker = readAsyncMarker(io, directory);
      loss = previousMarker == null ? null : parseAsyncMarker(previousMarker);
      io.delete(directory.resolve(FORCE_FAILED_MARKER_TMP));
      if (forceFailed != null) {
        // Last but for the ASYNC marker: the cut it asked for is durable now.
        io.delete(directory.resolve(FORCE_FAILED_MARKER));
        io.forceDirectory(directory);
      }
      if (config.durability == Durability.ASYNC) {
        writeAsyncMarker(io, directory, config, loss);
      } else if (previousMarker != null) {
        removeAsyncMarker(io, directory, previousMarker);
      }
    } catch (IOException e) {
      closeQuietly(channel, e);
      throw new JournalException("journal-io", "cannot open journal " + directory + ": " + e, e);
    }
    long first = segments.get(0).firstSequence;
    OpenReport report = new OpenReport(directory, segments.size(), first, scan.nextSequence - 1,
        Optional.ofNullable(damage), Optional.ofNullable(loss));
    LOG.log(report.clean() ? System.Logger.Level.DEBUG : System.Logger.Level.WARNING, report.describe());
    SegmentedJournal journal = new SegmentedJournal(config, lock, identity == null ? null : identity.bytes(),
        segments, writePosition, preallocatedEnd, report, previousMarker);
    Events events = journal.events;
    if (events.enabled()) {
      String name = journal.eventSource;
      if (damage != null) {
        events.publish(new StateEvent.DataLost(name, events.now(), damage.droppedRecords(),
            "torn tail cut off on open: " + damage.describe()));
      }
      if (loss != null) {
        events.publish(new StateEvent.DataLost(name, events.now(), loss.maxRecords(), loss.describe()));
      }
    }
    if (config.durability == Durability.ASYNC) {
      journal.scheduleAsyncForce();
    }
    return journal;
  }

  /**
   * Refuses the segment whose file header a torn tail would cut, if its first bytes are neither the journal's magic
   * nor the zeros that a crash while creating the segment leaves where the header did not reach the disk: such a file
   * is not a segment of this journal (it is only named like one, or something overwrote it), so it is not opening's
   * to replace or delete. Reads; changes nothing.
   *
   * @throws JournalException {@code journal-format} naming the file and its first bytes
   */
  private static void refuseForeignFile(StorageIo io, Path file) throws IOException {
    String found = foreignBytes(io, file);
    if (found != null) {
      throw new JournalException("journal-format", "segment " + file + " does not start with the journal's"
          + String.format(" magic 0x%08x", Format.MAGIC) + " but with the bytes 0x" + found + ": it is not a"
          + " journal segment (only named like one), or something overwrote its header; opening would cut it off"
          + " as a torn tail, so it refuses. Nothing was changed: move the file out of the journal directory (if it"
          + " is another file, keep it), then open the journal again");
    }
  }

  /**
   * The first bytes of {@code file} in hex if they are neither the journal's magic nor zeros (so it is no segment of
   * this journal, not even one a crash left with a torn header); null if they are.
   */
  private static String foreignBytes(StorageIo io, Path file) throws IOException {
    ByteBuffer magic = ByteBuffer.allocate(4);
    try (StorageChannel channel = io.open(file, StorageIo.OpenMode.READ)) {
      channel.readFully(magic, 0);
    }
    for (int i = 0; i < magic.position(); i++) {
      byte found = magic.get(i);
      if (found != 0 && found != (byte) (Format.MAGIC >>> (24 - 8 * i))) {
        StringBuilder bytes = new StringBuilder();
        for (int j = 0; j < magic.position(); j++) {
          bytes.append(String.format("%02x", magic.get(j)));
        }
        return bytes.toString();
      }
    }
    return null;
  }

  /**
   * Refuses a repair that would delete or replace a file named like a segment that is not one: whose first bytes are
   * foreign ({@link #foreignBytes}) and which holds no valid frame (a segment whose header a bit flip damaged still
   * holds its records' frames). Checks the damaged file if its header is cut, and every later file: repair removes
   * only data it knows to be this journal's. Reads; changes nothing.
   *
   * @throws JournalException {@code journal-format} naming the file and its first bytes
   */
  private static void refuseRepairOfForeignFiles(StorageIo io, Path directory, JournalDamage damage)
      throws IOException {
    List<Path> removed = new ArrayList<>();
    if (damage.offset() < Format.HEADER_SIZE) {
      removed.add(damage.segment());
    }
    removed.addAll(damage.laterSegments());
    for (Path file : removed) {
      String found = foreignBytes(io, file);
      if (found != null && !Scanner.holdsAValidFrame(io, file)) {
        throw new JournalException("journal-format", "cannot repair journal " + directory + ": " + file
            + " is named like a segment but does not start with the journal's"
            + String.format(" magic 0x%08x", Format.MAGIC) + " (it starts with the bytes 0x" + found + ") and holds"
            + " no valid journal frame, so it is not a segment of this journal; the repair would "
            + (file.equals(damage.segment()) ? "cut it off" : "delete it") + " and refuses to remove data it does"
            + " not know. Nothing was changed: move the file out of the journal directory (if it is another file,"
            + " keep it), then repair again");
      }
    }
  }

  /**
   * Whether an empty segment with this key id and format version can take appends under {@code currentKeyId} as it
   * is; if not, it is started again (opening, truncation) or a new segment begun (appending).
   */
  static boolean isCurrent(int keyId, int version, int currentKeyId) {
    return keyId == currentKeyId && version == Format.versionFor(currentKeyId);
  }

  /**
   * The identity of {@code directory} for a journal read or opened with {@code provider} (null without one, as
   * nothing can be decrypted then), null if it has none yet. Changes nothing.
   *
   * @throws JournalException {@code journal-crypto} if the identity file is damaged, or missing while a segment is
   *     sealed for an identity (format version 2): making a new one would leave those records unreadable
   */
  static DirectoryIdentity.Identity identity(KeyProvider provider, StorageIo io, Path directory,
      List<Scanner.ScannedSegment> segments) throws IOException {
    if (provider == null) {
      return null;
    }
    Path file = directory.resolve(DirectoryIdentity.FILE);
    try {
      Optional<DirectoryIdentity.Identity> found = DirectoryIdentity.read(io, directory);
      if (found.isPresent()) {
        return found.get();
      }
    } catch (DirectoryIdentity.Damaged e) {
      throw new JournalException("journal-crypto", "the identity file " + file + " of journal " + directory
          + " is damaged (" + e.getMessage() + "): the encrypted records of this directory are bound to the identity"
          + " it holds, so it cannot be made again; restore it from a backup of this directory. Nothing was changed");
    }
    for (Scanner.ScannedSegment segment : segments) {
      if (segment.keyId != 0 && segment.version == Format.VERSION) {
        throw new JournalException("journal-crypto", "journal " + directory + " has no identity file " + file
            + ", but segment " + segment.file + " is encrypted for one (format version " + Format.VERSION + "): the"
            + " file was deleted, or the segment was copied here from another journal directory. A new identity"
            + " would leave its records unreadable, so none is made; restore " + DirectoryIdentity.FILE + " from a"
            + " backup of this directory. Nothing was changed");
      }
    }
    return null;
  }

  /**
   * Fails unless every segment that holds records can be trusted and read: a plain one only if encryption is not
   * required and no encrypted segment comes before it (a journal never writes plain records after encrypted ones:
   * appending without a key provider is refused once a segment is encrypted, and every segment rolled or restarted
   * under a provider is encrypted; so a plain segment there was put in place of encrypted data); an encrypted one
   * only if it is not an unbound (version 1) one after a bound one (for the same reason: once the directory has an
   * identity, every new segment is bound), nor an unbound one holding a sequence past the bound {@code identity}
   * records (version 2 of the identity file: what unbound segments held when it was made), and {@code provider} has
   * its key and the segment's first record opens with it and {@code identity}: a wrong key, or a segment copied from
   * another directory, is refused when the journal is opened, not at the first read.
   */
  static void checkKeys(KeyProvider provider, boolean requireEncryption, StorageIo io,
      List<Scanner.ScannedSegment> segments, DirectoryIdentity.Identity identity) throws IOException {
    Path encryptedBefore = null;
    Path boundBefore = null;
    for (Scanner.ScannedSegment segment : segments) {
      if (segment.records == 0) {
        continue;
      }
      if (segment.keyId == 0) {
        if (requireEncryption) {
          throw new JournalException("journal-crypto", "segment " + segment.file + " holds " + segment.records
              + " record(s) that are not encrypted (key id 0 in its header), and this journal requires encryption:"
              + " it was written before encryption was turned on, or it was put in place of encrypted data by"
              + " someone who could write the directory. Nothing was changed");
        }
        if (encryptedBefore != null) {
          throw new JournalException("journal-crypto", "segment " + segment.file + " holds " + segment.records
              + " record(s) that are not encrypted (key id 0 in its header) after the encrypted segment "
              + encryptedBefore + ": a journal never writes plain records after encrypted ones, so the segment was"
              + " put in place of encrypted data. Nothing was changed");
        }
        continue;
      }
      if (segment.version != Format.VERSION && boundBefore != null) {
        throw new JournalException("journal-crypto", "segment " + segment.file + " holds " + segment.records
            + " record(s) sealed in format version " + segment.version + ", not bound to this directory, after the"
            + " segment " + boundBefore + " bound to it (version " + Format.VERSION + "): a journal never writes"
            + " unbound segments after bound ones, so the segment was put in place of this directory's records"
            + " (perhaps copied from another directory under the same key). Nothing was changed");
      }
      long lastSequence = segment.firstSequence + segment.records - 1;
      if (segment.version != Format.VERSION && identity != null && !identity.acceptsUnboundSequence(lastSequence)) {
        throw new JournalException("journal-crypto", "segment " + segment.file + " holds record(s) "
            + segment.firstSequence + ".." + lastSequence + " sealed in format version " + segment.version + ", not"
            + " bound to this directory, past sequence " + identity.lastUnboundSequence() + ": "
            + identity.describeBounds() + ". So the segment was put here later (perhaps copied from another"
            + " directory under the same key). Nothing was changed");
      }
      if (segment.version == Format.VERSION) {
        boundBefore = segment.file;
      }
      encryptedBefore = segment.file;
      checkKey(provider, segment.file, segment.keyId);
      try (StorageChannel channel = io.open(segment.file, StorageIo.OpenMode.READ)) {
        ByteBuffer length = ByteBuffer.allocate(4);
        channel.readFully(length, Format.HEADER_SIZE);
        ByteBuffer payload = ByteBuffer.allocate(length.getInt(0));
        if (channel.readFully(payload, Format.HEADER_SIZE + Format.FRAME_HEADER_SIZE) < payload.capacity()) {
          throw new IOException("segment " + segment.file + " ended inside its first record, which the scan found"
              + " complete");
        }
        Cursor.decrypt(provider.key(segment.keyId).orElseThrow(), segment.file, segment.keyId, segment.version,
            identity == null ? null : identity.bytes(), segment.firstSequence, payload.array(), 0,
            payload.capacity());
      }
    }
  }

  /** Fails unless {@code provider} can decrypt a segment sealed with {@code keyId} (0: plain). */
  static void checkKey(KeyProvider provider, Path file, int keyId) {
    if (keyId == 0) {
      return;
    }
    if (provider == null) {
      throw new JournalException("journal-crypto", "segment " + file + " is encrypted with key id " + keyId
          + "; open the journal with a key provider");
    }
    if (provider.key(keyId).isEmpty()) {
      throw new JournalException("journal-crypto", "segment " + file + " is encrypted with key id " + keyId
          + ", which the key provider does not have");
    }
  }

  private static Scanner.Result scan(StorageIo io, Path directory) {
    try {
      if (!io.exists(directory)) {
        throw new JournalException("journal-io", "journal directory " + directory + " does not exist");
      }
      return new Scanner(io, directory).scan();
    } catch (IOException e) {
      throw new JournalException("journal-io", "cannot read journal " + directory + ": " + e, e);
    }
  }

  private static JournalCorruptedException corrupted(JournalDamage damage) {
    String why = damage.droppedRecords() > 0 ? "valid records follow it (" + damage.droppedRecords()
        + " record(s) in " + damage.droppedBytes() + " bytes)"
        : !damage.laterSegments().isEmpty() ? "a newer segment follows it (" + damage.laterSegments().size()
            + " file(s)), and a segment is only begun once every one before it is complete"
        : "the file's name does not continue the segment before it";
    return new JournalCorruptedException(damage.segment(), damage.offset(), damage.reason(), why
        + ", so it is not a torn tail; Journal.repair (faultline journal verify shows it) truncates here and drops the "
        + damage.droppedBytes() + " bytes after it");
  }

  /**
   * Truncates the journal where the scan found damage (or creates the first segment of an empty directory) and
   * returns the segments that remain. Later segments are removed newest first, each removal made durable before the
   * next, so a crash in between leaves a shorter journal that opens cleanly.
   */
  private static List<Scanner.ScannedSegment> cut(StorageIo io, Path directory, Scanner.Result scan, int keyId)
      throws IOException {
    List<Scanner.ScannedSegment> kept = new ArrayList<>(scan.segments);
    JournalDamage damage = scan.damage;
    if (damage != null) {
      List<Path> later = new ArrayList<>(damage.laterSegments());
      Collections.reverse(later);
      for (Path file : later) {
        io.delete(file);
        io.forceDirectory(directory);
      }
      Scanner.ScannedSegment damaged = kept.get(kept.size() - 1);
      if (damage.offset() < Format.HEADER_SIZE && kept.size() == 1 && damaged.firstSequence == scan.nextSequence) {
        // The only segment, its header damaged: replaced by an empty one of the same name, never deleted first
        // (only its name keeps the journal's position; a power loss with no segment would start it again at 1).
        replaceEmptySegment(io, directory, damaged.file, damaged.firstSequence, keyId);
        damaged.validEnd = Format.HEADER_SIZE;
        damaged.keyId = keyId;
        damaged.version = Format.versionFor(keyId);
      } else if (damage.offset() < Format.HEADER_SIZE) {
        io.delete(damaged.file);
        io.forceDirectory(directory);
        kept.remove(kept.size() - 1);
      } else {
        try (StorageChannel channel = io.open(damaged.file, StorageIo.OpenMode.READ_WRITE)) {
          channel.truncate(damage.offset());
          channel.force();
        }
      }
    }
    if (kept.isEmpty()) {
      long first = scan.nextSequence;
      StorageChannel channel = createSegmentFile(io, directory, first, keyId);
      channel.close();
      Scanner.ScannedSegment created = new Scanner.ScannedSegment(directory.resolve(Format.segmentName(first)),
          first, Format.HEADER_SIZE);
      created.validEnd = Format.HEADER_SIZE;
      created.keyId = keyId;
      created.version = Format.versionFor(keyId);
      kept.add(created);
    }
    return kept;
  }

  /** Creates a segment file, writes and forces its header, and forces the directory. */
  private static StorageChannel createSegmentFile(StorageIo io, Path directory, long firstSequence, int keyId)
      throws IOException {
    Path file = directory.resolve(Format.segmentName(firstSequence));
    StorageChannel channel = io.open(file, StorageIo.OpenMode.CREATE_NEW);
    try {
      channel.writeFully(Format.header(firstSequence, keyId), 0);
      channel.force();
      io.forceDirectory(directory);
      return channel;
    } catch (IOException | RuntimeException e) {
      closeQuietly(channel, e);
      throw e;
    }
  }

  /**
   * Replaces {@code file} by a new empty segment starting at {@code firstSequence} sealed for {@code keyId}: written
   * to a temporary copy (deleted by the next open if a crash comes first), forced, renamed over it, directory forced.
   */
  private static void replaceEmptySegment(StorageIo io, Path directory, Path file, long firstSequence, int keyId)
      throws IOException {
    Path tmp = directory.resolve(file.getFileName() + TMP_SUFFIX);
    io.delete(tmp);
    try (StorageChannel channel = io.open(tmp, StorageIo.OpenMode.CREATE_NEW)) {
      channel.writeFully(Format.header(firstSequence, keyId), 0);
      channel.force();
    }
    io.move(tmp, file);
    io.forceDirectory(directory);
  }

  /**
   * The durable sequence that the marker of a failed force ({@link #FORCE_FAILED_MARKER}) names; null if there is
   * none. Changes nothing.
   *
   * @throws JournalException {@code journal-format} if the marker does not name one
   */
  private static Long readForceFailedMarker(StorageIo io, Path directory) throws IOException {
    VerifyReport.FailedForce failed = failedForce(io, directory, Long.MAX_VALUE, Long.MAX_VALUE);
    if (failed != null && !failed.readable()) {
      throw new JournalException("journal-format", failed.problem().get());
    }
    return failed == null ? null : failed.durableSequence();
  }

  /**
   * What the marker of a failed force in {@code directory} says of the valid records {@code scan} found (the next
   * open cuts those after the durable sequence it names, or refuses a marker naming none); null if there is no marker.
   * Changes nothing and takes no lock. For {@link #verify} and read-only cursors.
   */
  static VerifyReport.FailedForce failedForce(StorageIo io, Path directory, Scanner.Result scan) throws IOException {
    return failedForce(io, directory, scan.firstSequence(), scan.nextSequence);
  }

  /** As above, for the valid records {@code first..next-1}. */
  private static VerifyReport.FailedForce failedForce(StorageIo io, Path directory, long first, long next)
      throws IOException {
    Path marker = directory.resolve(FORCE_FAILED_MARKER);
    String text = readForceFailedText(io, marker);
    if (text == null) {
      return null;
    }
    long durable = parseForceFailed(text);
    if (durable < 0) {
      return new VerifyReport.FailedForce(marker, -1, 0,
          Optional.of(unreadableMarker(marker, directory, text).getMessage()));
    }
    long keep = Math.max(durable, first - 1);
    return new VerifyReport.FailedForce(marker, durable, Math.max(0, next - 1 - keep), Optional.empty());
  }

  /**
   * The refusal of a marker of a failed force that names no durable sequence: opening, and reading what it would
   * keep, cannot tell which records may not be on disk.
   */
  private static JournalException unreadableMarker(Path marker, Path directory, String text) {
    return new JournalException("journal-format", "the marker " + marker + " that a failed force of journal "
        + directory + " left names no durable sequence (it holds \"" + text.strip() + "\"), so opening cannot tell"
        + " which records may not be on disk. Nothing was changed; once the machine has restarted since that failure"
        + " (the journal then reads what the disk holds), delete the marker and open the journal again");
  }

  /** The text of the marker of a failed force (its first 4 KiB); null if there is none. Changes nothing. */
  private static String readForceFailedText(StorageIo io, Path marker) throws IOException {
    if (!io.exists(marker)) {
      return null;
    }
    try (StorageChannel channel = io.open(marker, StorageIo.OpenMode.READ)) {
      ByteBuffer bytes = ByteBuffer.allocate((int) Math.min(channel.size(), 4096));
      channel.readFully(bytes, 0);
      return new String(bytes.array(), 0, bytes.position(), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return null; // removed since it was seen (by an open that cut after it, when read without the lock)
    }
  }

  /** The durable sequence the text of a failed force's marker names; -1 if it names none. */
  private static long parseForceFailed(String text) {
    for (String line : text.split("\n")) {
      String[] pair = line.split("=", 2);
      if (pair.length == 2 && pair[0].equals("durableSequence") && parseOrMinusOne(pair[1]) >= 0) {
        return parseOrMinusOne(pair[1]);
      }
    }
    return -1;
  }

  /**
   * The scan cut after {@code durable}, the sequence the marker of a failed force names: the records after it were
   * written but never forced, and after a failed fsync the kernel may have marked their pages clean without writing
   * them, so they may read back (before a restart of the machine) without being on disk. They go as a torn tail
   * does (none of them was acknowledged as durable: a failed force stopped the journal; in ASYNC they are the
   * session's possible loss), together with any torn tail after them. Changes nothing: {@link #cut} does.
   */
  private static Scanner.Result cutAfterFailedForce(StorageIo io, Path directory, Scanner.Result scan, long durable)
      throws IOException {
    long last = scan.nextSequence - 1;
    long keep = Math.max(durable, scan.firstSequence() - 1);
    if (keep >= last || scan.segments.isEmpty()) {
      return scan;
    }
    List<Scanner.ScannedSegment> segments = scan.segments;
    int index = 0;
    for (int i = 0; i < segments.size(); i++) {
      if (segments.get(i).firstSequence <= keep + 1) {
        index = i;
      }
    }
    Scanner.ScannedSegment target = segments.get(index);
    long offset;
    try (StorageChannel channel = io.open(target.file, StorageIo.OpenMode.READ)) {
      long[] floor = target.index.floor(keep + 1);
      long at = floor == null ? Format.HEADER_SIZE : floor[1];
      long current = floor == null ? target.firstSequence : floor[0];
      WindowReader reader = new WindowReader(channel, target.validEnd);
      while (current < keep + 1) {
        at += Format.FRAME_HEADER_SIZE + reader.getInt(at);
        current++;
      }
      offset = at;
    }
    List<Path> later = new ArrayList<>();
    long droppedBytes = target.validEnd - offset;
    for (Scanner.ScannedSegment segment : segments.subList(index + 1, segments.size())) {
      later.add(segment.file);
      droppedBytes += segment.validEnd;
    }
    long droppedRecords = last - keep;
    String reason = "record(s) " + (keep + 1) + ".." + last + " were written after sequence " + durable + ", the"
        + " last one forced before a force failed (" + directory.resolve(FORCE_FAILED_MARKER) + "): the disk may not"
        + " hold them though they read back";
    if (scan.damage != null) {
      droppedBytes += scan.damage.droppedBytes();
      droppedRecords += scan.damage.droppedRecords();
      reason += "; after them a " + scan.damage.describe();
    }
    target.validEnd = offset;
    target.records = keep + 1 - target.firstSequence;
    target.index.truncateAfter(keep);
    JournalDamage cut = new JournalDamage(JournalDamage.Kind.TORN_TAIL, target.file, offset, reason, droppedBytes,
        droppedRecords, later);
    return new Scanner.Result(new ArrayList<>(segments.subList(0, index + 1)), cut, keep + 1);
  }

  /**
   * The bytes of the marker of an ASYNC session that did not close cleanly (or, read without the lock, is open now);
   * null if there is none. Changes nothing.
   */
  private static byte[] readAsyncMarker(StorageIo io, Path directory) throws IOException {
    Path marker = directory.resolve(ASYNC_MARKER);
    if (!io.exists(marker)) {
      return null;
    }
    try (StorageChannel channel = io.open(marker, StorageIo.OpenMode.READ)) {
      ByteBuffer bytes = ByteBuffer.allocate((int) Math.min(channel.size(), 4096));
      channel.readFully(bytes, 0);
      return java.util.Arrays.copyOf(bytes.array(), bytes.position());
    } catch (NoSuchFileException e) {
      return null; // removed since it was seen (the session closed, or an open reported it), read without the lock
    }
  }

  /** The loss window an ASYNC session marker records (-1 for a value it lacks). */
  private static OpenReport.AsyncWindowLoss parseAsyncMarker(byte[] marker) {
    long maxRecords = -1;
    long windowMillis = -1;
    for (String line : new String(marker, StandardCharsets.UTF_8).split("\n")) {
      String[] pair = line.split("=", 2);
      if (pair.length == 2 && pair[0].equals("maxUnforcedRecords")) {
        maxRecords = parseOrMinusOne(pair[1]);
      } else if (pair.length == 2 && pair[0].equals("forceIntervalMillis")) {
        windowMillis = parseOrMinusOne(pair[1]);
      }
    }
    return new OpenReport.AsyncWindowLoss(maxRecords, windowMillis);
  }

  /**
   * Removes the marker of an unclean ASYNC session once its loss is reported. If that cannot be made durable, puts
   * the marker back ({@code bytes}) as far as the disk lets it, so that the next open reports the loss again.
   */
  private static void removeAsyncMarker(StorageIo io, Path directory, byte[] bytes) throws IOException {
    io.delete(directory.resolve(ASYNC_MARKER));
    try {
      io.forceDirectory(directory);
    } catch (IOException e) {
      try {
        putAsyncMarker(io, directory, bytes);
      } catch (IOException | RuntimeException again) {
        e.addSuppressed(again);
      }
      throw e;
    }
  }

  private static long parseOrMinusOne(String text) {
    try {
      return Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * Records, durably and atomically, that an ASYNC session is open and what its loss window is. It replaces the
   * marker of an unclean previous session ({@code previous}, null if none), so it records the larger window of the
   * two: if opening fails after the rename, the next open still reports at least the previous session's loss.
   */
  private static void writeAsyncMarker(StorageIo io, Path directory, JournalBuilder config,
      OpenReport.AsyncWindowLoss previous) throws IOException {
    long maxRecords = config.asyncMaxUnforcedRecords;
    long windowMillis = config.asyncForceInterval.toMillis();
    if (previous != null) {
      maxRecords = Math.max(maxRecords, previous.maxRecords());
      windowMillis = Math.max(windowMillis, previous.windowMillis());
    }
    String text = "maxUnforcedRecords=" + maxRecords + "\nforceIntervalMillis=" + windowMillis + "\n";
    putAsyncMarker(io, directory, text.getBytes(StandardCharsets.UTF_8));
  }

  /** Writes {@code bytes} as the ASYNC session marker: to a temporary file, forced, renamed, directory forced. */
  private static void putAsyncMarker(StorageIo io, Path directory, byte[] bytes) throws IOException {
    Path tmp = directory.resolve(ASYNC_MARKER_TMP);
    io.delete(tmp);
    try (StorageChannel channel = io.open(tmp, StorageIo.OpenMode.CREATE_NEW)) {
      channel.writeFully(ByteBuffer.wrap(bytes), 0);
      channel.force();
    }
    io.move(tmp, directory.resolve(ASYNC_MARKER));
    io.forceDirectory(directory);
  }

  // ---------------------------------------------------------------------------------------------------- verify/repair

  static VerifyReport verify(Path directory, StorageIo io) {
    Scanner.Result scan = scan(io, directory);
    List<SegmentSummary> summaries = new ArrayList<>();
    long records = 0;
    for (Scanner.ScannedSegment segment : scan.segments) {
      summaries.add(segment.summary());
      records += segment.records;
    }
    VerifyReport.FailedForce failedForce;
    byte[] asyncMarker;
    try {
      failedForce = failedForce(io, directory, scan);
      asyncMarker = readAsyncMarker(io, directory);
    } catch (IOException e) {
      throw new JournalException("journal-io", "cannot read the markers of journal " + directory + ": " + e, e);
    }
    return new VerifyReport(directory, summaries, scan.firstSequence(), scan.nextSequence - 1, records,
        Optional.ofNullable(scan.damage), Optional.ofNullable(failedForce),
        Optional.ofNullable(asyncMarker).map(SegmentedJournal::parseAsyncMarker));
  }

  static RepairReport repair(Path directory, StorageIo io) {
    Closeable lock;
    try {
      lock = io.tryLock(directory.resolve(LOCK_FILE)).orElse(null);
    } catch (IOException e) {
      throw new JournalException("journal-io", "cannot lock journal directory " + directory + ": " + e, e);
    }
    if (lock == null) {
      throw new JournalException("journal-locked", "journal directory " + directory
          + " is locked by another process or by another open journal in this JVM; close it before repairing");
    }
    try {
      Scanner.Result scan = scan(io, directory);
      if (scan.damage != null) {
        refuseRepairOfForeignFiles(io, directory, scan.damage);
        cut(io, directory, scan, 0);
        LOG.log(System.Logger.Level.WARNING, "journal " + directory + " repaired: cut " + scan.damage.describe());
      }
      return new RepairReport(directory, Optional.ofNullable(scan.damage), scan.nextSequence - 1);
    } catch (IOException e) {
      throw new JournalException("journal-io", "cannot repair journal " + directory + ": " + e, e);
    } finally {
      closeQuietly(lock, null);
    }
  }

  // ---------------------------------------------------------------------------------------------------- appending

  @Override
  public long append(byte[] payload) {
    if (durability == Durability.SYNC) {
      // One wait: the combiner that writes this record also forces it and wakes this thread only then.
      return submit(payload, true);
    }
    long sequence = submit(payload, false);
    commit(sequence);
    return sequence;
  }

  @Override
  public void commit(long sequence) {
    if (durability == Durability.SYNC || sequence - durable.sequence() >= asyncMaxUnforced) {
      awaitDurable(sequence);
    } else if (failure != null && sequence > durable.sequence()) {
      // ASYNC within the window: committing would acknowledge a record that no force will ever cover (a failed
      // force is never retried), so say so instead.
      throw failedCopy();
    }
  }

  @Override
  public long write(byte[] payload) {
    return submit(payload, false);
  }

  @Override
  public void commitLater(long sequence) {
    if (durability == Durability.ASYNC) {
      commit(sequence);
      return;
    }
    if (durable.sequence() >= sequence) {
      return;
    }
    if (failure != null) {
      // No force will ever cover it (a failed force is never retried): acknowledging it would lose it silently.
      throw failedCopy();
    }
    synchronized (sync) {
      if (laterSequence < sequence) {
        laterSequence = sequence;
      }
      if (asyncTask == null && !closed && failure == null) {
        asyncTask = scheduler.schedule(this::laterTick, asyncInterval.toNanos());
      }
    }
  }

  /** SYNC: forces the records committed later, unless a force covered them meanwhile. */
  private void laterTick() {
    long target;
    synchronized (sync) {
      asyncTask = null;
      target = laterSequence;
    }
    if (closed || failure != null || durable.sequence() >= target) {
      return;
    }
    try {
      awaitDurableFromTimer(target);
    } catch (JournalException e) {
      // The journal stopped or closed: its later calls report why, and close forced what it could.
      reportTimerFailure();
    }
  }

  /**
   * After a timer's force failed (or found the journal stopped meanwhile): publishes {@link StateEvent.DataLost} for
   * the records written but not durable, which their writers were told were committed and which no force will ever
   * cover, since a caller that stopped appending learns of it no other way (its next force, commit, append or close
   * reports it too). Called outside every lock, as listeners must be.
   */
  private void reportTimerFailure() {
    JournalException stopped = failure;
    long unforced = written.sequence() - durable.sequence();
    if (stopped == null || unforced <= 0 || !events.enabled()) {
      return;
    }
    events.publish(new StateEvent.DataLost(eventSource, events.now(), unforced, "record(s) "
        + (durable.sequence() + 1) + ".." + written.sequence() + " of journal " + directory + " were committed but"
        + " may not be on disk: the timer's force failed or found the journal stopped (" + stopped.getMessage()
        + ")"));
  }

  /**
   * {@link #awaitDurable} from a timer task. The system scheduler runs its tasks on the common fork-join pool, which
   * has one worker fewer than the machine has cores (one on two): a force blocking that worker would hold up every
   * other timer of the process (the policies' timeouts and retries) for as long as the disk takes. In a fork-join
   * worker the wait is a managed block, so the pool adds a worker meanwhile.
   */
  private void awaitDurableFromTimer(long target) {
    if (!(Thread.currentThread() instanceof ForkJoinWorkerThread)) {
      awaitDurable(target);
      return;
    }
    JournalException[] failed = new JournalException[1];
    try {
      ForkJoinPool.managedBlock(new ForkJoinPool.ManagedBlocker() {
        private boolean done;

        @Override
        public boolean block() {
          try {
            awaitDurable(target);
          } catch (JournalException e) {
            failed[0] = e;
          }
          done = true;
          return true;
        }

        @Override
        public boolean isReleasable() {
          return done || durable.sequence() >= target;
        }
      });
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (failed[0] != null) {
      throw failed[0];
    }
  }

  /**
   * Queues {@code payload} and returns its sequence once it is written (or, if {@code forced}, once it is durable):
   * either this thread takes writeLock and combines, or it parks until a combiner has finished its record.
   */
  private long submit(byte[] payload, boolean forced) {
    Objects.requireNonNull(payload, "payload");
    if (payload.length > maxRecordSize) {
      throw new JournalException("record-too-large", "payload of " + payload.length
          + " bytes exceeds maxRecordSize " + maxRecordSize + " of journal " + directory);
    }
    PendingWrite mine = new PendingWrite(payload, Thread.currentThread(), forced);
    push(mine);
    boolean interrupted = false;
    long yieldUntil = 0;
    while (!mine.finished) {
      if (writeLock.tryLock()) {
        PendingWrite done = null;
        try {
          done = combine();
        } finally {
          // The next combiner first, so that it writes and forces while this thread wakes the finished appenders.
          unlockWrite();
          wake(done);
        }
      } else {
        if (forced && yieldNanos > 0) {
          // Waiting for a force: yield the CPU for a while before parking (a park costs a wake-up later).
          long now = clock.nanoTime();
          if (yieldUntil == 0) {
            yieldUntil = now + yieldNanos;
          }
          if (now - yieldUntil < 0) {
            Thread.yield();
            continue;
          }
        }
        LockSupport.park(this);
        interrupted |= Thread.interrupted();
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (mine.error != null) {
      throw mine.error;
    }
    if (durability == Durability.ASYNC && tailWaiters > 0) {
      synchronized (sync) {
        sync.notifyAll();
      }
    }
    return mine.sequence;
  }

  /** Pushes a record on the stack of queued records (lock-free). */
  private void push(PendingWrite node) {
    PendingWrite top;
    do {
      top = queued;
      node.next = top;
    } while (!QUEUED.compareAndSet(this, top, node));
  }

  /** Takes every queued record, oldest first; null if none. */
  private PendingWrite drain() {
    PendingWrite top = (PendingWrite) QUEUED.getAndSet(this, null);
    PendingWrite oldest = null;
    while (top != null) {
      PendingWrite below = top.next;
      top.next = oldest;
      oldest = top;
      top = below;
    }
    return oldest;
  }

  /**
   * Releases writeLock and wakes the appender whose record is on top of the queue, if any: every queued record was
   * pushed before its appender's failed tryLock, which came before this release, so unless this holder drained it,
   * somebody must combine it, and whoever takes writeLock next drains them all. Every holder of writeLock releases it
   * here, combining or not (retention, truncation and close hold it too).
   */
  private void unlockWrite() {
    writeLock.unlock();
    PendingWrite next = queued;
    if (next != null) {
      LockSupport.unpark(next.thread);
    }
  }

  /**
   * Writes every queued record with one write per segment (or per {@link #MAX_BATCH} bytes): takes their sequences
   * in queue order, seals them into the batch, rolls the segment where needed, publishes {@code written}, and wakes
   * the appenders that only wanted their record written. If any wanted it durable, forces once for all of them,
   * publishes {@code durable} and marks those appenders finished; they are woken by {@link #wake} after writeLock is
   * released, or here if this throws. Returns the records taken (linked through {@code next}), null if none. Called
   * under writeLock.
   */
  private PendingWrite combine() {
    PendingWrite first = drain();
    if (first == null) {
      return null;
    }
    PendingWrite unwritten = first;
    boolean anyForced = false;
    boolean thrown = false;
    JournalException error = null;
    try {
      if (closed || failure != null) {
        error = closed ? new JournalException("journal-closed", "journal " + directory + " is closed")
            : failedCopy();
        unwritten = first;
        return first;
      }
      int currentKeyId = currentKeyId();
      if (currentKeyId != active.keyId) {
        checkCurrentKey(currentKeyId);
      }
      batch.clear();
      long lastSequence = -1;
      int extra = currentKeyId != 0 ? Aead.OVERHEAD : 0;
      // The key of the segment the records are sealed into, looked up once per segment of the batch, before its
      // first record takes a sequence: a lookup that fails after records took theirs, unwritten, left a gap.
      SecretKey sealing = null;
      Segment sealingFor = null;
      for (PendingWrite node = first; node != null; node = node.next) {
        long sequence = nextSequence;
        int size = Format.FRAME_HEADER_SIZE + node.payload.length + extra;
        long segmentBytes = writePosition + batch.position();
        if (segmentBytes > Format.HEADER_SIZE
            && (segmentBytes + size > segmentSize || !isCurrent(active.keyId, active.version, currentKeyId))) {
          flush(lastSequence);
          unwritten = node;
          roll(sequence, currentKeyId);
        }
        if (batch.remaining() < size) {
          flush(lastSequence);
          unwritten = node;
          if (batch.capacity() < size) {
            batch = ByteBuffer.allocate(size);
          }
        }
        if (active.keyId != 0 && sealingFor != active) {
          sealing = key(active.keyId); // every record of the batch before this one is flushed
          sealingFor = active;
        }
        int at = batch.position();
        byte[] array = batch.array();
        if (active.keyId != 0) {
          byte[] sealed = Aead.seal(sealing, node.payload, 0, node.payload.length,
              Format.aad(active.version, identity, sequence));
          System.arraycopy(sealed, 0, array, at + Format.FRAME_HEADER_SIZE, sealed.length);
          size = Format.FRAME_HEADER_SIZE + sealed.length;
        } else {
          System.arraycopy(node.payload, 0, array, at + Format.FRAME_HEADER_SIZE, node.payload.length);
          size = Format.FRAME_HEADER_SIZE + node.payload.length;
        }
        Format.sealFrame(array, at, size - Format.FRAME_HEADER_SIZE, sequence, crc);
        active.index.maybeAdd(sequence, writePosition + at);
        batch.position(at + size);
        node.sequence = sequence;
        anyForced |= node.forced;
        nextSequence = sequence + 1;
        lastSequence = sequence;
      }
      flush(lastSequence);
      unwritten = null;
      if (batch.capacity() > MAX_BATCH) {
        batch = ByteBuffer.allocate(MAX_BATCH);
      }
      finishWritten(first);
      if (anyForced) {
        forceWritten();
      }
      return first;
    } catch (JournalException e) {
      error = e;
      return first;
    } catch (RuntimeException | Error e) {
      thrown = true;
      // Sequences were taken for frames that were not written: appending on would leave a gap, so stop.
      synchronized (sync) {
        if (failure == null) {
          failure = new JournalException("journal-failed", "journal " + directory + " stopped after an unexpected "
              + "error while writing: " + e + "; records up to sequence " + durable.sequence() + " are durable", e);
          LOG.log(System.Logger.Level.ERROR, failure.getMessage());
        }
        notifyAllLocked();
      }
      error = failedCopy();
      throw e;
    } finally {
      // Records before `unwritten` were written; a forced one succeeded only if `durable` covers it.
      boolean written = true;
      for (PendingWrite node = first; node != null; node = node.next) {
        if (node == unwritten) {
          written = false;
        }
        if (!node.finished) {
          if (!written || (node.forced && durable.sequence() < node.sequence)) {
            node.error = error != null ? error : failedCopy();
          }
          node.finished = true;
          if (thrown) {
            LockSupport.unpark(node.thread);
          }
        }
      }
    }
  }

  /** Finishes and wakes the written records whose appenders did not ask for them to be forced. */
  private static void finishWritten(PendingWrite first) {
    for (PendingWrite node = first; node != null; node = node.next) {
      if (!node.forced) {
        node.finished = true;
        node.woken = true;
        LockSupport.unpark(node.thread);
      }
    }
  }

  /**
   * Wakes the appenders of the records {@link #combine} finished (linked through {@code next}, which no appender
   * changes once its record is taken), except the calling thread and those already woken.
   */
  private static void wake(PendingWrite first) {
    Thread self = Thread.currentThread();
    for (PendingWrite node = first; node != null; node = node.next) {
      if (!node.woken && node.thread != self) {
        LockSupport.unpark(node.thread);
      }
    }
  }

  /**
   * Forces the active segment up to {@code written} unless {@code durable} already covers it, and publishes it as
   * durable. Called under writeLock, so no roll or truncation runs meanwhile.
   */
  private void forceWritten() {
    Position target;
    forceLock.lock();
    try {
      target = written;
      if (target.sequence() <= durable.sequence()) {
        return;
      }
      refuseForceAfterFailure();
      try {
        forceUninterruptibly(target.segment().channel);
      } catch (IOException e) {
        throw failForce(e, "forcing " + target.segment().file);
      }
    } finally {
      forceLock.unlock();
    }
    synchronized (sync) {
      forces++;
      if (target.sequence() > durable.sequence()) {
        durable = target;
      }
      notifyAllLocked();
    }
  }

  /** The id of the key new records are sealed with (0: none), as the provider says now. */
  private int currentKeyId() {
    return keyProvider == null ? 0 : keyProvider.currentKeyId();
  }

  /**
   * Fails, before anything is written, unless the provider (if any) has the key {@code keyId} it names as current:
   * a segment begun with another id would hold records nothing can open.
   */
  private void checkCurrentKey(int keyId) {
    if (keyProvider != null && (keyId <= 0 || keyProvider.key(keyId).isEmpty())) {
      throw new JournalException("journal-crypto", "the key provider of journal " + directory + " names key id "
          + keyId + " as current, but " + (keyId <= 0 ? "key ids are positive" : "does not have that key")
          + "; nothing was written");
    }
  }

  /** Writes the batch into the active segment and publishes it as written. Called under writeLock. */
  private void flush(long lastSequence) {
    if (batch.position() == 0) {
      return;
    }
    batch.flip();
    Segment segment = active;
    long at = writePosition;
    int length = batch.remaining();
    try {
      boolean interrupted = Thread.interrupted();
      try {
        preallocate(segment, at + length);
        segment.channel.writeFully(batch, at);
      } finally {
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
    } catch (IOException e) {
      throw fail(e, "writing sequences up to " + lastSequence + " to " + segment.file);
    }
    batch.clear();
    writePosition = at + length;
    written = new Position(lastSequence, segment, writePosition);
  }

  /**
   * Zero-fills the active segment from where its frames end after this write ({@code end}) up to
   * {@link #PREALLOCATION} bytes further, within the segment size, unless that part is zero-filled already. Called
   * under writeLock.
   */
  private void preallocate(Segment segment, long end) {
    if (end + PREALLOCATION / 2 <= preallocatedEnd) {
      return;
    }
    long from = Math.max(preallocatedEnd, end);
    long to = Math.max(from, Math.min(segmentSize, end + PREALLOCATION));
    try {
      for (long at = from; at < to; ) {
        ByteBuffer zeros = ZEROS.duplicate();
        zeros.limit((int) Math.min(zeros.capacity(), to - at));
        segment.channel.writeFully(zeros, at);
        at += zeros.limit();
      }
      preallocatedEnd = Math.max(to, end);
    } catch (IOException e) {
      // Zeros are only an optimisation: a disk too full for a megabyte ahead may still take the records. Stop
      // zero-filling this segment and let the records' own write and force fail (and stop the journal) if the disk
      // cannot take them. Whatever part of the zeros was written reads as the end of the data.
      preallocatedEnd = Long.MAX_VALUE;
      LOG.log(System.Logger.Level.WARNING, "journal " + directory + ": cannot zero-fill " + segment.file
          + " ahead of offset " + from + " (" + e + "); appending without it until the next segment");
    }
  }

  /**
   * Cuts the zero-filled part off a segment that is no longer appended to. Not forced: if a crash undoes it, the next
   * open reads the zeros as the end of the data. Cursors never map past the committed end, which is at or below
   * {@code end}, so the cut touches no mapped page. A failure is logged: the zeros do no harm.
   */
  private void trim(StorageChannel channel, long end, Segment segment) {
    try {
      if (channel.size() > end) {
        channel.truncate(end);
      }
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "journal " + directory + ": cannot cut the zero-filled tail off "
          + segment.file + " at " + end + ": " + e);
    }
  }

  /**
   * Closes the active segment and starts the next one at {@code next}, sealed with {@code keyId}. Called under
   * writeLock.
   */
  private void roll(long next, int keyId) {
    Segment old = active;
    long oldEnd = writePosition;
    forceLock.lock();
    try {
      refuseForceAfterFailure();
      try {
        forceUninterruptibly(old.channel);
      } catch (IOException e) {
        throw failForce(e, "forcing " + old.file + " before starting a new segment");
      }
      old.finalEnd = oldEnd;
      trim(old.channel, oldEnd, old);
      synchronized (sync) {
        forces++;
        if (next - 1 > durable.sequence()) {
          durable = new Position(next - 1, old, oldEnd);
        }
        notifyAllLocked();
      }
      closeQuietly(old.channel, null);
      old.channel = null;
      Segment segment = new Segment(directory.resolve(Format.segmentName(next)), next, keyId,
          Format.versionFor(keyId), new SparseIndex());
      try {
        segment.channel = createSegmentFile(io, directory, next, keyId);
      } catch (IOException e) {
        throw fail(e, "creating segment " + segment.file);
      }
      List<Segment> list = new ArrayList<>(segments);
      list.add(segment);
      segments = List.copyOf(list);
      active = segment;
      writePosition = Format.HEADER_SIZE;
      preallocatedEnd = Format.HEADER_SIZE;
    } finally {
      forceLock.unlock();
    }
  }

  /** A thread parked in {@link #awaitDurable} until {@code sequence} is durable. */
  private static final class DurableWaiter {
    final long sequence;
    final Thread thread;

    DurableWaiter(long sequence, Thread thread) {
      this.sequence = sequence;
      this.thread = thread;
    }
  }

  @Override
  public void awaitDurable(long sequence) {
    if (durable.sequence() >= sequence) {
      return;
    }
    DurableWaiter me = null;
    boolean interrupted = false;
    long yieldUntil = 0;
    try {
      while (true) {
        synchronized (sync) {
          if (durable.sequence() >= sequence) {
            leaveLocked(me);
            return;
          }
          if (failure != null) {
            leaveLocked(me);
            throw failedCopy();
          }
          if (sequence > written.sequence()) {
            leaveLocked(me);
            throw new JournalException("sequence-out-of-range", "sequence " + sequence + " of journal "
                + directory + " was never written or was truncated; the last is " + written.sequence());
          }
          if (forcing) {
            if (me == null) {
              me = new DurableWaiter(sequence, Thread.currentThread());
              durableQueue.addLast(me);
              durableWaiters++;
            }
          } else {
            forcing = true;
            leaveLocked(me);
            me = null;
          }
        }
        if (me == null) {
          forceAsLeader();
        } else if (yieldNanos > 0 && yieldUntil == 0) {
          // Yield the CPU while the leader forces, until this sequence is durable, nobody forces any more (this
          // thread may have to lead) or the time is up; then check again under sync, and park if still waiting.
          yieldUntil = clock.nanoTime() + yieldNanos;
          do {
            Thread.yield();
          } while (durable.sequence() < sequence && forcing && failure == null
              && clock.nanoTime() - yieldUntil < 0);
        } else {
          LockSupport.park(this);
          interrupted |= Thread.interrupted();
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Takes {@code me} (if registered) out of the waiters, and if nobody forces while others still wait, unparks the
   * first of them to lead. Called under sync.
   */
  private void leaveLocked(DurableWaiter me) {
    if (me != null && durableQueue.remove(me) && --durableWaiters == 0) {
      sync.notifyAll(); // a truncation waits for the last waiter to leave
    }
    if (!forcing && !durableQueue.isEmpty()) {
      LockSupport.unpark(durableQueue.peekFirst().thread);
    }
  }

  /** Wakes everything that waits for a change of the journal: the monitor's waiters and the parked durability ones. */
  private void notifyAllLocked() {
    sync.notifyAll();
    wakeDurableLocked(true);
  }

  /**
   * Unparks the registered waiters: all of them, or ({@code all} false, after a leader's force) those whose sequence
   * is durable now and the first one that is not, to lead the next force. Called under sync.
   */
  private void wakeDurableLocked(boolean all) {
    long now = durable.sequence();
    boolean leaderWoken = false;
    for (DurableWaiter waiter : durableQueue) {
      if (all || waiter.sequence <= now) {
        LockSupport.unpark(waiter.thread);
      } else if (!leaderWoken) {
        LockSupport.unpark(waiter.thread);
        leaderWoken = true;
      }
    }
  }

  /** Forces for every waiting appender; the caller set {@code forcing}. */
  private void forceAsLeader() {
    Position target;
    boolean forced = false;
    JournalException failed = null;
    forceLock.lock();
    try {
      target = written;
      if (target.sequence() > durable.sequence() && failure == null) {
        try {
          forceUninterruptibly(target.segment().channel);
          forced = true;
        } catch (IOException e) {
          // Recorded before forceLock is released: see refuseForceAfterFailure.
          failed = failForce(e, "forcing " + target.segment().file);
        }
      }
    } finally {
      forceLock.unlock();
    }
    synchronized (sync) {
      forcing = false;
      if (forced) {
        forces++;
        if (target.sequence() > durable.sequence()) {
          durable = target;
        }
      }
      sync.notifyAll();
      wakeDurableLocked(failure != null);
    }
    if (failed != null) {
      throw failed;
    }
  }

  /**
   * Fails, under forceLock, if the journal stopped: no force may follow a failed one. After a failed fsync the kernel
   * may have dropped the pages it could not write and report the error only once, so a later force of the same file
   * can succeed without them; publishing it would make records after the lost ones count as durable. A failed force
   * is recorded before forceLock is released, so every force either ended before the failure or sees it here.
   */
  private void refuseForceAfterFailure() {
    if (failure != null) {
      throw failedCopy();
    }
  }

  private static void forceUninterruptibly(StorageChannel channel) throws IOException {
    boolean interrupted = Thread.interrupted();
    try {
      channel.force();
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void force() {
    long last = written.sequence();
    if (last > durable.sequence()) {
      awaitDurable(last);
    } else if (failure != null) {
      throw failedCopy();
    }
  }

  private void scheduleAsyncForce() {
    synchronized (sync) {
      if (!closed && failure == null) {
        asyncTask = scheduler.schedule(this::asyncTick, asyncInterval.toNanos());
      }
    }
  }

  private void asyncTick() {
    if (closed || failure != null) {
      return;
    }
    try {
      long last = written.sequence();
      if (last > durable.sequence()) {
        awaitDurableFromTimer(last);
      }
    } catch (JournalException e) {
      if (failure != null) {
        // The journal stopped; every later call reports the failure (see reportTimerFailure), and the timer ends.
        reportTimerFailure();
        return;
      }
      if (closed) {
        return;
      }
      // A truncation took the records it was forcing away (sequence-out-of-range) between its read of the last
      // written one and its wait: the records appended after still need the timer, which must not end here.
    }
    scheduleAsyncForce();
  }

  private void ensureWritable() {
    if (closed) {
      throw new JournalException("journal-closed", "journal " + directory + " is closed");
    }
    if (failure != null) {
      throw failedCopy();
    }
  }

  /** Stops the journal after an I/O error (the first error wins) and returns the exception to throw. */
  private JournalException fail(IOException error, String what) {
    JournalException failed;
    synchronized (sync) {
      failed = recordFailure(error, what);
      notifyAllLocked();
    }
    return failed;
  }

  /**
   * Stops the journal after a failed force, as {@link #fail}, and if that force stopped it, leaves the marker of
   * the failure ({@link #markForceFailed}). Called under forceLock, so no force runs meanwhile.
   */
  private JournalException failForce(IOException error, String what) {
    boolean first;
    long durableThen;
    JournalException failed;
    synchronized (sync) {
      first = failure == null;
      durableThen = durable.sequence();
      failed = recordFailure(error, what);
    }
    if (first) {
      markForceFailed(durableThen);
    }
    synchronized (sync) {
      notifyAllLocked();
    }
    return failed;
  }

  /**
   * Leaves {@link #FORCE_FAILED_MARKER} in the directory, naming {@code durableSequence}, the last record forced
   * before the failure (no force succeeds after a failed one): after a failed fsync the kernel may have marked the
   * pages it could not write clean, so a reopen before a restart of the machine would read the records after it back
   * from memory and count them as durable; the next open cuts them off instead (see {@link #cutAfterFailedForce}).
   * Best effort, under forceLock and before the failure wakes anyone (so a close and reopen sees it): the disk has
   * just failed a force, so the marker's own force may fail too, which is ignored (a reopen before a restart reads it
   * from memory, and that is the case it is for); if it cannot be written at all, that is logged.
   */
  private void markForceFailed(long durableSequence) {
    Path tmp = directory.resolve(FORCE_FAILED_MARKER_TMP);
    byte[] text = ("durableSequence=" + durableSequence + "\n").getBytes(StandardCharsets.UTF_8);
    try {
      io.delete(tmp);
      try (StorageChannel channel = io.open(tmp, StorageIo.OpenMode.CREATE_NEW)) {
        channel.writeFully(ByteBuffer.wrap(text), 0);
        try {
          channel.force();
        } catch (IOException e) {
          LOG.log(System.Logger.Level.WARNING, "journal " + directory + ": cannot force the marker of the failed"
              + " force: " + e);
        }
      }
      io.move(tmp, directory.resolve(FORCE_FAILED_MARKER));
      try {
        io.forceDirectory(directory);
      } catch (IOException e) {
        LOG.log(System.Logger.Level.WARNING, "journal " + directory + ": cannot force the directory after leaving"
            + " the marker of the failed force: " + e);
      }
    } catch (IOException | RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, "journal " + directory + ": cannot leave the marker "
          + FORCE_FAILED_MARKER + " of the failed force: a reopen before a restart of the machine may count records"
          + " after sequence " + durableSequence + " as durable though the disk may not hold them: " + e);
    }
  }

  /** Called under sync. */
  private JournalException recordFailure(IOException error, String what) {
    if (failure == null) {
      failure = new JournalException("journal-failed", "journal " + directory + " stopped after an I/O error "
          + what + ": " + error + "; every later append fails; records up to sequence " + durable.sequence()
          + " are durable and stay readable; reopen the journal to append again (after a failed force, opening cuts"
          + " off the later records, which the disk may not hold)", error);
      LOG.log(System.Logger.Level.ERROR, failure.getMessage());
    }
    return failedCopy();
  }

  private JournalException failedCopy() {
    JournalException first = failure;
    return new JournalException("journal-failed", first.getMessage(), first.getCause());
  }

  // ---------------------------------------------------------------------------------------------------- reading

  @Override
  public JournalCursor read(long fromSequence) {
    if (closed) {
      throw new JournalException("journal-closed", "journal " + directory + " is closed");
    }
    long first = firstSequence();
    long last = written.sequence();
    if (fromSequence < first || fromSequence > last + 1) {
      throw new JournalException("sequence-out-of-range", "cannot read journal " + directory + " from sequence "
          + fromSequence + ": it holds sequences " + first + ".." + last);
    }
    return new Cursor(this, fromSequence, generation);
  }

  /** What cursors may read: forced records in SYNC, written records in ASYNC. */
  Position committed() {
    return durability == Durability.SYNC ? durable : written;
  }

  /** The end offset below which {@code segment} holds only complete, committed frames. */
  static long safeEnd(Segment segment, Position committed) {
    if (committed.segment() == segment) {
      return committed.end();
    }
    long end = segment.finalEnd;
    return end >= 0 ? end : Format.HEADER_SIZE;
  }

  /** The segment holding {@code sequence} (the last one starting at or before it); null if below the first. */
  Segment segmentFor(long sequence) {
    List<Segment> list = segments;
    Segment found = null;
    for (Segment segment : list) {
      if (segment.firstSequence <= sequence) {
        found = segment;
      } else {
        break;
      }
    }
    return found;
  }

  /** The segment whose first sequence is {@code sequence}; null if none. */
  Segment segmentStarting(long sequence) {
    for (Segment segment : segments) {
      if (segment.firstSequence == sequence) {
        return segment;
      }
    }
    return null;
  }

  StorageIo io() {
    return io;
  }

  /** The directory's identity, which records of version-2 segments authenticate; null without a key provider. */
  byte[] identity() {
    return identity;
  }

  /** The key that segments sealed with {@code keyId} need; checked present at open and at roll. */
  SecretKey key(int keyId) {
    return keyProvider.key(keyId).orElseThrow(() -> new JournalException("journal-crypto", "journal " + directory
        + " has no key with id " + keyId));
  }

  void checkGeneration(int cursorGeneration) {
    if (generation != cursorGeneration) {
      throw new JournalException("cursor-invalidated", "journal " + directory
          + " was truncated after this cursor was opened; open a new cursor");
    }
  }

  /** Blocks until {@code sequence} is committed, or throws why it never will be for this cursor. */
  void awaitCommitted(long sequence, int cursorGeneration) throws InterruptedException {
    synchronized (sync) {
      tailWaiters++;
      try {
        while (committed().sequence() < sequence && !closed && failure == null && generation == cursorGeneration) {
          sync.wait();
        }
      } finally {
        tailWaiters--;
      }
      if (committed().sequence() >= sequence || generation != cursorGeneration) {
        return;
      }
      if (failure != null) {
        throw failedCopy();
      }
      throw new JournalException("journal-closed", "journal " + directory + " closed while a cursor waited for "
          + "sequence " + sequence);
    }
  }

  // ---------------------------------------------------------------------------------------------------- retention

  @Override
  public long deleteBelow(long sequence) {
    writeLock.lock();
    try {
      ensureWritable();
      List<Segment> list = segments;
      int count = 0;
      while (count < list.size() - 1 && list.get(count + 1).firstSequence <= sequence) {
        count++;
      }
      if (count == 0) {
        return 0;
      }
      long removed = 0;
      try {
        for (int i = 0; i < count; i++) {
          io.delete(list.get(i).file);
          // Each deletion durable before the next: the file system need not keep their order otherwise, and an
          // older segment left behind a newer one's deletion would be a gap (corruption) at the next open.
          io.forceDirectory(directory);
          removed = list.get(i + 1).firstSequence - list.get(0).firstSequence;
          segments = List.copyOf(list.subList(i + 1, list.size()));
        }
      } catch (IOException e) {
        throw new JournalException("journal-io", "retention of journal " + directory + " below sequence "
            + sequence + " failed after removing " + removed + " record(s): " + e, e);
      }
      LOG.log(System.Logger.Level.DEBUG, "journal " + directory + ": retention removed " + count
          + " segment(s), " + removed + " record(s) below sequence " + segments.get(0).firstSequence);
      return removed;
    } finally {
      unlockWrite();
    }
  }

  @Override
  public long truncateAfter(long sequence) {
    writeLock.lock();
    try {
      ensureWritable();
      long last = nextSequence - 1;
      if (sequence >= last) {
        return 0;
      }
      long first = segments.get(0).firstSequence;
      int currentKeyId = currentKeyId();
      checkCurrentKey(currentKeyId);
      if (sequence < first - 1) {
        throw new JournalException("sequence-out-of-range", "cannot truncate journal " + directory + " after sequence "
            + sequence + ": records below " + first + " were deleted by retention");
      }
      awaitDurable(last);
      boolean interrupted = false;
      synchronized (sync) {
        // Every record is durable now; wait until no appender or leader is still inside awaitDurable, so that none
        // publishes a position from before the cut.
        while (durableWaiters > 0 || forcing) {
          try {
            sync.wait();
          } catch (InterruptedException e) {
            interrupted = true;
          }
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      forceLock.lock();
      try {
        List<Segment> list = segments;
        Segment target = segmentFor(sequence + 1);
        int index = list.indexOf(target);
        long end = target == active ? writePosition : target.finalEnd;
        for (int i = list.size() - 1; i > index; i--) {
          Segment later = list.get(i);
          closeQuietly(later.channel, null);
          later.channel = null;
          io.delete(later.file);
          io.forceDirectory(directory);
        }
        if (target.channel == null) {
          target.channel = io.open(target.file, StorageIo.OpenMode.READ_WRITE);
        }
        long offset = offsetOf(target, sequence + 1, end);
        List<Segment> kept = new ArrayList<>(list.subList(0, index + 1));
        if (offset == Format.HEADER_SIZE && !isCurrent(target.keyId, target.version, currentKeyId)) {
          // Nothing of the segment is kept, and its header names another key (or none): start it again under the
          // current key, as opening does, since appends go on in the active segment under its header's key.
          closeQuietly(target.channel, null);
          target.channel = null;
          replaceEmptySegment(io, directory, target.file, target.firstSequence, currentKeyId);
          Segment restarted = new Segment(target.file, target.firstSequence, currentKeyId,
              Format.versionFor(currentKeyId), new SparseIndex());
          restarted.channel = io.open(target.file, StorageIo.OpenMode.READ_WRITE);
          kept.set(index, restarted);
          target = restarted;
        } else {
          target.channel = keepPrefix(target, offset);
          target.index.truncateAfter(sequence);
        }
        target.finalEnd = -1;
        active = target;
        writePosition = offset;
        preallocatedEnd = offset;
        nextSequence = sequence + 1;
        segments = List.copyOf(kept);
        Position position = new Position(sequence, target, offset);
        written = position;
        generation++;
        synchronized (sync) {
          durable = position;
          // The records commitLater left to the timer beyond the cut are gone; a pending timer aiming at them would
          // find them never written and give up, leaving unforced the records written after the cut with lower
          // sequences (commitLater raises laterSequence only).
          if (laterSequence > sequence) {
            laterSequence = sequence;
          }
          notifyAllLocked();
        }
      } catch (IOException e) {
        throw fail(e, "truncating after sequence " + sequence);
      } finally {
        forceLock.unlock();
      }
      LOG.log(System.Logger.Level.INFO, "journal " + directory + ": truncated " + (last - sequence)
          + " record(s) after sequence " + sequence);
      return last - sequence;
    } finally {
      unlockWrite();
    }
  }

  /**
   * Replaces the file of {@code segment} (whose channel is open) by a copy of its first {@code length} bytes: written
   * to a temporary file, forced, renamed over the segment, directory forced. Returns the new file's channel. An open
   * journal never cuts a segment file in place below its committed end, because cursors may have its pages mapped
   * ({@link Cursor}) and reading a mapped page past the end of a file is a SIGBUS; the old file lives on, unlinked,
   * until its mappings go. A crash before the rename leaves the old file and a temporary one, which the next open
   * deletes. Called under writeLock and forceLock.
   */
  private StorageChannel keepPrefix(Segment segment, long length) throws IOException {
    Path tmp = directory.resolve(segment.file.getFileName() + TMP_SUFFIX);
    io.delete(tmp);
    StorageChannel copy = io.open(tmp, StorageIo.OpenMode.CREATE_NEW);
    try {
      ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(Math.max(length, 1), MAX_BATCH));
      for (long at = 0; at < length; ) {
        chunk.clear().limit((int) Math.min(chunk.capacity(), length - at));
        int read = segment.channel.readFully(chunk, at);
        if (read < chunk.limit()) {
          throw new IOException(segment.file + " ends at " + (at + read) + " before offset " + length);
        }
        chunk.flip();
        copy.writeFully(chunk, at);
        at += read;
      }
      copy.force();
      closeQuietly(segment.channel, null);
      segment.channel = null;
      io.move(tmp, segment.file);
      io.forceDirectory(directory);
      return copy;
    } catch (IOException | RuntimeException e) {
      closeQuietly(copy, e);
      throw e;
    }
  }

  /** Deletes what a truncation that a crash interrupted left behind (see {@link #keepPrefix}). */
  private static void deleteTemporaryCopies(StorageIo io, Path directory) throws IOException {
    boolean deleted = false;
    for (Path file : io.list(directory)) {
      String name = file.getFileName().toString();
      if (name.endsWith(Format.SUFFIX + TMP_SUFFIX)) {
        deleted |= io.delete(file);
      }
    }
    if (deleted) {
      io.forceDirectory(directory);
    }
  }

  /** The offset of the frame of {@code sequence} in {@code segment}, walking frame headers from the sparse index. */
  private static long offsetOf(Segment segment, long sequence, long end) throws IOException {
    long[] floor = segment.index.floor(sequence);
    long at = floor == null ? Format.HEADER_SIZE : floor[1];
    long current = floor == null ? segment.firstSequence : floor[0];
    WindowReader reader = new WindowReader(segment.channel, end);
    while (current < sequence) {
      at += Format.FRAME_HEADER_SIZE + reader.getInt(at);
      current++;
    }
    return at;
  }

  // ---------------------------------------------------------------------------------------------------- state

  @Override
  public long firstSequence() {
    return segments.get(0).firstSequence;
  }

  @Override
  public long lastSequence() {
    return written.sequence();
  }

  @Override
  public long durableSequence() {
    return durable.sequence();
  }

  @Override
  public long unforcedRecords() {
    return Math.max(0, written.sequence() - durable.sequence());
  }

  @Override
  public long forces() {
    synchronized (sync) {
      return forces;
    }
  }

  @Override
  public OpenReport openReport() {
    return openReport;
  }

  @Override
  public Durability durability() {
    return durability;
  }

  @Override
  public Path directory() {
    return directory;
  }

  @Override
  public Optional<JournalException> failure() {
    return Optional.ofNullable(failure);
  }

  @Override
  public void close() {
    writeLock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
    } finally {
      unlockWrite();
    }
    Scheduler.Task task;
    synchronized (sync) {
      task = asyncTask;
      asyncTask = null;
    }
    if (task != null) {
      task.cancel();
    }
    JournalException error = null;
    // An owner that failed to open on this journal (closeAbandoned) leaves the loss it reported to the next open:
    // in ASYNC the marker of this session records at least that loss's window, so it stays; in SYNC it comes back.
    boolean keepLoss = abandoned && reportedMarker != null;
    if (failure == null) {
      try {
        force();
        if (durability == Durability.ASYNC && !keepLoss) {
          io.delete(directory.resolve(ASYNC_MARKER));
          io.forceDirectory(directory);
        }
      } catch (JournalException e) {
        error = e;
      } catch (IOException e) {
        error = new JournalException("journal-io", "cannot remove the ASYNC session marker of journal "
            + directory + ": " + e, e);
      }
    }
    if (keepLoss && durability == Durability.SYNC) {
      try {
        putAsyncMarker(io, directory, reportedMarker);
      } catch (IOException e) {
        JournalException restoring = new JournalException("journal-io", "cannot put back the marker of the"
            + " unclean ASYNC session of journal " + directory + ", so the next open will not report its possible"
            + " loss again (" + openReport.possibleLoss().map(OpenReport.AsyncWindowLoss::describe).orElse("")
            + "): " + e, e);
        if (error == null) {
          error = restoring;
        } else {
          error.addSuppressed(restoring);
        }
      }
    }
    forceLock.lock();
    try {
      if (failure == null && active.channel != null) {
        trim(active.channel, writePosition, active);
      }
      closeQuietly(active.channel, error);
      active.channel = null;
    } finally {
      forceLock.unlock();
    }
    long committed;
    synchronized (sync) {
      // The records callers were told were committed: in ASYNC every written one, in SYNC those left to commitLater.
      committed = durability == Durability.ASYNC ? written.sequence() : laterSequence;
    }
    if (error == null && failure != null && committed > durable.sequence()) {
      // Close forces what was committed; after a failed force it cannot, and the callers may not have learnt that
      // (the force of the ASYNC timer, or of commitLater's in SYNC, fails with nobody waiting).
      error = new JournalException("journal-failed", "journal " + directory + " closed with committed record(s) "
          + (durable.sequence() + 1) + ".." + committed + " not durable, because it had stopped: "
          + failure.getMessage(), failure.getCause());
    }
    closeQuietly(lock, error);
    synchronized (sync) {
      notifyAllLocked();
    }
    if (error != null) {
      throw error;
    }
  }

  /**
   * Closes the journal for an owner that failed to open on it (such as {@code RecoverableState}, whose recovery
   * failed): as {@link #close}, except that the possible loss of an unclean ASYNC session that opening reported is
   * left to the next open to report again, since nobody received this open's report.
   */
  void closeAbandoned() {
    abandoned = true;
    close();
  }

  static void closeQuietly(Closeable closeable, Throwable primary) {
    if (closeable == null) {
      return;
    }
    try {
      closeable.close();
    } catch (IOException | RuntimeException e) {
      if (primary != null) {
        primary.addSuppressed(e);
      }
    }
  }

  @Override
  public String toString() {
    return "Journal[" + directory + ", " + durability + ", sequences " + firstSequence() + ".." + lastSequence()
        + "]";
  }

  /** Translates a missing segment file into the error a cursor reports. */
  static JournalException missingSegment(Segment segment, long sequence, NoSuchFileException e) {
    return new JournalException("sequence-out-of-range", "segment " + segment.file + " holding sequence " + sequence
        + " was deleted by retention", e);
  }
}
