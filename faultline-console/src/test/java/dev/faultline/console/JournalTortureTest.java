package dev.faultline.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.faultline.core.Clock;
import dev.faultline.state.journal.Journal;
import dev.faultline.state.journal.JournalCursor;
import dev.faultline.state.journal.JournalRecord;
import dev.faultline.state.journal.VerifyReport;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 torture: a child JVM runs {@code faultline journal stress} (4 SYNC writers, small segments) on one journal
 * directory; the test kills it with SIGKILL ({@link Process#destroyForcibly()}) at a random moment (seeded), then
 * opens the journal and checks that every acknowledged sequence is present, that each run's records are exactly each
 * writer's counters 0, 1, 2, ... in order (nothing garbled, duplicated or lost between acknowledged records), and
 * that the journal verifies clean. The next child recovers the same directory, so kills during recovery, segment
 * creation and appends are all exercised.
 *
 * <p>{@code -Dfaultline.torture.iterations=N} sets the count (default 100; 1000 with {@code -Pheavy});
 * {@code -Dfaultline.torture.seed=S} the seed. Waiting for the child's progress polls its ack file with a bounded
 * loop: the one place where real time is unavoidable. The bound is on a stall (polls without a new ack), not on the
 * whole wait, and a stall fails with the child's thread dump. Nothing is asserted about elapsed time.
 */
@Tag("slow")
class JournalTortureTest {
  private static final boolean HEAVY = Boolean.getBoolean("faultline.heavy");
  private static final int ITERATIONS = Integer.getInteger("faultline.torture.iterations", HEAVY ? 1000 : 100);
  private static final long SEED = Long.getLong("faultline.torture.seed", 20260101L);
  private static final int WRITERS = 4;
  private static final long POLL_NANOS = 2_000_000;
  /** Polls (at least a minute) without a new ack before the child counts as stuck. */
  private static final int MAX_IDLE_POLLS = 30_000;
  private static final Pattern PAYLOAD = Pattern.compile("(\\d+):(\\d+)");

  @Test
  void everyAcknowledgedAppendSurvivesKillMinus9(@TempDir Path tmp) throws Exception {
    Path journalDir = tmp.resolve("journal");
    Random random = new Random(SEED);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classpath = System.getProperty("java.class.path");
    Clock clock = Clock.system();
    long started = clock.nanoTime();
    long last = 0;
    long acknowledged = 0;
    int earlyKills = 0;
    Map<Long, String> history = new HashMap<>();
    for (int iteration = 0; iteration < ITERATIONS; iteration++) {
      Path ack = tmp.resolve("ack-" + iteration);
      Path err = tmp.resolve("err-" + iteration);
      Process child = new ProcessBuilder(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx64m", "-cp",
          classpath, FaultlineCommand.class.getName(), "journal", "stress", journalDir.toString(), "--writers",
          Integer.toString(WRITERS), "--seconds", "600", "--ack-file", ack.toString(), "--segment-size", "16384")
          .redirectOutput(Redirect.DISCARD).redirectError(err.toFile()).start();
      try {
        if (random.nextInt(10) == 0) {
          // Kill somewhere in start-up or recovery: after a random number of short waits.
          earlyKills++;
          for (int polls = random.nextInt(300); polls > 0 && child.isAlive(); polls--) {
            clock.sleep(POLL_NANOS);
          }
        } else {
          awaitAcks(child, ack, err, 1 + random.nextInt(300), clock);
        }
      } finally {
        child.destroyForcibly();
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child died");
      }
      List<Long> acks = readAcks(ack);
      acknowledged += acks.size();
      try (Journal journal = Journal.open(journalDir)) {
        long now = journal.lastSequence();
        Map<Long, String> run = read(journal, last + 1);
        assertEquals(now - last, run.size(), "iteration " + iteration + ": records " + (last + 1) + ".." + now);
        checkWriters(iteration, run, last + 1, now);
        for (long sequence : acks) {
          assertTrue(sequence > last && sequence <= now, "iteration " + iteration + ": acknowledged sequence "
              + sequence + " missing after kill -9 (journal " + last + ".." + now + ")");
          assertNotNull(run.get(sequence));
        }
        history.putAll(run);
        if (iteration % 10 == 9 || iteration == ITERATIONS - 1) {
          assertEquals(history, read(journal, 1), "iteration " + iteration + ": earlier records changed");
        }
        last = now;
      }
      VerifyReport verify = Journal.verify(journalDir);
      assertTrue(verify.clean(), "iteration " + iteration + ": " + verify.damage());
    }
    System.out.printf("journal torture: %d iterations (%d killed during start-up or recovery), %d acknowledged"
            + " appends, %d records checked, %.1f s%n", ITERATIONS, earlyKills, acknowledged, last,
        (clock.nanoTime() - started) / 1e9);
    assertTrue(acknowledged > 0);
  }

  /**
   * Polls the ack file until it holds {@code target} lines, failing with the child's errors if it died, and with its
   * threads if it stalled: no new ack for {@link #MAX_IDLE_POLLS} polls. The bound was on the whole wait, and a child
   * slowed down but not stopped by a busy machine (its start-up, its forces) failed a suite run as "no progress".
   */
  private static void awaitAcks(Process child, Path ack, Path err, int target, Clock clock) throws Exception {
    int seen = 0;
    for (int idle = 0; idle < MAX_IDLE_POLLS; idle++) {
      int acks = readAcks(ack).size();
      if (acks >= target) {
        return;
      }
      if (acks > seen) {
        seen = acks;
        idle = 0;
      }
      if (!child.isAlive()) {
        fail("the stress child exited with " + child.exitValue() + ": " + Files.readString(err));
      }
      clock.sleep(POLL_NANOS);
    }
    fail("the stress child made no progress past " + seen + " of " + target + " acks; its threads:\n"
        + WorkflowTortureTest.threadDump(child) + "\nits stderr:\n" + Files.readString(err));
  }

  /** The acknowledged sequences; a last line without its newline was cut by the kill and does not count. */
  private static List<Long> readAcks(Path ack) throws IOException {
    List<Long> sequences = new ArrayList<>();
    if (!Files.exists(ack)) {
      return sequences;
    }
    String text = Files.readString(ack, StandardCharsets.US_ASCII);
    int end = text.lastIndexOf('\n');
    if (end < 0) {
      return sequences;
    }
    for (String line : text.substring(0, end).split("\n")) {
      sequences.add(Long.parseLong(line));
    }
    return sequences;
  }

  private static Map<Long, String> read(Journal journal, long from) {
    Map<Long, String> records = new HashMap<>();
    try (JournalCursor cursor = journal.read(from)) {
      while (cursor.hasNext()) {
        JournalRecord record = cursor.next();
        records.put(record.sequence(), record.payloadUtf8());
      }
    }
    return records;
  }

  /** Each writer's payloads in one run are its counters 0, 1, 2, ... in sequence order. */
  private static void checkWriters(int iteration, Map<Long, String> run, long from, long to) {
    long[] next = new long[WRITERS];
    for (long sequence = from; sequence <= to; sequence++) {
      String payload = run.get(sequence);
      Matcher matcher = PAYLOAD.matcher(payload == null ? "" : payload);
      assertTrue(matcher.matches(), "iteration " + iteration + ": garbled payload at " + sequence + ": " + payload);
      int writer = Integer.parseInt(matcher.group(1));
      assertTrue(writer < WRITERS, "iteration " + iteration + ": writer " + writer + " at " + sequence);
      assertEquals(next[writer]++, Long.parseLong(matcher.group(2)),
          "iteration " + iteration + ": writer " + writer + "'s counter at sequence " + sequence);
    }
  }
}
