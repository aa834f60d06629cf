package dev.faultline.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.testing.FakeClock;
import dev.faultline.state.checkpoint.CheckpointException;
import dev.faultline.state.checkpoint.CheckpointInfo;
import dev.faultline.state.journal.Durability;
import dev.faultline.state.testing.FaultInjectingStorage;
import dev.faultline.state.testing.SimulatedStorage;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A {@link RecoverableState} whose recovery fails after its journal opened closes the journal without consuming the
 * possible loss of an unclean ASYNC session that the journal's open reported, and so does an offline rollback that
 * fails after opening the journal. Regression: the plain close removed the session's marker (in ASYNC; in SYNC the
 * open already had), so the next successful open reported no loss.
 */
class AbandonedOpenLossReportTest {
  private static final Path DIR = Path.of("/sim/abandoned");

  private final FakeClock clock = new FakeClock();
  private final SimulatedStorage disk = new SimulatedStorage();

  private RecoverableState.Builder<RecoverableStateTest.Account, String> builder(Codec<String> events,
      Durability durability) {
    return RecoverableState.builder(DIR, RecoverableStateTest.ACCOUNT, RecoverableStateTest.ACCOUNT_CODEC, events)
        .storage(disk).clock(clock).scheduler(clock).durability(durability).checkpointEvery(0)
        .asyncForceInterval(Duration.ofMillis(50)).asyncMaxUnforcedRecords(100);
  }

  @ParameterizedTest(name = "recovery failing in {0}")
  @EnumSource(Durability.class)
  void theLossIsReportedByTheNextOpenThatSucceeds(Durability reopenedIn) {
    RecoverableState<RecoverableStateTest.Account, String> crashed = builder(Codec.utf8(), Durability.ASYNC).open();
    crashed.apply("deposit:5");
    crashed.apply("deposit:7");
    clock.advance(Duration.ofMillis(50)); // the timer forces them: the reopen has records to replay
    crashed.apply("deposit:9");
    disk.crash();

    Codec<String> unreadable = new Codec<>() {
      @Override
      public byte[] encode(String value) {
        return Codec.utf8().encode(value);
      }

      @Override
      public String decode(byte[] bytes) {
        throw new IllegalStateException("this codec cannot read the journal");
      }
    };
    assertThrows(RuntimeException.class, () -> builder(unreadable, reopenedIn).open());

    try (RecoverableState<RecoverableStateTest.Account, String> state = builder(Codec.utf8(), reopenedIn).open()) {
      assertTrue(state.recovery().plan().possibleLoss().isPresent(), state.recovery().plan().describe());
      assertEquals(100, state.recovery().plan().possibleLoss().orElseThrow().maxRecords());
    }
  }

  @Test
  void anOfflineRollbackFailingAfterItOpenedTheJournalLeavesTheLossToTheNextOpen() {
    RecoverableState<RecoverableStateTest.Account, String> crashed = builder(Codec.utf8(), Durability.ASYNC)
        .checkpointExecutor(Runnable::run).open();
    crashed.apply("deposit:5");
    CheckpointInfo first = crashed.checkpoint("first");
    crashed.apply("deposit:7");
    crashed.checkpoint("second");
    crashed.apply("deposit:9");
    disk.crash();

    // Rolling back to the first checkpoint deletes the newest, so it records the highest number issued first: fail
    // that write, after the rollback opened the journal (its read-only checks of the target pass).
    FaultInjectingStorage failing = new FaultInjectingStorage(disk)
        .affecting(file -> file.getFileName().toString().startsWith("checkpoints.highest"))
        .failWritesAfter(0, FaultInjectingStorage.ioError());
    CheckpointException refused = assertThrows(CheckpointException.class,
        () -> RecoverableState.rollbackOffline(DIR, new RollbackTarget.ToCheckpoint(first.id()), failing));
    assertEquals("checkpoint-io", refused.code(), refused.getMessage());

    try (RecoverableState<RecoverableStateTest.Account, String> state = builder(Codec.utf8(), Durability.SYNC).open()) {
      assertTrue(state.recovery().plan().possibleLoss().isPresent(), state.recovery().plan().describe());
      assertEquals(100, state.recovery().plan().possibleLoss().orElseThrow().maxRecords());
    }
  }
}
