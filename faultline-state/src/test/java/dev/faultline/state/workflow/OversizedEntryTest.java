package dev.faultline.state.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.state.RecoverableState;
import dev.faultline.state.journal.JournalBuilder;
import dev.faultline.state.journal.JournalException;
import dev.faultline.state.testing.SimulatedStorage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The workflow table's machine changes rows in place, so an entry the journal refuses after the machine applied it
 * (one larger than the journal takes) must be refused before: otherwise the table keeps a change that was never
 * journaled, the next checkpoint writes it, and the workflow's next real entry is refused as nondeterministic.
 */
class OversizedEntryTest {
  private static final Path DIR = Path.of("/sim/workflows");
  private final SimulatedStorage disk = new SimulatedStorage();

  private RecoverableState<Table, Entry> open() {
    return RecoverableState.builder(DIR, new Table.Machine(), Table.CODEC, Entry.CODEC).storage(disk)
        .checkpointEvery(0).open();
  }

  @Test
  void anEntryTooLargeForTheJournalIsRefusedBeforeItChangesTheTable() {
    RecoverableState<Table, Entry> state = open();
    state.apply(new Entry.Started("a", "w", "q", null));
    byte[] huge = new byte[JournalBuilder.DEFAULT_MAX_RECORD_SIZE];

    JournalException refused = assertThrows(JournalException.class,
        () -> state.apply(new Entry.StepDone("a", 0, "big", huge)));
    assertEquals("record-too-large", refused.code());
    assertTrue(refused.getMessage().contains(String.valueOf(JournalBuilder.DEFAULT_MAX_RECORD_SIZE))
        && refused.getMessage().contains(DIR.toString()), refused.getMessage());
    assertEquals(0, state.state().rows.get("a").steps.size(), "the refused step is not in the table");

    state.checkpoint("after the refusal");
    state.apply(new Entry.StepDone("a", 0, "small", "ok".getBytes(StandardCharsets.UTF_8)));
    state.close();
    RecoverableState<Table, Entry> reopened = open();
    Table.Row row = reopened.state().rows.get("a");
    assertEquals(1, row.steps.size());
    assertEquals("small", row.steps.get(0).name());
    reopened.close();
  }
}
