package dev.faultline.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.faultline.core.testing.FakeClock;
import dev.faultline.state.workflow.Workflow;
import dev.faultline.state.workflow.WorkflowExecutor;
import dev.faultline.state.workflow.WorkflowStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code faultline workflows ...}: list, show and cancel against a store directory. */
class WorkflowsCommandTest {
  @TempDir Path dir;

  private final FakeClock clock = new FakeClock();

  private WorkflowExecutor open(Workflow<String, String> workflow) {
    return WorkflowExecutor.builder(dir).clock(clock).scheduler(clock).register("w", workflow).open();
  }

  @Test
  void listShowAndCancelAStore() throws Exception {
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch never = new CountDownLatch(1);
    try (WorkflowExecutor executor = open((ctx, in) -> {
      String a = ctx.step("a", () -> in + "-a");
      if (in.equals("slow")) {
        ctx.step("wait", () -> {
          held.countDown();
          never.await();
          return "x";
        });
      }
      return a;
    })) {
      assertEquals("fast-a", executor.<String>start("w", "fast", "fast").result().get(30, TimeUnit.SECONDS));
      executor.start("w", "slow", "slow");
      assertTrue(held.await(30, TimeUnit.SECONDS));
      // list reads without the store's lock: what the running executor's journal holds now.
      JournalCommandTest.Run live = JournalCommandTest.run("workflows", "list", dir.toString());
      assertEquals(0, live.exit(), live.err());
      assertTrue(live.out().contains("slow  w  PENDING"), live.out());
      // cancel writes, so it takes the lock, which the executor holds.
      JournalCommandTest.Run locked = JournalCommandTest.run("workflows", "cancel", dir.toString(), "slow");
      assertEquals(1, locked.exit());
      assertTrue(locked.err().contains("lock"), locked.err());
    }

    JournalCommandTest.Run list = JournalCommandTest.run("workflows", "list", dir.toString());
    assertEquals(0, list.exit(), list.err());
    assertTrue(list.out().contains("fast  w  SUCCEEDED  queue default  1 step(s)"), list.out());
    assertTrue(list.out().contains("slow  w  PENDING  queue default  1 step(s)"), list.out());
    assertTrue(list.out().contains("2 workflow(s)"), list.out());
    JournalCommandTest.Run pending = JournalCommandTest.run("workflows", "list", dir.toString(), "--status",
        "PENDING");
    assertTrue(pending.out().contains("slow") && !pending.out().contains("fast"), pending.out());

    JournalCommandTest.Run show = JournalCommandTest.run("workflows", "show", dir.toString(), "slow");
    assertEquals(0, show.exit(), show.err());
    assertTrue(show.out().contains("status PENDING"), show.out());
    assertTrue(show.out().contains("step 0  a  completed"), show.out());
    assertEquals(WorkflowsCommand.EXIT_UNKNOWN, JournalCommandTest.run("workflows", "show", dir.toString(), "nope")
        .exit());

    JournalCommandTest.Run cancel = JournalCommandTest.run("workflows", "cancel", dir.toString(), "slow");
    assertEquals(0, cancel.exit(), cancel.err());
    assertEquals(1, JournalCommandTest.run("workflows", "cancel", dir.toString(), "fast").exit());
    assertEquals(WorkflowsCommand.EXIT_UNKNOWN, JournalCommandTest.run("workflows", "cancel", dir.toString(), "nope")
        .exit());

    // The next executor resumes the workflow, which stops at its next step.
    try (WorkflowExecutor executor = open((ctx, in) -> {
      String a = ctx.step("a", () -> in + "-a");
      ctx.step("wait", () -> "x");
      return a;
    })) {
      ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
          () -> executor.handle("slow").result().get(30, TimeUnit.SECONDS));
      assertTrue(e.getCause().getMessage().contains("cancelled"), e.getCause().getMessage());
      assertEquals(WorkflowStatus.CANCELLED, executor.handle("slow").status());
    }
    assertTrue(JournalCommandTest.run("workflows", "list", dir.toString()).out().contains("slow  w  CANCELLED"));
  }

  @Test
  void resumeMakesAnExecutorThatDoesNotResumeOnStartRunTheWorkflow() throws Exception {
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch never = new CountDownLatch(1);
    try (WorkflowExecutor executor = open((ctx, in) -> ctx.step("wait", () -> {
      held.countDown();
      never.await();
      return "x";
    }))) {
      executor.start("w", "one", "1");
      executor.start("w", "two", "2");
      assertTrue(held.await(30, TimeUnit.SECONDS));
    }
    JournalCommandTest.Run resume = JournalCommandTest.run("workflows", "resume", dir.toString(), "two");
    assertEquals(0, resume.exit(), resume.err());
    assertEquals(WorkflowsCommand.EXIT_UNKNOWN, JournalCommandTest.run("workflows", "resume", dir.toString(), "nope")
        .exit());
    try (WorkflowExecutor executor = WorkflowExecutor.builder(dir).clock(clock).scheduler(clock).resumeOnStart(false)
        .register("w", (ctx, in) -> ctx.step("wait", () -> "done " + in)).open()) {
      assertEquals("done 2", executor.handle("two").result().get(30, TimeUnit.SECONDS));
      assertEquals(WorkflowStatus.PENDING, executor.handle("one").status(), "not resumed: no request recorded");
    }
    assertEquals(1, JournalCommandTest.run("workflows", "resume", dir.toString(), "two").exit(), "finished");
  }

  @Test
  void aPathThatIsNotAStoreIsNamedAndLeftAsItWas() throws Exception {
    // Before the fix every command opened the path as a store, creating it: a mistyped directory was listed as an
    // empty store (exit 0, "0 workflow(s)"), and a directory of other files got a journal and a lock file.
    Path missing = dir.resolve("typo");
    for (String[] args : new String[][] {{"list", missing.toString()}, {"show", missing.toString(), "id"},
        {"cancel", missing.toString(), "id"}, {"resume", missing.toString(), "id"}}) {
      JournalCommandTest.Run run = JournalCommandTest.run(prefixed(args));
      assertEquals(1, run.exit(), String.join(" ", args) + ": " + run.out());
      assertTrue(run.err().contains("no workflow store at " + missing + ": no such directory"), run.err());
      assertFalse(Files.exists(missing), "created by " + String.join(" ", args));
    }
    Path other = dir.resolve("other");
    Files.createDirectories(other);
    Files.writeString(other.resolve("notes.txt"), "not a store");
    JournalCommandTest.Run list = JournalCommandTest.run("workflows", "list", other.toString());
    assertEquals(1, list.exit(), list.out());
    assertTrue(list.err().contains(other + " is not a workflow store"), list.err());
    try (Stream<Path> files = Files.list(other)) {
      assertEquals(List.of(other.resolve("notes.txt")), files.toList());
    }
    Path file = other.resolve("notes.txt");
    JournalCommandTest.Run show = JournalCommandTest.run("workflows", "show", file.toString(), "id");
    assertEquals(1, show.exit(), show.out());
    assertTrue(show.err().contains("no workflow store at " + file + ": not a directory"), show.err());
  }

  /**
   * A --schema that is not a schema name is a usage error naming the option, refused before any connection (the
   * URL's port 9 is never dialled); it was exit 1 with the builder's message.
   */
  @Test
  void aBadSchemaIsAUsageErrorNamingTheOption() {
    for (String[] args : new String[][] {{"list"}, {"show", "id"}, {"cancel", "id"}, {"resume", "id"}}) {
      String[] all = new String[args.length + 5];
      System.arraycopy(new String[] {"workflows", args[0], "--db", "jdbc:postgresql://127.0.0.1:9/none", "--schema",
          "Bad-Name"}, 0, all, 0, 6);
      System.arraycopy(args, 1, all, 6, args.length - 1);
      JournalCommandTest.Run run = JournalCommandTest.run(all);
      assertEquals(2, run.exit(), String.join(" ", all) + ": " + run.err());
      assertTrue(run.err().startsWith("--schema must be a lower-case SQL identifier, but was Bad-Name"), run.err());
    }
  }

  private static String[] prefixed(String[] args) {
    String[] all = new String[args.length + 1];
    all[0] = "workflows";
    System.arraycopy(args, 0, all, 1, args.length);
    return all;
  }

  @Test
  void listAndShowChangeNothingNeitherCuttingATornTailNorTakingTheAsyncLossMarker() throws Exception {
    try (WorkflowExecutor executor = open((ctx, in) -> ctx.step("a", () -> in + "-a"))) {
      assertEquals("x-a", executor.<String>start("w", "x", "x").result().get(30, TimeUnit.SECONDS));
    }
    Path segment;
    try (Stream<Path> files = Files.list(dir)) {
      segment = files.filter(f -> f.toString().endsWith(".journal")).sorted().reduce((a, b) -> b).orElseThrow();
    }
    byte[] original = Files.readAllBytes(segment);
    byte[] torn = java.util.Arrays.copyOf(original, original.length + 5);
    torn[original.length] = 1;
    Files.write(segment, torn);
    byte[] asyncSession = "maxUnforcedRecords=10000\nforceIntervalMillis=50\n".getBytes();
    Files.write(dir.resolve("async-session"), asyncSession);
    List<String> before = listing();

    JournalCommandTest.Run list = JournalCommandTest.run("workflows", "list", dir.toString());
    assertEquals(0, list.exit(), list.err());
    assertTrue(list.out().contains("1 workflow(s)"), list.out());
    JournalCommandTest.Run show = JournalCommandTest.run("workflows", "show", dir.toString(), "x");
    assertEquals(0, show.exit(), show.err());

    assertEquals(before, listing());
    org.junit.jupiter.api.Assertions.assertArrayEquals(torn, Files.readAllBytes(segment), "the torn tail is kept");
    org.junit.jupiter.api.Assertions.assertArrayEquals(asyncSession,
        Files.readAllBytes(dir.resolve("async-session")), "the ASYNC loss marker is kept for the next executor");
  }

  @Test
  void textOutputKeepsOneWorkflowPerLineAndJsonGivesTheExactValues() throws Exception {
    // Before: an error message with a line break split a workflow over two lines of `list`, an id's escape sequence
    // reached the terminal, a timer showed its wake-up as epoch milliseconds, and there was no machine-readable form.
    long wakeMillis = clock.wallMillis() + Duration.ofMinutes(5).toMillis();
    try (WorkflowExecutor executor = open((ctx, in) -> {
      if (in.equals("sleepy")) {
        ctx.sleep(Duration.ofMinutes(5));
        return "awake";
      }
      return ctx.step("charge", () -> {
        throw new IllegalStateException("card declined\nby the bank");
      });
    })) {
      org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
          () -> executor.start("w", "bad\u001b[2Jid", "x").result().get(30, TimeUnit.SECONDS));
      // The fake clock's sleep moves its time on at once.
      assertEquals("awake", executor.<String>start("w", "sleepy", "sleepy").result().get(30, TimeUnit.SECONDS));
    }

    JournalCommandTest.Run list = JournalCommandTest.run("workflows", "list", dir.toString());
    assertEquals(0, list.exit(), list.err());
    List<String> lines = list.out().lines().toList();
    assertEquals(3, lines.size(), list.out());
    assertTrue(lines.get(0).startsWith("bad\\u001b[2Jid  w  FAILED  queue default  1 step(s)  "), lines.get(0));
    assertTrue(lines.get(0).contains("card declined\\nby the bank"), lines.get(0));

    JournalCommandTest.Run show = JournalCommandTest.run("workflows", "show", dir.toString(), "sleepy");
    assertEquals(0, show.exit(), show.err());
    assertTrue(show.out().contains("step 0  sleep  wake at " + Instant.ofEpochMilli(wakeMillis)), show.out());

    JournalCommandTest.Run json = JournalCommandTest.run("workflows", "list", dir.toString(), "--json");
    assertEquals(0, json.exit(), json.err());
    List<String> objects = json.out().lines().toList();
    assertEquals(2, objects.size(), json.out());
    ObjectMapper mapper = new ObjectMapper();
    JsonNode bad = mapper.readTree(objects.get(0));
    assertEquals("bad\u001b[2Jid", bad.path("id").asText());
    assertEquals("FAILED", bad.path("status").asText());
    assertEquals("charge", bad.path("steps").path(0).path("name").asText());
    assertTrue(bad.path("steps").path(0).path("outcome").asText().contains("card declined\nby the bank"),
        objects.get(0));
    JsonNode shown = mapper.readTree(JournalCommandTest.run("workflows", "show", dir.toString(), "sleepy", "--json")
        .out());
    assertEquals("SUCCEEDED", shown.path("status").asText());
    assertTrue(shown.path("error").isNull(), shown.toString());
    assertEquals("wake at " + Instant.ofEpochMilli(wakeMillis), shown.path("steps").path(0).path("outcome").asText());
  }

  private List<String> listing() throws Exception {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.map(f -> dir.relativize(f) + " " + f.toFile().length()).sorted().toList();
    }
  }
}
