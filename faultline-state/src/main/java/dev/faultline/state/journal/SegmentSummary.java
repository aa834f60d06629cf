package dev.faultline.state.journal;

import java.nio.file.Path;

/**
 * What a verification found in one segment file.
 *
 * @param file the segment file
 * @param firstSequence the sequence its name and header give for its first record
 * @param records how many valid records it holds (before any damage)
 * @param validBytes the offset where its valid records end
 * @param fileBytes the size of the file (more than {@code validBytes} while its writer keeps a zero-filled part
 *     ahead of the frames)
 * @param keyId the id of the key its records are sealed with, 0 if they are not encrypted
 */
public record SegmentSummary(Path file, long firstSequence, long records, long validBytes, long fileBytes,
    int keyId) {

  /** The sequence of its last valid record ({@code firstSequence - 1} if it holds none). */
  public long lastSequence() {
    return firstSequence + records - 1;
  }
}
