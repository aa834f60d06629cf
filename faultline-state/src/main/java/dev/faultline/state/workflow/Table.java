package dev.faultline.state.workflow;

import dev.faultline.state.Codec;
import dev.faultline.state.StateMachine;
import dev.faultline.state.workflow.spi.StoredStep;
import dev.faultline.state.workflow.spi.StoredWorkflow;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The workflow table: every workflow the store knows, rebuilt from the newest checkpoint plus the journal.
 *
 * <pre>
 * Concurrency: rows is a concurrent map; a row is only added by the state machine. Each row's fields are guarded by
 * the row's own monitor: the state machine mutates them (under RecoverableState's state lock), and the executor and
 * checkpoints read them from any thread. No other lock is ever taken while holding a row's monitor, so the order is
 * always state lock, then row. `unfinished`, `finished` and `nextStart` are changed by the state machine only and read
 * by the checkpoint capture, all under the state lock. A row's `start` is set before the row is published (final).
 *
 * Checkpoints: a finished row never changes again (the machine refuses every entry for it), so the capture keeps
 * the finished rows as they are and copies only the unfinished ones; the encoding then runs outside the state lock,
 * in the capturing thread, without taking any row's monitor (the capture under the state lock orders every field the
 * machine wrote before it; the copies are the capture's own).
 * </pre>
 */
final class Table {
  private static final System.Logger LOG = System.getLogger(WorkflowExecutor.class.getName());
  /** How many finished workflows held in memory make the first warning; each later one is at ten times the last. */
  static final long FIRST_WARNING = 100_000;

  final ConcurrentHashMap<String, Row> rows = new ConcurrentHashMap<>();
  /** The number of finished workflows held at which the next warning is logged (changed by the machine only). */
  long warnAtFinished = FIRST_WARNING;
  /** The rows not finished yet (identity set), in the order they started (checkpoints write them in that order). */
  final Set<Row> unfinished = new LinkedHashSet<>();
  /** The start order of the next workflow started or read from a checkpoint (see {@link Row#start}). */
  long nextStart;
  /**
   * The finished rows, in the order they finished (in the order of the checkpoint after a restart). Rows forgotten by
   * retention are flagged and left here until compacted (when they are half of it, or by the next capture), so a
   * forget costs no search.
   */
  final List<Row> finished = new ArrayList<>();
  /** How many rows of finished are forgotten. */
  int forgottenInFinished;

  /** Drops the forgotten rows from finished. */
  void compact() {
    if (forgottenInFinished > 0) {
      finished.removeIf(row -> row.forgotten);
      forgottenInFinished = 0;
    }
  }

  /** Adds a row decoded from a checkpoint (in the checkpoint's order, which gives its start order). */
  void add(Row row) {
    if (rows.putIfAbsent(row.id, row) != null) {
      throw new IllegalArgumentException("workflow table checkpoint holds workflow " + row.id + " twice");
    }
    if (row.status.terminal()) {
      finished.add(row);
    } else {
      unfinished.add(row);
    }
  }

  /** Rows in the order their workflows started. */
  static final Comparator<Row> BY_START = Comparator.comparingLong(row -> row.start);

  /** One recorded step or timer; immutable. */
  record Step(int index, String name, byte[] result, String error, long wakeMillis, boolean sleep)
      implements StoredStep {}

  /** One workflow; see the class comment for its lock. */
  static final class Row implements StoredWorkflow {
    final String id;
    final String name;
    final String queue;
    final byte[] input;
    /**
     * Its place in the order the workflows started (smaller: earlier), which recovery resumes them in. Not recorded:
     * given by the order of the Started entries and of the checkpoint, which writes unfinished rows in this order.
     */
    final long start;
    WorkflowStatus status = WorkflowStatus.PENDING;
    final List<Step> steps = new ArrayList<>();
    final Set<Integer> compensated = new HashSet<>();
    boolean cancelRequested;
    boolean resumeRequested;
    /**
     * The row's size in a checkpoint once it is finished, -1 until a checkpoint counted it; written and read only by
     * the checkpoint encoding (a race between two encodings writes the same value).
     */
    int snapshotSize = -1;
    /** Dropped by retention (see Table.finished); set by the state machine only. */
    boolean forgotten;
    WorkflowStatus outcome;
    byte[] output;
    String error;

    Row(String id, String name, String queue, byte[] input, long start) {
      this.id = id;
      this.name = name;
      this.queue = queue;
      this.input = input;
      this.start = start;
    }

    /** A copy that no later change of this row reaches (steps are immutable, byte arrays never changed). */
    synchronized Row copy() {
      Row copy = new Row(id, name, queue, input, start);
      copy.status = status;
      copy.steps.addAll(steps);
      copy.compensated.addAll(compensated);
      copy.cancelRequested = cancelRequested;
      copy.resumeRequested = resumeRequested;
      copy.outcome = outcome;
      copy.output = output;
      copy.error = error;
      return copy;
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public String queue() {
      return queue;
    }

    @Override
    public byte[] input() {
      return input;
    }

    @Override
    public synchronized Step step(int index) {
      return index < steps.size() ? steps.get(index) : null;
    }

    @Override
    public synchronized WorkflowStatus status() {
      return status;
    }

    @Override
    public synchronized boolean cancelRequested() {
      return cancelRequested;
    }

    @Override
    public synchronized boolean resumeRequested() {
      return resumeRequested;
    }

    @Override
    public synchronized boolean compensated(int index) {
      return compensated.contains(index);
    }

    @Override
    public synchronized WorkflowStatus outcome() {
      return outcome;
    }

    @Override
    public synchronized byte[] output() {
      return output;
    }

    @Override
    public synchronized String error() {
      return error;
    }

    @Override
    public synchronized WorkflowInfo info() {
      List<WorkflowInfo.StepInfo> infos = new ArrayList<>(steps.size());
      for (Step s : steps) {
        infos.add(WorkflowInfo.StepInfo.of(s.index(), s.name(), s.sleep(), s.wakeMillis(), s.error(),
            compensated.contains(s.index())));
      }
      return new WorkflowInfo(id, name, queue, status, infos, compensated.size(), error);
    }
  }

  /** Applies entries to the table; refuses those that do not fit (nothing is journaled then). */
  static final class Machine implements StateMachine<Table, Entry> {
    @Override
    public Table initial() {
      return new Table();
    }

    @Override
    public Table apply(Table table, Entry entry) {
      if (entry instanceof Entry.Started) {
        Entry.Started e = (Entry.Started) entry;
        Row row = new Row(e.id(), e.name(), e.queue(), e.input(), table.nextStart);
        if (table.rows.putIfAbsent(e.id(), row) != null) {
          throw new WorkflowException("workflow-conflict", "workflow " + e.id() + " was already started");
        }
        table.nextStart++;
        table.unfinished.add(row);
        return table;
      }
      if (entry instanceof Entry.Forget) {
        forget(table, (Entry.Forget) entry);
        return table;
      }
      Row row = table.rows.get(entry.id());
      if (row == null) {
        throw new WorkflowException("workflow-unknown", "no workflow with id " + entry.id() + " was started");
      }
      synchronized (row) {
        if (row.status.terminal()) {
          throw new WorkflowException("workflow-finished", "workflow " + row.id + " already finished "
              + row.status + "; cannot record " + entry.getClass().getSimpleName());
        }
        if (entry instanceof Entry.StepDone) {
          Entry.StepDone e = (Entry.StepDone) entry;
          next(row, e.index());
          row.steps.add(new Step(e.index(), e.step(), e.result(), null, 0, false));
        } else if (entry instanceof Entry.StepFailed) {
          Entry.StepFailed e = (Entry.StepFailed) entry;
          next(row, e.index());
          row.steps.add(new Step(e.index(), e.step(), null, e.error(), 0, false));
        } else if (entry instanceof Entry.Sleep) {
          Entry.Sleep e = (Entry.Sleep) entry;
          next(row, e.index());
          row.steps.add(new Step(e.index(), "sleep", null, null, e.wakeMillis(), true));
        } else if (entry instanceof Entry.Cancel) {
          row.cancelRequested = true;
        } else if (entry instanceof Entry.Resume) {
          row.resumeRequested = true;
        } else if (entry instanceof Entry.Compensating) {
          Entry.Compensating e = (Entry.Compensating) entry;
          row.status = WorkflowStatus.COMPENSATING;
          row.outcome = e.outcome();
          row.error = e.error();
        } else if (entry instanceof Entry.Compensated) {
          row.compensated.add(((Entry.Compensated) entry).index());
        } else {
          Entry.Finished e = (Entry.Finished) entry;
          row.status = e.status();
          row.output = e.output();
          row.error = e.error();
          if (row.status.terminal()) {
            table.unfinished.remove(row);
            table.finished.add(row);
            warnIfLarge(table);
          }
        }
      }
      return table;
    }

    /**
     * Logs a warning when the finished workflows held in memory reach 100 000, then 1 000 000, and so on: the table
     * keeps every one unless the executor forgets them ({@code retainFinished}), so a service that never set it grows
     * until it runs out of memory.
     */
    private static void warnIfLarge(Table table) {
      long held = table.rows.size() - (long) table.unfinished.size();
      if (held >= table.warnAtFinished) {
        table.warnAtFinished = held * 10;
        LOG.log(System.Logger.Level.WARNING, "the embedded workflow store holds " + held + " finished workflows in"
            + " memory (and in every checkpoint); finished workflows are kept until the executor forgets them: set"
            + " WorkflowExecutor.Builder.retainFinished, or shorten it if it is set (docs/workflows.md, Retention)");
      }
    }

    /** Drops finished rows (retention); an id no longer in the table was dropped before and is skipped. */
    private static void forget(Table table, Entry.Forget entry) {
      for (String id : entry.ids()) {
        Row row = table.rows.get(id);
        if (row != null && !row.status().terminal()) {
          throw new WorkflowException("workflow-unfinished", "workflow " + id + " is " + row.status()
              + "; only finished workflows are forgotten");
        }
      }
      for (String id : entry.ids()) {
        Row row = table.rows.remove(id);
        if (row != null) {
          row.forgotten = true;
          table.forgottenInFinished++;
        }
      }
      if (table.forgottenInFinished * 2 > table.finished.size()) {
        table.compact();
      }
    }

    private static void next(Row row, int index) {
      if (index != row.steps.size()) {
        throw new WorkflowException("workflow-nondeterministic", "workflow " + row.id + " records step " + index
            + " but its next step is " + row.steps.size());
      }
    }
  }

  /** The checkpoint format version written (see {@link #CODEC}); versions 1 and 2 are read. */
  static final int FORMAT_VERSION = 2;
  /**
   * The status byte of the version 2 header's pretend row (no status has it): a reader of version 1 refuses the
   * checkpoint at it ("unknown workflow status 127") instead of reading it as an empty table.
   */
  private static final int VERSION_MARK = 127;
  /** The version 2 header up to its version: int 1, UTF "" three times, bytes none (-1), byte VERSION_MARK. */
  private static final byte[] VERSION_HEADER = {0, 0, 0, 1, 0, 0, 0, 0, 0, 0, -1, -1, -1, -1, VERSION_MARK};

  /**
   * The checkpoint form. Version 2 (written since a step's recorded error "" and a workflow's error "" are told apart
   * from none):
   * <pre>
   *   header     int 1, UTF "", UTF "", UTF "", int -1, byte 127   (a version 1 reader: one row of an unknown status)
   *              int version (2)
   *   int rows   the finished ones in the order they finished, then the unfinished ones in the order they started
   *   per row    UTF id, UTF name, UTF queue, bytes input, byte status, boolean cancel, boolean resume,
   *              byte outcome (-1 none), bytes output, error, int steps, per step (int index, UTF name,
   *              boolean sleep, long wake, bytes result, error), int compensated, that many int indexes
   *   error      boolean present, then (if present) UTF text
   *   bytes      int n (-1: none), n bytes
   * </pre>
   * Version 1 (no header): int rows (the unfinished ones in no particular order), each as above but for the errors,
   * each a UTF text where "" stands for none (so a recorded "" read back as none). A version above 2 is refused, and
   * so, as damage, are a negative count and bytes after the last row (either could read as a smaller table).
   */
  static final Codec<Table> CODEC = new Codec<>() {
    @Override
    public byte[] encode(Table table) {
      return capture(table).get();
    }

    /** Finished rows as they are (they never change), copies of the others; called under the state lock. */
    @Override
    public Supplier<byte[]> capture(Table table) {
      table.compact();
      Row[] done = table.finished.toArray(new Row[0]);
      List<Row> open = new ArrayList<>(table.unfinished.size());
      for (Row row : table.unfinished) {
        open.add(row.copy());
      }
      return () -> write(done, open);
    }

    /**
     * Two passes over the same rows (see {@link SnapshotBytes}): the finished ones never change again and the open
     * ones are this capture's own copies, so both passes see the same values without taking a row's monitor (the
     * state lock under which they were captured, or finished, orders their fields before this read).
     */
    private byte[] write(Row[] done, List<Row> open) {
      SnapshotBytes.Size size = new SnapshotBytes.Size();
      size.total += VERSION_HEADER.length;
      size.i32(FORMAT_VERSION);
      size.i32(0);
      for (Row row : done) {
        size.total += finishedSize(row);
      }
      for (Row row : open) {
        write(size, row);
      }
      SnapshotBytes.Bytes bytes = new SnapshotBytes.Bytes(size.arrayLength());
      write(bytes, done, open);
      return bytes.done();
    }

    /**
     * A finished row's encoded size, counted at the first checkpoint that holds it and kept in the row (it never
     * changes again), so that the size pass of a large table costs little more than its open rows.
     */
    private long finishedSize(Row row) {
      int known = row.snapshotSize;
      if (known < 0) {
        SnapshotBytes.Size size = new SnapshotBytes.Size();
        write(size, row);
        known = (int) Math.min(size.total, Integer.MAX_VALUE); // a row that large fails arrayLength anyway
        row.snapshotSize = known;
      }
      return known;
    }

    private void write(SnapshotBytes.Sink out, Row[] done, List<Row> open) {
      for (byte b : VERSION_HEADER) {
        out.i8(b);
      }
      out.i32(FORMAT_VERSION);
      out.i32(done.length + open.size());
      for (Row row : done) {
        write(out, row);
      }
      for (Row row : open) {
        write(out, row);
      }
    }

    private void write(SnapshotBytes.Sink out, Row row) {
      out.utf(row.id);
      out.utf(row.name);
      out.utf(row.queue);
      out.bytes(row.input);
      out.i8(row.status.ordinal());
      out.i8(row.cancelRequested ? 1 : 0);
      out.i8(row.resumeRequested ? 1 : 0);
      out.i8(row.outcome == null ? -1 : row.outcome.ordinal());
      out.bytes(row.output);
      error(out, row.error);
      out.i32(row.steps.size());
      for (Step s : row.steps) {
        out.i32(s.index());
        out.utf(s.name());
        out.i8(s.sleep() ? 1 : 0);
        out.i64(s.wakeMillis());
        out.bytes(s.result());
        error(out, s.error());
      }
      out.i32(row.compensated.size());
      for (int index : row.compensated) {
        out.i32(index);
      }
    }

    /** An error as version 2 writes it: whether there is one, then its (clipped) text. */
    private void error(SnapshotBytes.Sink out, String error) {
      out.i8(error == null ? 0 : 1);
      if (error != null) {
        out.utf(Entry.clip(error));
      }
    }

    @Override
    public Table decode(byte[] bytes) {
      Table table = new Table();
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
        int version = 1;
        if (bytes.length >= VERSION_HEADER.length
            && Arrays.equals(bytes, 0, VERSION_HEADER.length, VERSION_HEADER, 0, VERSION_HEADER.length)) {
          in.skipNBytes(VERSION_HEADER.length);
          version = in.readInt();
          if (version < 2 || version > FORMAT_VERSION) {
            throw new IllegalArgumentException("workflow table checkpoint of format version " + version + ", which"
                + " this release does not read (1 to " + FORMAT_VERSION + "); was it written by a newer release?");
          }
        }
        boolean v1 = version == 1;
        for (int n = count(in, "rows", "the table"); n > 0; n--) {
          Row row = new Row(in.readUTF(), in.readUTF(), in.readUTF(), Entry.readBytes(in), table.nextStart++);
          row.status = Entry.status(in.readByte());
          row.cancelRequested = in.readBoolean();
          row.resumeRequested = in.readBoolean();
          int outcome = in.readByte();
          row.outcome = outcome < 0 ? null : Entry.status(outcome);
          row.output = Entry.readBytes(in);
          row.error = readError(in, v1);
          for (int steps = count(in, "steps", "workflow " + row.id); steps > 0; steps--) {
            int index = in.readInt();
            String name = in.readUTF();
            boolean sleep = in.readBoolean();
            long wake = in.readLong();
            byte[] result = Entry.readBytes(in);
            row.steps.add(new Step(index, name, result, readError(in, v1), wake, sleep));
          }
          for (int c = count(in, "compensated steps", "workflow " + row.id); c > 0; c--) {
            row.compensated.add(in.readInt());
          }
          table.add(row);
        }
        if (in.available() > 0) {
          // A damaged count could otherwise read as a smaller table, losing the rows after it.
          throw new IllegalArgumentException("damaged workflow table checkpoint: " + in.available() + " byte(s)"
              + " follow its last row (of " + table.rows.size() + ")");
        }
      } catch (IOException e) {
        throw new IllegalArgumentException("truncated workflow table checkpoint: " + e, e);
      }
      return table;
    }

    /** A count of {@code what} in {@code where}, refused if negative (never written: a damaged checkpoint). */
    private int count(DataInputStream in, String what, String where) throws IOException {
      int count = in.readInt();
      if (count < 0) {
        throw new IllegalArgumentException("damaged workflow table checkpoint: " + where + " has a count of "
            + count + " " + what);
      }
      return count;
    }

    /** An error as {@link #error} writes it, or (version 1) a text where "" stands for none. */
    private String readError(DataInputStream in, boolean v1) throws IOException {
      if (v1) {
        String error = in.readUTF();
        return error.isEmpty() ? null : error;
      }
      return in.readBoolean() ? in.readUTF() : null;
    }
  };
}
