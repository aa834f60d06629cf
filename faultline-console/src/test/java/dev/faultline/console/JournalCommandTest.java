package dev.faultline.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.testing.FakeClock;
import dev.faultline.state.Codec;
import dev.faultline.state.RecoverableState;
import dev.faultline.state.StateMachine;
import dev.faultline.state.journal.Journal;
import dev.faultline.state.journal.JournalCursor;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code faultline journal ...}: verify, dump, checkpoints, repair, rollback and stress through the command line. */
class JournalCommandTest {
  @TempDir Path dir;

  /** The output, error output and exit code of one run. */
  record Run(int exit, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine line = FaultlineCommand.newCommandLine();
    line.setOut(new PrintWriter(out));
    line.setErr(new PrintWriter(err));
    int exit = line.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  private void journalOf(String... payloads) {
    try (Journal journal = Journal.open(dir)) {
      for (String payload : payloads) {
        journal.append(payload.getBytes(StandardCharsets.UTF_8));
      }
    }
  }

  @Test
  void helpListsTheJournalCommand() {
    Run help = run("journal", "--help");
    assertEquals(0, help.exit());
    for (String sub : List.of("verify", "dump", "checkpoints", "repair", "rollback", "stress")) {
      assertTrue(help.out().contains(sub), help.out());
    }
  }

  @Test
  void verifyReportsCleanTornAndCorruptJournalsWithDistinctExitCodes() throws Exception {
    journalOf("one", "two", "three");
    Run clean = run("journal", "verify", dir.toString());
    assertEquals(0, clean.exit(), clean.out() + clean.err());
    assertTrue(clean.out().contains("3 record(s), sequences 1..3"), clean.out());

    Path segment = dir.resolve("00000000000000000001.journal");
    byte[] original = Files.readAllBytes(segment);
    Files.write(segment, Arrays.copyOf(original, original.length - 2));
    Run torn = run("journal", "verify", dir.toString());
    assertEquals(JournalCommand.EXIT_RECOVERABLE_DAMAGE, torn.exit());
    assertTrue(torn.out().contains("TORN TAIL"), torn.out());

    byte[] flipped = original.clone();
    flipped[32 + 16] ^= 1;
    Files.write(segment, flipped);
    Run corrupt = run("journal", "verify", dir.toString());
    assertEquals(JournalCommand.EXIT_CORRUPT, corrupt.exit());
    assertTrue(corrupt.out().contains("CORRUPT") && corrupt.out().contains("00000000000000000001.journal")
        && corrupt.out().contains("offset 32"), corrupt.out());
    assertArrayEquals(flipped, Files.readAllBytes(segment));

    Run repair = run("journal", "repair", dir.toString());
    assertEquals(0, repair.exit(), repair.err());
    assertTrue(repair.out().contains("2 valid record(s)") && repair.out().contains("last sequence now 0"),
        repair.out());
    assertEquals(0, run("journal", "verify", dir.toString()).exit());
  }

  private static void assertArrayEquals(byte[] expected, byte[] actual) {
    org.junit.jupiter.api.Assertions.assertArrayEquals(expected, actual);
  }

  @Test
  void dumpPrintsOneJsonObjectPerLineWithEscapedUtf8Payloads() {
    journalOf("plain", "quote \" backslash \\ newline \n tab \t", "unicode é ✓", "");
    Run dump = run("journal", "dump", dir.toString(), "--json");
    assertEquals(0, dump.exit(), dump.err());
    List<String> lines = dump.out().lines().collect(Collectors.toList());
    assertEquals(List.of(
        "{\"seq\":1,\"payload\":\"plain\"}",
        "{\"seq\":2,\"payload\":\"quote \\\" backslash \\\\ newline \\n tab \\t\"}",
        "{\"seq\":3,\"payload\":\"unicode \\u00e9 \\u2713\"}",
        "{\"seq\":4,\"payload\":\"\"}"), lines);
    Run from = run("journal", "dump", dir.toString(), "--from", "3", "--json");
    assertEquals(2, from.out().lines().count());
    assertTrue(from.out().startsWith("{\"seq\":3,"), from.out());
    Run text = run("journal", "dump", dir.toString(), "--from", "4");
    assertEquals("4\t\n", text.out());
    Run beyond = run("journal", "dump", dir.toString(), "--from", "9");
    assertEquals(1, beyond.exit());
    assertTrue(beyond.err().contains("sequence 9"), beyond.err());
  }

  static final StateMachine<Long, String> SUM = new StateMachine<>() {
    @Override
    public Long initial() {
      return 0L;
    }

    @Override
    public Long apply(Long state, String event) {
      return state + Long.parseLong(event);
    }
  };

  static final Codec<Long> LONG = new Codec<>() {
    @Override
    public byte[] encode(Long value) {
      return Long.toString(value).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public Long decode(byte[] bytes) {
      return Long.parseLong(new String(bytes, StandardCharsets.UTF_8));
    }
  };

  private RecoverableState.Builder<Long, String> sum() {
    return RecoverableState.builder(dir, SUM, LONG, Codec.utf8()).clock(new FakeClock()).checkpointEvery(10)
        .keepCheckpoints(5);
  }

  @Test
  void checkpointsAreListedAndRollbackCutsToACheckpointOrASequence() throws Exception {
    try (RecoverableState<Long, String> state = sum().open()) {
      for (int i = 1; i <= 35; i++) {
        state.apply(Integer.toString(i));
      }
    }
    Run list = run("journal", "checkpoints", dir.toString());
    assertEquals(0, list.exit(), list.err());
    assertTrue(list.out().contains("cp-000000000002  sequence 20") && list.out().contains("3 checkpoint(s), 0 damaged"),
        list.out());

    Run toCheckpoint = run("journal", "rollback", dir.toString(), "--to", "cp-000000000002");
    assertEquals(0, toCheckpoint.exit(), toCheckpoint.err());
    assertTrue(toCheckpoint.out().contains("state at sequence 20") && toCheckpoint.out().contains("discarded 15")
        && toCheckpoint.out().contains("1 checkpoint(s)"), toCheckpoint.out());
    Run toSequence = run("journal", "rollback", dir.toString(), "--to", "13");
    assertEquals(0, toSequence.exit(), toSequence.err());
    try (RecoverableState<Long, String> state = sum().open()) {
      assertEquals(13L * 14 / 2, state.state());
    }

    Run bad = run("journal", "rollback", dir.toString(), "--to", "yesterday");
    assertEquals(2, bad.exit());
    assertTrue(bad.err().contains("yesterday"), bad.err());
    Run missing = run("journal", "rollback", dir.toString(), "--to", "cp-000000000042");
    assertEquals(1, missing.exit());
    assertTrue(missing.err().contains("cp-000000000042"), missing.err());

    Path newest = dir.resolve("cp-000000000001.checkpoint");
    byte[] bytes = Files.readAllBytes(newest);
    bytes[bytes.length - 1] ^= 1;
    Files.write(newest, bytes);
    Run damaged = run("journal", "checkpoints", dir.toString());
    assertEquals(JournalCommand.EXIT_RECOVERABLE_DAMAGE, damaged.exit());
    assertTrue(damaged.out().contains("DAMAGED: checksum mismatch"), damaged.out());
  }

  @Test
  void rollbackOfAnOpenDirectoryIsRefused() {
    try (RecoverableState<Long, String> state = sum().open()) {
      state.apply("1");
      Run refused = run("journal", "rollback", dir.toString(), "--to", "0");
      assertEquals(1, refused.exit());
      assertTrue(refused.err().contains("locked"), refused.err());
    }
  }

  @Test
  void stressAppendsFromSeveralWritersAndAcknowledgesEverySequence() throws Exception {
    Path ack = dir.resolve("ack.txt");
    Path journal = dir.resolve("journal");
    Run stress = run("journal", "stress", journal.toString(), "--writers", "4", "--seconds", "600", "--ack-file",
        ack.toString(), "--max-records", "200", "--segment-size", "2048");
    assertEquals(0, stress.exit(), stress.err());
    assertTrue(stress.out().contains("appended 200 record(s) with 4 writer(s)"), stress.out());
    List<Long> acked = Files.readAllLines(ack).stream().map(Long::parseLong).collect(Collectors.toList());
    assertEquals(200, acked.size());
    assertEquals(200, new HashSet<>(acked).size());
    Set<String> payloads = new HashSet<>();
    try (JournalCursor cursor = Journal.readOnly(journal, 1)) {
      cursor.forEachRemaining(r -> payloads.add(r.payloadUtf8()));
    }
    assertEquals(200, payloads.size());
    assertTrue(payloads.stream().allMatch(p -> p.matches("[0-3]:\\d+")), payloads.toString());
    assertEquals(2, run("journal", "stress", journal.toString(), "--writers", "0", "--seconds", "1",
        "--ack-file", ack.toString()).exit());
  }
}
