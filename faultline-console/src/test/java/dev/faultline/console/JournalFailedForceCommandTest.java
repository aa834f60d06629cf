package dev.faultline.console;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.console.JournalCommandTest.Run;
import dev.faultline.state.crypto.KeyProvider;
import dev.faultline.state.journal.Journal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code faultline journal verify} and {@code journal dump} of a journal that a failed force stopped: the
 * {@code force-failed} marker it left names the last durable sequence, and the next open cuts the records after it.
 * Regression: verify said OK (exit 0) and dump printed those records as if the next open kept them. Here the marker is
 * written by hand after records 1 to 3, as a force that failed after sequence 1 leaves it (on a machine not restarted
 * since, the never-forced records still read back).
 */
class JournalFailedForceCommandTest {
  @TempDir Path dir;

  private Path marker;
  private Path segment;

  private void journalWithMarker(String markerText, KeyProvider keys) throws Exception {
    try (Journal journal = Journal.builder(dir).keyProvider(keys).open()) {
      for (String payload : List.of("one", "two", "three")) {
        journal.append(payload.getBytes(StandardCharsets.UTF_8));
      }
    }
    marker = dir.resolve("force-failed");
    segment = dir.resolve("00000000000000000001.journal");
    Files.writeString(marker, markerText);
  }

  private void assertUnchanged(byte[] segmentBefore, String markerText) throws Exception {
    assertArrayEquals(segmentBefore, Files.readAllBytes(segment), "the journal was not cut");
    assertEquals(markerText, Files.readString(marker), "the marker is left for the next open");
  }

  @Test
  void verifyReportsTheRecordsTheNextOpenCutsAsRecoverableDamage() throws Exception {
    journalWithMarker("durableSequence=1\n", null);
    byte[] before = Files.readAllBytes(segment);

    Run verify = JournalCommandTest.run("journal", "verify", dir.toString());
    assertEquals(JournalCommand.EXIT_RECOVERABLE_DAMAGE, verify.exit(), verify.out() + verify.err());
    assertTrue(verify.out().contains("FAILED FORCE: a force failed after sequence 1 (marker " + marker + ")")
        && verify.out().contains("the next open cuts the 2 record(s) written after it, never acknowledged as durable")
        && verify.out().contains("it keeps sequences 1..1"), verify.out());
    assertTrue(verify.out().endsWith("damage found (exit 3)\n"), verify.out());
    assertUnchanged(before, "durableSequence=1\n");
  }

  @Test
  void verifyReportsAMarkerNamingNoSequenceAsOpeningRefusesIt() throws Exception {
    journalWithMarker("durableSeq", null);
    byte[] before = Files.readAllBytes(segment);

    Run verify = JournalCommandTest.run("journal", "verify", dir.toString());
    assertEquals(JournalCommand.EXIT_CORRUPT, verify.exit(), verify.out() + verify.err());
    assertTrue(verify.out().contains("CORRUPT MARKER: the marker " + marker)
        && verify.out().contains("names no durable sequence (it holds \"durableSeq\")"), verify.out());
    assertUnchanged(before, "durableSeq");
  }

  @Test
  void verifyWithKeysDoesNotFailOnAMarkerNamingNoSequenceButSaysWhyNothingWasAuthenticated() throws Exception {
    byte[] key = new byte[32];
    Arrays.fill(key, (byte) 7);
    journalWithMarker("durableSeq", KeyProvider.of(1, Map.of(1, key)));
    Path keyFile = dir.getParent().resolve(dir.getFileName() + ".keys");
    Files.writeString(keyFile, "1:" + Base64.getEncoder().encodeToString(key) + "\n");
    byte[] before = Files.readAllBytes(segment);
    try {
      Run verify = JournalCommandTest.run("journal", "verify", dir.toString(), "--key-file", keyFile.toString());
      assertEquals(JournalCommand.EXIT_UNAUTHENTICATED, verify.exit(), verify.out() + verify.err());
      assertTrue(verify.out().contains("CORRUPT MARKER: the marker " + marker), verify.out());
      assertTrue(verify.out().contains("NOT AUTHENTICATED: the records sealed with key id(s) [1]"), verify.out());
      assertTrue(verify.out().endsWith("damage found (exit 5)\n"), "the report ran to its end: " + verify.out());
      assertUnchanged(before, "durableSeq");
    } finally {
      Files.delete(keyFile);
    }
  }

  @Test
  void dumpStopsAtTheDurableSequenceAndSaysWhatItLeftOut() throws Exception {
    journalWithMarker("durableSequence=1\n", null);
    byte[] before = Files.readAllBytes(segment);

    Run dump = JournalCommandTest.run("journal", "dump", dir.toString(), "--json");
    assertEquals(0, dump.exit(), dump.err());
    assertEquals("{\"seq\":1,\"payload\":\"one\"}\n", dump.out());
    assertTrue(dump.err().contains("records 2..3 are not shown") && dump.err().contains(marker.toString())
        && dump.err().contains("never acknowledged as durable"), dump.err());

    Run from = JournalCommandTest.run("journal", "dump", dir.toString(), "--from", "3");
    assertEquals(1, from.exit(), from.out());
    assertEquals("", from.out());
    assertTrue(from.err().contains("sequence 3") && from.err().contains("1..1") && from.err().contains(
        marker.toString()), from.err());
    assertUnchanged(before, "durableSequence=1\n");
  }

  @Test
  void dumpRefusesAMarkerNamingNoSequenceNamingIt() throws Exception {
    journalWithMarker("durableSeq", null);
    byte[] before = Files.readAllBytes(segment);

    Run dump = JournalCommandTest.run("journal", "dump", dir.toString());
    assertEquals(1, dump.exit(), dump.out());
    assertEquals("", dump.out(), "no record is shown that the next open may not keep");
    assertTrue(dump.err().startsWith("faultline: the marker " + marker + " that a failed force of journal"),
        dump.err());
    assertUnchanged(before, "durableSeq");
  }

  /** An ASYNC session's marker (a crash, or a session open now) is shown, without changing the exit code. */
  @Test
  void verifyShowsAnAsyncSessionsLossWindow() throws Exception {
    try (Journal journal = Journal.builder(dir).open()) {
      journal.append("one".getBytes(StandardCharsets.UTF_8));
    }
    Files.writeString(dir.resolve("async-session"), "maxUnforcedRecords=64\nforceIntervalMillis=20\n");

    Run verify = JournalCommandTest.run("journal", "verify", dir.toString());
    assertEquals(0, verify.exit(), verify.out() + verify.err());
    assertTrue(verify.out().contains("ASYNC SESSION: an ASYNC session has the journal open now, or did not close"
        + " cleanly; if it crashed, up to 64 record(s) appended within 20 ms before the crash may have been lost"),
        verify.out());
    assertTrue(Files.exists(dir.resolve("async-session")), "verify changes nothing");
  }
}
