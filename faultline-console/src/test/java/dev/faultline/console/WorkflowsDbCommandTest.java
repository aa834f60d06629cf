package dev.faultline.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.state.postgres.PostgresWorkflowStore;
import dev.faultline.state.workflow.WorkflowExecutor;
import dev.faultline.state.workflow.WorkflowStatus;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code faultline workflows ... --db}: list, show, cancel and resume against a real PostgreSQL store. */
class WorkflowsDbCommandTest {
  private static EmbeddedPostgres server;
  private static String url;

  @BeforeAll
  static void startServer() throws IOException {
    server = EmbeddedPostgres.builder().setServerConfig("fsync", "off").start();
    url = "jdbc:postgresql://localhost:" + server.getPort() + "/postgres";
  }

  @AfterAll
  static void stopServer() throws IOException {
    server.close();
  }

  private static PostgresWorkflowStore store(String node) {
    return PostgresWorkflowStore.builder(url, "postgres", null).schema("cli").nodeId(node).poolSize(4).build();
  }

  private static JournalCommandTest.Run run(String... args) {
    return JournalCommandTest.run(args);
  }

  @Test
  void listShowCancelAndResumeWhileAnExecutorRuns() throws Exception {
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try (WorkflowExecutor executor = WorkflowExecutor.builder(store("n1")).register("w", (ctx, in) -> {
      String a = ctx.step("a", () -> in + "-a");
      if (in.equals("slow")) {
        ctx.step("wait", null, () -> {
          held.countDown();
          release.await();
          return "x";
        }, x -> { });
        ctx.step("after", () -> "never");
      }
      return a;
    }).open()) {
      assertEquals("fast-a", executor.<String>start("w", "fast", "fast").result().get(30, TimeUnit.SECONDS));
      var slow = executor.<String>start("w", "slow", "slow");
      assertTrue(held.await(30, TimeUnit.SECONDS));

      JournalCommandTest.Run list = run("workflows", "list", "--db", url, "--db-user", "postgres", "--schema", "cli");
      assertEquals(0, list.exit(), list.err());
      assertTrue(list.out().contains("fast  w  SUCCEEDED  queue default  1 step(s)"), list.out());
      assertTrue(list.out().contains("slow  w  PENDING  queue default  1 step(s)"), list.out());
      assertTrue(list.out().contains("2 workflow(s)"), list.out());
      JournalCommandTest.Run done = run("workflows", "list", "--db", url, "--db-user", "postgres", "--schema", "cli",
          "--status", "SUCCEEDED");
      assertTrue(done.out().contains("fast") && !done.out().contains("slow"), done.out());

      JournalCommandTest.Run show = run("workflows", "show", "--db", url, "--db-user", "postgres", "--schema", "cli",
          "fast");
      assertEquals(0, show.exit(), show.err());
      assertTrue(show.out().contains("status SUCCEEDED"), show.out());
      assertTrue(show.out().contains("step 0  a  completed"), show.out());
      assertEquals(WorkflowsCommand.EXIT_UNKNOWN, run("workflows", "show", "--db", url, "--db-user", "postgres",
          "--schema", "cli", "nope").exit());

      // Cancelled while it runs on the executor: it stops at its next step and compensates.
      JournalCommandTest.Run cancel = run("workflows", "cancel", "--db", url, "--db-user", "postgres", "--schema",
          "cli", "slow");
      assertEquals(0, cancel.exit(), cancel.err());
      assertTrue(cancel.out().contains("cancellation of slow recorded"), cancel.out());
      release.countDown();
      ExecutionException e = assertThrows(ExecutionException.class, () -> slow.result().get(30, TimeUnit.SECONDS));
      assertTrue(e.getCause().getMessage().contains("cancelled"), e.getCause().getMessage());
      assertEquals(WorkflowStatus.CANCELLED, slow.status());

      assertEquals(1, run("workflows", "cancel", "--db", url, "--db-user", "postgres", "--schema", "cli", "fast")
          .exit(), "a finished workflow cannot be cancelled");
      JournalCommandTest.Run resume = run("workflows", "resume", "--db", url, "--db-user", "postgres", "--schema",
          "cli", "fast");
      assertEquals(1, resume.exit());
      assertTrue(resume.out().contains("fast already finished; nothing to resume"), resume.out());
      assertEquals(WorkflowsCommand.EXIT_UNKNOWN, run("workflows", "resume", "--db", url, "--db-user", "postgres",
          "--schema", "cli", "nope").exit());
    }
  }

  @Test
  void aResumeRequestIsCarriedOutByANodeThatDoesNotResumeOnStart() throws Exception {
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch never = new CountDownLatch(1);
    PostgresWorkflowStore first = PostgresWorkflowStore.builder(url, "postgres", null).schema("cli_resume")
        .nodeId("r1").build();
    try (WorkflowExecutor executor = WorkflowExecutor.builder(first).register("w", (ctx, in) -> ctx.step("s", () -> {
      held.countDown();
      never.await();
      return "x";
    })).open()) {
      executor.start("w", "r", "r");
      assertTrue(held.await(30, TimeUnit.SECONDS));
    }
    JournalCommandTest.Run resume = run("workflows", "resume", "--db", url, "--db-user", "postgres", "--schema",
        "cli_resume", "r");
    assertEquals(0, resume.exit(), resume.err());
    PostgresWorkflowStore second = PostgresWorkflowStore.builder(url, "postgres", null).schema("cli_resume")
        .nodeId("r2").build();
    try (WorkflowExecutor executor = WorkflowExecutor.builder(second).resumeOnStart(false)
        .register("w", (ctx, in) -> ctx.step("s", () -> "resumed")).open()) {
      assertEquals("resumed", executor.handle("r").result().get(30, TimeUnit.SECONDS));
    }
  }

  @Test
  void misuseIsNamed() {
    JournalCommandTest.Run both = run("workflows", "show", "--db", url, "--schema", "cli", "some-dir", "id");
    assertEquals(2, both.exit());
    assertTrue(both.err().contains("with --db, expected the workflow id only (no directory)"), both.err());
    JournalCommandTest.Run none = run("workflows", "show", "only-dir");
    assertEquals(2, none.exit());
    assertTrue(none.err().contains("expected the store directory and the workflow id"), none.err());
    JournalCommandTest.Run missing = run("workflows", "list", "--db", url, "--db-user", "postgres", "--schema",
        "never_created");
    assertEquals(1, missing.exit());
    assertTrue(missing.err().contains("schema-missing") || missing.err().contains("no schema_version table"),
        missing.err());
  }
}
