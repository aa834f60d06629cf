package dev.faultline.state.journal;

import dev.faultline.state.crypto.KeyProvider;
import dev.faultline.state.internal.DirectoryIdentity;
import dev.faultline.state.io.StorageChannel;
import dev.faultline.state.io.StorageIo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * A read-only cursor over the valid records a scan found, for tools that must not change a directory another process
 * may own: it takes no lock and stops where the scan found damage, or at the durable sequence that the marker of a
 * failed force names (the next open cuts the records after it). Not thread-safe.
 */
final class SnapshotCursor implements JournalCursor {
  private final Path directory;
  private final StorageIo io;
  private final List<Scanner.ScannedSegment> segments;
  private final long last;
  private final KeyProvider keyProvider;
  /** The directory's identity, which version-2 segments' records authenticate; null if it has none. */
  private final byte[] identity;
  private int segmentIndex = -1;
  private StorageChannel channel;
  private WindowReader reader;
  private long position;
  private long expected;
  private JournalRecord peeked;

  private SnapshotCursor(Path directory, StorageIo io, List<Scanner.ScannedSegment> segments, long last,
      long fromSequence, KeyProvider keyProvider, byte[] identity) {
    this.directory = directory;
    this.keyProvider = keyProvider;
    this.identity = identity;
    this.io = io;
    this.segments = segments;
    this.last = last;
    this.expected = fromSequence;
  }

  static JournalCursor open(Path directory, StorageIo io, long fromSequence, KeyProvider keyProvider,
      boolean requireEncryption) {
    Scanner.Result scan;
    VerifyReport.FailedForce failedForce;
    try {
      if (!io.exists(directory)) {
        throw new JournalException("journal-io", "journal directory " + directory + " does not exist");
      }
      scan = new Scanner(io, directory).scan();
      failedForce = SegmentedJournal.failedForce(io, directory, scan);
    } catch (IOException e) {
      throw new JournalException("journal-io", "cannot read journal " + directory + ": " + e, e);
    }
    if (failedForce != null && !failedForce.readable()) {
      throw new JournalException("journal-format", failedForce.problem().get());
    }
    long first = scan.firstSequence();
    // The next open cuts the records after a failed force's durable sequence: they are not this journal's to show.
    long cut = failedForce == null ? 0 : failedForce.cutRecords();
    long last = scan.nextSequence - 1 - cut;
    if (fromSequence < first || fromSequence > last + 1) {
      throw new JournalException("sequence-out-of-range", "cannot read journal " + directory + " from sequence "
          + fromSequence + ": it holds sequences " + first + ".." + last + (cut == 0 ? "" : " (the next open cuts"
          + " the " + cut + " record(s) after them: " + failedForce.describe() + ")"));
    }
    byte[] identity;
    try {
      DirectoryIdentity.Identity found = SegmentedJournal.identity(keyProvider, io, directory, scan.segments);
      SegmentedJournal.checkKeys(keyProvider, requireEncryption, io, scan.segments, found);
      identity = found == null ? null : found.bytes();
    } catch (IOException e) {
      throw new JournalException("journal-io", "cannot read journal " + directory + ": " + e, e);
    }
    return new SnapshotCursor(directory, io, scan.segments, last, fromSequence, keyProvider, identity);
  }

  @Override
  public boolean hasNext() {
    if (peeked == null && expected <= last) {
      peeked = read();
    }
    return peeked != null;
  }

  @Override
  public JournalRecord next() {
    if (!hasNext()) {
      throw new NoSuchElementException("the snapshot of journal " + directory + " ends at sequence " + last);
    }
    JournalRecord record = peeked;
    peeked = null;
    return record;
  }

  @Override
  public JournalRecord awaitNext() {
    if (hasNext()) {
      return next();
    }
    throw new JournalException("journal-closed", "a read-only snapshot of journal " + directory
        + " ends at sequence " + last + " and never grows");
  }

  @Override
  public long nextSequence() {
    return peeked != null ? peeked.sequence() : expected;
  }

  private JournalRecord read() {
    Scanner.ScannedSegment segment = null;
    try {
      while (segmentIndex < 0 || position >= segments.get(segmentIndex).validEnd) {
        segmentIndex = segmentIndex < 0 ? locate() : segmentIndex + 1;
        segment = segments.get(segmentIndex);
        SegmentedJournal.closeQuietly(channel, null);
        channel = io.open(segment.file, StorageIo.OpenMode.READ);
        reader = new WindowReader(channel, segment.validEnd);
        long[] floor = segment.index.floor(expected);
        position = floor == null || floor[0] < segment.firstSequence ? Format.HEADER_SIZE : floor[1];
        long current = floor == null ? segment.firstSequence : floor[0];
        while (current < expected) {
          position += Format.FRAME_HEADER_SIZE + reader.getInt(position);
          current++;
        }
      }
      segment = segments.get(segmentIndex);
      String problem = Scanner.frameProblem(reader, position, expected);
      if (problem != null) {
        throw new JournalCorruptedException(segment.file, position, problem, "changed since it was scanned");
      }
      int length = reader.getInt(position);
      int at = reader.load(position, Format.FRAME_HEADER_SIZE + length);
      byte[] payload = segment.keyId == 0
          ? Arrays.copyOfRange(reader.buffer(), at + Format.FRAME_HEADER_SIZE, at + Format.FRAME_HEADER_SIZE + length)
          : Cursor.decrypt(keyProvider.key(segment.keyId).orElseThrow(), segment.file, segment.keyId,
              segment.version, identity, expected, reader.buffer(), at + Format.FRAME_HEADER_SIZE, length);
      position += Format.FRAME_HEADER_SIZE + length;
      return new JournalRecord(expected++, payload);
    } catch (IOException e) {
      throw new JournalException("journal-io", "cannot read " + (segment == null ? directory : segment.file)
          + " at offset " + position + ": " + e, e);
    }
  }

  /** The index of the segment holding {@code expected}. */
  private int locate() {
    int found = 0;
    for (int i = 0; i < segments.size(); i++) {
      if (segments.get(i).firstSequence <= expected) {
        found = i;
      }
    }
    return found;
  }

  @Override
  public void close() {
    SegmentedJournal.closeQuietly(channel, null);
    channel = null;
  }
}
