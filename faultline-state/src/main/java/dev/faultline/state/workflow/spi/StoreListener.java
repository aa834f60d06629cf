package dev.faultline.state.workflow.spi;

/**
 * How a shared store tells its executor about work it found: implemented by the executor, called by the store from
 * its own threads (never while holding a lock of the executor). Must be fast and must not throw.
 */
public interface StoreListener {

  /**
   * The store claimed {@code workflow} for this executor: it was left by a node that stopped heart-beating
   * ({@code previousOwner} names it), or it had no owner ({@code previousOwner} is null). The executor runs it.
   */
  void claimed(StoredWorkflow workflow, String previousOwner);

  /**
   * The record of {@code workflow} changed outside this executor: a cancellation was requested, or another node
   * finished it.
   */
  void changed(StoredWorkflow workflow);

  /**
   * The store no longer has workflow {@code workflowId}, whose view this executor was watching (run by another node):
   * it finished there and was deleted (a retention of finished workflows) before this executor read its outcome, or
   * someone deleted its record. Nobody can learn the outcome any more; the executor fails what waits for it. Does
   * nothing by default.
   */
  default void gone(String workflowId) {}

  /**
   * How many more workflows of {@code queue} the executor would start now: the room its concurrency limit leaves, or
   * 0 while its rate holds starts back. A shared store claims at most that many waiting workflows of the queue (the
   * ones no node owns); unlimited by default.
   */
  default int room(String queue) {
    return Integer.MAX_VALUE;
  }
}
