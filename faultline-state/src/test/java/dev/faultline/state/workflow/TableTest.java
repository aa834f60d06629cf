package dev.faultline.state.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The workflow table's checkpoint form: a capture is not reached by later changes, and round-trips. */
class TableTest {
  private final Table.Machine machine = new Table.Machine();
  private final Table table = machine.initial();

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private void apply(Entry entry) {
    machine.apply(table, entry);
  }

  private static String describe(Table t) {
    StringBuilder out = new StringBuilder();
    t.rows.values().stream().sorted(java.util.Comparator.comparing(r -> r.id)).forEach(r -> out.append(r.info())
        .append(r.outcome()).append(r.output() == null ? "-" : new String(r.output(), StandardCharsets.UTF_8))
        .append(r.cancelRequested()).append('\n'));
    return out.toString();
  }

  @Test
  void aCaptureEncodesTheTableAsItWasWhateverChangesAfterIt() {
    apply(new Entry.Started("done", "w", "q", bytes("in")));
    apply(new Entry.StepDone("done", 0, "a", bytes("ra")));
    apply(new Entry.Finished("done", WorkflowStatus.SUCCEEDED, bytes("out"), null));
    apply(new Entry.Started("open", "w", "q", null));
    apply(new Entry.StepDone("open", 0, "a", bytes("ra")));
    apply(new Entry.Started("saga", "w", "q", null));
    apply(new Entry.StepDone("saga", 0, "a", null));
    apply(new Entry.Compensating("saga", WorkflowStatus.FAILED, "boom"));
    String before = describe(table);

    Supplier<byte[]> captured = Table.CODEC.capture(table);
    apply(new Entry.StepDone("open", 1, "b", bytes("rb")));
    apply(new Entry.Cancel("open"));
    apply(new Entry.Compensated("saga", 0));
    apply(new Entry.Finished("saga", WorkflowStatus.FAILED, null, "boom"));
    apply(new Entry.Started("later", "w", "q", null));
    String after = describe(table);

    Table back = Table.CODEC.decode(captured.get());
    assertEquals(before, describe(back));
    assertEquals(after, describe(Table.CODEC.decode(Table.CODEC.encode(table))));
    assertEquals(1, back.finished.size());
    assertEquals(2, back.unfinished.size());
    assertEquals(2, table.finished.size(), "done and saga");
    assertEquals(2, table.unfinished.size(), "open and later");
  }

  @Test
  void aForgottenRowLeavesTheNextCaptureEvenBeforeItIsCompacted() {
    for (String id : List.of("a", "b", "c")) {
      apply(new Entry.Started(id, "w", "q", null));
      apply(new Entry.Finished(id, WorkflowStatus.SUCCEEDED, bytes(id), null));
    }
    apply(new Entry.Forget(List.of("b")));
    assertEquals(3, table.finished.size(), "one of three forgotten: flagged, not compacted yet");
    Table back = Table.CODEC.decode(Table.CODEC.capture(table).get());
    assertEquals(List.of("a", "c"), back.rows.keySet().stream().sorted().toList());
    assertEquals(2, table.finished.size(), "the capture compacted it");
    apply(new Entry.Forget(List.of("a", "c")));
    assertEquals(0, table.finished.size(), "compacted once half of it is forgotten");
  }

  @Test
  void aCheckpointHoldingAWorkflowTwiceIsRefused() {
    apply(new Entry.Started("x", "w", "q", null));
    byte[] one = Table.CODEC.encode(table);
    // Two rows with the same id: the count says 2 and the row follows twice.
    byte[] twice = new byte[4 + 2 * (one.length - 4)];
    java.nio.ByteBuffer.wrap(twice).putInt(2).put(one, 4, one.length - 4).put(one, 4, one.length - 4);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Table.CODEC.decode(twice));
    assertTrue(e.getMessage().contains("x twice"), e.getMessage());
  }
}
