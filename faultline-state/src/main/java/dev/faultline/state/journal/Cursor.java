package dev.faultline.state.journal;

import dev.faultline.state.internal.Aead;
import dev.faultline.state.io.StorageChannel;
import dev.faultline.state.io.StorageIo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.NoSuchElementException;
import java.util.zip.CRC32C;
import javax.crypto.AEADBadTagException;
import javax.crypto.SecretKey;

/**
 * A {@link JournalCursor} reading segment files through its own channels. It reads only below the committed end of
 * each segment, so its cached window never holds a frame that was still being written. Not thread-safe.
 *
 * <p>Replay is the hot path: frames are parsed in place in the window (absolute reads, no views) and one CRC32C
 * instance is reused. The window starts as 64 KiB on the heap; once the cursor reads on past a full window (a
 * replay), it becomes 1 MiB of direct memory, which the file is read into with one copy instead of the two a heap
 * buffer costs: a tailer holds little memory, a replay makes few large reads.
 */
final class Cursor implements JournalCursor {
  private static final int WINDOW = 64 * 1024;
  private static final int MAX_WINDOW = 1024 * 1024;

  private final SegmentedJournal journal;
  private final int generation;
  private long expected;
  private Segment segment;
  private StorageChannel channel;
  private long position;
  private ByteBuffer buffer = ByteBuffer.allocate(WINDOW);
  private long bufferStart;
  private int bufferLength;
  private final CRC32C crc = new CRC32C();
  private JournalRecord peeked;
  private boolean closed;

  Cursor(SegmentedJournal journal, long fromSequence, int generation) {
    this.journal = journal;
    this.expected = fromSequence;
    this.generation = generation;
  }

  @Override
  public boolean hasNext() {
    if (peeked == null) {
      peeked = tryRead();
    }
    return peeked != null;
  }

  @Override
  public JournalRecord next() {
    if (!hasNext()) {
      throw new NoSuchElementException("no committed record at sequence " + expected + " yet");
    }
    JournalRecord record = peeked;
    peeked = null;
    return record;
  }

  @Override
  public JournalRecord awaitNext() throws InterruptedException {
    while (!hasNext()) {
      journal.awaitCommitted(expected, generation);
    }
    return next();
  }

  @Override
  public long nextSequence() {
    return peeked != null ? peeked.sequence() : expected;
  }

  private JournalRecord tryRead() {
    if (closed) {
      throw new IllegalStateException("cursor is closed");
    }
    journal.checkGeneration(generation);
    SegmentedJournal.Position committed = journal.committed();
    if (expected > committed.sequence()) {
      return null;
    }
    try {
      if (segment == null) {
        locate(committed);
      }
      long end = SegmentedJournal.safeEnd(segment, committed);
      while (position >= end) {
        Segment next = journal.segmentStarting(expected);
        if (next == null || next == segment) {
          throw new JournalException("journal-io", "no segment of journal " + journal.directory()
              + " holds committed sequence " + expected);
        }
        switchTo(next, Format.HEADER_SIZE);
        end = SegmentedJournal.safeEnd(segment, committed);
      }
      return readFrame(end);
    } catch (NoSuchFileException e) {
      throw SegmentedJournal.missingSegment(segment, expected, e);
    } catch (IOException e) {
      throw new JournalException("journal-io", "cannot read " + segment + " of journal " + journal.directory()
          + " at offset " + position + ": " + e, e);
    }
  }

  private void locate(SegmentedJournal.Position committed) throws IOException {
    Segment found = journal.segmentFor(expected);
    if (found == null) {
      throw new JournalException("sequence-out-of-range", "sequence " + expected + " of journal "
          + journal.directory() + " was deleted by retention");
    }
    long[] floor = found.index.floor(expected);
    switchTo(found, floor == null ? Format.HEADER_SIZE : floor[1]);
    long current = floor == null ? found.firstSequence : floor[0];
    long end = SegmentedJournal.safeEnd(found, committed);
    while (current < expected && position < end) {
      int at = load(position, Format.FRAME_HEADER_SIZE, end);
      position += Format.FRAME_HEADER_SIZE + buffer.getInt(at);
      current++;
    }
  }

  private void switchTo(Segment next, long offset) throws IOException {
    SegmentedJournal.closeQuietly(channel, null);
    channel = null;
    segment = next;
    try {
      channel = journal.io().open(next.file, StorageIo.OpenMode.READ);
    } catch (NoSuchFileException e) {
      throw SegmentedJournal.missingSegment(next, expected, e);
    }
    position = offset;
    bufferLength = 0;
  }

  private JournalRecord readFrame(long end) throws IOException {
    if (end - position < Format.FRAME_HEADER_SIZE) {
      throw corrupted("incomplete frame header before the committed end " + end);
    }
    int at = load(position, Format.FRAME_HEADER_SIZE, end);
    int length = buffer.getInt(at);
    if (length < 0 || length > end - position - Format.FRAME_HEADER_SIZE) {
      throw corrupted("frame length " + length + " does not fit before the committed end " + end);
    }
    at = load(position, Format.FRAME_HEADER_SIZE + length, end);
    crc.reset();
    crc.update(buffer.limit(at + 4).position(at));
    crc.update(buffer.limit(at + Format.FRAME_HEADER_SIZE + length).position(at + 8));
    buffer.limit(bufferLength);
    if ((int) crc.getValue() != buffer.getInt(at + 4)) {
      throw corrupted("CRC32C mismatch in the frame expected to hold sequence " + expected);
    }
    long sequence = buffer.getLong(at + 8);
    if (sequence != expected) {
      throw corrupted("frame holds sequence " + sequence + " where " + expected + " was expected");
    }
    byte[] payload = new byte[length];
    buffer.get(at + Format.FRAME_HEADER_SIZE, payload);
    if (segment.keyId != 0) {
      payload = decrypt(journal.key(segment.keyId), segment.file, segment.keyId, sequence, payload, 0, length);
    }
    position += Format.FRAME_HEADER_SIZE + length;
    expected++;
    return new JournalRecord(sequence, payload);
  }

  /** Makes {@code [from, from + length)} available in the buffer, reading no further than {@code end}. */
  private int load(long from, int length, long end) throws IOException {
    if (from >= bufferStart && from + length <= bufferStart + bufferLength) {
      return (int) (from - bufferStart);
    }
    if (bufferLength == buffer.capacity() && from >= bufferStart && from <= bufferStart + bufferLength
        && !buffer.isDirect()) {
      buffer = ByteBuffer.allocateDirect(MAX_WINDOW); // reading on past a full window: a replay
    }
    int want = (int) Math.min(Math.max(length, buffer.capacity()), end - from);
    if (buffer.capacity() < want) {
      buffer = ByteBuffer.allocateDirect(want);
    }
    bufferLength = 0;
    int read = channel.readFully(buffer.clear().limit(want), from);
    bufferStart = from;
    bufferLength = read;
    if (read < length) {
      throw new IOException(segment.file + " ends at " + (from + read) + " before the committed end " + end);
    }
    return 0;
  }

  /** Opens a sealed payload, or says clearly that the key is wrong or the record was tampered with. */
  static byte[] decrypt(SecretKey key, Path file, int keyId, long sequence, byte[] bytes, int offset, int length) {
    try {
      return Aead.open(key, bytes, offset, length, Aead.longs(sequence));
    } catch (AEADBadTagException e) {
      throw new JournalException("journal-crypto", "cannot decrypt sequence " + sequence + " in " + file
          + ": the key with id " + keyId + " is wrong, or the record was tampered with or moved", e);
    }
  }

  private JournalCorruptedException corrupted(String reason) {
    return new JournalCorruptedException(segment.file, position, reason, "found while reading");
  }

  @Override
  public void close() {
    closed = true;
    SegmentedJournal.closeQuietly(channel, null);
    channel = null;
  }
}
