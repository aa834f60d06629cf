package dev.faultline.state.journal;

/** When an append counts as done. */
public enum Durability {
  /**
   * {@link Journal#append(byte[])} returns only after the record is forced to disk: it survives {@code kill -9} and
   * power loss. Concurrent appenders share one force (group commit). The default.
   */
  SYNC,
  /**
   * {@link Journal#append(byte[])} returns once the record is written to the operating system (it survives
   * {@code kill -9}); a timer forces every {@code asyncForceInterval}, and an appender forces itself when
   * {@code asyncMaxUnforcedRecords} records are waiting. A power loss can lose up to that window; a journal reopened
   * after an unclean ASYNC session reports the window as possible data loss.
   */
  ASYNC
}
