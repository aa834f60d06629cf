package dev.faultline.state.internal;

import dev.faultline.state.io.StorageIo;
import dev.faultline.state.journal.Journal;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * What the journal package keeps to itself and the other packages of this module need, reached through hooks the
 * journal implementation installs when its class is initialised. Not API (this package is not exported).
 *
 * <p>Thread-safe.
 */
public final class JournalAccess {
  private static final String IMPLEMENTATION = "dev.faultline.state.journal.SegmentedJournal";

  private static volatile Consumer<Journal> closeAbandoned;
  private static volatile BiFunction<StorageIo, Path, OptionalLong> forceFailedSequence;

  private JournalAccess() {}

  /** Installs the implementation of {@link #closeAbandoned}; called once, by the journal implementation. */
  public static void install(Consumer<Journal> hook) {
    closeAbandoned = hook;
  }

  /** Installs the implementation of {@link #forceFailedSequence}; called once, by the journal implementation. */
  public static void installForceFailedSequence(BiFunction<StorageIo, Path, OptionalLong> hook) {
    forceFailedSequence = hook;
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

  /**
   * The durable sequence named by the marker a failed force left in the journal {@code directory} (the next open cuts
   * the records after it), or empty if there is none. Reads, changes nothing and takes no lock.
   *
   * @throws dev.faultline.state.journal.JournalException {@code journal-format} if the marker names no sequence (the
   *     next open refuses the journal then), {@code journal-io} if it cannot be read
   */
  public static OptionalLong forceFailedSequence(StorageIo storage, Path directory) {
    BiFunction<StorageIo, Path, OptionalLong> hook = forceFailedSequence;
    if (hook == null) {
      try {
        Class.forName(IMPLEMENTATION, true, JournalAccess.class.getClassLoader()); // its initialiser installs it
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException("the journal implementation " + IMPLEMENTATION + " is missing", e);
      }
      hook = forceFailedSequence;
    }
    return hook.apply(storage, directory);
  }
}
