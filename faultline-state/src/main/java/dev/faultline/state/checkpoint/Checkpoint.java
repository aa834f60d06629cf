package dev.faultline.state.checkpoint;

/**
 * A checkpoint whose every byte passed its checksum: its header and its snapshot. The snapshot array is handed over
 * without a copy.
 *
 * @param info the header
 * @param snapshot the snapshot bytes
 */
public record Checkpoint(CheckpointInfo info, byte[] snapshot) {

  /** The checkpoint's id. */
  public String id() {
    return info.id();
  }

  /** The journal sequence the snapshot covers. */
  public long sequence() {
    return info.sequence();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Checkpoint && ((Checkpoint) other).info.equals(info)
        && java.util.Arrays.equals(((Checkpoint) other).snapshot, snapshot);
  }

  @Override
  public int hashCode() {
    return info.hashCode() * 31 + java.util.Arrays.hashCode(snapshot);
  }

  @Override
  public String toString() {
    return "Checkpoint[" + info + ", " + snapshot.length + " bytes]";
  }
}
