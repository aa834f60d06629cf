package dev.faultline.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.testing.FakeClock;
import dev.faultline.state.Codec;
import dev.faultline.state.RecoverableState;
import dev.faultline.state.StateMachine;
import dev.faultline.state.crypto.KeyProvider;
import dev.faultline.state.journal.Journal;
import dev.faultline.state.journal.JournalCursor;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
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

  /**
   * A directory without a journal segment is not a journal: every tool refuses it, naming it, and leaves it as it was
   * (verify said OK, repair left a journal.lock in it, and rollback --to 0 created a journal there and reported a
   * rollback).
   */
  @Test
  void aDirectoryWithoutAJournalIsRefusedAndLeftAsItWas() throws Exception {
    Path other = dir.resolve("photos");
    Files.createDirectories(other);
    Files.writeString(other.resolve("holiday.txt"), "sea");
    String d = other.toString();
    for (String[] args : List.of(new String[] {"verify", d}, new String[] {"dump", d}, new String[] {"checkpoints", d},
        new String[] {"repair", d}, new String[] {"rollback", d, "--to", "0"})) {
      String[] full = new String[args.length + 1];
      full[0] = "journal";
      System.arraycopy(args, 0, full, 1, args.length);
      Run r = run(full);
      assertEquals(1, r.exit(), args[0] + ": " + r.out() + r.err());
      assertEquals("faultline: " + d + (args[0].equals("checkpoints")
          ? " is not a state directory: it has no journal segment (*.journal) and no checkpoint (cp-*.checkpoint)"
          : " is not a journal directory: it has no journal segment (*.journal)") + "; nothing was changed\n",
          r.err().replace(System.lineSeparator(), "\n"), args[0]);
      try (var files = Files.list(other)) {
        assertEquals(List.of("holiday.txt"), files.map(f -> f.getFileName().toString()).toList(), args[0]);
      }
    }
    // A journal that was opened and never written to has its first segment: it is one.
    Path empty = dir.resolve("empty");
    Journal.open(empty).close();
    Run verify = run("journal", "verify", empty.toString());
    assertEquals(0, verify.exit(), verify.out() + verify.err());
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
    // Below 1 is out of range in any journal: a usage error naming the option (it was exit 1), before reading.
    for (String below : List.of("0", "-5")) {
      Run bad = run("journal", "dump", dir.resolve("no-such-journal").toString(), "--from", below);
      assertEquals(2, bad.exit(), bad.err());
      assertTrue(bad.err().startsWith("--from must be at least 1, but was " + below), bad.err());
    }
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
        .checkpointExecutor(Runnable::run).keepCheckpoints(5);
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

  private static byte[] key(int seed) {
    byte[] key = new byte[32];
    Arrays.fill(key, (byte) seed);
    return key;
  }

  private static String entry(int id, byte[] key) {
    return id + ":" + Base64.getEncoder().encodeToString(key);
  }

  /** Runs {@code args} with the environment variable {@code name} set to {@code value} for every subcommand. */
  static Run runWithEnvironment(String name, String value, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine line = FaultlineCommand.newCommandLine();
    line.setOut(new PrintWriter(out));
    line.setErr(new PrintWriter(err));
    for (CommandLine sub : line.getSubcommands().get("journal").getSubcommands().values()) {
      sub.getCommandSpec().mixins().values().stream().map(m -> m.userObject()).filter(KeyOptions.class::isInstance)
          .forEach(o -> ((KeyOptions) o).environment = Map.of(name, value)::get);
    }
    int exit = line.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void anEncryptedDirectoryWorksWithItsKeysAndFailsClearlyWithoutThemOrWithWrongOnes() throws Exception {
    byte[] key1 = key(1);
    byte[] key2 = key(2);
    KeyProvider keys = KeyProvider.of(2, Map.of(1, key1, 2, key2));
    try (RecoverableState<Long, String> state = RecoverableState.builder(dir, SUM, LONG, Codec.utf8())
        .clock(new FakeClock()).checkpointEvery(10).checkpointExecutor(Runnable::run).keepCheckpoints(5)
        .keyProvider(keys).open()) {
      for (int i = 1; i <= 35; i++) {
        state.apply(Integer.toString(i));
      }
    }
    Path keyFile = dir.getParent().resolve(dir.getFileName() + ".keys");
    Files.writeString(keyFile, "# keys of the test state\n" + entry(1, key1) + "\n\n" + entry(2, key2) + "\n");
    Path wrongFile = dir.getParent().resolve(dir.getFileName() + ".wrong");
    Files.writeString(wrongFile, entry(2, key(9)) + "\n" + entry(1, key(8)) + "\n");
    String d = dir.toString();
    try {
      Run verify = run("journal", "verify", d, "--key-file", keyFile.toString());
      assertEquals(0, verify.exit(), verify.out() + verify.err());
      assertTrue(verify.out().contains("encrypted with key id 2") && verify.out().contains("authenticated 35 record(s)")
          && verify.out().endsWith("OK\n"), verify.out());
      Run verifyEnv = runWithEnvironment("STATE_KEYS", entry(2, key2) + "," + entry(1, key1), "journal", "verify", d,
          "--key-env", "STATE_KEYS");
      assertEquals(0, verifyEnv.exit(), verifyEnv.out() + verifyEnv.err());
      Run noKey = run("journal", "verify", d);
      assertEquals(JournalCommand.EXIT_UNAUTHENTICATED, noKey.exit(), noKey.out());
      assertTrue(noKey.out().contains("ENCRYPTED: the records are sealed with key id(s) [2]")
          && noKey.out().contains("--key-file"), noKey.out());
      Run wrong = run("journal", "verify", d, "--key-file", wrongFile.toString());
      assertEquals(JournalCommand.EXIT_UNAUTHENTICATED, wrong.exit(), wrong.out());
      assertTrue(wrong.out().contains("CANNOT DECRYPT") && wrong.out().contains("key with id 2 is wrong"),
          wrong.out());

      Run dump = run("journal", "dump", d, "--json", "--key-file", keyFile.toString());
      assertEquals(0, dump.exit(), dump.err());
      List<String> lines = dump.out().lines().collect(Collectors.toList());
      assertEquals(35, lines.size());
      assertEquals("{\"seq\":35,\"payload\":\"35\"}", lines.get(34));
      Run dumpNoKey = run("journal", "dump", d, "--json");
      assertEquals(1, dumpNoKey.exit());
      assertEquals("", dumpNoKey.out());
      assertTrue(dumpNoKey.err().contains("key id 2") && dumpNoKey.err().contains("--key-file FILE or --key-env VAR"),
          dumpNoKey.err());
      Run dumpWrong = run("journal", "dump", d, "--key-file", wrongFile.toString());
      assertEquals(1, dumpWrong.exit());
      assertEquals("", dumpWrong.out(), "never garbage");
      assertTrue(dumpWrong.err().contains("is wrong") && dumpWrong.err().contains("holds the key with that id"),
          dumpWrong.err());

      Run list = run("journal", "checkpoints", d, "--key-file", keyFile.toString());
      assertEquals(0, list.exit(), list.out());
      assertTrue(list.out().contains("cp-000000000003  sequence 30") && list.out().contains("ok, decrypted with key id 2"),
          list.out());
      Run listNoKey = run("journal", "checkpoints", d);
      assertEquals(JournalCommand.EXIT_UNAUTHENTICATED, listNoKey.exit(), listNoKey.out());
      assertTrue(listNoKey.out().contains("checksum ok, encrypted with key id 2 (not decrypted)"), listNoKey.out());
      Run listWrong = run("journal", "checkpoints", d, "--key-file", wrongFile.toString());
      assertEquals(JournalCommand.EXIT_UNAUTHENTICATED, listWrong.exit(), listWrong.out());
      assertTrue(listWrong.out().contains("DAMAGED: cannot decrypt"), listWrong.out());

      byte[][] before = {Files.readAllBytes(dir.resolve("00000000000000000001.journal")),
          Files.readAllBytes(dir.resolve("cp-000000000003.checkpoint"))};
      for (String[] refused : List.of(new String[] {}, new String[] {"--key-file", wrongFile.toString()})) {
        List<String> args = new java.util.ArrayList<>(List.of("journal", "rollback", d, "--to", "cp-000000000002"));
        args.addAll(List.of(refused));
        Run rollback = run(args.toArray(String[]::new));
        assertEquals(1, rollback.exit(), rollback.out());
        assertTrue(rollback.err().contains("id 2"), rollback.err());
        assertArrayEquals(before[0], Files.readAllBytes(dir.resolve("00000000000000000001.journal")));
        assertArrayEquals(before[1], Files.readAllBytes(dir.resolve("cp-000000000003.checkpoint")));
      }
      Run rollback = run("journal", "rollback", d, "--to", "cp-000000000002", "--key-file", keyFile.toString());
      assertEquals(0, rollback.exit(), rollback.err());
      assertTrue(rollback.out().contains("state at sequence 20") && rollback.out().contains("discarded 15"),
          rollback.out());
      try (RecoverableState<Long, String> state = RecoverableState.builder(dir, SUM, LONG, Codec.utf8())
          .clock(new FakeClock()).keyProvider(keys).open()) {
        assertEquals(20L * 21 / 2, state.state());
      }
    } finally {
      Files.delete(keyFile);
      Files.delete(wrongFile);
    }
  }

  @Test
  void badKeyOptionsAreRefusedNamingTheLineWithoutShowingTheKey() throws Exception {
    journalOf("plain");
    Path keyFile = dir.resolve("keys.txt");
    String secret = Base64.getEncoder().encodeToString(new byte[16]);
    Files.writeString(keyFile, entry(1, key(1)) + "\n" + "2:" + secret + "\n");
    Run shortKey = run("journal", "dump", dir.toString(), "--key-file", keyFile.toString());
    assertEquals(2, shortKey.exit());
    assertTrue(shortKey.err().contains("line 2") && shortKey.err().contains("16 bytes")
        && !shortKey.err().contains(secret), shortKey.err());
    Files.writeString(keyFile, "one:" + secret + "\n");
    assertTrue(run("journal", "dump", dir.toString(), "--key-file", keyFile.toString()).err()
        .contains("positive key id"));
    Files.writeString(keyFile, "1:not base64!\n");
    assertTrue(run("journal", "dump", dir.toString(), "--key-file", keyFile.toString()).err()
        .contains("not valid base64"));
    Files.writeString(keyFile, "# nothing\n");
    assertTrue(run("journal", "dump", dir.toString(), "--key-file", keyFile.toString()).err()
        .contains("holds no keys"));
    Run unset = runWithEnvironment("OTHER", "x", "journal", "dump", dir.toString(), "--key-env", "STATE_KEYS");
    assertEquals(2, unset.exit());
    assertTrue(unset.err().contains("STATE_KEYS") && unset.err().contains("not set"), unset.err());
    Run both = run("journal", "dump", dir.toString(), "--key-file", keyFile.toString(), "--key-env", "X");
    assertTrue(both.err().contains("not both"), both.err());
    Files.writeString(keyFile, entry(1, key(1)) + "\n");
    Run plain = run("journal", "dump", dir.toString(), "--key-file", keyFile.toString());
    assertEquals(0, plain.exit(), "keys are not needed for plain data, and do no harm");
    assertEquals("1\tplain\n", plain.out());
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

  /**
   * A segment size the journal refuses is a usage error naming the option as typed, and nothing is created; it was
   * exit 1 naming the builder's field ({@code segmentSize must be at least 1024}).
   */
  @Test
  void stressRefusesATooSmallSegmentSizeNamingTheOption() {
    Path ack = dir.resolve("ack.txt");
    Path journal = dir.resolve("journal");
    Run r = run("journal", "stress", journal.toString(), "--seconds", "1", "--ack-file", ack.toString(),
        "--segment-size", "1000");
    assertEquals(2, r.exit(), r.err());
    assertTrue(r.err().startsWith("--segment-size must be at least 1024, but was 1000"), r.err());
    assertFalse(Files.exists(journal));
    assertFalse(Files.exists(ack));
  }

  @Test
  void stressForAVeryLongTimeStillAppendsUpToMaxRecordsAndRefusesAZeroCount() throws Exception {
    Path ack = dir.resolve("ack.txt");
    Path journal = dir.resolve("journal");
    // --seconds 1e12 (or Infinity) means "until --max-records": the deadline must not overflow to the past.
    Run stress = run("journal", "stress", journal.toString(), "--writers", "2", "--seconds", "1e12", "--ack-file",
        ack.toString(), "--max-records", "5");
    assertEquals(0, stress.exit(), stress.err());
    assertTrue(stress.out().contains("appended 5 record(s)"), stress.out());
    Run forever = run("journal", "stress", journal.toString(), "--seconds", "Infinity", "--ack-file",
        ack.toString(), "--max-records", "3");
    assertEquals(0, forever.exit(), forever.err());
    assertTrue(forever.out().contains("appended 3 record(s)"), forever.out());

    for (String count : List.of("0", "-5")) {
      Run zero = run("journal", "stress", journal.toString(), "--seconds", "1", "--ack-file", ack.toString(),
          "--max-records", count);
      assertEquals(2, zero.exit(), zero.out());
      assertTrue(zero.err().contains("--max-records must be at least 1, but was " + count), zero.err());
    }
  }

  @Test
  void aRefusedRollbackChangesNothingNeitherCuttingATornTailNorTakingTheAsyncLossMarker() throws Exception {
    try (RecoverableState<Long, String> state = sum().open()) {
      for (int i = 1; i <= 25; i++) {
        state.apply(Integer.toString(i));
      }
    }
    Path segment = dir.resolve("00000000000000000001.journal");
    byte[] original = Files.readAllBytes(segment);
    byte[] torn = Arrays.copyOf(original, original.length - 2);
    Files.write(segment, torn);
    Path marker = dir.resolve("async-session");
    // What an ASYNC session that did not close cleanly leaves: opening the journal reports the loss and removes it.
    byte[] asyncSession = "maxUnforcedRecords=10000\nforceIntervalMillis=50\n".getBytes(StandardCharsets.UTF_8);
    Files.write(marker, asyncSession);
    Set<String> before;
    try (var files = Files.list(dir)) {
      before = files.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
    }

    for (String to : List.of("999", "cp-000000000042", "2000-01-01T00:00:00Z")) {
      Run refused = run("journal", "rollback", dir.toString(), "--to", to);
      assertEquals(1, refused.exit(), refused.out());
      assertTrue(refused.err().contains("cannot roll"), refused.err());
      assertArrayEquals(torn, Files.readAllBytes(segment));
      assertArrayEquals(asyncSession, Files.readAllBytes(marker));
      try (var files = Files.list(dir)) {
        assertEquals(before, files.map(p -> p.getFileName().toString()).collect(Collectors.toSet()), to);
      }
    }
  }

  /**
   * A segment and a checkpoint copied from another state directory under the same key: verify names both as another
   * directory's, and no tool chokes on, or touches, the identity file or a temporary one left by a power loss.
   */
  @Test
  void verifyReportsDataCopiedFromAnotherDirectoryAndNoToolTouchesTheIdentityFiles() throws Exception {
    KeyProvider keys = KeyProvider.of(1, Map.of(1, key(1)));
    Path a = dir.resolve("a");
    Path b = dir.resolve("b");
    for (Path state : List.of(a, b)) {
      // The checkpoint due at the 10th event runs on the applying thread: on the state's own checkpoint thread, a
      // busy machine could let the last five events and close() come first, and close() drops a checkpoint not yet
      // begun, so cp-000000000001 was sometimes never written.
      try (RecoverableState<Long, String> opened = RecoverableState.builder(state, SUM, LONG, Codec.utf8())
          .clock(new FakeClock()).checkpointEvery(10).checkpointExecutor(Runnable::run).keyProvider(keys).open()) {
        for (int i = 1; i <= 15; i++) {
          opened.apply(Integer.toString(i));
        }
      }
    }
    Path keyFile = dir.resolve("keys");
    Files.writeString(keyFile, entry(1, key(1)) + "\n");
    Files.write(a.resolve("directory.id.tmp"), new byte[] {1, 2, 3});
    byte[] identity = Files.readAllBytes(a.resolve("directory.id"));

    Run clean = run("journal", "verify", a.toString(), "--key-file", keyFile.toString());
    assertEquals(0, clean.exit(), clean.out() + clean.err());
    assertTrue(clean.out().contains("authenticated 15 record(s)"), clean.out());
    for (String file : List.of("00000000000000000001.journal", "cp-000000000001.checkpoint")) {
      Files.copy(b.resolve(file), a.resolve(file), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    Run copied = run("journal", "verify", a.toString(), "--key-file", keyFile.toString());
    assertEquals(JournalCommand.EXIT_UNAUTHENTICATED, copied.exit(), copied.out() + copied.err());
    assertTrue(copied.out().contains("CANNOT DECRYPT") && copied.out().contains("another journal directory")
        && copied.out().contains("00000000000000000001.journal"), copied.out());
    assertTrue(copied.out().contains("CANNOT DECRYPT CHECKPOINT") && copied.out().contains("cp-000000000001")
        && copied.out().contains("another checkpoint directory"), copied.out());
    Run list = run("journal", "checkpoints", a.toString(), "--key-file", keyFile.toString());
    assertEquals(JournalCommand.EXIT_UNAUTHENTICATED, list.exit(), list.out() + list.err());
    assertTrue(list.out().contains("cp-000000000001  DAMAGED") || list.out().contains("DAMAGED: cannot decrypt"),
        list.out());
    Run repair = run("journal", "repair", a.toString());
    assertEquals(0, repair.exit(), repair.out() + repair.err());
    assertTrue(repair.out().contains("nothing to repair"), repair.out());
    assertArrayEquals(identity, Files.readAllBytes(a.resolve("directory.id")));
    assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(a.resolve("directory.id.tmp")));
  }
}
