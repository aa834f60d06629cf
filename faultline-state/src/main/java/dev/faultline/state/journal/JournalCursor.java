package dev.faultline.state.journal;

import java.nio.ByteBuffer;
import java.util.Iterator;

/**
 * Reads committed records of a {@link Journal} in sequence order, checking each record's CRC32C again as it reads.
 * {@link #hasNext()} never blocks; {@link #awaitNext()} waits for the next record to be committed, which makes the
 * cursor a tailer.
 *
 * <p>Not thread-safe: one reader per cursor. Close it to release its file handles.
 */
public interface JournalCursor extends Iterator<JournalRecord>, AutoCloseable {

  /** Whether a committed record is available now. */
  @Override
  boolean hasNext();

  /**
   * The next committed record.
   *
   * @throws java.util.NoSuchElementException if none is committed yet
   * @throws JournalCorruptedException if the record fails its checks
   */
  @Override
  JournalRecord next();

  /**
   * The next record, waiting until it is committed.
   *
   * @throws JournalException {@code journal-closed} if the journal closes, or its failure if it stopped, while no
   *     further record is committed
   * @throws InterruptedException if the waiting thread is interrupted
   */
  JournalRecord awaitNext() throws InterruptedException;

  /** Receives the records of {@link #poll}. */
  @FunctionalInterface
  interface RecordHandler {
    /**
     * One record.
     *
     * @param sequence the record's sequence
     * @param payload its payload, read-only, from position to limit; valid only during this call
     */
    void onRecord(long sequence, ByteBuffer payload);
  }

  /**
   * Hands up to {@code limit} records that are committed now to {@code handler}, in sequence order, and returns how
   * many it handed over (0 if none is committed yet): replay without a {@link JournalRecord} and a payload array per
   * record. Each record's CRC32C is checked before it is handed over, as {@link #next()} does. The payload is a
   * read-only view of the cursor's window (position to limit), valid only until the handler returns: copy what you
   * keep. An exception from the handler ends the call and propagates; the record it was given counts as read.
   *
   * <p>The default implementation reads through {@link #next()}.
   *
   * @throws JournalCorruptedException if a record fails its checks
   */
  default long poll(RecordHandler handler, long limit) {
    long count = 0;
    while (count < limit && hasNext()) {
      JournalRecord record = next();
      count++;
      handler.onRecord(record.sequence(), ByteBuffer.wrap(record.payload()).asReadOnlyBuffer());
    }
    return count;
  }

  /** The sequence of the record that {@link #next()} returns next. */
  long nextSequence();

  /** Releases the cursor's file handles. */
  @Override
  void close();
}
