package dev.faultline.state.journal;

import dev.faultline.state.internal.Aead;
import dev.faultline.state.io.StorageChannel;
import dev.faultline.state.io.StorageIo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.zip.CRC32C;
import javax.crypto.AEADBadTagException;
import javax.crypto.SecretKey;

/**
 * A {@link JournalCursor} reading segment files through its own channels. It reads only below the committed end of
 * each segment, so its cached window never holds a frame that was still being written. Not thread-safe.
 *
 * <p>Replay is the hot path: frames are parsed in place in the window (absolute reads) and one CRC32C instance is
 * reused. The window starts as 64 KiB on the heap; once the cursor reads on past a full window (a replay), it maps
 * the rest of the segment's committed bytes (up to 256 MiB at a time) if the channel can map, so the records are read
 * from the page cache without a copy into a buffer; otherwise, or for the last megabyte, it reads into 1 MiB of
 * direct memory. A tailer holds little memory; a replay makes few mappings or large reads. Mapping is safe because an
 * open journal never cuts a segment file in place below its committed end ({@link SegmentedJournal#truncateAfter}
 * replaces the file; rolling and closing cut only the zeros after it), and a deleted segment's mapping stays readable.
 *
 * <p>While the next frame lies whole in the window and below the committed end last seen for the segment, a read
 * checks only the journal's generation (truncation), not its committed position. {@link #poll} hands the payload
 * over as a read-only view of the window, so a replay through it creates no object per record.
 */
final class Cursor implements JournalCursor {
  private static final int WINDOW = 64 * 1024;
  private static final int MAX_WINDOW = 1024 * 1024;
  /** The largest range of a segment mapped at once. */
  private static final int MAX_MAPPING = 256 * 1024 * 1024;
  private static final System.Logger LOG = System.getLogger(Journal.class.getName());

  private final SegmentedJournal journal;
  private final int generation;
  private long expected;
  private Segment segment;
  private StorageChannel channel;
  private long position;
  /** The buffer this cursor reads into; {@code buffer} is either it or a mapped view of the segment. */
  private ByteBuffer owned = ByteBuffer.allocate(WINDOW);
  private ByteBuffer buffer = owned;
  private boolean replaying;
  /** Whether to map the segments while replaying: until a channel cannot. */
  private boolean mapping = true;
  private long bufferStart;
  private int bufferLength;
  private final CRC32C crc = new CRC32C();
  /** Payload lengths below this get their {@link #lengthDelta} cached. */
  private static final int DELTAS = 4096;
  private static final long KNOWN = 1L << 32;
  /** By payload length: {@code KNOWN | delta}, or 0 if not computed yet; allocated once the cursor replays. */
  private long[] deltas;
  /** The payload length of the frame {@link #nextFrame} found. */
  private int frameLength;
  /** The committed end of the current segment when {@link #nextFrame} last looked (0: not looked yet). */
  private long frameEnd;
  /**
   * A read-only view of {@code viewOf} (the current buffer): frames are checksummed through it (so the buffer's own
   * position and limit never move) and {@link #poll}'s handler gets it, its limit at the end of the frame.
   */
  private ByteBuffer view;
  private ByteBuffer viewOf;
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
    int at = nextFrame();
    if (at < 0) {
      return null;
    }
    byte[] payload = new byte[frameLength];
    buffer.get(at + Format.FRAME_HEADER_SIZE, payload);
    if (segment.keyId != 0) {
      payload = decrypt(journal.key(segment.keyId), segment.file, segment.keyId, segment.version, journal.identity(),
          expected, payload, 0, frameLength);
    }
    return new JournalRecord(consumeFrame(), payload);
  }

  @Override
  public long poll(RecordHandler handler, long limit) {
    Objects.requireNonNull(handler, "handler");
    long count = 0;
    if (peeked != null && limit > 0) {
      JournalRecord record = peeked;
      peeked = null;
      count++;
      handler.onRecord(record.sequence(), ByteBuffer.wrap(record.payload()).asReadOnlyBuffer());
    }
    while (count < limit) {
      int at = nextFrame();
      if (at < 0) {
        break;
      }
      ByteBuffer payload;
      if (segment.keyId != 0) {
        byte[] bytes = new byte[frameLength];
        buffer.get(at + Format.FRAME_HEADER_SIZE, bytes);
        payload = ByteBuffer.wrap(decrypt(journal.key(segment.keyId), segment.file, segment.keyId, segment.version,
            journal.identity(), expected, bytes, 0, frameLength)).asReadOnlyBuffer();
      } else {
        // verifyFrame left the view's limit at the end of this frame.
        payload = view.position(at + Format.FRAME_HEADER_SIZE);
      }
      long sequence = consumeFrame();
      count++;
      handler.onRecord(sequence, payload);
    }
    return count;
  }

  /**
   * Finds the next committed frame, checks it and returns its offset in {@code buffer} (its payload length in
   * {@code frameLength}), or -1 if no record is committed at {@code expected} yet. The cursor stays before the frame
   * until {@link #consumeFrame}.
   */
  private int nextFrame() {
    if (closed) {
      throw new IllegalStateException("cursor is closed");
    }
    journal.checkGeneration(generation);
    // Fast path: the next frame is whole in the window and below the committed end last seen for this segment.
    long inWindow = position - bufferStart;
    if (position + Format.FRAME_HEADER_SIZE <= frameEnd && inWindow >= 0
        && inWindow + Format.FRAME_HEADER_SIZE <= bufferLength) {
      int at = (int) inWindow;
      int length = buffer.getInt(at);
      if (length >= 0 && length <= frameEnd - position - Format.FRAME_HEADER_SIZE
          && at + Format.FRAME_HEADER_SIZE + length <= bufferLength) {
        return verifyFrame(at, length);
      }
    }
    SegmentedJournal.Position committed = journal.committed();
    if (expected > committed.sequence()) {
      return -1;
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
      frameEnd = end;
      return checkFrame(end);
    } catch (NoSuchFileException e) {
      throw SegmentedJournal.missingSegment(segment, expected, e);
    } catch (IOException e) {
      throw new JournalException("journal-io", "cannot read " + segment + " of journal " + journal.directory()
          + " at offset " + position + ": " + e, e);
    }
  }

  /** Moves past the frame {@link #nextFrame} found; returns its sequence. */
  private long consumeFrame() {
    position += Format.FRAME_HEADER_SIZE + frameLength;
    return expected++;
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
    frameEnd = 0;
    try {
      channel = journal.io().open(next.file, StorageIo.OpenMode.READ);
    } catch (NoSuchFileException e) {
      throw SegmentedJournal.missingSegment(next, expected, e);
    }
    position = offset;
    buffer = owned; // lets the previous segment's mapping go
    bufferLength = 0;
  }

  /** Checks the frame at {@code position} (length, CRC32C, sequence); returns its offset in {@code buffer}. */
  private int checkFrame(long end) throws IOException {
    long remaining = end - position;
    if (remaining < Format.FRAME_HEADER_SIZE) {
      throw corrupted("incomplete frame header before the committed end " + end);
    }
    int at = load(position, Format.FRAME_HEADER_SIZE, end);
    int length = buffer.getInt(at);
    if (length < 0 || length > remaining - Format.FRAME_HEADER_SIZE) {
      throw corrupted("frame length " + length + " does not fit before the committed end " + end);
    }
    if (at + Format.FRAME_HEADER_SIZE + length > bufferLength) {
      at = load(position, Format.FRAME_HEADER_SIZE + length, end);
    }
    return verifyFrame(at, length);
  }

  /** Checks CRC32C and sequence of the frame at {@code at} of the window, whose payload length is {@code length}. */
  private int verifyFrame(int at, int length) {
    if (viewOf != buffer) {
      view = buffer.asReadOnlyBuffer();
      viewOf = buffer;
    }
    crc.reset();
    crc.update(view.limit(at + Format.FRAME_HEADER_SIZE + length).position(at + 8));
    int rest = (int) crc.getValue();
    if ((rest ^ lengthDelta(at, length, rest)) != buffer.getInt(at + 4)) {
      throw corrupted("CRC32C mismatch in the frame expected to hold sequence " + expected);
    }
    long sequence = buffer.getLong(at + 8);
    if (sequence != expected) {
      throw corrupted("frame holds sequence " + sequence + " where " + expected + " was expected");
    }
    frameLength = length;
    return at;
  }

  /**
   * What the frame's four length bytes, which precede sequence and payload in its CRC32C, change in the CRC32C of
   * sequence and payload alone ({@code rest}, the frame at {@code at}): CRC32C is affine in its input for a fixed
   * input length, so {@code crc(length || rest) = crc(rest) ^ delta}, with a delta that depends on the length only.
   * Computed once per payload length below {@link #DELTAS} once the cursor replays (four dependent table steps saved
   * per record), directly for longer ones and before.
   */
  private int lengthDelta(int at, int length, int rest) {
    boolean cached = deltas != null && length < DELTAS;
    if (cached && deltas[length] != 0) {
      return (int) deltas[length];
    }
    crc.reset();
    crc.update(length >>> 24);
    crc.update(length >>> 16);
    crc.update(length >>> 8);
    crc.update(length);
    crc.update(view.position(at + 8));
    int delta = (int) crc.getValue() ^ rest;
    if (cached) {
      deltas[length] = KNOWN | (delta & 0xFFFFFFFFL);
    }
    return delta;
  }

  /** Makes {@code [from, from + length)} available in the buffer, reading no further than {@code end}. */
  private int load(long from, int length, long end) throws IOException {
    if (from >= bufferStart && from + length <= bufferStart + bufferLength) {
      return (int) (from - bufferStart);
    }
    if (!replaying && bufferLength >= WINDOW && from >= bufferStart && from <= bufferStart + bufferLength) {
      replaying = true; // reading on past a full window
      deltas = new long[DELTAS];
    }
    if (replaying && mapping && end - from >= MAX_WINDOW) {
      ByteBuffer mapped = null;
      try {
        mapped = channel.mapReadOnly(from, (int) Math.min(end - from, MAX_MAPPING)).orElse(null);
      } catch (IOException e) {
        LOG.log(System.Logger.Level.DEBUG, "cannot map " + segment.file + ", reading it instead: " + e);
      }
      if (mapped != null && mapped.capacity() >= length) {
        buffer = mapped;
        bufferStart = from;
        bufferLength = mapped.capacity();
        return 0;
      }
      mapping = false;
    }
    if (replaying && !owned.isDirect()) {
      owned = ByteBuffer.allocateDirect(MAX_WINDOW);
    }
    int want = (int) Math.min(Math.max(length, owned.capacity()), end - from);
    if (owned.capacity() < want) {
      owned = ByteBuffer.allocateDirect(want);
    }
    buffer = owned;
    bufferLength = 0;
    int read = channel.readFully(buffer.clear().limit(want), from);
    bufferStart = from;
    bufferLength = read;
    if (read < length) {
      throw new IOException(segment.file + " ends at " + (from + read) + " before the committed end " + end);
    }
    return 0;
  }

  /**
   * Opens a sealed payload of a segment of format {@code version} in the directory of {@code identity} (null if it
   * has none), or says clearly that the key is wrong, the segment belongs to another directory, or the record was
   * tampered with.
   */
  static byte[] decrypt(SecretKey key, Path file, int keyId, int version, byte[] identity, long sequence, byte[] bytes,
      int offset, int length) {
    try {
      return Aead.open(key, bytes, offset, length, Format.aad(version, identity, sequence));
    } catch (AEADBadTagException e) {
      throw new JournalException("journal-crypto", "cannot decrypt sequence " + sequence + " in " + file
          + (version == Format.VERSION_UNBOUND ? ": the key with id " + keyId + " is wrong, or the record was tampered"
              + " with or moved" : ": the segment belongs to another journal directory (its records are bound to"
              + " the identity of the directory they were written in), or the key with id " + keyId + " is wrong,"
              + " or the record was tampered with or moved"), e);
    }
  }

  private JournalCorruptedException corrupted(String reason) {
    return new JournalCorruptedException(segment.file, position, reason, "found while reading");
  }

  @Override
  public void close() {
    closed = true;
    buffer = owned;
    bufferLength = 0;
    SegmentedJournal.closeQuietly(channel, null);
    channel = null;
  }
}
