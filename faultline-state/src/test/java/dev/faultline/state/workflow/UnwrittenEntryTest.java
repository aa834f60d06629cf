package dev.faultline.state.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.state.RecoverableState;
import dev.faultline.state.StateException;
import dev.faultline.state.journal.JournalException;
import dev.faultline.state.testing.FaultInjectingStorage;
import dev.faultline.state.testing.SimulatedStorage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The workflow table's machine changes rows in place, before the journal writes the entry. When the journal cannot
 * write it (a full or failing disk), the table in memory holds a change that was never journaled: no checkpoint may
 * then write the table, or the change would come back after a restart although its caller was told it failed.
 */
class UnwrittenEntryTest {
  private static final Path DIR = Path.of("/sim/workflows");
  private final SimulatedStorage disk = new SimulatedStorage();
  private final FaultInjectingStorage faulty = new FaultInjectingStorage(disk)
      .affecting(file -> file.toString().endsWith(".journal"));

  private RecoverableState<Table, Entry> open(dev.faultline.state.io.StorageIo storage) {
    return RecoverableState.builder(DIR, new Table.Machine(), Table.CODEC, Entry.CODEC).storage(storage)
        .checkpointEvery(0).open();
  }

  @Test
  void aChangeTheJournalFailedToWriteNeverReachesACheckpoint() {
    RecoverableState<Table, Entry> state = open(faulty);
    state.apply(new Entry.Started("a", "w", "q", null));
    faulty.failWritesAfter(0, FaultInjectingStorage.noSpace());

    JournalException failed = assertThrows(JournalException.class,
        () -> state.apply(new Entry.StepDone("a", 0, "charge", "ok".getBytes(StandardCharsets.UTF_8))));
    assertEquals("journal-failed", failed.code());

    StateException refused = assertThrows(StateException.class, () -> state.checkpoint("after the failure"));
    assertEquals("state-failed", refused.code());
    assertTrue(refused.getMessage().contains(DIR.toString()) && refused.getMessage().contains("No space left"),
        refused.getMessage());
    // A later event is refused before the machine sees it: the journal stopped.
    JournalException later = assertThrows(JournalException.class,
        () -> state.apply(new Entry.Started("b", "w", "q", null)));
    assertEquals("journal-failed", later.code());
    assertEquals(null, state.state().rows.get("b"), "a refused event changes nothing");
    faulty.heal();
    try {
      state.close();
    } catch (RuntimeException e) {
      // the journal stopped: closing reports it
    }

    RecoverableState<Table, Entry> reopened = open(disk);
    assertEquals(0, reopened.state().rows.get("a").steps.size(), "the unwritten step did not come back");
    reopened.close();
  }
}
