package dev.faultline.diagnosis.incident;

/**
 * Sends incidents somewhere: a log, a file, the console. Implementations say whether they are thread-safe; the ones
 * in this package are.
 */
public interface IncidentReporter extends AutoCloseable {

  /** Reports one incident. Reporters that send over a network never block the caller. */
  void report(Incident incident);

  /** Releases what the reporter holds; reporting after closing is an error. The default does nothing. */
  @Override
  default void close() {}
}
