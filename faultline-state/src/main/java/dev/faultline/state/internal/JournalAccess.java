package dev.faultline.state.internal;

import dev.faultline.state.journal.Journal;
import java.util.function.Consumer;

/**
 * What the journal package keeps to itself and the other packages of this module need, reached through a hook the
 * journal implementation installs when its class is initialised. Not API (this package is not exported).
 *
 * <p>Thread-safe.
 */
public final class JournalAccess {
  private static volatile Consumer<Journal> closeAbandoned;

  private JournalAccess() {}

  /** Installs the implementation of {@link #closeAbandoned}; called once, by the journal implementation. */
  public static void install(Consumer<Journal> hook) {
    closeAbandoned = hook;
  }

  /**
   * Closes {@code journal} for an owner that failed to open on it (its recovery failed): as {@link Journal#close},
   * except that the possible loss of an unclean ASYNC session that the journal's open reported is left for the next
   * open to report again, since nobody received this one's report.
   */
  public static void closeAbandoned(Journal journal) {
    Consumer<Journal> hook = closeAbandoned;
    if (hook == null) {
      journal.close(); // no journal of the implementation was ever opened, so this one has nothing to leave
    } else {
      hook.accept(journal);
    }
  }
}
