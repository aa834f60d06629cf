package dev.faultline.console;

import dev.faultline.core.Clock;
import dev.faultline.core.ConfigurationException;
import dev.faultline.state.RecoverableState;
import dev.faultline.state.RollbackResult;
import dev.faultline.state.RollbackTarget;
import dev.faultline.state.checkpoint.CheckpointException;
import dev.faultline.state.checkpoint.CheckpointInfo;
import dev.faultline.state.checkpoint.CheckpointProblem;
import dev.faultline.state.checkpoint.CheckpointStore;
import dev.faultline.state.crypto.KeyProvider;
import dev.faultline.state.io.StorageIo;
import dev.faultline.state.journal.JournalException;
import dev.faultline.state.journal.Journal;
import dev.faultline.state.journal.JournalCursor;
import dev.faultline.state.journal.JournalDamage;
import dev.faultline.state.journal.JournalRecord;
import dev.faultline.state.journal.RepairReport;
import dev.faultline.state.journal.SegmentSummary;
import dev.faultline.state.journal.VerifyReport;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code faultline journal ...}: offline tools for a {@code faultline-state} directory (journal segments and
 * checkpoints): verify, dump, list checkpoints, repair, roll back, and a SYNC stress writer for crash tests.
 *
 * <p>{@code verify}, {@code dump} and {@code checkpoints} change nothing and take no lock, so they may run next to a
 * live process; {@code repair} and {@code rollback} take the journal's lock and fail with {@code journal-locked} if
 * the directory is open elsewhere.
 *
 * <p>For a directory encrypted at rest, {@code verify}, {@code dump}, {@code checkpoints}, {@code rollback} and
 * {@code stress} take its keys with {@code --key-file FILE} or {@code --key-env VAR} (see {@link KeyOptions}); a
 * missing or wrong key is an error naming the segment or checkpoint and its key id, never garbage output.
 */
@Command(
    name = "journal",
    mixinStandardHelpOptions = true,
    description = "Inspect, repair, roll back and stress a faultline-state directory (journal and checkpoints).",
    subcommands = {JournalCommand.Verify.class, JournalCommand.Dump.class, JournalCommand.Checkpoints.class,
        JournalCommand.Repair.class, JournalCommand.Rollback.class, JournalCommand.Stress.class})
public final class JournalCommand implements Runnable {
  /** Exit code of {@code verify}/{@code checkpoints} when damage was found that opening handles (and reports). */
  static final int EXIT_RECOVERABLE_DAMAGE = 3;
  /** Exit code of {@code verify} when the journal is corrupt before its tail: opening refuses it until repaired. */
  static final int EXIT_CORRUPT = 4;
  /**
   * Exit code of {@code verify}/{@code checkpoints} when encrypted records or snapshots could not be authenticated:
   * no key was given (only checksums were checked), a key is missing, or a key is wrong or the bytes were tampered
   * with.
   */
  static final int EXIT_UNAUTHENTICATED = 5;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** A JSON string literal of {@code text}, ASCII only (everything else as {@code \\uXXXX}). */
  static String jsonString(String text) {
    StringBuilder out = new StringBuilder(text.length() + 2).append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"':
          out.append("\\\"");
          break;
        case '\\':
          out.append("\\\\");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\t':
          out.append("\\t");
          break;
        case '\b':
          out.append("\\b");
          break;
        case '\f':
          out.append("\\f");
          break;
        default:
          if (c < 0x20 || c > 0x7e) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
      }
    }
    return out.append('"').toString();
  }

  /**
   * Says, for checkpoints with encrypted snapshots listed without keys, that only their checksums can be checked;
   * returns {@link #EXIT_UNAUTHENTICATED} then, else 0.
   */
  static int checkpointKeys(PrintWriter out, List<CheckpointInfo> infos, KeyProvider provider) {
    Set<Integer> ids = new TreeSet<>();
    for (CheckpointInfo info : infos) {
      if (info.keyId() != 0) {
        ids.add(info.keyId());
      }
    }
    if (ids.isEmpty() || provider != null) {
      return 0;
    }
    out.println("ENCRYPTED: checkpoint snapshots are sealed with key id(s) " + ids + "; only their checksums were"
        + " checked. Pass the keys with --key-file FILE or --key-env VAR to authenticate them");
    return EXIT_UNAUTHENTICATED;
  }

  /**
   * Refuses, before any tool reads or changes it, a path that is not a journal directory: one that does not exist, is
   * not a directory, or holds no journal segment (a journal has its first segment from its first open). Without this,
   * {@code verify} called any directory a clean journal, and {@code repair} and {@code rollback} wrote into it.
   */
  static void requireJournal(Path directory) {
    requireState(directory, false);
  }

  /** As {@link #requireJournal}; with {@code checkpointsSuffice}, a directory of checkpoints alone is accepted. */
  static void requireState(Path directory, boolean checkpointsSuffice) {
    if (!Files.isDirectory(directory)) {
      throw new JournalException("journal-missing", "no journal directory at " + directory + ": "
          + (Files.exists(directory) ? "not a directory" : "no such directory"));
    }
    boolean found;
    try (Stream<Path> files = Files.list(directory)) {
      found = files.anyMatch(f -> {
        String name = f.getFileName().toString();
        return (name.endsWith(".journal") || (checkpointsSuffice && name.startsWith("cp-")
            && name.endsWith(".checkpoint"))) && Files.isRegularFile(f);
      });
    } catch (IOException e) {
      throw new JournalException("journal-io", "cannot read journal directory " + directory + ": " + e, e);
    }
    if (!found) {
      throw new JournalException("journal-missing", directory + (checkpointsSuffice
          ? " is not a state directory: it has no journal segment (*.journal) and no checkpoint (cp-*.checkpoint)"
          : " is not a journal directory: it has no journal segment (*.journal)") + "; nothing was changed");
    }
  }

  /** {@code faultline journal verify DIR}. */
  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = {"Checks every segment, record and checkpoint without changing anything.",
          "Exit 0: clean; 3: a torn tail, records after the durable sequence a failed force's marker names",
          "(force-failed), or a damaged checkpoint (opening cuts or skips them and reports the loss);",
          "4: corruption before the journal's tail (opening refuses it; see repair), or a force-failed marker that",
          "names no sequence (opening refuses it: see the message);",
          "5: encrypted records or checkpoints not authenticated (no key given, a key missing or wrong, or tampered",
          "bytes). With keys, every encrypted record and snapshot is decrypted; without, checksums alone are checked.",
          "An ASYNC session's marker (open now, or a crash) is shown without changing the exit code."})
  static final class Verify implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "the state or journal directory")
    Path directory;

    @CommandLine.Mixin
    KeyOptions keys;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      KeyProvider provider = keys.provider(spec.commandLine(), spec.commandLine().getErr()::println);
      requireJournal(directory);
      VerifyReport report = Journal.verify(directory);
      Set<Integer> segmentKeys = new TreeSet<>();
      for (SegmentSummary segment : report.segments()) {
        out.printf("%s  sequences %d..%d  %d record(s)  %d of %d bytes valid%s%n", segment.file().getFileName(),
            segment.firstSequence(), segment.lastSequence(), segment.records(), segment.validBytes(),
            segment.fileBytes(), segment.keyId() == 0 ? "" : "  encrypted with key id " + segment.keyId());
        if (segment.keyId() != 0 && segment.records() > 0) {
          segmentKeys.add(segment.keyId());
        }
      }
      out.printf("journal %s: %d record(s), sequences %d..%d%n", directory, report.records(), report.firstSequence(),
          report.lastSequence());
      int exit = 0;
      if (report.damage().isPresent()) {
        JournalDamage damage = report.damage().get();
        out.println((damage.kind() == JournalDamage.Kind.CORRUPTION ? "CORRUPT: " : "TORN TAIL: ")
            + damage.describe());
        exit = damage.kind() == JournalDamage.Kind.CORRUPTION ? EXIT_CORRUPT : EXIT_RECOVERABLE_DAMAGE;
      }
      VerifyReport.FailedForce failed = report.failedForce().orElse(null);
      if (failed != null && !failed.readable()) {
        out.println("CORRUPT MARKER: " + failed.describe());
        exit = Math.max(exit, EXIT_CORRUPT);
      } else if (failed != null && failed.cutRecords() > 0) {
        // As a torn tail: records the next open cuts (and reports), none of which was acknowledged as durable.
        out.println("FAILED FORCE: " + failed.describe() + "; it keeps sequences " + report.firstSequence() + ".."
            + report.keptSequence());
        exit = Math.max(exit, EXIT_RECOVERABLE_DAMAGE);
      } else if (failed != null) {
        out.println("failed force: " + failed.describe());
      }
      // Not damage: the files cannot tell which records, if any, a crashed ASYNC session lost (the next open says so).
      report.asyncSession().ifPresent(loss -> out.println("ASYNC SESSION: an ASYNC session has the journal open now,"
          + " or did not close cleanly; if it crashed, up to " + loss.maxRecords() + " record(s) appended within "
          + loss.windowMillis() + " ms before the crash may have been lost (the next open reports this)"));
      if (!segmentKeys.isEmpty()) {
        if (failed != null && !failed.readable()) {
          // Reading refuses the journal as opening does: nothing can be decrypted until the marker is dealt with.
          out.println("NOT AUTHENTICATED: the records sealed with key id(s) " + segmentKeys + " were not decrypted:"
              + " the journal cannot be read while its force-failed marker names no sequence");
          exit = Math.max(exit, EXIT_UNAUTHENTICATED);
        } else if (provider == null) {
          out.println("ENCRYPTED: the records are sealed with key id(s) " + segmentKeys + "; only their checksums were"
              + " checked. Pass the keys with --key-file FILE or --key-env VAR to authenticate them");
          exit = Math.max(exit, EXIT_UNAUTHENTICATED);
        } else {
          try (JournalCursor cursor = Journal.readOnly(directory, report.firstSequence(), StorageIo.system(),
              provider)) {
            long authenticated = 0;
            while (cursor.hasNext()) {
              cursor.next();
              authenticated++;
            }
            out.printf("authenticated %d record(s) sealed with key id(s) %s%s%n", authenticated, segmentKeys,
                failed == null || failed.cutRecords() == 0 ? "" : " (not the " + failed.cutRecords()
                    + " the next open cuts)");
          } catch (JournalException e) {
            if (!e.code().equals("journal-crypto")) {
              throw e;
            }
            out.println("CANNOT DECRYPT: " + e.getMessage());
            exit = Math.max(exit, EXIT_UNAUTHENTICATED);
          }
        }
      }
      CheckpointStore store = CheckpointStore.builder(directory).readOnly().keyProvider(provider).open();
      exit = Math.max(exit, checkpointKeys(out, store.list(), provider));
      try {
        List<CheckpointProblem> problems = store.problems();
        for (CheckpointProblem problem : problems) {
          boolean crypto = problem.code().equals("checkpoint-crypto");
          out.println((crypto ? "CANNOT DECRYPT CHECKPOINT: " : "DAMAGED CHECKPOINT: ") + problem.describe());
          exit = Math.max(exit, crypto ? EXIT_UNAUTHENTICATED : EXIT_RECOVERABLE_DAMAGE);
        }
      } catch (CheckpointException e) {
        if (!e.code().equals("checkpoint-crypto")) {
          throw e;
        }
        out.println("CANNOT DECRYPT: " + e.getMessage());
        exit = Math.max(exit, EXIT_UNAUTHENTICATED);
      }
      out.println(exit == 0 ? "OK" : "damage found (exit " + exit + ")");
      out.flush();
      return exit;
    }
  }

  /** {@code faultline journal dump DIR [--from SEQ] [--json]}. */
  @Command(name = "dump", mixinStandardHelpOptions = true,
      description = {"Prints the valid records of the journal, oldest first, without changing anything.",
          "Where a failed force left its marker (force-failed), stops at the durable sequence it names, as the",
          "next open cuts the records after it, and says so on standard error.",
          "With --json: one object per line, {\"seq\":<number>,\"payload\":\"<UTF-8 text, JSON-escaped>\"};",
          "bytes that are not UTF-8 print as U+FFFD."})
  static final class Dump implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "the state or journal directory")
    Path directory;

    @Option(names = "--from", paramLabel = "SEQ", description = "the first sequence to print (default: the first)")
    Long from;

    @Option(names = "--json", description = "one JSON object per line")
    boolean json;

    @CommandLine.Mixin
    KeyOptions keys;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      if (from != null && from < 1) {
        // Sequences start at 1 in every journal: below that is out of range whatever the journal holds.
        throw new CommandLine.ParameterException(spec.commandLine(), "--from must be at least 1, but was "
            + OptionErrors.typed(spec, "--from"));
      }
      PrintWriter out = spec.commandLine().getOut();
      KeyProvider provider = keys.provider(spec.commandLine(), spec.commandLine().getErr()::println);
      requireJournal(directory);
      VerifyReport view = Journal.verify(directory);
      long start = from != null ? from : view.firstSequence();
      try (JournalCursor cursor = Journal.readOnly(directory, start, StorageIo.system(), provider)) {
        while (cursor.hasNext()) {
          JournalRecord record = cursor.next();
          String payload = jsonString(record.payloadUtf8());
          if (json) {
            out.print("{\"seq\":" + record.sequence() + ",\"payload\":" + payload + "}\n");
          } else {
            out.print(record.sequence() + "\t" + payload.substring(1, payload.length() - 1) + "\n");
          }
        }
      } catch (JournalException e) {
        out.flush();
        throw keys.explain(e);
      }
      out.flush();
      VerifyReport.FailedForce failed = view.failedForce().orElse(null);
      if (failed != null && failed.cutRecords() > 0) {
        spec.commandLine().getErr().println("faultline: warning: records " + (view.keptSequence() + 1) + ".."
            + view.lastSequence() + " are not shown: " + failed.describe());
      }
      return 0;
    }
  }

  /** {@code faultline journal checkpoints DIR}. */
  @Command(name = "checkpoints", mixinStandardHelpOptions = true,
      description = {"Lists the checkpoints, checking each in full, without changing anything.",
          "Exit 0: all valid; 3: some are damaged (recovery skips them in favour of older ones);",
          "5: encrypted snapshots not authenticated (no key given: checksums only; a key missing or wrong)."})
  static final class Checkpoints implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "the state directory")
    Path directory;

    @CommandLine.Mixin
    KeyOptions keys;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      KeyProvider provider = keys.provider(spec.commandLine(), spec.commandLine().getErr()::println);
      requireState(directory, true);
      CheckpointStore store = CheckpointStore.builder(directory).readOnly().keyProvider(provider).open();
      List<CheckpointInfo> infos = store.list();
      List<CheckpointProblem> problems;
      try {
        problems = store.problems();
      } catch (CheckpointException e) {
        if (!e.code().equals("checkpoint-crypto")) {
          throw e;
        }
        out.println("CANNOT DECRYPT: " + e.getMessage());
        out.flush();
        return EXIT_UNAUTHENTICATED;
      }
      for (CheckpointInfo info : infos) {
        String status = problems.stream().filter(p -> p.id().equals(info.id())).map(p -> "DAMAGED: " + p.reason())
            .findFirst().orElse(info.keyId() == 0 ? "ok" : provider != null ? "ok, decrypted with key id "
                + info.keyId() : "checksum ok, encrypted with key id " + info.keyId() + " (not decrypted)");
        out.printf("%s  sequence %d  %s  %d bytes  %s  %s%n", info.id(), info.sequence(), info.time(),
            info.snapshotBytes(), jsonString(info.label()), status);
      }
      for (CheckpointProblem problem : problems) {
        if (infos.stream().noneMatch(i -> i.id().equals(problem.id()))) {
          out.printf("%s  DAMAGED: %s%n", problem.id(), problem.reason());
        }
      }
      out.printf("%d checkpoint(s), %d damaged%n", infos.size() + problems.stream()
          .filter(p -> infos.stream().noneMatch(i -> i.id().equals(p.id()))).count(), problems.size());
      int unauthenticated = checkpointKeys(out, infos, provider);
      if (problems.stream().anyMatch(p -> p.code().equals("checkpoint-crypto"))) {
        unauthenticated = EXIT_UNAUTHENTICATED;
      }
      out.flush();
      return unauthenticated != 0 ? unauthenticated : problems.isEmpty() ? 0 : EXIT_RECOVERABLE_DAMAGE;
    }
  }

  /** {@code faultline journal repair DIR}. */
  @Command(name = "repair", mixinStandardHelpOptions = true,
      description = "Truncates the journal where its valid records stop (torn tail or corruption) and reports what"
          + " it dropped.")
  static final class Repair implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "the state or journal directory")
    Path directory;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      requireJournal(directory);
      RepairReport report = Journal.repair(directory);
      out.println(report.cut().map(d -> "cut " + d.describe()).orElse("nothing to repair")
          + "; last sequence now " + report.lastSequence());
      out.flush();
      return 0;
    }
  }

  /** Reads {@code --to} as a checkpoint id, a sequence or an instant. */
  static final class TargetConverter implements CommandLine.ITypeConverter<RollbackTarget> {
    @Override
    public RollbackTarget convert(String value) {
      try {
        return RollbackTarget.parse(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }

  /** {@code faultline journal rollback DIR --to CHECKPOINT_ID|SEQ|INSTANT}. */
  @Command(name = "rollback", mixinStandardHelpOptions = true,
      description = {"Rolls the state directory back: deletes the checkpoints after the target and truncates the",
          "journal after it (the records are discarded, not kept on a branch). The state is rebuilt when it is",
          "next opened. The ids of deleted checkpoints are never issued again."})
  static final class Rollback implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "the state directory")
    Path directory;

    @Option(names = "--to", required = true, paramLabel = "CHECKPOINT_ID|SEQ|INSTANT",
        converter = TargetConverter.class,
        description = "a checkpoint id (cp-000000000042), a journal sequence, or an ISO-8601 instant")
    RollbackTarget target;

    @CommandLine.Mixin
    KeyOptions keys;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      KeyProvider provider = keys.provider(spec.commandLine(), spec.commandLine().getErr()::println);
      requireJournal(directory);
      RollbackResult result;
      try {
        result = RecoverableState.rollbackOffline(directory, target, StorageIo.system(), provider);
      } catch (RuntimeException e) {
        throw keys.explain(e);
      }
      out.printf("rolled back to %s: state at sequence %d (%s); discarded %d journal record(s) and %d"
              + " checkpoint(s)%n", target.describe(), result.sequence(),
          result.checkpointId().map(id -> "from checkpoint " + id).orElse("from the initial state"),
          result.discarded(), result.checkpointsDeleted());
      result.opened().filter(o -> !o.clean()).ifPresent(o -> out.println("the journal had not closed cleanly: "
          + o.describe()));
      out.flush();
      return 0;
    }
  }

  /** {@code faultline journal stress DIR --writers N --seconds S --ack-file F}. */
  @Command(name = "stress", mixinStandardHelpOptions = true,
      description = {"Appends from N threads in SYNC mode for S seconds; record payloads are \"<writer>:<counter>\".",
          "After each append returns, its sequence is written as a line to the ack file and flushed, so a crash",
          "test can check that every acknowledged sequence survived."})
  static final class Stress implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "the journal directory")
    Path directory;

    @Option(names = "--writers", defaultValue = "4", paramLabel = "N", description = "concurrent appenders")
    int writers;

    @Option(names = "--seconds", required = true, paramLabel = "S", description = "how long to run")
    double seconds;

    @Option(names = "--ack-file", required = true, paramLabel = "F", description = "acknowledged sequences")
    Path ackFile;

    @Option(names = "--segment-size", defaultValue = "67108864", paramLabel = "BYTES",
        description = "segment size of a new journal (small values exercise segment rolls)")
    long segmentSize;

    @Option(names = "--max-records", paramLabel = "N", description = "stop after this many appends in total")
    Long maxRecords;

    @CommandLine.Mixin
    KeyOptions keys;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      if (writers < 1) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--writers must be at least 1, but was "
            + writers);
      }
      if (!(seconds >= 0)) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--seconds must be at least 0, but was "
            + seconds);
      }
      if (maxRecords != null && maxRecords < 1) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--max-records must be at least 1, but was "
            + maxRecords);
      }
      KeyProvider provider = keys.provider(spec.commandLine(), spec.commandLine().getErr()::println);
      Clock clock = Clock.system();
      long started = clock.nanoTime();
      // Saturates at Long.MAX_VALUE for a very long (or infinite) run; compared as elapsed time so it cannot overflow.
      long budget = (long) (seconds * 1e9);
      AtomicLong tickets = new AtomicLong(maxRecords != null ? maxRecords : Long.MAX_VALUE);
      AtomicLong appended = new AtomicLong();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      long forces;
      Journal opened;
      try {
        opened = Journal.builder(directory).segmentSize(segmentSize).keyProvider(provider).open();
      } catch (ConfigurationException e) {
        throw OptionErrors.refusal(spec, e, Map.of("segmentSize", "--segment-size"));
      }
      try (Journal journal = opened;
          OutputStream ack = new FileOutputStream(ackFile.toFile(), false)) {
        long forcesBefore = journal.forces();
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
          int writer = w;
          Thread thread = new Thread(() -> {
            try {
              for (long counter = 0; failure.get() == null && clock.nanoTime() - started < budget
                  && tickets.getAndDecrement() > 0; counter++) {
                long sequence = journal.append((writer + ":" + counter).getBytes(StandardCharsets.UTF_8));
                byte[] line = (sequence + "\n").getBytes(StandardCharsets.US_ASCII);
                synchronized (ack) {
                  ack.write(line);
                  ack.flush();
                }
                appended.incrementAndGet();
              }
            } catch (Throwable t) {
              failure.compareAndSet(null, t);
            }
          }, "stress-writer-" + w);
          threads.add(thread);
          thread.start();
        }
        for (Thread thread : threads) {
          thread.join();
        }
        forces = journal.forces() - forcesBefore;
      }
      if (failure.get() != null) {
        Throwable t = failure.get();
        throw t instanceof Exception ? (Exception) t : new IOException(t);
      }
      double elapsed = Math.max(1e-9, (clock.nanoTime() - started) / 1e9);
      long count = appended.get();
      spec.commandLine().getOut().printf("appended %d record(s) with %d writer(s) in %.2f s: %.0f appends/s,"
          + " %d force(s), %.1f record(s) per force; journal %s, acks in %s%n", count, writers, elapsed,
          count / elapsed, forces, forces == 0 ? 0.0 : (double) count / forces, directory, ackFile);
      spec.commandLine().getOut().flush();
      return 0;
    }
  }
}
