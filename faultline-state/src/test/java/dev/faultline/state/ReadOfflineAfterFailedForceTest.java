package dev.faultline.state;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.state.io.StorageIo;
import dev.faultline.state.journal.Journal;
import dev.faultline.state.testing.FaultInjectingStorage;
import dev.faultline.state.testing.SimulatedStorage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@link RecoverableState#readOffline} of a directory whose journal a failed force stopped reads what the next open
 * keeps: not the records written after the durable sequence that the {@code force-failed} marker names, which that
 * open cuts. Regression: readOffline ignored the marker and showed them (the simulated disk, playing the page cache
 * after a failed fsync, still reads them back). Likewise {@link RecoverableState#rollbackOffline} refuses a target
 * among those records before it opens the journal, changing nothing (it refused it only after the open had cut them).
 */
class ReadOfflineAfterFailedForceTest {
  private static final Path DIR = Path.of("/sim/read-after-failed-force");
  private static final Path MARKER = DIR.resolve("force-failed");

  private final SimulatedStorage disk = new SimulatedStorage();

  private RecoverableState.Builder<RecoverableStateTest.Account, String> builder(StorageIo storage) {
    return RecoverableState.builder(DIR, RecoverableStateTest.ACCOUNT, RecoverableStateTest.ACCOUNT_CODEC,
        Codec.utf8()).storage(storage).checkpointEvery(0);
  }

  private RecoverableStateTest.Account readOffline() {
    return RecoverableState.readOffline(DIR, RecoverableStateTest.ACCOUNT, RecoverableStateTest.ACCOUNT_CODEC,
        Codec.utf8(), disk, null);
  }

  /** Deposits 5 and 7 are forced; the force of deposit 9 fails, which still reads back as sequence 3. */
  private void aForceFails() {
    FaultInjectingStorage storage = new FaultInjectingStorage(disk)
        .affecting(file -> file.toString().endsWith(".journal"));
    RecoverableState<RecoverableStateTest.Account, String> state = builder(storage).open();
    state.apply("deposit:5");
    state.apply("deposit:7");
    storage.failForces(FaultInjectingStorage.ioError());
    assertThrows(RuntimeException.class, () -> state.apply("deposit:9"));
    state.close();
    assertTrue(disk.exists(MARKER), "the failed force left its marker");
    assertEquals(3, Journal.verify(DIR, disk).lastSequence(), "the never-forced record 3 still reads back");
  }

  @Test
  void theRecordsAfterTheDurableSequenceAreNotReadAsTheNextOpenCutsThem() {
    aForceFails();

    assertEquals(new RecoverableStateTest.Account(12, 2), readOffline());
    assertTrue(disk.exists(MARKER), "reading changed nothing");

    try (RecoverableState<RecoverableStateTest.Account, String> reopened = builder(disk).open()) {
      assertEquals(new RecoverableStateTest.Account(12, 2), reopened.state(), "what readOffline showed");
      assertEquals(2, reopened.sequence());
    }
  }

  @Test
  void aMarkerNamingNoSequenceIsStateCorruptedAndChangesNothing() throws Exception {
    try (RecoverableState<RecoverableStateTest.Account, String> state = builder(disk).open()) {
      state.apply("deposit:5");
    }
    try (var channel = disk.open(MARKER, StorageIo.OpenMode.CREATE_NEW)) {
      channel.writeFully(ByteBuffer.wrap("durableSeq".getBytes(StandardCharsets.UTF_8)), 0);
    }
    byte[] marker = disk.contents(MARKER);
    StateException refused = assertThrows(StateException.class, this::readOffline);
    assertEquals("state-corrupted", refused.code(), refused.getMessage());
    assertTrue(refused.getMessage().contains(MARKER.toString()), refused.getMessage());
    assertArrayEquals(marker, disk.contents(MARKER));
  }

  @Test
  void anOfflineRollbackToARecordTheNextOpenCutsIsRefusedChangingNothing() throws Exception {
    aForceFails();
    Path segment = DIR.resolve("00000000000000000001.journal");
    byte[] before = disk.contents(segment);

    StateException refused = assertThrows(StateException.class,
        () -> RecoverableState.rollbackOffline(DIR, new RollbackTarget.ToSequence(3), disk));
    assertEquals("state-rollback-invalid", refused.code(), refused.getMessage());
    assertTrue(refused.getMessage().contains("up to 2"), refused.getMessage());
    assertTrue(disk.exists(MARKER), "the marker is left for the next open");
    assertArrayEquals(before, disk.contents(segment), "the journal was not cut");
  }
}
