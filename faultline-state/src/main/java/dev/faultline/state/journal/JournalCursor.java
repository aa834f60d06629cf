package dev.faultline.state.journal;

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

  /** The sequence of the record that {@link #next()} returns next. */
  long nextSequence();

  /** Releases the cursor's file handles. */
  @Override
  void close();
}
