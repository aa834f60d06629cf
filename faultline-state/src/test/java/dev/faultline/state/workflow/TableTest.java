package dev.faultline.state.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.state.RecoverableState;
import dev.faultline.state.StateException;
import dev.faultline.state.checkpoint.Checkpoint;
import dev.faultline.state.checkpoint.CheckpointInfo;
import dev.faultline.state.checkpoint.CheckpointStore;
import dev.faultline.state.testing.SimulatedStorage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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

  /**
   * Recovery resumes the unfinished workflows in the order they started (Row.start, which the store's open sorts
   * by). A checkpoint wrote them in hash order, so after one that order was lost: the table read back gave them
   * another. Thirty rows, every third finished, started with ids in reverse order; one more started after the read.
   */
  @Test
  void theUnfinishedWorkflowsKeepTheirStartOrderThroughACheckpoint() {
    List<String> open = new java.util.ArrayList<>();
    for (int i = 29; i >= 0; i--) {
      String id = "w" + i;
      apply(new Entry.Started(id, "w", "q", null));
      if (i % 3 == 0) {
        apply(new Entry.Finished(id, WorkflowStatus.SUCCEEDED, null, null));
      } else {
        open.add(id);
      }
    }
    Table back = Table.CODEC.decode(Table.CODEC.encode(table));
    machine.apply(back, new Entry.Started("a-later", "w", "q", null));
    open.add("a-later");
    assertEquals(open, back.rows.values().stream().filter(r -> !r.status().terminal()).sorted(Table.BY_START)
        .map(r -> r.id).toList());
    assertEquals(open, back.unfinished.stream().map(r -> r.id).toList(), "the next checkpoint's order");
  }

  @Test
  void aCheckpointHoldingAWorkflowTwiceIsRefused() {
    apply(new Entry.Started("x", "w", "q", null));
    byte[] one = Table.CODEC.encode(table);
    // Two rows with the same id: after the header (19 bytes with its version), the count says 2 and the row follows
    // twice.
    int rows = 19 + 4;
    byte[] twice = new byte[rows + 2 * (one.length - rows)];
    ByteBuffer.wrap(twice).put(one, 0, 19).putInt(2).put(one, rows, one.length - rows)
        .put(one, rows, one.length - rows);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Table.CODEC.decode(twice));
    assertTrue(e.getMessage().contains("x twice"), e.getMessage());
  }

  @Test
  void theSnapshotIsByteForByteTheFormatDataOutputStreamWrote() throws Exception {
    String wide = "\u00e9t\u00e9 \u2603 \ud83d\ude00 nul\u0000end"; // two-, three-byte, surrogates, a NUL
    apply(new Entry.Started("done-" + wide, "w" + wide, "q", bytes("in")));
    apply(new Entry.StepDone("done-" + wide, 0, "a" + wide, bytes("ra")));
    apply(new Entry.StepFailed("done-" + wide, 1, "b", "x".repeat(9000))); // clipped
    apply(new Entry.Sleep("done-" + wide, 2, 1_700_000_000_123L));
    apply(new Entry.StepDone("done-" + wide, 3, "c", new byte[0]));
    apply(new Entry.Finished("done-" + wide, WorkflowStatus.SUCCEEDED, bytes("out"), null));
    apply(new Entry.Started("saga", "w", "", null));
    apply(new Entry.StepDone("saga", 0, "a", null));
    apply(new Entry.StepDone("saga", 1, "b", bytes("rb")));
    apply(new Entry.Cancel("saga"));
    apply(new Entry.Resume("saga"));
    apply(new Entry.Compensating("saga", WorkflowStatus.CANCELLED, "stop " + wide));
    apply(new Entry.Compensated("saga", 1));
    apply(new Entry.Started("open", "w", "q", bytes("x")));
    apply(new Entry.Started("failed", "w", "q", null));
    apply(new Entry.Finished("failed", WorkflowStatus.FAILED, null, "boom"));

    byte[] expected = referenceEncoding(table);
    assertTrue(expected.length > 8000, "the clipped error is in it");
    assertEquals(java.util.HexFormat.of().formatHex(expected),
        java.util.HexFormat.of().formatHex(Table.CODEC.encode(table)));
    assertEquals(java.util.HexFormat.of().formatHex(expected),
        java.util.HexFormat.of().formatHex(Table.CODEC.encode(table)), "again, with the finished rows' sizes kept");
    apply(new Entry.Finished("open", WorkflowStatus.SUCCEEDED, bytes("late"), null));
    assertEquals(java.util.HexFormat.of().formatHex(referenceEncoding(table)),
        java.util.HexFormat.of().formatHex(Table.CODEC.encode(table)), "a row finished since");
    assertEquals(4, Table.CODEC.decode(expected).rows.size());
  }

  @Test
  void aStringLongerThanWriteUtfTakesIsRefusedAsDataOutputStreamRefusedIt() {
    apply(new Entry.Started("x".repeat(70_000), "w", "q", null));
    java.io.UncheckedIOException e = assertThrows(java.io.UncheckedIOException.class,
        () -> Table.CODEC.encode(table));
    assertTrue(e.getCause() instanceof java.io.UTFDataFormatException, e.toString());
  }

  /** The current format (2) with DataOutputStream, as the encoder wrote it before its two passes: its reference. */
  private static byte[] referenceEncoding(Table t) throws java.io.IOException {
    return referenceEncoding(t, 2);
  }

  /**
   * The format of {@code version} with DataOutputStream: 1 as this release's predecessors wrote it (no header, an
   * error "" for none), 2 as this one does.
   */
  private static byte[] referenceEncoding(Table t, int version) throws java.io.IOException {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    java.util.List<Table.Row> rows = new java.util.ArrayList<>(t.finished);
    rows.addAll(t.unfinished);
    try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
      if (version > 1) {
        out.writeInt(1); // a pretend row whose status (127) a version 1 reader refuses
        out.writeUTF("");
        out.writeUTF("");
        out.writeUTF("");
        out.writeInt(-1);
        out.writeByte(127);
        out.writeInt(version);
      }
      out.writeInt(rows.size());
      for (Table.Row row : rows) {
        out.writeUTF(row.id);
        out.writeUTF(row.name);
        out.writeUTF(row.queue);
        Entry.writeBytes(out, row.input);
        out.writeByte(row.status.ordinal());
        out.writeBoolean(row.cancelRequested);
        out.writeBoolean(row.resumeRequested);
        out.writeByte(row.outcome == null ? -1 : row.outcome.ordinal());
        Entry.writeBytes(out, row.output);
        writeError(out, row.error, version);
        out.writeInt(row.steps.size());
        for (Table.Step s : row.steps) {
          out.writeInt(s.index());
          out.writeUTF(s.name());
          out.writeBoolean(s.sleep());
          out.writeLong(s.wakeMillis());
          Entry.writeBytes(out, s.result());
          writeError(out, s.error(), version);
        }
        out.writeInt(row.compensated.size());
        for (int index : row.compensated) {
          out.writeInt(index);
        }
      }
    }
    return bytes.toByteArray();
  }

  private static void writeError(java.io.DataOutputStream out, String error, int version) throws java.io.IOException {
    if (version == 1) {
      out.writeUTF(error == null ? "" : Entry.clip(error));
    } else {
      out.writeBoolean(error != null);
      if (error != null) {
        out.writeUTF(Entry.clip(error));
      }
    }
  }

  /**
   * A step failure recorded with the text "" (the executor never records one, another store or a later change may)
   * came back from a checkpoint as no error: the step read as completed with a null result, and a replay returned
   * null from a step that had failed. A workflow's error "" likewise came back as none.
   */
  @Test
  void anEmptyErrorTextSurvivesACheckpointAsAnError() {
    apply(new Entry.Started("x", "w", "q", null));
    apply(new Entry.StepDone("x", 0, "a", null));
    apply(new Entry.StepFailed("x", 1, "b", ""));
    apply(new Entry.Compensating("x", WorkflowStatus.FAILED, ""));
    Table back = Table.CODEC.decode(Table.CODEC.encode(table));
    Table.Row row = back.rows.get("x");
    assertEquals(null, row.step(0).error(), "a completed step has no error");
    assertEquals("", row.step(1).error(), "the failed step read back as completed");
    assertEquals("", row.error());
    assertEquals(describe(table), describe(back));
  }

  /** Checkpoints written before the format version (1) still read, "" for none as they meant it. */
  @Test
  void aVersion1CheckpointStillReads() throws Exception {
    apply(new Entry.Started("done", "w", "q", bytes("in")));
    apply(new Entry.StepFailed("done", 0, "a", "boom"));
    apply(new Entry.Finished("done", WorkflowStatus.FAILED, null, "boom"));
    apply(new Entry.Started("open", "w", "q", null));
    apply(new Entry.StepDone("open", 0, "a", bytes("ra")));
    apply(new Entry.Sleep("open", 1, 42));
    apply(new Entry.Cancel("open"));
    Table back = Table.CODEC.decode(referenceEncoding(table, 1));
    assertEquals(describe(table), describe(back));
    assertEquals(null, back.rows.get("open").step(0).error());
    assertEquals("boom", back.rows.get("done").step(0).error());
    assertEquals(java.util.HexFormat.of().formatHex(referenceEncoding(table, 2)),
        java.util.HexFormat.of().formatHex(Table.CODEC.encode(back)), "written again as version 2");
  }

  /**
   * A version 2 checkpoint starts with a pretend row whose status no release knows, so that a release that reads
   * only version 1 refuses it (a replay failure naming the checkpoint) rather than read it as an empty table; a
   * version above 2 is refused here, naming it.
   */
  @Test
  void theFormatVersionIsRefusedLoudlyWhereItIsNotRead() throws Exception {
    apply(new Entry.Started("x", "w", "q", null));
    byte[] encoded = Table.CODEC.encode(table);
    java.io.DataInputStream in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(encoded));
    assertEquals(1, in.readInt(), "a version 1 reader expects one row");
    assertEquals("", in.readUTF());
    assertEquals("", in.readUTF());
    assertEquals("", in.readUTF());
    assertEquals(null, Entry.readBytes(in));
    byte status = in.readByte();
    IllegalArgumentException old = assertThrows(IllegalArgumentException.class, () -> Entry.status(status));
    assertTrue(old.getMessage().contains("unknown workflow status 127"), old.getMessage());

    byte[] newer = encoded.clone();
    ByteBuffer.wrap(newer).putInt(15, 3);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Table.CODEC.decode(newer));
    assertTrue(e.getMessage().contains("format version 3"), e.getMessage());
  }

  /**
   * A damaged count must not read as a smaller table: a negative count (never written) and bytes after the last row
   * are refused, naming what is wrong, so the checkpoint fails to decode as any damaged one does. Regression: a
   * negative count read as none, and a row count that lost rows ignored the rows after it.
   */
  @Test
  void aNegativeCountOrBytesAfterTheLastRowAreRefused() {
    apply(new Entry.Started("x", "w", "q", null)); // no steps, nothing compensated: its last 8 bytes are those counts
    apply(new Entry.Started("y", "w", "q", null));
    byte[] encoded = Table.CODEC.encode(table);
    int rowsAt = 19; // after the header and its version

    byte[] negativeRows = encoded.clone();
    ByteBuffer.wrap(negativeRows).putInt(rowsAt, -1);
    assertDamaged(negativeRows, "the table has a count of -1 rows");

    byte[] fewerRows = encoded.clone();
    ByteBuffer.wrap(fewerRows).putInt(rowsAt, 1);
    assertDamaged(fewerRows, "follow its last row (of 1)");

    byte[] negativeSteps = encoded.clone();
    ByteBuffer.wrap(negativeSteps).putInt(encoded.length - 8, -3);
    assertDamaged(negativeSteps, "workflow y has a count of -3 steps");

    byte[] negativeCompensated = encoded.clone();
    ByteBuffer.wrap(negativeCompensated).putInt(encoded.length - 4, -1);
    assertDamaged(negativeCompensated, "workflow y has a count of -1 compensated steps");

    byte[] trailing = java.util.Arrays.copyOf(encoded, encoded.length + 3);
    assertDamaged(trailing, "3 byte(s) follow its last row (of 2)");

    assertEquals(2, Table.CODEC.decode(encoded).rows.size(), "the undamaged checkpoint reads");
  }

  /**
   * Such a checkpoint takes the path of any checkpoint whose state cannot be decoded: opening the state refuses with
   * {@code state-replay-failed} naming the checkpoint and why, and deletes no checkpoint (before, it opened with one
   * workflow fewer).
   */
  @Test
  void openingOnACheckpointWhoseRowCountLostARowRefusesNamingItAndKeepsIt() {
    Path dir = Path.of("/sim/damaged-table");
    SimulatedStorage disk = new SimulatedStorage();
    Supplier<RecoverableState<Table, Entry>> open = () -> RecoverableState.builder(dir, new Table.Machine(),
        Table.CODEC, Entry.CODEC).storage(disk).checkpointEvery(0).open();
    try (RecoverableState<Table, Entry> state = open.get()) {
      state.apply(new Entry.Started("x", "w", "q", null));
      state.apply(new Entry.Started("y", "w", "q", null));
      state.checkpoint("two workflows");
    }
    CheckpointStore store = CheckpointStore.builder(dir).storage(disk).keep(10).open();
    Checkpoint good = store.latestValid().checkpoint().orElseThrow();
    byte[] damaged = good.snapshot().clone();
    ByteBuffer.wrap(damaged).putInt(19, 1); // one row, where two follow
    CheckpointInfo written = store.write(good.sequence(), "damaged", damaged);

    StateException refused = assertThrows(StateException.class, open::get);
    assertEquals("state-replay-failed", refused.code(), refused.getMessage());
    assertTrue(refused.getMessage().contains("checkpoint " + written.id()), refused.getMessage());
    assertTrue(refused.getMessage().contains("follow its last row"), refused.getMessage());
    assertEquals(2, store.list().size(), "no checkpoint deleted");
  }

  private static void assertDamaged(byte[] snapshot, String why) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Table.CODEC.decode(snapshot));
    assertTrue(e.getMessage().contains("damaged workflow table checkpoint"), e.getMessage());
    assertTrue(e.getMessage().contains(why), e.getMessage());
  }

  /** The warning itself goes to the executor's logger (this module's tests cannot read java.util.logging). */
  @Test
  void holdingAHundredThousandFinishedWorkflowsWarnsOnceThenAtAMillion() {
    apply(new Entry.Started("open", "w", "q", null));
    for (int i = 0; i < Table.FIRST_WARNING + 10; i++) {
      apply(new Entry.Started("w" + i, "w", "q", null));
      apply(new Entry.Finished("w" + i, WorkflowStatus.SUCCEEDED, null, null));
      if (i == Table.FIRST_WARNING - 2) {
        assertEquals(Table.FIRST_WARNING, table.warnAtFinished, "99 999 finished: no warning yet");
      }
    }
    assertEquals(10 * Table.FIRST_WARNING, table.warnAtFinished, "warned at 100 000; the next at a million");
    apply(new Entry.Forget(List.of("w0", "w1")));
    assertEquals(10 * Table.FIRST_WARNING, table.warnAtFinished, "forgetting does not warn again");
  }
}
