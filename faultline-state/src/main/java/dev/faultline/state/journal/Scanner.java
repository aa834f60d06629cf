package dev.faultline.state.journal;

import dev.faultline.state.io.StorageChannel;
import dev.faultline.state.io.StorageIo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Reads every segment of a journal directory, checks every header and frame, and says where the valid records stop
 * and whether that is a torn tail or corruption. Changes nothing. Not thread-safe (one scan per instance).
 *
 * <p>A segment may end in zeros, the part its writer zero-filled ahead of the frames
 * ({@link SegmentedJournal#PREALLOCATION}): where the frames stop and only zeros follow to the end of the file, the
 * data ends there, cleanly. Other damage is classified by what follows it: if any valid frame (correct length, a
 * sequence that could continue the journal, matching CRC32C) exists after the damaged byte, in the same segment or a
 * later one, the damage is corruption; so it is if a later segment file exists at all, or the damaged file's name
 * does not continue the segment before it (a roll forces the old segment whole before it creates the new one, so a
 * crash never leaves either); otherwise it is a torn tail.
 */
final class Scanner {

  /** One segment file as scanned. */
  static final class ScannedSegment {
    final Path file;
    final long firstSequence;
    final long size;
    int keyId;
    int version;
    long validEnd;
    long records;
    final SparseIndex index = new SparseIndex();

    ScannedSegment(Path file, long firstSequence, long size) {
      this.file = file;
      this.firstSequence = firstSequence;
      this.size = size;
    }

    SegmentSummary summary() {
      return new SegmentSummary(file, firstSequence, records, validEnd, size, keyId);
    }
  }

  /** The result: segments in order (the damaged one included, later ones not), the damage, the next sequence. */
  static final class Result {
    final List<ScannedSegment> segments;
    final JournalDamage damage;
    final long nextSequence;

    Result(List<ScannedSegment> segments, JournalDamage damage, long nextSequence) {
      this.segments = segments;
      this.damage = damage;
      this.nextSequence = nextSequence;
    }

    long firstSequence() {
      return segments.isEmpty() ? nextSequence : segments.get(0).firstSequence;
    }
  }

  private final StorageIo io;
  private final Path directory;

  Scanner(StorageIo io, Path directory) {
    this.io = io;
    this.directory = directory;
  }

  /** The segment files of the directory in sequence order. */
  static List<Path> segmentFiles(StorageIo io, Path directory) throws IOException {
    List<Path> files = new ArrayList<>();
    for (Path file : io.list(directory)) {
      if (Format.parseSegmentName(file) >= 0) {
        files.add(file);
      }
    }
    files.sort(Comparator.comparingLong(Format::parseSegmentName));
    return files;
  }

  Result scan() throws IOException {
    List<Path> files = segmentFiles(io, directory);
    List<ScannedSegment> scanned = new ArrayList<>();
    if (files.isEmpty()) {
      return new Result(scanned, null, 1);
    }
    long expected = Format.parseSegmentName(files.get(0));
    for (int i = 0; i < files.size(); i++) {
      Path file = files.get(i);
      long nameSequence = Format.parseSegmentName(file);
      try (StorageChannel channel = io.open(file, StorageIo.OpenMode.READ)) {
        long size = channel.size();
        ScannedSegment segment = new ScannedSegment(file, nameSequence, size);
        segment.validEnd = 0;
        scanned.add(segment);
        WindowReader reader = new WindowReader(channel, size);
        String problem = null;
        long at = 0;
        boolean nameBreaksSequence = nameSequence != expected;
        if (nameBreaksSequence) {
          problem = "the file name gives first sequence " + nameSequence + " but the previous segment ends at "
              + (expected - 1);
        } else if (size < Format.HEADER_SIZE) {
          problem = "file header incomplete: " + size + " of " + Format.HEADER_SIZE + " bytes";
        } else {
          int offset = reader.load(0, Format.HEADER_SIZE);
          problem = Format.headerProblem(reader.buffer(), offset, nameSequence);
          if (problem == null) {
            checkSupported(file, reader.buffer(), offset);
            segment.keyId = Format.headerKeyId(reader.buffer(), offset);
            segment.version = Format.headerVersion(reader.buffer(), offset);
            at = Format.HEADER_SIZE;
            segment.validEnd = at;
            problem = scanFrames(reader, segment, expected);
            at = segment.validEnd;
            expected += segment.records;
          }
        }
        if (problem != null) {
          JournalDamage damage = classify(files, i, reader, at, expected, problem, nameBreaksSequence);
          return new Result(scanned, damage, expected);
        }
      }
    }
    return new Result(scanned, null, expected);
  }

  private static void checkSupported(Path file, byte[] header, int offset) {
    int version = Format.headerVersion(header, offset);
    if (version != Format.VERSION && version != Format.VERSION_UNBOUND) {
      throw new JournalException("journal-format", "segment " + file + " has format version " + version
          + "; this build reads versions " + Format.VERSION_UNBOUND + " and " + Format.VERSION);
    }
    if (version == Format.VERSION && Format.headerKeyId(header, offset) == 0) {
      throw new JournalException("journal-format", "segment " + file + " has format version " + version
          + " and key id 0, but version " + Format.VERSION + " is only written for encrypted segments");
    }
  }

  /** Walks valid frames from the header on; returns why they stop early, or null at a clean end of file. */
  private static String scanFrames(WindowReader reader, ScannedSegment segment, long firstExpected)
      throws IOException {
    long end = reader.end();
    long at = Format.HEADER_SIZE;
    long expected = firstExpected;
    while (at < end) {
      String problem = frameProblem(reader, at, expected);
      if (problem != null) {
        // Zeros to the end of the file are the zero-filled part ahead of the frames: the end of the data. No frame
        // starts with zeros (its sequence is at least 1).
        return zeroTail(reader, at) ? null : problem;
      }
      segment.index.maybeAdd(expected, at);
      at += Format.FRAME_HEADER_SIZE + reader.getInt(at);
      segment.records++;
      segment.validEnd = at;
      expected++;
    }
    return null;
  }

  /** Whether every byte from {@code from} to the end of the file is zero. */
  static boolean zeroTail(WindowReader reader, long from) throws IOException {
    return dataEnd(reader, from) == from;
  }

  /** The offset just after the last byte at or after {@code from} that is not zero; {@code from} if none is. */
  static long dataEnd(WindowReader reader, long from) throws IOException {
    for (long end = reader.end(); end > from; ) {
      int length = (int) Math.min(64 * 1024, end - from);
      int offset = reader.load(end - length, length);
      byte[] bytes = reader.buffer();
      for (int i = offset + length - 1; i >= offset; i--) {
        if (bytes[i] != 0) {
          return end - (offset + length - 1 - i);
        }
      }
      end -= length;
    }
    return from;
  }

  /** Why the frame at {@code at} is not the valid record {@code expected}, or null if it is. */
  static String frameProblem(WindowReader reader, long at, long expected) throws IOException {
    long remaining = reader.end() - at;
    if (remaining < Format.FRAME_HEADER_SIZE) {
      return "incomplete frame header: " + remaining + " of " + Format.FRAME_HEADER_SIZE + " bytes";
    }
    int length = reader.getInt(at);
    if (length < 0 || length > Format.MAX_PAYLOAD) {
      return "frame length " + length + " out of range";
    }
    if (remaining - Format.FRAME_HEADER_SIZE < length) {
      return "frame of " + length + " payload bytes passes the end of the file by "
          + (length - (remaining - Format.FRAME_HEADER_SIZE)) + " bytes";
    }
    int offset = reader.load(at, Format.FRAME_HEADER_SIZE + length);
    byte[] bytes = reader.buffer();
    if (reader.frameCrc(offset, length) != (int) WindowReader.INT.get(bytes, offset + 4)) {
      return "CRC32C mismatch in the frame expected to hold sequence " + expected;
    }
    long sequence = (long) WindowReader.LONG.get(bytes, offset + 8);
    if (sequence != expected) {
      return "frame holds sequence " + sequence + " where " + expected + " was expected";
    }
    return null;
  }

  /** Whether a valid frame with a sequence in {@code [minSequence, maxSequence]} starts at {@code at}. */
  private static boolean validFrameAt(WindowReader reader, long at, long minSequence, long maxSequence)
      throws IOException {
    long remaining = reader.end() - at;
    if (remaining < Format.FRAME_HEADER_SIZE) {
      return false;
    }
    int length = reader.getInt(at);
    if (length < 0 || length > remaining - Format.FRAME_HEADER_SIZE) {
      return false;
    }
    long sequence = reader.getLong(at + 8);
    if (sequence < minSequence || sequence > maxSequence) {
      return false;
    }
    int offset = reader.load(at, Format.FRAME_HEADER_SIZE + length);
    byte[] bytes = reader.buffer();
    int stored = ((bytes[offset + 4] & 0xff) << 24) | ((bytes[offset + 5] & 0xff) << 16)
        | ((bytes[offset + 6] & 0xff) << 8) | (bytes[offset + 7] & 0xff);
    return Format.frameCrc(bytes, offset, length) == stored;
  }

  /**
   * Whether {@code file} holds a valid frame anywhere (length in range, CRC32C, a positive sequence): evidence that a
   * file whose header is damaged is a journal segment all the same.
   */
  static boolean holdsAValidFrame(StorageIo io, Path file) throws IOException {
    try (StorageChannel channel = io.open(file, StorageIo.OpenMode.READ)) {
      return countValidFrames(new WindowReader(channel, channel.size()), 0, 1, Long.MAX_VALUE, 1) > 0;
    }
  }

  /** Counts valid frames from {@code from}, skipping damaged bytes one at a time; stops after {@code limit} finds. */
  private static long countValidFrames(WindowReader reader, long from, long minSequence, long maxSequence, long limit)
      throws IOException {
    long count = 0;
    long at = from;
    while (at + Format.FRAME_HEADER_SIZE <= reader.end() && count < limit) {
      if (validFrameAt(reader, at, minSequence, maxSequence)) {
        count++;
        at += Format.FRAME_HEADER_SIZE + reader.getInt(at);
      } else {
        at++;
      }
    }
    return count;
  }

  private JournalDamage classify(List<Path> files, int index, WindowReader reader, long at, long expected,
      String problem, boolean nameBreaksSequence) throws IOException {
    long laterBytes = 0;
    List<Path> later = files.subList(index + 1, files.size());
    for (Path file : later) {
      try (StorageChannel channel = io.open(file, StorageIo.OpenMode.READ)) {
        laterBytes += channel.size();
      }
    }
    // Zeros at the end of the damaged file are its zero-filled part, not data that was lost.
    long droppedBytes = dataEnd(reader, at) - at + laterBytes;
    // After a gap in the file names any valid frame is evidence of lost records; otherwise a frame can only continue
    // the journal with a sequence that the remaining bytes leave room for.
    long maxSequence = nameBreaksSequence ? Long.MAX_VALUE : expected + droppedBytes / Format.FRAME_HEADER_SIZE + 1;
    long records = countValidFrames(reader, at + 1, expected, maxSequence, Long.MAX_VALUE);
    for (Path file : later) {
      try (StorageChannel channel = io.open(file, StorageIo.OpenMode.READ)) {
        records += countValidFrames(new WindowReader(channel, channel.size()), 0, expected, maxSequence,
            Long.MAX_VALUE);
      }
    }
    // A segment is begun only once every one before it is complete (forced whole), and is named after the sequence
    // that continues it: damage before the newest segment file, or a name that does not continue, is never a write a
    // crash interrupted, even with no valid record after it.
    if (records > 0 || nameBreaksSequence || !later.isEmpty()) {
      return new JournalDamage(JournalDamage.Kind.CORRUPTION, files.get(index), at, problem, droppedBytes, records,
          later);
    }
    return new JournalDamage(JournalDamage.Kind.TORN_TAIL, files.get(index), at, problem, droppedBytes,
        Math.max(1, tornFrames(reader, at, expected)), later);
  }

  /** How many frame headers in a torn tail still fit and continue the sequence: the estimate of records dropped. */
  private static long tornFrames(WindowReader reader, long from, long expected) throws IOException {
    long count = 0;
    long at = from;
    while (reader.end() - at >= Format.FRAME_HEADER_SIZE) {
      int length = reader.getInt(at);
      if (length < 0 || reader.getLong(at + 8) != expected + count) {
        break;
      }
      count++;
      at += Format.FRAME_HEADER_SIZE + (long) length;
    }
    return count;
  }
}
