package dev.faultline.state.journal;

import java.nio.file.Path;
import java.util.List;

/**
 * Where a journal's valid records stop, why, and what cutting the journal there drops.
 *
 * @param kind a torn tail (nothing valid after it: cut off on open) or corruption (valid records, or a newer segment,
 *     follow; or the damaged file's name does not continue the journal: an error)
 * @param segment the segment file holding the first damaged byte
 * @param offset the offset of the first damaged frame in {@code segment} (0: its file header)
 * @param reason what is wrong there, in words
 * @param droppedBytes the bytes from {@code offset} to the end of the journal, not counting the zeros that end the
 *     damaged file (its zero-filled part ahead of the frames)
 * @param droppedRecords for corruption, the valid records found after the damage (possibly none); for a torn tail, an
 *     estimate: the frames whose header still fits and continues the sequence, and at least 1 when any byte is
 *     dropped
 * @param laterSegments whole segment files after {@code segment}, removed by the cut
 */
public record JournalDamage(Kind kind, Path segment, long offset, String reason, long droppedBytes,
    long droppedRecords, List<Path> laterSegments) {

  /** The two kinds of damage. */
  public enum Kind {
    /** Nothing valid follows: the remains of a write that a crash interrupted. */
    TORN_TAIL,
    /** Valid records, or a newer segment, follow the damage (or its file's name leaves a gap): not a crash's. */
    CORRUPTION
  }

  /** Copies {@code laterSegments}. */
  public JournalDamage {
    laterSegments = List.copyOf(laterSegments);
  }

  /** One line for logs and the command line. */
  public String describe() {
    return (kind == Kind.TORN_TAIL ? "torn tail" : "corruption") + " in " + segment.getFileName() + " at offset "
        + offset + " (" + reason + "); from there on: " + droppedBytes + " bytes, " + droppedRecords
        + (kind == Kind.TORN_TAIL ? " torn record(s)" : " valid record(s)")
        + (laterSegments.isEmpty() ? "" : ", " + laterSegments.size() + " later segment(s)");
  }
}
