package dev.faultline.state;

import dev.faultline.core.Clock;
import dev.faultline.core.Scheduler;
import dev.faultline.core.event.FaultEventListener;
import dev.faultline.core.event.StateEvent;
import dev.faultline.core.internal.Events;
import dev.faultline.core.internal.Validate;
import dev.faultline.state.checkpoint.Checkpoint;
import dev.faultline.state.checkpoint.CheckpointException;
import dev.faultline.state.checkpoint.CheckpointInfo;
import dev.faultline.state.checkpoint.CheckpointProblem;
import dev.faultline.state.checkpoint.CheckpointSelection;
import dev.faultline.state.checkpoint.CheckpointStore;
import dev.faultline.state.crypto.KeyProvider;
import dev.faultline.state.internal.JournalAccess;
import dev.faultline.state.io.StorageIo;
import dev.faultline.state.journal.Durability;
import dev.faultline.state.journal.Journal;
import dev.faultline.state.journal.JournalBuilder;
import dev.faultline.state.journal.JournalCursor;
import dev.faultline.state.journal.JournalDamage;
import dev.faultline.state.journal.JournalException;
import dev.faultline.state.journal.JournalRecord;
import dev.faultline.state.journal.OpenReport;
import dev.faultline.state.journal.VerifyReport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * State that survives crashes: every event is journaled before it counts, the state is checkpointed every
 * {@code checkpointEvery} events, every {@code checkpointInterval} or on demand, and opening rebuilds it from the
 * newest valid checkpoint plus the journal records after it.
 *
 * <h2>Directory</h2>
 * One directory holds the journal's segments and the checkpoints (see {@link Journal} and {@link CheckpointStore});
 * the journal's lock keeps a second process out of both.
 *
 * <h2>Recovery</h2>
 * Opening first builds a {@link RecoveryPlan} (the newest valid checkpoint the journal can continue, the journal range
 * to replay, the checkpoints it skipped and why, the torn tail the journal cut off), logs it, then executes it and
 * publishes {@link StateEvent.StateRecovered} with the records replayed and discarded. The journal itself publishes
 * {@link StateEvent.DataLost} for a torn tail or an ASYNC loss window. Checkpoints that cover records beyond the end
 * of the journal cannot be continued by it and are deleted (and reported in the plan), unless the state cannot be
 * recovered at all ({@code state-unrecoverable}): then none is deleted, as one of them may be the only copy of it.
 *
 * <h2>Rollback</h2>
 * {@link #rollback(RollbackTarget)} returns the state to a checkpoint, a journal sequence or a time (the newest
 * checkpoint at or before it). The journal after that point is <b>truncated</b>, not kept on a branch: the discarded
 * records are counted in {@link StateEvent.StateRolledBack} and in the {@link RollbackResult}, and checkpoints
 * covering them are deleted first, so a crash during the rollback leaves a consistent, possibly longer, history.
 * The ids of deleted checkpoints are never issued again (see {@link CheckpointStore}): a checkpoint id always names
 * the same snapshot, while journal sequences after the rollback point are reused by the new history.
 *
 * <h2>Retention</h2>
 * After each checkpoint the oldest checkpoints beyond {@code keepCheckpoints} are deleted and, unless disabled, the
 * journal segments wholly covered by the oldest remaining checkpoint: rollback can reach any point from the oldest
 * remaining checkpoint on.
 *
 * <h2>Concurrency</h2>
 * <pre>
 * stateLock guards state, applied, sinceCheckpoint, lastCheckpointNanos, checkpointClaimed and closed. apply() runs
 *   the state machine and writes the event to the journal under it, so journal order is state order; it waits for
 *   durability (group commit with other appliers) after releasing it.
 * checkpointLock serialises checkpoints, rollbacks and close; it is always taken before stateLock, never after. A
 *   checkpoint captures the state under stateLock (Codec.capture) and encodes it after releasing it, so appliers wait
 *   only for the capture. An automatic checkpoint is claimed (checkpointClaimed) by the apply that made it due and
 *   runs on the checkpoint executor, which unclaims it when done; close waits for a checkpoint in progress, and one
 *   that starts after close finds the state closed and writes nothing.
 * Events are published outside both locks.
 * </pre>
 * Thread-safe. After a journal failure every later {@link #apply} fails; {@link #state()} may then include the event
 * whose apply failed. Reopen to get the durable state.
 *
 * @param <S> the state type
 * @param <E> the event type
 */
public final class RecoverableState<S, E> implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(RecoverableState.class.getName());

  private final Path directory;
  private final String name;
  private final StateMachine<S, E> machine;
  private final Codec<S> stateCodec;
  private final Codec<E> eventCodec;
  private final Journal journal;
  private final CheckpointStore store;
  private final Events events;
  private final Clock clock;
  private final long checkpointEvery;
  private final long checkpointIntervalNanos;
  private final boolean amortizeCheckpoints;
  private final boolean retainJournal;
  private final RecoveryResult recovery;
  /** Where automatic checkpoints run: the builder's executor, or {@link #ownCheckpointThread}. */
  private final Executor checkpointExecutor;
  /** This state's own checkpoint thread (created when needed, idle ones end), or null if the builder gave one. */
  private final ThreadPoolExecutor ownCheckpointThread;

  private final ReentrantLock stateLock = new ReentrantLock();
  private final ReentrantLock checkpointLock = new ReentrantLock();
  private S state;
  private long applied;
  private long sinceCheckpoint;
  /**
   * Bytes of the events journaled since the last checkpoint's snapshot was taken (counted from zero again after a
   * rollback); guarded by stateLock.
   */
  private long bytesSinceCheckpoint;
  /** The size of the last checkpoint's snapshot written by this instance (0 before the first); guarded by stateLock. */
  private long lastSnapshotBytes;
  private long lastCheckpointNanos;
  private boolean checkpointClaimed;
  private boolean closed;
  /**
   * Why the journal refused an event after the machine had applied it (a write failed): the state in memory may then
   * hold a change that was never journaled (a machine may change its state in place), so no checkpoint may write it.
   * Null until then; guarded by stateLock.
   */
  private JournalException unwritten;

  private RecoverableState(Builder<S, E> config, Journal journal, CheckpointStore store, Events events, S state,
      long applied, long sinceCheckpoint, RecoveryResult recovery) {
    this.directory = config.directory;
    this.name = config.sourceName();
    this.machine = config.machine;
    this.stateCodec = config.stateCodec;
    this.eventCodec = config.eventCodec;
    this.journal = journal;
    this.store = store;
    this.events = events;
    this.clock = config.clock;
    this.checkpointEvery = config.checkpointEvery;
    this.checkpointIntervalNanos = config.checkpointInterval == null ? 0 : config.checkpointInterval.toNanos();
    this.amortizeCheckpoints = config.amortizeCheckpoints;
    this.retainJournal = config.retainJournal;
    this.recovery = recovery;
    if (config.checkpointExecutor != null) {
      this.ownCheckpointThread = null;
      this.checkpointExecutor = config.checkpointExecutor;
    } else {
      String threadName = "faultline-checkpoint-" + name;
      this.ownCheckpointThread = new ThreadPoolExecutor(0, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
        Thread t = new Thread(r, threadName);
        t.setDaemon(true);
        return t;
      });
      this.checkpointExecutor = ownCheckpointThread;
    }
    this.state = state;
    this.applied = applied;
    this.sinceCheckpoint = sinceCheckpoint;
    this.lastCheckpointNanos = clock.nanoTime();
  }

  /**
   * A builder for recoverable state in {@code directory}.
   *
   * @param machine the transitions
   * @param stateCodec encodes states into checkpoints
   * @param eventCodec encodes events into the journal
   */
  public static <S, E> Builder<S, E> builder(Path directory, StateMachine<S, E> machine, Codec<S> stateCodec,
      Codec<E> eventCodec) {
    return new Builder<>(directory, machine, stateCodec, eventCodec);
  }

  // ---------------------------------------------------------------------------------------------------- opening

  private static <S, E> RecoverableState<S, E> open(Builder<S, E> config) {
    Events events = new Events(config.clock, config.listeners);
    JournalBuilder journalBuilder = Journal.builder(config.directory).durability(config.durability)
        .asyncForceInterval(config.asyncForceInterval).asyncMaxUnforcedRecords(config.asyncMaxUnforcedRecords)
        .segmentSize(config.segmentSize).storage(config.storage).clock(config.clock).scheduler(config.scheduler)
        .name(config.sourceName()).keyProvider(config.keyProvider).requireEncryption(config.requireEncryption);
    config.listeners.forEach(journalBuilder::listener);
    Journal journal = journalBuilder.open();
    try {
      long last = journal.lastSequence();
      List<CheckpointInfo> beyond = new ArrayList<>();
      CheckpointStore store;
      CheckpointSelection selection;
      try {
        store = CheckpointStore.builder(config.directory).storage(config.storage).clock(config.clock)
            .keep(config.keepCheckpoints).keyProvider(config.keyProvider).requireEncryption(config.requireEncryption)
            .open();
        selection = store.latestValid(info -> {
          if (info.sequence() > last) {
            beyond.add(info);
            return false;
          }
          return true;
        });
      } catch (CheckpointException e) {
        if (!e.code().equals("checkpoint-crypto")) {
          throw e;
        }
        // As readOffline: the checkpoint's message names it, its key id and why; nothing was deleted yet.
        throw new StateException("state-crypto", "cannot recover " + config.directory + (config.keyProvider == null
            ? " without a key provider" : " with the given key provider") + ": " + e.getMessage()
            + "; no checkpoint was deleted", e);
      }
      Optional<Checkpoint> checkpoint = selection.checkpoint();
      long from = checkpoint.map(c -> c.sequence() + 1).orElse(1L);
      if (from < journal.firstSequence()) {
        // Refused before anything is deleted: a checkpoint beyond the journal's end may be the only copy of the
        // state (the journal lost its tail, and retention the records before it).
        List<CheckpointProblem> skipped = beyondJournal(beyond, last, "kept");
        skipped.addAll(selection.skipped());
        String why = "the journal starts at sequence " + journal.firstSequence() + " and no valid checkpoint covers"
            + " sequences " + from + ".." + (journal.firstSequence() - 1);
        List<CheckpointProblem> undecryptable = selection.skipped().stream()
            .filter(problem -> "checkpoint-crypto".equals(problem.code())).toList();
        if (!undecryptable.isEmpty()) {
          throw new StateException("state-crypto", "cannot recover " + config.directory + ": " + why
              + "; checkpoint(s) that would cannot be decrypted: " + undecryptable + "; no checkpoint was deleted");
        }
        throw new StateException("state-unrecoverable", "cannot recover " + config.directory + ": " + why
            + (skipped.isEmpty() ? "" : "; skipped: " + skipped) + "; no checkpoint was deleted");
      }
      List<CheckpointProblem> skipped = beyondJournal(beyond, last, "deleted");
      skipped.addAll(selection.skipped());
      if (!beyond.isEmpty()) {
        store.deleteAfter(last);
      }
      RecoveryPlan plan = new RecoveryPlan(config.directory, checkpoint.map(Checkpoint::info), skipped, from, last,
          journal.openReport().truncatedTail(), journal.openReport().possibleLoss());
      boolean clean = skipped.isEmpty() && plan.truncatedTail().isEmpty() && plan.possibleLoss().isEmpty();
      LOG.log(clean ? System.Logger.Level.INFO : System.Logger.Level.WARNING, plan.describe());

      long[] replayed = new long[1];
      S state = rebuild(config.directory, config.machine, config.stateCodec, config.eventCodec, journal, checkpoint,
          last, replayed);
      long discarded = plan.truncatedTail().map(d -> d.droppedRecords()).orElse(0L);
      RecoveryResult recovery = new RecoveryResult(plan, replayed[0], discarded);
      RecoverableState<S, E> recovered = new RecoverableState<>(config, journal, store, events, state, last,
          last - checkpoint.map(Checkpoint::sequence).orElse(0L), recovery);
      if (events.enabled()) {
        events.publish(new StateEvent.StateRecovered(recovered.name, events.now(),
            checkpoint.map(Checkpoint::id).orElse(null), replayed[0], discarded));
      }
      return recovered;
    } catch (Throwable t) {
      abandon(journal, t);
      throw t;
    }
  }

  /** The problems of checkpoints that cover records beyond the journal's {@code last}, saying what became of them. */
  private static List<CheckpointProblem> beyondJournal(List<CheckpointInfo> beyond, long last, String fate) {
    List<CheckpointProblem> problems = new ArrayList<>();
    for (CheckpointInfo info : beyond) {
      problems.add(new CheckpointProblem(info.file(), info.id(), "covers sequence " + info.sequence()
          + " beyond the journal's last record " + last + ", so the journal cannot continue it; " + fate,
          "checkpoint-beyond-journal"));
    }
    return problems;
  }

  /** Restores {@code checkpoint} (or the initial state) and replays the journal after it up to {@code to}. */
  /**
   * Closes a journal opened for work that failed with {@code failure}, which is about to be thrown: not a plain close,
   * since the open's report (an unclean ASYNC session's possible loss) reached nobody and the next open must give it
   * again. A failure of that close is added to {@code failure}.
   */
  private static void abandon(Journal journal, Throwable failure) {
    try {
      JournalAccess.closeAbandoned(journal);
    } catch (RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  private static <S, E> S rebuild(Path directory, StateMachine<S, E> machine, Codec<S> stateCodec,
      Codec<E> eventCodec, Journal journal, Optional<Checkpoint> checkpoint, long to, long[] replayed) {
    return rebuild(directory, machine, stateCodec, eventCodec, journal::read, checkpoint, to, replayed);
  }

  /**
   * The state the next open of {@code directory} would recover, read for a tool without changing anything and without
   * the directory's lock: the newest valid checkpoint that the journal can continue, then the journal's valid records
   * after it. A torn tail is not cut and an ASYNC session's loss marker is left for the next open to report; where a
   * failed force left its marker ({@code force-failed}, see {@link Journal}), the records after the durable sequence
   * it names are not read, as the next open cuts them (a warning names them). While a process has the directory open,
   * this is what its journal and checkpoints held at that moment. Encrypted state needs
   * {@link #readOffline(Path, StateMachine, Codec, Codec, StorageIo, KeyProvider)}.
   *
   * @throws StateException {@code state-missing} if {@code directory} holds no journal, {@code state-corrupted} if
   *     valid records follow damage in the journal or the marker of a failed force names no sequence (the next open
   *     would refuse either too), {@code state-crypto} if the state is encrypted, {@code state-unrecoverable} or
   *     {@code state-replay-failed} as {@link Builder#open()}
   */
  public static <S, E> S readOffline(Path directory, StateMachine<S, E> machine, Codec<S> stateCodec,
      Codec<E> eventCodec) {
    return readOffline(directory, machine, stateCodec, eventCodec, StorageIo.system(), null);
  }

  /**
   * As {@link #readOffline(Path, StateMachine, Codec, Codec)}, through {@code storage}, decrypting with
   * {@code keyProvider} (null: the state is not encrypted).
   *
   * @throws StateException {@code state-crypto} if a checkpoint or journal segment the recovery needs cannot be
   *     decrypted, naming it and why: encrypted with a key id the provider does not have (or without a provider),
   *     the wrong key for that id, or the directory's identity missing or damaged; and as
   *     {@link #readOffline(Path, StateMachine, Codec, Codec)}
   */
  public static <S, E> S readOffline(Path directory, StateMachine<S, E> machine, Codec<S> stateCodec,
      Codec<E> eventCodec, StorageIo storage, KeyProvider keyProvider) {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(storage, "storage");
    try {
      return readOfflineChecked(directory, machine, stateCodec, eventCodec, storage, keyProvider);
    } catch (CheckpointException e) {
      if (!e.code().equals("checkpoint-crypto")) {
        throw e;
      }
      throw offlineCrypto(directory, keyProvider, e);
    } catch (JournalException e) {
      if (!e.code().equals("journal-crypto")) {
        throw e;
      }
      throw offlineCrypto(directory, keyProvider, e);
    }
  }

  private static StateException offlineCrypto(Path directory, KeyProvider keyProvider, RuntimeException e) {
    return new StateException("state-crypto", "cannot read the state in " + directory + (keyProvider == null
        ? " without a key provider" : " with the given key provider") + ": " + e.getMessage(), e);
  }

  private static <S, E> S readOfflineChecked(Path directory, StateMachine<S, E> machine, Codec<S> stateCodec,
      Codec<E> eventCodec, StorageIo storage, KeyProvider keyProvider) {
    VerifyReport view;
    try {
      view = Journal.verify(directory, storage);
    } catch (JournalException e) {
      throw new StateException("state-missing", "cannot read the journal in " + directory + ": " + e.getMessage(), e);
    }
    if (view.segments().isEmpty()) {
      throw new StateException("state-missing", directory + " holds no journal");
    }
    Optional<JournalDamage> damage = view.damage();
    if (damage.isPresent() && damage.get().kind() == JournalDamage.Kind.CORRUPTION) {
      throw new StateException("state-corrupted", "the journal in " + directory + " is corrupted: "
          + damage.get().describe());
    }
    long first = view.firstSequence();
    long last = keptAfterFailedForce(directory, view);
    if (last < view.lastSequence()) {
      LOG.log(System.Logger.Level.WARNING, "reading " + directory + " up to sequence " + last + ", not "
          + view.lastSequence() + ": a force of its journal failed after sequence " + last + ", so the next open cuts"
          + " records " + (last + 1) + ".." + view.lastSequence() + " (the disk may not hold them though they read"
          + " back)");
    }
    CheckpointStore store = CheckpointStore.builder(directory).storage(storage).keyProvider(keyProvider).readOnly()
        .open();
    CheckpointSelection selection = store.latestValid(info -> info.sequence() <= last);
    Optional<Checkpoint> checkpoint = selection.checkpoint();
    long from = checkpoint.map(c -> c.sequence() + 1).orElse(1L);
    if (from < first) {
      List<CheckpointProblem> undecryptable = selection.skipped().stream()
          .filter(problem -> "checkpoint-crypto".equals(problem.code())).toList();
      String why = "the journal starts at sequence " + first + " and no valid checkpoint covers sequences " + from
          + ".." + (first - 1);
      if (!undecryptable.isEmpty()) {
        throw new StateException("state-crypto", "cannot read the state in " + directory + ": " + why + "; "
            + "checkpoint(s) that would cannot be decrypted: " + undecryptable);
      }
      throw new StateException("state-unrecoverable", "cannot read " + directory + ": " + why
          + (selection.skipped().isEmpty() ? "" : "; skipped: " + selection.skipped()));
    }
    return rebuild(directory, machine, stateCodec, eventCodec,
        at -> Journal.readOnly(directory, at, storage, keyProvider), checkpoint, last, new long[1]);
  }

  /**
   * The last sequence the next open of the journal in {@code directory} keeps of the valid records {@code view} found:
   * where a failed force left its marker, the durable sequence it names (never below {@code firstSequence - 1}), as
   * that open cuts the records after it (they may not be on disk though they read back).
   *
   * @throws StateException {@code state-corrupted} if the marker names no sequence (the next open refuses it too)
   */
  private static long keptAfterFailedForce(Path directory, VerifyReport view) {
    Optional<VerifyReport.FailedForce> failed = view.failedForce();
    if (failed.isPresent() && !failed.get().readable()) {
      throw new StateException("state-corrupted", "cannot read the state in " + directory + ": "
          + failed.get().problem().orElseThrow());
    }
    return view.keptSequence();
  }

  private static <S, E> S rebuild(Path directory, StateMachine<S, E> machine, Codec<S> stateCodec,
      Codec<E> eventCodec, java.util.function.LongFunction<JournalCursor> reader, Optional<Checkpoint> checkpoint,
      long to, long[] replayed) {
    S state;
    if (checkpoint.isPresent()) {
      try {
        state = stateCodec.decode(checkpoint.get().snapshot());
      } catch (RuntimeException e) {
        throw new StateException("state-replay-failed", "cannot decode the state in checkpoint "
            + checkpoint.get().id() + " of " + directory + ": " + e, e);
      }
    } else {
      state = machine.initial();
    }
    long from = checkpoint.map(c -> c.sequence() + 1).orElse(1L);
    if (from > to) {
      return state;
    }
    long next = from;
    try (JournalCursor cursor = reader.apply(from)) {
      while (next <= to && cursor.hasNext()) {
        JournalRecord record = cursor.next();
        try {
          state = machine.apply(state, eventCodec.decode(record.payload()));
        } catch (RuntimeException e) {
          throw new StateException("state-replay-failed", "cannot replay sequence " + record.sequence() + " of "
              + directory + ": " + e, e);
        }
        replayed[0]++;
        next = record.sequence() + 1;
      }
    }
    if (next <= to) {
      throw new StateException("state-replay-failed", "cannot replay " + directory + " up to sequence " + to
          + ": the journal's readable records end at " + (next - 1));
    }
    return state;
  }

  // ---------------------------------------------------------------------------------------------------- applying

  /**
   * Applies {@code event}: runs the state machine, journals the event and waits as the journal's durability requires
   * (in SYNC, until it is on disk). May then start an automatic checkpoint on the checkpoint executor (see
   * {@link Builder#checkpointExecutor}), without waiting for it.
   *
   * @return the event's journal sequence
   * @throws RuntimeException whatever the state machine throws to refuse the event (nothing journaled)
   * @throws dev.faultline.state.journal.JournalException {@code record-too-large} if the encoded event is larger than
   *     the journal takes ({@link JournalBuilder#DEFAULT_MAX_RECORD_SIZE}), before the state machine sees it, so
   *     nothing changes; {@code journal-failed} if the journal stopped before (nothing changes) or failed to write
   *     this event after the machine applied it (the state in memory may then hold the change, which is never
   *     journaled: {@link #checkpoint} refuses with {@code state-failed} until the state is opened again)
   */
  public long apply(E event) {
    return apply(event, false);
  }

  /**
   * Applies {@code event} as {@link #apply} does, but in SYNC does not wait for its force: the journal writes it to the
   * operating system before this returns (a crash of the process does not lose it) and forces it with its next force
   * or within the ASYNC force interval ({@link Builder#asyncForceInterval}), see {@link Journal#commitLater}. Until
   * then a power loss can take it, and the state recovers without it (reported only if it left a torn tail). For
   * events that whoever recovers the state computes again from the events before it (a workflow's end, recomputed
   * from its recorded steps).
   *
   * @return the event's journal sequence
   */
  public long applyLater(E event) {
    return apply(event, true);
  }

  private long apply(E event, boolean later) {
    Objects.requireNonNull(event, "event");
    byte[] bytes = eventCodec.encode(event);
    if (bytes.length > JournalBuilder.DEFAULT_MAX_RECORD_SIZE) {
      // Refused before the machine runs: a machine may change the state in place, and the journal would refuse the
      // record only after that, leaving in the state (and the next checkpoint) an event that was never journaled.
      throw new JournalException("record-too-large", "event of " + bytes.length + " encoded bytes exceeds"
          + " maxRecordSize " + JournalBuilder.DEFAULT_MAX_RECORD_SIZE + " of journal " + directory
          + "; it was not applied and nothing changed");
    }
    long sequence;
    boolean checkpointDue;
    stateLock.lock();
    try {
      ensureOpen();
      Optional<JournalException> stopped = journal.failure();
      if (stopped.isPresent()) {
        // Refused before the machine runs, as the write would be after it (see `unwritten`).
        throw new JournalException("journal-failed", stopped.get().getMessage(), stopped.get().getCause());
      }
      S next = machine.apply(state, event);
      try {
        sequence = journal.write(bytes);
      } catch (JournalException e) {
        unwritten = e;
        throw e;
      }
      state = next;
      applied = sequence;
      sinceCheckpoint++;
      bytesSinceCheckpoint += bytes.length;
      checkpointDue = !checkpointClaimed && ((checkpointEvery > 0 && sinceCheckpoint >= checkpointEvery)
          || (checkpointIntervalNanos > 0 && clock.nanoTime() - lastCheckpointNanos >= checkpointIntervalNanos))
          && (!amortizeCheckpoints || bytesSinceCheckpoint >= lastSnapshotBytes);
      if (checkpointDue) {
        checkpointClaimed = true;
      }
    } finally {
      stateLock.unlock();
    }
    try {
      if (later) {
        journal.commitLater(sequence);
      } else {
        journal.commit(sequence);
      }
    } catch (RuntimeException e) {
      if (checkpointDue) {
        unclaimCheckpoint(); // or no automatic checkpoint would ever be taken again
      }
      throw e;
    }
    if (checkpointDue) {
      try {
        checkpointExecutor.execute(this::automaticCheckpoint);
      } catch (RejectedExecutionException e) {
        LOG.log(System.Logger.Level.WARNING, "automatic checkpoint of " + directory + " could not be started; the"
            + " next event tries again: " + e);
        unclaimCheckpoint();
      }
    }
    return sequence;
  }

  /**
   * An automatic checkpoint, on the checkpoint executor: the event that made it due does not wait for it (a checkpoint
   * of a large state takes as long as writing and forcing its snapshot).
   */
  private void automaticCheckpoint() {
    try {
      checkpoint("automatic");
    } catch (CheckpointException | JournalException e) {
      LOG.log(System.Logger.Level.WARNING, "automatic checkpoint of " + directory + " failed; the next event "
          + "tries again: " + e.getMessage());
    } catch (StateException e) {
      LOG.log(System.Logger.Level.DEBUG, "automatic checkpoint of " + directory + " not written: " + e.getMessage());
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, "automatic checkpoint of " + directory + " failed; the next event tries"
          + " again: " + e, e);
    } finally {
      unclaimCheckpoint();
    }
  }

  private void unclaimCheckpoint() {
    stateLock.lock();
    try {
      checkpointClaimed = false;
    } finally {
      stateLock.unlock();
    }
  }

  /** The current state (including events whose {@link #apply} has not returned yet). */
  public S state() {
    stateLock.lock();
    try {
      return state;
    } finally {
      stateLock.unlock();
    }
  }

  /** The journal sequence of the last event applied. */
  public long sequence() {
    stateLock.lock();
    try {
      return applied;
    } finally {
      stateLock.unlock();
    }
  }

  // ---------------------------------------------------------------------------------------------------- checkpoints

  /**
   * Writes a checkpoint of the current state now, once every event it covers is durable, then applies retention and
   * publishes {@link StateEvent.CheckpointWritten}.
   *
   * @throws CheckpointException if it could not be written
   */
  public CheckpointInfo checkpoint(String label) {
    checkpointLock.lock();
    CheckpointInfo info;
    try {
      Supplier<byte[]> captured;
      long sequence;
      long bytesCovered;
      stateLock.lock();
      try {
        ensureOpen();
        if (unwritten != null) {
          throw new StateException("state-failed", "recoverable state " + directory + " writes no checkpoint: its"
              + " journal failed to write an event the state machine had already applied (" + unwritten.getMessage()
              + "), so the state in memory may hold a change that was never journaled; reopen it to recover the"
              + " journaled state", unwritten);
        }
        captured = stateCodec.capture(state);
        sequence = applied;
        bytesCovered = bytesSinceCheckpoint;
      } finally {
        stateLock.unlock();
      }
      byte[] snapshot = captured.get(); // outside the state lock: events go on being applied meanwhile
      // A checkpoint must never cover records a power loss could still take (ASYNC): force them first.
      journal.awaitDurable(sequence);
      info = store.write(sequence, label, snapshot);
      stateLock.lock();
      try {
        sinceCheckpoint = applied - sequence;
        bytesSinceCheckpoint -= bytesCovered;
        lastSnapshotBytes = snapshot.length;
        lastCheckpointNanos = clock.nanoTime();
      } finally {
        stateLock.unlock();
      }
      if (retainJournal) {
        List<CheckpointInfo> kept = store.list();
        if (!kept.isEmpty()) {
          try {
            journal.deleteBelow(kept.get(0).sequence() + 1);
          } catch (JournalException e) {
            // The checkpoint is written (as the store's own retention failing does not undo it): the segments stay
            // until the next checkpoint's retention, which deletes below the same or a later sequence.
            LOG.log(System.Logger.Level.WARNING, "checkpoint " + info.id() + " of " + directory + " written, but"
                + " journal retention failed; the next checkpoint tries again: " + e.getMessage());
          }
        }
      }
    } finally {
      checkpointLock.unlock();
    }
    if (events.enabled()) {
      events.publish(new StateEvent.CheckpointWritten(name, events.now(), info.id(), info.sequence()));
    }
    return info;
  }

  /** The checkpoints kept, oldest first. */
  public List<CheckpointInfo> checkpoints() {
    return store.list();
  }

  /** What opening recovered. */
  public RecoveryResult recovery() {
    return recovery;
  }

  // ---------------------------------------------------------------------------------------------------- rollback

  /**
   * Returns the state to {@code target}: restores the checkpoint at or before it, replays the journal up to it,
   * deletes checkpoints beyond it and truncates the journal after it. Publishes {@link StateEvent.StateRolledBack}.
   *
   * @throws StateException {@code state-rollback-invalid} if the target does not exist or cannot be reached
   * @throws JournalException {@code journal-failed} if the journal stopped after an I/O error (nothing changes)
   */
  public RollbackResult rollback(RollbackTarget target) {
    Objects.requireNonNull(target, "target");
    RollbackResult result;
    checkpointLock.lock();
    try {
      stateLock.lock();
      try {
        ensureOpen();
        Optional<JournalException> stopped = journal.failure();
        if (stopped.isPresent()) {
          // Refused before the checkpoints beyond the target are deleted: the journal could not be cut after them.
          throw new JournalException("journal-failed", "cannot roll " + directory + " back to " + target.describe()
              + ": its journal stopped (" + stopped.get().getMessage() + "); nothing was changed, reopen the state"
              + " and roll back then", stopped.get().getCause());
        }
        Resolved resolved = resolve(directory, journal.firstSequence(), journal.lastSequence(), store, target);
        // The target may be an event that is written but whose force still runs (its apply waits outside the state
        // lock), and a SYNC cursor sees only forced records: wait for it, or the replay would stop short of it.
        journal.awaitDurable(resolved.sequence);
        long[] replayed = new long[1];
        S restored = rebuild(directory, machine, stateCodec, eventCodec, journal, resolved.checkpoint,
            resolved.sequence, replayed);
        int deleted = store.deleteAfter(resolved.sequence);
        long discarded = journal.truncateAfter(resolved.sequence);
        state = restored;
        applied = resolved.sequence;
        sinceCheckpoint = resolved.sequence - resolved.checkpoint.map(Checkpoint::sequence).orElse(0L);
        bytesSinceCheckpoint = 0;
        result = new RollbackResult(target, resolved.checkpoint.map(Checkpoint::id), resolved.sequence, replayed[0],
            discarded, deleted, Optional.empty());
      } finally {
        stateLock.unlock();
      }
    } finally {
      checkpointLock.unlock();
    }
    LOG.log(System.Logger.Level.INFO, "rolled " + directory + " back to " + target.describe() + ": sequence "
        + result.sequence() + ", " + result.discarded() + " journal record(s) and " + result.checkpointsDeleted()
        + " checkpoint(s) discarded");
    if (events.enabled()) {
      events.publish(new StateEvent.StateRolledBack(name, events.now(), target.describe(), result.discarded()));
    }
    return result;
  }

  /**
   * Rolls the state directory back without a state machine (what the command line does): deletes checkpoints beyond
   * the target and truncates the journal after it; the state is rebuilt when it is next opened.
   *
   * @throws StateException {@code state-rollback-invalid} if the target does not exist or cannot be reached
   * @throws dev.faultline.state.journal.JournalException {@code journal-locked} if the state is open elsewhere
   */
  public static RollbackResult rollbackOffline(Path directory, RollbackTarget target) {
    return rollbackOffline(directory, target, StorageIo.system());
  }

  /** As {@link #rollbackOffline(Path, RollbackTarget)}, through {@code storage}. */
  public static RollbackResult rollbackOffline(Path directory, RollbackTarget target, StorageIo storage) {
    return rollbackOffline(directory, target, storage, null);
  }

  /**
   * As {@link #rollbackOffline(Path, RollbackTarget)}, through {@code storage}, for encrypted state. The result's open
   * report carries the journal's (a torn tail cut, an unclean ASYNC session's possible loss); a rollback that fails
   * after the journal opened leaves that possible loss for the next open to report.
   */
  public static RollbackResult rollbackOffline(Path directory, RollbackTarget target, StorageIo storage,
      KeyProvider keyProvider) {
    Objects.requireNonNull(target, "target");
    // A refused target must change nothing, but opening the journal cuts a torn tail and takes an ASYNC session's
    // loss marker, and opening the checkpoint store removes unfinished checkpoints: so check the target against
    // read-only views first (a corrupt journal is refused by opening it, which changes nothing).
    VerifyReport view = Journal.verify(directory, storage);
    if (view.damage().map(d -> d.kind() != JournalDamage.Kind.CORRUPTION).orElse(true)) {
      CheckpointStore readOnly = CheckpointStore.builder(directory).storage(storage).keyProvider(keyProvider)
          .readOnly().open();
      // Opening cuts the records after a failed force's durable sequence: a target among them is refused here. (A
      // marker naming no sequence cuts nothing here; opening refuses it below, changing nothing.)
      resolve(directory, view.firstSequence(), view.keptSequence(), readOnly, target);
    }
    Journal journal = Journal.builder(directory).storage(storage).keyProvider(keyProvider).open();
    RollbackResult result;
    try {
      CheckpointStore store = CheckpointStore.builder(directory).storage(storage).keyProvider(keyProvider).open();
      Resolved resolved = resolve(directory, journal.firstSequence(), journal.lastSequence(), store, target);
      int deleted = store.deleteAfter(resolved.sequence);
      long discarded = journal.truncateAfter(resolved.sequence);
      LOG.log(System.Logger.Level.INFO, "rolled " + directory + " back offline to " + target.describe()
          + ": sequence " + resolved.sequence + ", " + discarded + " journal record(s) and " + deleted
          + " checkpoint(s) discarded");
      OpenReport opened = journal.openReport();
      if (!opened.clean()) {
        LOG.log(System.Logger.Level.WARNING, "offline rollback of " + directory + " opened a journal that had not"
            + " closed cleanly: " + opened.describe());
      }
      result = new RollbackResult(target, resolved.checkpoint.map(Checkpoint::id), resolved.sequence, 0, discarded,
          deleted, Optional.of(opened));
    } catch (Throwable t) {
      abandon(journal, t);
      throw t;
    }
    journal.close();
    return result;
  }

  /** A rollback target resolved to a checkpoint to start from (if any) and a journal sequence to stop at. */
  private static final class Resolved {
    final Optional<Checkpoint> checkpoint;
    final long sequence;

    Resolved(Optional<Checkpoint> checkpoint, long sequence) {
      this.checkpoint = checkpoint;
      this.sequence = sequence;
    }
  }

  private static Resolved resolve(Path directory, long first, long last, CheckpointStore store,
      RollbackTarget target) {
    if (target instanceof RollbackTarget.ToCheckpoint) {
      String id = ((RollbackTarget.ToCheckpoint) target).id();
      Checkpoint checkpoint;
      try {
        checkpoint = store.load(id);
      } catch (CheckpointException e) {
        throw new StateException("state-rollback-invalid", "cannot roll " + directory + " back to checkpoint " + id
            + ": " + e.getMessage(), e);
      }
      if (checkpoint.sequence() > last) {
        throw new StateException("state-rollback-invalid", "cannot roll " + directory + " back to checkpoint " + id
            + ": it covers sequence " + checkpoint.sequence() + " beyond the journal's last record " + last);
      }
      return new Resolved(Optional.of(checkpoint), checkpoint.sequence());
    }
    if (target instanceof RollbackTarget.ToSequence) {
      long sequence = ((RollbackTarget.ToSequence) target).sequence();
      if (sequence < 0 || sequence > last) {
        throw new StateException("state-rollback-invalid", "cannot roll " + directory + " back to sequence "
            + sequence + ": the journal holds sequences up to " + last);
      }
      CheckpointSelection selection = store.latestAtOrBefore(sequence);
      long from = selection.checkpoint().map(c -> c.sequence() + 1).orElse(1L);
      if (from < first) {
        throw new StateException("state-rollback-invalid", "cannot roll " + directory + " back to sequence "
            + sequence + ": retention deleted the journal before sequence " + first
            + " and no valid checkpoint at or before " + sequence + " remains");
      }
      return new Resolved(selection.checkpoint(), sequence);
    }
    RollbackTarget.ToTime toTime = (RollbackTarget.ToTime) target;
    CheckpointSelection selection = store.latestAtOrBefore(toTime.time());
    Checkpoint checkpoint = selection.checkpoint().orElseThrow(() -> new StateException("state-rollback-invalid",
        "cannot roll " + directory + " back to " + toTime.time() + ": no valid checkpoint was taken at or before it"));
    if (checkpoint.sequence() > last) {
      throw new StateException("state-rollback-invalid", "cannot roll " + directory + " back to checkpoint "
          + checkpoint.id() + ": it covers sequence " + checkpoint.sequence() + " beyond the journal's last " + last);
    }
    return new Resolved(Optional.of(checkpoint), checkpoint.sequence());
  }

  // ---------------------------------------------------------------------------------------------------- closing

  private void ensureOpen() {
    if (closed) {
      throw new StateException("state-closed", "recoverable state " + directory + " is closed");
    }
  }

  /**
   * Closes the journal (forcing what was written), after a checkpoint or rollback in progress has ended; an automatic
   * checkpoint not yet begun is not written. Idempotent.
   */
  @Override
  public void close() {
    checkpointLock.lock();
    try {
      stateLock.lock();
      try {
        if (closed) {
          return;
        }
        closed = true;
      } finally {
        stateLock.unlock();
      }
    } finally {
      checkpointLock.unlock();
    }
    if (ownCheckpointThread != null) {
      ownCheckpointThread.shutdown();
    }
    journal.close();
  }

  @Override
  public String toString() {
    return "RecoverableState[" + directory + ", sequence " + sequence() + "]";
  }

  /**
   * Configures and opens a {@link RecoverableState}. {@link #open()} validates every setting, naming the field, the
   * rule and the value of the first that is wrong. Not thread-safe.
   *
   * @param <S> the state type
   * @param <E> the event type
   */
  public static final class Builder<S, E> {
    final Path directory;
    final StateMachine<S, E> machine;
    final Codec<S> stateCodec;
    final Codec<E> eventCodec;
    Durability durability = Durability.SYNC;
    Duration asyncForceInterval = Duration.ofMillis(50);
    long asyncMaxUnforcedRecords = 10_000;
    long segmentSize = 64L << 20;
    long checkpointEvery = 10_000;
    Duration checkpointInterval;
    Executor checkpointExecutor;
    boolean amortizeCheckpoints;
    int keepCheckpoints = 3;
    boolean retainJournal = true;
    StorageIo storage = StorageIo.system();
    Clock clock = Clock.system();
    Scheduler scheduler = Scheduler.system();
    String name;
    KeyProvider keyProvider;
    boolean requireEncryption;
    final List<FaultEventListener> listeners = new ArrayList<>();

    Builder(Path directory, StateMachine<S, E> machine, Codec<S> stateCodec, Codec<E> eventCodec) {
      this.directory = Validate.notNull("directory", directory);
      this.machine = Validate.notNull("machine", machine);
      this.stateCodec = Validate.notNull("stateCodec", stateCodec);
      this.eventCodec = Validate.notNull("eventCodec", eventCodec);
    }

    String sourceName() {
      return name != null ? name : String.valueOf(directory.getFileName());
    }

    /** The journal's durability; {@link Durability#SYNC} by default. */
    public Builder<S, E> durability(Durability durability) {
      this.durability = durability;
      return this;
    }

    /**
     * In ASYNC mode, how often the journal is forced; in SYNC, the longest an event applied with
     * {@link RecoverableState#applyLater} waits for a force. 50 ms by default.
     */
    public Builder<S, E> asyncForceInterval(Duration interval) {
      this.asyncForceInterval = interval;
      return this;
    }

    /** In ASYNC mode, how many unforced events make an apply force at once; 10 000 by default. */
    public Builder<S, E> asyncMaxUnforcedRecords(long records) {
      this.asyncMaxUnforcedRecords = records;
      return this;
    }

    /** The journal's segment size; 64 MiB by default. */
    public Builder<S, E> segmentSize(long bytes) {
      this.segmentSize = bytes;
      return this;
    }

    /** Take a checkpoint after this many events; 10 000 by default, 0 for never (by count). */
    public Builder<S, E> checkpointEvery(long events) {
      this.checkpointEvery = events;
      return this;
    }

    /** Take a checkpoint when this much time passed since the last one, checked at each apply; off by default. */
    public Builder<S, E> checkpointInterval(Duration interval) {
      this.checkpointInterval = interval;
      return this;
    }

    /**
     * Where automatic checkpoints run (those due by {@link #checkpointEvery} or {@link #checkpointInterval}), so that
     * the {@link RecoverableState#apply} that made one due returns without waiting for it; by default a daemon thread
     * of the state's own, created when needed, ending when idle and shut down by {@code close()}. Tests pass
     * {@code Runnable::run} to have the apply write it before returning.
     */
    public Builder<S, E> checkpointExecutor(Executor executor) {
      this.checkpointExecutor = executor;
      return this;
    }

    /**
     * Whether an automatic checkpoint (by count or by time) also waits until the events journaled since the last
     * checkpoint hold at least as many bytes as that checkpoint's snapshot; off by default. For a state that grows
     * with its history (a table of every workflow), a checkpoint costs time proportional to the whole state while
     * holding the state lock; waiting for as many new bytes keeps that cost proportional to what was written (each
     * journaled byte pays for at most one snapshot byte), at the price of a replay of up to one snapshot's worth of
     * journal on recovery. On-demand checkpoints are never delayed.
     */
    public Builder<S, E> amortizeCheckpoints(boolean amortize) {
      this.amortizeCheckpoints = amortize;
      return this;
    }

    /** How many checkpoints to keep; 3 by default. */
    public Builder<S, E> keepCheckpoints(int keep) {
      this.keepCheckpoints = keep;
      return this;
    }

    /** Whether to delete journal segments wholly covered by the oldest kept checkpoint; true by default. */
    public Builder<S, E> retainJournal(boolean retain) {
      this.retainJournal = retain;
      return this;
    }

    /** The file system seam; {@link StorageIo#system()} by default. */
    public Builder<S, E> storage(StorageIo storage) {
      this.storage = storage;
      return this;
    }

    /** The clock for checkpoint times, intervals and events; {@link Clock#system()} by default. */
    public Builder<S, E> clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** The scheduler of the journal's ASYNC force timer; {@link Scheduler#system()} by default. */
    public Builder<S, E> scheduler(Scheduler scheduler) {
      this.scheduler = scheduler;
      return this;
    }

    /** Encrypts journal records and checkpoint snapshots at rest with this provider's keys (none by default). */
    public Builder<S, E> keyProvider(KeyProvider keyProvider) {
      this.keyProvider = keyProvider;
      return this;
    }

    /**
     * Refuses journal segments and checkpoints that are not encrypted (key id 0 in their header) instead of reading
     * them as plain (see {@link JournalBuilder#requireEncryption} and
     * {@link CheckpointStore.Builder#requireEncryption}); off by default, so that state written before encryption was
     * turned on stays readable. Needs a {@link #keyProvider}.
     */
    public Builder<S, E> requireEncryption(boolean require) {
      this.requireEncryption = require;
      return this;
    }

    /** The source name of published events; the directory's name by default. */
    public Builder<S, E> name(String name) {
      this.name = name;
      return this;
    }

    /** Adds a listener for {@link StateEvent}s of the state and its journal. */
    public Builder<S, E> listener(FaultEventListener listener) {
      listeners.add(Validate.notNull("listener", listener));
      return this;
    }

    /**
     * Validates the settings, opens the journal and checkpoints, and recovers the state (plan, log, replay).
     *
     * @throws dev.faultline.core.ConfigurationException if a setting is invalid
     * @throws StateException {@code state-unrecoverable} or {@code state-replay-failed}; {@code state-crypto} if the
     *     checkpoint the recovery needs cannot be decrypted (with {@link #keyProvider}, or without one): the message
     *     names the checkpoint, its key id and why (a key id the provider does not have, the wrong key for that id,
     *     the directory's identity missing or damaged). No checkpoint is deleted and the journal is closed as an
     *     abandoned open (an unclean ASYNC session's possible loss is left for the next open to report).
     * @throws dev.faultline.state.journal.JournalException if the journal cannot be opened (locked, corrupt; and
     *     {@code journal-crypto} if one of its segments cannot be decrypted)
     */
    public RecoverableState<S, E> open() {
      Validate.atLeast("checkpointEvery", checkpointEvery, 0);
      if (checkpointInterval != null) {
        Validate.positive("checkpointInterval", checkpointInterval);
        if (checkpointInterval.compareTo(Duration.ofNanos(Long.MAX_VALUE)) > 0) {
          // Kept in nanoseconds; a longer one overflowed after the journal had been opened (and its tail cut).
          throw new dev.faultline.core.ConfigurationException("checkpointInterval", "be at most "
              + Duration.ofNanos(Long.MAX_VALUE) + " (2^63 - 1 nanoseconds)", checkpointInterval);
        }
      }
      Validate.atLeast("keepCheckpoints", keepCheckpoints, 1);
      Validate.notNull("storage", storage);
      Validate.notNull("clock", clock);
      Validate.notNull("scheduler", scheduler);
      if (name != null) {
        Validate.notBlank("name", name);
      }
      if (requireEncryption && keyProvider == null) {
        throw new dev.faultline.core.ConfigurationException("requireEncryption", "be set only together with a"
            + " keyProvider", true);
      }
      return RecoverableState.open(this);
    }
  }
}
