package dev.faultline.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.ConfigurationException;
import dev.faultline.core.event.StateEvent;
import dev.faultline.core.testing.EventRecorder;
import dev.faultline.core.testing.FakeClock;
import dev.faultline.state.checkpoint.CheckpointInfo;
import dev.faultline.state.checkpoint.CheckpointStore;
import dev.faultline.state.journal.Durability;
import dev.faultline.state.journal.Journal;
import dev.faultline.state.journal.JournalException;
import dev.faultline.state.journal.VerifyReport;
import dev.faultline.state.testing.FaultInjectingStorage;
import dev.faultline.state.testing.SimulatedStorage;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Recovery by plan (checkpoint + replay), checkpoints by count, time and demand, rollback, retention, events. */
class RecoverableStateTest {
  private static final Path DIR = Path.of("/sim/account");
  private final SimulatedStorage disk = new SimulatedStorage();
  private final FakeClock clock = new FakeClock();
  private final EventRecorder events = new EventRecorder();

  /** A bank account: deposits and withdrawals; a withdrawal beyond the balance is refused. */
  record Account(long balance, long operations) {}

  static final StateMachine<Account, String> ACCOUNT = new StateMachine<>() {
    @Override
    public Account initial() {
      return new Account(0, 0);
    }

    @Override
    public Account apply(Account state, String event) {
      String[] parts = event.split(":");
      long amount = Long.parseLong(parts[1]);
      switch (parts[0]) {
        case "deposit":
          return new Account(state.balance() + amount, state.operations() + 1);
        case "withdraw":
          if (amount > state.balance()) {
            throw new IllegalStateException("insufficient funds: " + state.balance() + " < " + amount);
          }
          return new Account(state.balance() - amount, state.operations() + 1);
        default:
          throw new IllegalArgumentException("unknown event " + event);
      }
    }
  };

  static final Codec<Account> ACCOUNT_CODEC = new Codec<>() {
    @Override
    public byte[] encode(Account value) {
      return Codec.utf8().encode(value.balance() + "," + value.operations());
    }

    @Override
    public Account decode(byte[] bytes) {
      String[] parts = Codec.utf8().decode(bytes).split(",");
      return new Account(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
    }
  };

  private RecoverableState.Builder<Account, String> builder() {
    return RecoverableState.builder(DIR, ACCOUNT, ACCOUNT_CODEC, Codec.utf8()).storage(disk).clock(clock)
        .scheduler(clock).listener(events).checkpointEvery(10).checkpointExecutor(Runnable::run);
  }

  /** The state after deposits of 1..n. */
  private static Account afterDeposits(long n) {
    return new Account(n * (n + 1) / 2, n);
  }

  private static void depositUpTo(RecoverableState<Account, String> state, long from, long to) {
    for (long i = from; i <= to; i++) {
      assertEquals(i, state.apply("deposit:" + i));
    }
  }

  @Test
  void openingPlansRecoveryFromTheNewestCheckpointAndReplaysTheRest() {
    try (RecoverableState<Account, String> state = builder().open()) {
      assertEquals(0, state.recovery().replayed());
      depositUpTo(state, 1, 25);
      assertEquals(afterDeposits(25), state.state());
    }
    assertEquals(List.of(10L, 20L), events.events(StateEvent.CheckpointWritten.class).stream()
        .map(StateEvent.CheckpointWritten::sequence).collect(Collectors.toList()));
    events.clear();
    try (RecoverableState<Account, String> state = builder().open()) {
      RecoveryPlan plan = state.recovery().plan();
      assertEquals(20, plan.checkpoint().orElseThrow().sequence());
      assertEquals(21, plan.replayFrom());
      assertEquals(25, plan.replayTo());
      assertEquals(5, plan.replayCount());
      assertTrue(plan.describe().contains("replay 5 record(s) 21..25"), plan.describe());
      assertEquals(5, state.recovery().replayed());
      assertEquals(afterDeposits(25), state.state());
      assertEquals(25, state.sequence());
      StateEvent.StateRecovered recovered = events.events(StateEvent.StateRecovered.class).get(0);
      assertEquals(plan.checkpoint().orElseThrow().id(), recovered.checkpointId());
      assertEquals(5, recovered.replayed());
      assertEquals(0, recovered.discarded());
      assertEquals("account", recovered.source());
    }
  }

  /**
   * The account codec; a checkpoint's encoding (after its capture) counts {@code encoding} down, awaits
   * {@code release}.
   */
  private static Codec<Account> encodingUntil(java.util.concurrent.CountDownLatch encoding,
      java.util.concurrent.CountDownLatch release) {
    return new Codec<>() {
      @Override
      public byte[] encode(Account value) {
        return ACCOUNT_CODEC.encode(value);
      }

      @Override
      public java.util.function.Supplier<byte[]> capture(Account value) {
        byte[] bytes = encode(value); // Account is immutable: capturing it is keeping it
        return () -> {
          encoding.countDown();
          try {
            assertTrue(release.await(30, TimeUnit.SECONDS));
          } catch (InterruptedException e) {
            throw new AssertionError(e);
          }
          return bytes;
        };
      }

      @Override
      public Account decode(byte[] bytes) {
        return ACCOUNT_CODEC.decode(bytes);
      }
    };
  }

  @Test
  void aCheckpointEncodesOutsideTheStateLockWhatItCapturedUnderIt() throws Exception {
    java.util.concurrent.CountDownLatch encoding = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    Codec<Account> slow = encodingUntil(encoding, release);
    ExecutorService other = Executors.newSingleThreadExecutor();
    try (RecoverableState<Account, String> state = RecoverableState.builder(DIR, ACCOUNT, slow, Codec.utf8())
        .storage(disk).clock(clock).scheduler(clock).checkpointEvery(0).open()) {
      depositUpTo(state, 1, 3);
      Future<CheckpointInfo> checkpoint = other.submit(() -> state.checkpoint("slow"));
      assertTrue(encoding.await(30, TimeUnit.SECONDS));
      // The checkpoint is encoding: events are applied meanwhile, not held up by it.
      depositUpTo(state, 4, 5);
      assertEquals(afterDeposits(5), state.state());
      release.countDown();
      assertEquals(3, checkpoint.get(30, TimeUnit.SECONDS).sequence(), "covers what was captured, not later events");
    } finally {
      other.shutdownNow();
    }
    try (RecoverableState<Account, String> state = builder().open()) {
      assertEquals(3, state.recovery().plan().checkpoint().orElseThrow().sequence());
      assertEquals(2, state.recovery().replayed());
      assertEquals(afterDeposits(5), state.state());
    }
  }

  /**
   * Close waits for a checkpoint in progress (on the checkpoint thread, now that automatic checkpoints run there)
   * before it closes the journal and gives up the directory: otherwise the checkpoint would be written by a state
   * already closed, into a directory another process may have opened.
   */
  @Test
  void closeWaitsForACheckpointInProgress() throws Exception {
    java.util.concurrent.CountDownLatch encoding = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    Codec<Account> slow = encodingUntil(encoding, release); // outside the state lock: close must wait all the same
    ExecutorService other = Executors.newFixedThreadPool(2);
    try {
      RecoverableState<Account, String> state = RecoverableState.builder(DIR, ACCOUNT, slow, Codec.utf8())
          .storage(disk).clock(clock).scheduler(clock).checkpointEvery(3).checkpointExecutor(other).open();
      depositUpTo(state, 1, 3);
      assertTrue(encoding.await(30, TimeUnit.SECONDS), "the automatic checkpoint is encoding");
      java.util.concurrent.atomic.AtomicReference<Thread> closer = new java.util.concurrent.atomic.AtomicReference<>();
      Future<?> closed = other.submit(() -> {
        closer.set(Thread.currentThread());
        state.close();
      });
      while (closer.get() == null || closer.get().getState() != Thread.State.WAITING) {
        Thread.onSpinWait(); // until close waits for the checkpoint
      }
      assertTrue(!closed.isDone());
      release.countDown();
      closed.get(30, TimeUnit.SECONDS);
    } finally {
      other.shutdownNow();
    }
    try (RecoverableState<Account, String> state = builder().open()) {
      assertEquals(3, state.recovery().plan().checkpoint().orElseThrow().sequence(), "written before the close");
      assertEquals(afterDeposits(3), state.state());
    }
  }

  @Test
  void everyAppliedEventSurvivesAPowerLossInSyncMode() {
    RecoverableState<Account, String> state = builder().open();
    depositUpTo(state, 1, 17);
    disk.crash();
    try (RecoverableState<Account, String> recovered = builder().open()) {
      assertEquals(afterDeposits(17), recovered.state());
      assertEquals(7, recovered.recovery().replayed());
    }
  }

  @Test
  void aRefusedEventChangesNothingAndIsNotJournaled() {
    try (RecoverableState<Account, String> state = builder().open()) {
      state.apply("deposit:5");
      IllegalStateException refused = assertThrows(IllegalStateException.class, () -> state.apply("withdraw:6"));
      assertTrue(refused.getMessage().contains("insufficient"));
      assertEquals(new Account(5, 1), state.state());
      assertEquals(2, state.apply("withdraw:5"));
    }
    try (RecoverableState<Account, String> state = builder().open()) {
      assertEquals(new Account(0, 2), state.state());
    }
  }

  @Test
  void aDamagedNewestCheckpointIsSkippedAndTheOlderOneReplayedFurther() throws Exception {
    CheckpointInfo newest;
    try (RecoverableState<Account, String> state = builder().keepCheckpoints(3).open()) {
      depositUpTo(state, 1, 35);
      newest = state.checkpoints().get(state.checkpoints().size() - 1);
      assertEquals(30, newest.sequence());
    }
    byte[] bytes = disk.contents(newest.file());
    bytes[bytes.length - 5] ^= 0x40;
    disk.overwrite(newest.file(), bytes);
    try (RecoverableState<Account, String> state = builder().open()) {
      RecoveryPlan plan = state.recovery().plan();
      assertEquals(20, plan.checkpoint().orElseThrow().sequence());
      assertEquals(newest.id(), plan.skippedCheckpoints().get(0).id());
      assertTrue(plan.describe().contains("checksum mismatch"), plan.describe());
      assertEquals(15, state.recovery().replayed());
      assertEquals(afterDeposits(35), state.state());
    }
  }

  /** The account's codec with 200 bytes of padding: a snapshot much larger than an event. */
  static final Codec<Account> PADDED_CODEC = new Codec<>() {
    private static final int PADDING = 200;

    @Override
    public byte[] encode(Account value) {
      return Codec.utf8().encode(value.balance() + "," + value.operations() + " ".repeat(PADDING));
    }

    @Override
    public Account decode(byte[] bytes) {
      return ACCOUNT_CODEC.decode(Codec.utf8().encode(Codec.utf8().decode(bytes).strip()));
    }
  };

  @Test
  void amortizedCheckpointsWaitForAsManyJournaledBytesAsTheLastSnapshot() {
    try (RecoverableState<Account, String> state = RecoverableState.builder(DIR, ACCOUNT, PADDED_CODEC, Codec.utf8())
        .storage(disk).clock(clock).scheduler(clock).checkpointEvery(2).keepCheckpoints(100)
        .checkpointExecutor(Runnable::run)
        .amortizeCheckpoints(true).open()) {
      depositUpTo(state, 1, 30);
      // At 2 the first (no snapshot yet); the snapshot is 203 bytes ("3,2" and the padding); 7 events of 9 bytes
      // ("deposit:3" to "deposit:9") and 14 of 10 bytes reach 203 bytes at sequence 23; the next would need 21 more.
      assertEquals(List.of(2L, 23L), state.checkpoints().stream().map(CheckpointInfo::sequence)
          .collect(Collectors.toList()));
      assertEquals(30, state.checkpoint("on demand").sequence(), "an on-demand checkpoint is never delayed");
    }
    try (RecoverableState<Account, String> state = RecoverableState.builder(DIR, ACCOUNT, PADDED_CODEC, Codec.utf8())
        .storage(disk).clock(clock).scheduler(clock).checkpointEvery(2).keepCheckpoints(100)
        .checkpointExecutor(Runnable::run).open()) {
      assertEquals(afterDeposits(30).balance(), state.state().balance());
      assertEquals(0, state.recovery().replayed(), "recovered from the on-demand checkpoint");
    }
  }

  /**
   * The apply that makes an automatic checkpoint due hands it to the checkpoint executor and returns: it used to write
   * the whole snapshot itself, so one caller in ten thousand waited for a checkpoint of the whole state (1.3 s for a
   * workflow table of half a million workflows). One checkpoint at a time is claimed; the next is due after it.
   */
  @Test
  void anAutomaticCheckpointRunsOnTheCheckpointExecutorWithoutTheApplyWaiting() {
    java.util.ArrayDeque<Runnable> tasks = new java.util.ArrayDeque<>();
    try (RecoverableState<Account, String> state = builder().checkpointExecutor(tasks::add).open()) {
      depositUpTo(state, 1, 10);
      assertEquals(1, tasks.size(), "the checkpoint due at 10 was handed over");
      assertEquals(List.of(), state.checkpoints(), "and not written by the apply");
      depositUpTo(state, 11, 20);
      assertEquals(1, tasks.size(), "one checkpoint at a time");
      tasks.poll().run();
      assertEquals(List.of(20L), state.checkpoints().stream().map(CheckpointInfo::sequence)
          .collect(Collectors.toList()), "the checkpoint covers what was applied when it ran");
      depositUpTo(state, 21, 30);
      assertEquals(1, tasks.size());
      tasks.poll().run();
      assertEquals(List.of(20L, 30L), state.checkpoints().stream().map(CheckpointInfo::sequence)
          .collect(Collectors.toList()));
      depositUpTo(state, 31, 40);
    }
    tasks.poll().run(); // started after close: writes nothing, throws nothing
    try (RecoverableState<Account, String> state = builder().open()) {
      assertEquals(afterDeposits(40), state.state());
      assertEquals(10, state.recovery().replayed(), "from the checkpoint at 30");
    }
  }

  @Test
  void withoutAmortizingCheckpointsFollowTheCountAlone() {
    try (RecoverableState<Account, String> state = RecoverableState.builder(DIR, ACCOUNT, PADDED_CODEC, Codec.utf8())
        .storage(disk).clock(clock).scheduler(clock).checkpointEvery(2).keepCheckpoints(100)
        .checkpointExecutor(Runnable::run).open()) {
      depositUpTo(state, 1, 8);
      assertEquals(List.of(2L, 4L, 6L, 8L), state.checkpoints().stream().map(CheckpointInfo::sequence)
          .collect(Collectors.toList()));
    }
  }

  @Test
  void checkpointsAreTakenByElapsedTimeAndOnDemand() {
    try (RecoverableState<Account, String> state = builder().checkpointEvery(0)
        .checkpointInterval(Duration.ofMinutes(1)).open()) {
      depositUpTo(state, 1, 3);
      assertTrue(state.checkpoints().isEmpty());
      clock.advance(Duration.ofSeconds(61));
      state.apply("deposit:4");
      assertEquals(List.of(4L), state.checkpoints().stream().map(CheckpointInfo::sequence)
          .collect(Collectors.toList()));
      state.apply("deposit:5");
      CheckpointInfo manual = state.checkpoint("before migration");
      assertEquals(5, manual.sequence());
      assertEquals("before migration", manual.label());
      assertEquals(clock.instant(), manual.time());
    }
  }

  @Test
  void rollbackToACheckpointTruncatesTheJournalAndDeletesLaterCheckpoints() {
    try (RecoverableState<Account, String> state = builder().keepCheckpoints(5).open()) {
      depositUpTo(state, 1, 34);
      CheckpointInfo target = state.checkpoints().get(0);
      assertEquals(10, target.sequence());
      events.clear();
      RollbackResult result = state.rollback(new RollbackTarget.ToCheckpoint(target.id()));
      assertEquals(10, result.sequence());
      assertEquals(24, result.discarded());
      assertEquals(2, result.checkpointsDeleted());
      assertEquals(0, result.replayed());
      assertEquals(afterDeposits(10), state.state());
      StateEvent.StateRolledBack event = events.events(StateEvent.StateRolledBack.class).get(0);
      assertEquals(24, event.discarded());
      assertEquals("checkpoint " + target.id(), event.target());
      assertEquals(11, state.apply("deposit:11"));
    }
    try (RecoverableState<Account, String> state = builder().open()) {
      assertEquals(afterDeposits(11), state.state());
      assertEquals(1, state.checkpoints().size());
    }
  }

  /** Regression: after a rollback and a restart, new checkpoints took the ids of the discarded ones. */
  @Test
  void checkpointIdsDiscardedByARollbackAreNeverIssuedAgain() {
    List<String> discarded;
    try (RecoverableState<Account, String> state = builder().keepCheckpoints(5).open()) {
      depositUpTo(state, 1, 30);
      discarded = state.checkpoints().stream().skip(1).map(CheckpointInfo::id).collect(Collectors.toList());
      assertEquals(List.of("cp-000000000002", "cp-000000000003"), discarded);
      state.rollback(new RollbackTarget.ToCheckpoint("cp-000000000001"));
    }
    disk.crash();
    try (RecoverableState<Account, String> state = builder().keepCheckpoints(5).open()) {
      depositUpTo(state, 11, 20);
      CheckpointInfo next = state.checkpoints().get(state.checkpoints().size() - 1);
      assertEquals(20, next.sequence());
      assertEquals("cp-000000000004", next.id());
    }
    RecoverableState.rollbackOffline(DIR, new RollbackTarget.ToSequence(5), disk);
    try (RecoverableState<Account, String> state = builder().keepCheckpoints(5).open()) {
      assertEquals(afterDeposits(5), state.state());
      assertEquals("cp-000000000005", state.checkpoint("after offline rollback").id());
    }
  }

  @Test
  void rollbackToASequenceReplaysFromTheCheckpointBeforeIt() {
    try (RecoverableState<Account, String> state = builder().open()) {
      depositUpTo(state, 1, 30);
      RollbackResult result = state.rollback(RollbackTarget.parse("17"));
      assertEquals(17, result.sequence());
      assertEquals("cp-000000000001", result.checkpointId().orElseThrow());
      assertEquals(7, result.replayed());
      assertEquals(13, result.discarded());
      assertEquals(afterDeposits(17), state.state());
      assertEquals(List.of(10L), state.checkpoints().stream().map(CheckpointInfo::sequence)
          .collect(Collectors.toList()));
      RollbackResult toStart = state.rollback(new RollbackTarget.ToSequence(0));
      assertEquals(new Account(0, 0), state.state());
      assertEquals(17, toStart.discarded());
    }
  }

  @Test
  void rollbackToATimeGoesToTheNewestCheckpointTakenAtOrBeforeIt() {
    try (RecoverableState<Account, String> state = builder().open()) {
      depositUpTo(state, 1, 10);
      Instant between = clock.instant().plusSeconds(30);
      clock.advance(Duration.ofMinutes(1));
      depositUpTo(state, 11, 25);
      RollbackResult result = state.rollback(RollbackTarget.parse(between.toString()));
      assertEquals(10, result.sequence());
      assertEquals(afterDeposits(10), state.state());
      StateException none = assertThrows(StateException.class,
          () -> state.rollback(new RollbackTarget.ToTime(Instant.parse("2000-01-01T00:00:00Z"))));
      assertEquals("state-rollback-invalid", none.code());
    }
  }

  @Test
  void unreachableRollbackTargetsAreRefusedByName() {
    try (RecoverableState<Account, String> state = builder().open()) {
      depositUpTo(state, 1, 5);
      StateException unknown = assertThrows(StateException.class,
          () -> state.rollback(new RollbackTarget.ToCheckpoint("cp-000000000099")));
      assertEquals("state-rollback-invalid", unknown.code());
      assertTrue(unknown.getMessage().contains("cp-000000000099"), unknown.getMessage());
      assertEquals("state-rollback-invalid", assertThrows(StateException.class,
          () -> state.rollback(new RollbackTarget.ToSequence(6))).code());
      assertEquals(afterDeposits(5), state.state());
    }
    assertThrows(IllegalArgumentException.class, () -> RollbackTarget.parse("yesterday"));
  }

  @Test
  void offlineRollbackCutsTheDirectoryAndTheNextOpenRebuilds() {
    try (RecoverableState<Account, String> state = builder().open()) {
      depositUpTo(state, 1, 23);
    }
    RollbackResult result = RecoverableState.rollbackOffline(DIR, new RollbackTarget.ToSequence(14), disk);
    assertEquals(9, result.discarded());
    assertEquals(1, result.checkpointsDeleted());
    try (RecoverableState<Account, String> state = builder().open()) {
      assertEquals(afterDeposits(14), state.state());
      assertEquals(4, state.recovery().replayed());
    }
  }

  @Test
  void retentionKeepsTheJournalFromTheOldestCheckpointOn() {
    try (RecoverableState<Account, String> state = builder().keepCheckpoints(2).segmentSize(1024).open()) {
      depositUpTo(state, 1, 200);
      assertEquals(List.of(190L, 200L), state.checkpoints().stream().map(CheckpointInfo::sequence)
          .collect(Collectors.toList()));
      StateException tooOld = assertThrows(StateException.class,
          () -> state.rollback(new RollbackTarget.ToSequence(100)));
      assertTrue(tooOld.getMessage().contains("retention"), tooOld.getMessage());
      state.rollback(new RollbackTarget.ToSequence(195));
      assertEquals(afterDeposits(195), state.state());
    }
    long first;
    try (Journal journal = Journal.builder(DIR).storage(disk).open()) {
      first = journal.firstSequence();
    }
    assertTrue(first > 1 && first <= 191, "journal segments below the oldest checkpoint were deleted: " + first);
    try (RecoverableState<Account, String> state = builder().open()) {
      assertEquals(afterDeposits(195), state.state());
    }
    CheckpointStore store = CheckpointStore.builder(DIR).storage(disk).open();
    store.retain(0);
    StateException lost = assertThrows(StateException.class, () -> builder().open());
    assertEquals("state-unrecoverable", lost.code());
    assertTrue(lost.getMessage().contains("no valid checkpoint covers"), lost.getMessage());
  }

  @Test
  void aCheckpointBeyondTheJournalIsReportedAndDeleted() {
    try (RecoverableState<Account, String> state = builder().open()) {
      depositUpTo(state, 1, 12);
    }
    CheckpointStore.builder(DIR).storage(disk).clock(clock).keep(10).open().write(99, "stray", new byte[0]);
    try (RecoverableState<Account, String> state = builder().open()) {
      RecoveryPlan plan = state.recovery().plan();
      assertEquals(10, plan.checkpoint().orElseThrow().sequence());
      assertTrue(plan.skippedCheckpoints().get(0).reason().contains("beyond the journal"), plan.describe());
      assertEquals(List.of(10L), state.checkpoints().stream().map(CheckpointInfo::sequence)
          .collect(Collectors.toList()));
      assertEquals(afterDeposits(12), state.state());
    }
  }

  @Test
  void anOpenThatCannotRecoverDeletesNoCheckpoint() throws Exception {
    try (RecoverableState<Account, String> state = builder().keepCheckpoints(1).segmentSize(1024).open()) {
      depositUpTo(state, 1, 200);
    }
    // Retention kept only the checkpoint of 200 and the journal from it on. The newest record is then damaged: the
    // journal cuts it off as a torn tail, so that checkpoint is beyond the journal's end, and the older journal that
    // a replay from the initial state would need is gone. The checkpoint is the only copy of events 1..200.
    VerifyReport journal = Journal.verify(DIR, disk);
    Path newest = journal.segments().get(journal.segments().size() - 1).file();
    byte[] bytes = disk.contents(newest);
    disk.overwrite(newest, Arrays.copyOf(bytes, bytes.length - 3));
    StateException refused = assertThrows(StateException.class, () -> builder().open());
    assertEquals("state-unrecoverable", refused.code());
    assertTrue(refused.getMessage().contains("cp-") && refused.getMessage().contains("beyond the journal"),
        refused.getMessage());
    assertEquals(List.of(200L), CheckpointStore.builder(DIR).storage(disk).readOnly().open().list().stream()
        .map(CheckpointInfo::sequence).collect(Collectors.toList()), "a refused open deletes no checkpoint");
  }

  @Test
  void aRollbackRefusedBecauseTheJournalFailedDeletesNoCheckpoint() {
    FaultInjectingStorage faulty = new FaultInjectingStorage(disk).affecting(p -> p.toString().endsWith(".journal"));
    try (RecoverableState<Account, String> state = builder().storage(faulty).open()) {
      depositUpTo(state, 1, 25);
      faulty.failForces(FaultInjectingStorage.ioError());
      assertEquals("journal-failed", assertThrows(JournalException.class, () -> state.apply("deposit:26")).code());
      faulty.heal();
      JournalException refused = assertThrows(JournalException.class,
          () -> state.rollback(new RollbackTarget.ToSequence(15)));
      assertEquals("journal-failed", refused.code());
      assertEquals(List.of(10L, 20L), state.checkpoints().stream().map(CheckpointInfo::sequence)
          .collect(Collectors.toList()), "a refused rollback deletes no checkpoint");
    }
    try (RecoverableState<Account, String> state = builder().open()) {
      assertEquals(20, state.recovery().plan().checkpoint().orElseThrow().sequence());
    }
  }

  @Test
  void aCheckpointIntervalTooLongForNanosecondsIsRefusedByNameBeforeTheJournalOpens() {
    ConfigurationException refused = assertThrows(ConfigurationException.class,
        () -> builder().checkpointInterval(Duration.ofSeconds(Long.MAX_VALUE)).open());
    assertEquals("checkpointInterval", refused.field());
    assertTrue(!disk.exists(DIR), "a refused setting creates nothing");
  }

  @Test
  void aCheckpointWrittenWhoseJournalRetentionFailsIsReturnedAndPublished() {
    java.util.concurrent.atomic.AtomicBoolean failDeletes = new java.util.concurrent.atomic.AtomicBoolean();
    dev.faultline.state.io.StorageIo storage = new dev.faultline.state.testing.ForwardingStorage(disk) {
      @Override
      public boolean delete(Path file) throws java.io.IOException {
        if (failDeletes.get() && file.toString().endsWith(".journal")) {
          throw new java.io.IOException("Input/output error");
        }
        return delegate.delete(file);
      }
    };
    try (RecoverableState<Account, String> state = builder().storage(storage).checkpointEvery(0).keepCheckpoints(1)
        .segmentSize(1024).open()) {
      depositUpTo(state, 1, 100);
      failDeletes.set(true);
      events.clear();
      // checkpoint's contract: it throws CheckpointException if the checkpoint could not be written.
      CheckpointInfo written = state.checkpoint("manual");
      assertEquals(100, written.sequence());
      assertEquals(List.of(written), state.checkpoints());
      assertEquals(1, events.events(StateEvent.CheckpointWritten.class).size());
      failDeletes.set(false);
      depositUpTo(state, 101, 101);
      state.checkpoint("next");
    }
    long first;
    try (Journal journal = Journal.builder(DIR).storage(disk).open()) {
      first = journal.firstSequence();
    }
    assertTrue(first > 1, "the next checkpoint's retention deleted the journal below it: " + first);
  }

  /** An ASYNC session: events 1..5, a checkpoint (which forces them), events 6..8 unforced, then a power loss. */
  private void crashInAsyncWithEventsSixToEightUnforced() {
    RecoverableState<Account, String> state = builder().durability(Durability.ASYNC).checkpointEvery(0)
        .asyncForceInterval(Duration.ofSeconds(1)).open();
    depositUpTo(state, 1, 5);
    state.checkpoint("forced");
    depositUpTo(state, 6, 8);
    disk.crash();
  }

  @Test
  void inAsyncModeACheckpointForcesTheJournalAndALossIsReported() {
    crashInAsyncWithEventsSixToEightUnforced();
    events.clear();
    try (RecoverableState<Account, String> recovered = builder().open()) {
      assertEquals(afterDeposits(5), recovered.state(), "events 6..8 were in the unforced window");
      RecoveryPlan plan = recovered.recovery().plan();
      assertEquals(5, plan.checkpoint().orElseThrow().sequence());
      assertTrue(plan.possibleLoss().isPresent());
      assertEquals(1, events.events(StateEvent.DataLost.class).size());
      assertTrue(plan.describe().contains("ASYNC"), plan.describe());
    }
  }

  /**
   * The first open after an ASYNC session's crash reads its loss window (and takes the marker away): an offline
   * rollback being that open, it reports the window in its result; before, only its log did, and the next open of
   * the state found nothing to report.
   */
  @Test
  void anOfflineRollbackAfterAnAsyncCrashReportsTheLossWindow() {
    crashInAsyncWithEventsSixToEightUnforced();
    RollbackResult result = RecoverableState.rollbackOffline(DIR, new RollbackTarget.ToSequence(3), disk);
    assertTrue(result.opened().orElseThrow().possibleLoss().isPresent(), String.valueOf(result));
    try (RecoverableState<Account, String> reopened = builder().open()) {
      assertEquals(afterDeposits(3), reopened.state());
    }
    try (RecoverableState<Account, String> open = builder().open()) {
      RollbackResult online = open.rollback(new RollbackTarget.ToSequence(2));
      assertTrue(online.opened().isEmpty(), "an open state reported what its open found when it opened");
    }
  }

  @Test
  void concurrentAppliersShareTheJournalAndTheirEventsAllCount() throws Exception {
    int threads = 8;
    try (RecoverableState<Account, String> state = builder().checkpointEvery(50).open()) {
      CyclicBarrier start = new CyclicBarrier(threads);
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          done.add(pool.submit(() -> {
            start.await();
            for (int i = 0; i < 100; i++) {
              state.apply("deposit:1");
            }
            return null;
          }));
        }
        for (Future<?> future : done) {
          future.get(60, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      assertEquals(new Account(800, 800), state.state());
    }
    try (RecoverableState<Account, String> state = builder().open()) {
      assertEquals(new Account(800, 800), state.state());
    }
  }

  @Test
  void aSecondOpenIsRefusedAndAClosedStateRefusesEvents() {
    RecoverableState<Account, String> state = builder().open();
    assertEquals("journal-locked", assertThrows(dev.faultline.state.journal.JournalException.class,
        () -> builder().open()).code());
    state.close();
    assertEquals("state-closed", assertThrows(StateException.class, () -> state.apply("deposit:1")).code());
    assertEquals("checkpointEvery", assertThrows(dev.faultline.core.ConfigurationException.class,
        () -> builder().checkpointEvery(-1).open()).field());
  }
}
