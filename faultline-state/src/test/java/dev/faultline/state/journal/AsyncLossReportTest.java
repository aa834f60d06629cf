package dev.faultline.state.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.faultline.core.testing.FakeClock;
import dev.faultline.state.io.StorageIo;
import dev.faultline.state.testing.FaultInjectingStorage;
import dev.faultline.state.testing.SimulatedStorage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The possible loss of an ASYNC session that did not close cleanly is reported by the next open that succeeds.
 * Regression: opening removed the session's marker (its only record) before it had written the marker of the new
 * session or made the removal durable, so an open failing there left the next open with nothing to report.
 */
class AsyncLossReportTest {
  private static final Path DIR = Path.of("/sim/loss-report");

  private final FakeClock clock = new FakeClock();
  private final SimulatedStorage disk = new SimulatedStorage();

  private Journal open(StorageIo storage, Durability durability, long maxUnforced) {
    return Journal.builder(DIR).storage(storage).durability(durability).clock(clock).scheduler(clock)
        .asyncForceInterval(Duration.ofMillis(50)).asyncMaxUnforcedRecords(maxUnforced).open();
  }

  @BeforeEach
  void anAsyncSessionCrashes() {
    Journal journal = open(disk, Durability.ASYNC, 100);
    for (int i = 0; i < 3; i++) {
      journal.append(("record-" + i).getBytes(StandardCharsets.UTF_8));
    }
    disk.crash();
  }

  private void assertTheNextOpenReportsTheLoss() {
    try (Journal reopened = open(disk, Durability.SYNC, 1)) {
      OpenReport.AsyncWindowLoss loss = reopened.openReport().possibleLoss().orElseThrow();
      assertEquals(100, loss.maxRecords(), "the crashed session's window, not a smaller one");
      assertEquals(50, loss.windowMillis());
    }
    try (Journal again = open(disk, Durability.SYNC, 1)) {
      assertEquals(java.util.Optional.empty(), again.openReport().possibleLoss(), "reported once it succeeded");
    }
  }

  /** Regression: verify said nothing of it, so {@code journal verify} could not warn of a crashed ASYNC session. */
  @Test
  void verifyShowsTheCrashedSessionsLossWindowAndLeavesItToTheNextOpen() {
    for (int i = 0; i < 2; i++) {
      OpenReport.AsyncWindowLoss loss = Journal.verify(DIR, disk).asyncSession().orElseThrow();
      assertEquals(100, loss.maxRecords());
      assertEquals(50, loss.windowMillis());
    }
    assertTheNextOpenReportsTheLoss();
    assertEquals(java.util.Optional.empty(), Journal.verify(DIR, disk).asyncSession());
  }

  @Test
  void anAsyncOpenFailingBeforeItsMarkerReplacesTheOldOneLeavesTheLossToReport() {
    FaultInjectingStorage storage = new FaultInjectingStorage(disk)
        .affecting(file -> file.getFileName().toString().startsWith("async-session"))
        .failForces(FaultInjectingStorage.ioError());
    JournalException refused = assertThrows(JournalException.class, () -> open(storage, Durability.ASYNC, 5));
    assertEquals("journal-io", refused.code());
    assertTheNextOpenReportsTheLoss();
  }

  @Test
  void anAsyncOpenFailingAfterItsMarkerReplacedTheOldOneLeavesTheLossToReport() {
    FaultInjectingStorage storage = new FaultInjectingStorage(disk)
        .failDirectoryForces(FaultInjectingStorage.ioError());
    JournalException refused = assertThrows(JournalException.class, () -> open(storage, Durability.ASYNC, 5));
    assertEquals("journal-io", refused.code());
    assertTheNextOpenReportsTheLoss();
  }

  @Test
  void aSyncOpenThatCannotMakeTheMarkersRemovalDurableLeavesTheLossToReport() {
    FaultInjectingStorage storage = new FaultInjectingStorage(disk)
        .failDirectoryForces(FaultInjectingStorage.ioError());
    JournalException refused = assertThrows(JournalException.class, () -> open(storage, Durability.SYNC, 5));
    assertEquals("journal-io", refused.code());
    assertTheNextOpenReportsTheLoss();
  }
}
