package dev.faultline.state.workflow;

import dev.faultline.state.Codec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One journal record of the workflow store.
 *
 * <pre>
 *   byte kind, UTF workflowId, then by kind:
 *   1 STARTED       UTF name, UTF queue, int n, n bytes input
 *   2 STEP_DONE     int index, UTF step, int n, n bytes result
 *   3 STEP_FAILED   int index, UTF step, UTF error
 *   4 SLEEP         int index, long wake-up (epoch millis)
 *   5 CANCEL        (nothing)
 *   6 COMPENSATING  byte final status ordinal, UTF error
 *   7 COMPENSATED   int index
 *   8 FINISHED      byte status ordinal, int n (-1: none), n bytes output, UTF error ("" for none)
 *   9 RESUME        (nothing): resume even where executors do not resume on start
 *  10 FORGET        (workflowId ""), int n, n UTF ids: finished workflows dropped by retention
 * </pre>
 */
sealed interface Entry {
  String id();

  record Started(String id, String name, String queue, byte[] input) implements Entry {}

  record StepDone(String id, int index, String step, byte[] result) implements Entry {}

  record StepFailed(String id, int index, String step, String error) implements Entry {}

  record Sleep(String id, int index, long wakeMillis) implements Entry {}

  record Cancel(String id) implements Entry {}

  record Resume(String id) implements Entry {}

  record Compensating(String id, WorkflowStatus outcome, String error) implements Entry {}

  record Compensated(String id, int index) implements Entry {}

  record Finished(String id, WorkflowStatus status, byte[] output, String error) implements Entry {}

  /** Finished workflows that retention drops from the table (at most {@link #FORGET_BATCH} per record). */
  record Forget(List<String> ids) implements Entry {
    public Forget {
      ids = List.copyOf(ids);
    }

    @Override
    public String id() {
      return "";
    }
  }

  /** The most ids one {@link Forget} record names. */
  int FORGET_BATCH = 1000;

  /** The binary form drawn above. Thread-safe. */
  Codec<Entry> CODEC = new Codec<>() {
    @Override
    public byte[] encode(Entry entry) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        if (entry instanceof Started) {
          Started e = (Started) entry;
          head(out, 1, e.id());
          out.writeUTF(e.name());
          out.writeUTF(e.queue());
          writeBytes(out, e.input());
        } else if (entry instanceof StepDone) {
          StepDone e = (StepDone) entry;
          head(out, 2, e.id());
          out.writeInt(e.index());
          out.writeUTF(e.step());
          writeBytes(out, e.result());
        } else if (entry instanceof StepFailed) {
          StepFailed e = (StepFailed) entry;
          head(out, 3, e.id());
          out.writeInt(e.index());
          out.writeUTF(e.step());
          out.writeUTF(clip(e.error()));
        } else if (entry instanceof Sleep) {
          Sleep e = (Sleep) entry;
          head(out, 4, e.id());
          out.writeInt(e.index());
          out.writeLong(e.wakeMillis());
        } else if (entry instanceof Cancel) {
          head(out, 5, entry.id());
        } else if (entry instanceof Resume) {
          head(out, 9, entry.id());
        } else if (entry instanceof Compensating) {
          Compensating e = (Compensating) entry;
          head(out, 6, e.id());
          out.writeByte(e.outcome().ordinal());
          out.writeUTF(clip(e.error()));
        } else if (entry instanceof Compensated) {
          Compensated e = (Compensated) entry;
          head(out, 7, e.id());
          out.writeInt(e.index());
        } else if (entry instanceof Forget) {
          Forget e = (Forget) entry;
          head(out, 10, "");
          out.writeInt(e.ids().size());
          for (String id : e.ids()) {
            out.writeUTF(id);
          }
        } else {
          Finished e = (Finished) entry;
          head(out, 8, e.id());
          out.writeByte(e.status().ordinal());
          writeBytes(out, e.output());
          out.writeUTF(e.error() == null ? "" : clip(e.error()));
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return bytes.toByteArray();
    }

    @Override
    public Entry decode(byte[] bytes) {
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
        int kind = in.readByte();
        String id = in.readUTF();
        switch (kind) {
          case 1:
            return new Started(id, in.readUTF(), in.readUTF(), readBytes(in));
          case 2:
            return new StepDone(id, in.readInt(), in.readUTF(), readBytes(in));
          case 3:
            return new StepFailed(id, in.readInt(), in.readUTF(), in.readUTF());
          case 4:
            return new Sleep(id, in.readInt(), in.readLong());
          case 5:
            return new Cancel(id);
          case 6:
            return new Compensating(id, status(in.readByte()), in.readUTF());
          case 7:
            return new Compensated(id, in.readInt());
          case 8: {
            WorkflowStatus status = status(in.readByte());
            byte[] output = readBytes(in);
            String error = in.readUTF();
            return new Finished(id, status, output, error.isEmpty() ? null : error);
          }
          case 9:
            return new Resume(id);
          case 10: {
            int n = in.readInt();
            if (n < 0 || n > FORGET_BATCH) {
              throw new IllegalArgumentException("workflow forget record names " + n + " workflows (0.."
                  + FORGET_BATCH + ")");
            }
            List<String> ids = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
              ids.add(in.readUTF());
            }
            return new Forget(ids);
          }
          default:
            throw new IllegalArgumentException("unknown workflow record kind " + kind);
        }
      } catch (IOException e) {
        throw new IllegalArgumentException("truncated workflow record: " + e, e);
      }
    }
  };

  private static void head(DataOutputStream out, int kind, String id) throws IOException {
    out.writeByte(kind);
    out.writeUTF(id);
  }

  /** writeUTF takes at most 65535 bytes; error texts are cut well below that. */
  static String clip(String text) {
    return text.length() > 8000 ? text.substring(0, 8000) + "..." : text;
  }

  static void writeBytes(DataOutputStream out, byte[] bytes) throws IOException {
    if (bytes == null) {
      out.writeInt(-1);
      return;
    }
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  static byte[] readBytes(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0) {
      return null;
    }
    byte[] bytes = new byte[n];
    in.readFully(bytes);
    return bytes;
  }

  static WorkflowStatus status(int ordinal) {
    WorkflowStatus[] values = WorkflowStatus.values();
    if (ordinal < 0 || ordinal >= values.length) {
      throw new IllegalArgumentException("unknown workflow status " + ordinal);
    }
    return values[ordinal];
  }
}
