package dev.faultline.console.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.faultline.core.testing.FakeClock;
import dev.faultline.state.Codec;
import dev.faultline.state.RecoverableState;
import dev.faultline.state.StateMachine;
import dev.faultline.state.checkpoint.CheckpointInfo;
import dev.faultline.state.workflow.Workflow;
import dev.faultline.state.workflow.WorkflowExecutor;
import dev.faultline.state.workflow.WorkflowStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Workflows (list, show, resume, cancel) and checkpoints (list, two-step rollback) over real HTTP, on live stores
 * and on directories handled offline; every action is audited.
 */
class OperationsApiTest {
  private static final StateMachine<String, String> APPEND = new StateMachine<>() {
    @Override
    public String initial() {
      return "";
    }

    @Override
    public String apply(String state, String event) {
      return state + event;
    }
  };

  @TempDir
  Path dir;

  private final FakeClock clock = new FakeClock();

  private WorkflowExecutor executor(Path store, Workflow<String, String> workflow) {
    return WorkflowExecutor.builder(store).clock(clock).scheduler(clock).register("order", workflow).open();
  }

  /** A directory store holding "fast" (succeeded) and "slow" (unfinished, its executor stopped mid-step). */
  private Path workflowDirectory() throws Exception {
    Path store = dir.resolve("workflows");
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch never = new CountDownLatch(1);
    try (WorkflowExecutor executor = executor(store, (ctx, in) -> {
      String reserved = ctx.step("reserve", () -> in + " reserved");
      if (in.equals("slow")) {
        ctx.step("pay", () -> {
          held.countDown();
          never.await();
          return "paid";
        });
      }
      return reserved;
    })) {
      assertEquals("fast reserved", executor.<String>start("order", "fast", "fast").result().get(30,
          TimeUnit.SECONDS));
      executor.start("order", "slow", "slow");
      assertTrue(held.await(30, TimeUnit.SECONDS));
    }
    return store;
  }

  @Test
  void workflowsOfADirectoryAreListedResumedAndCancelledOffline() throws Exception {
    Path store = workflowDirectory();
    try (ServerFixture f = new ServerFixture(dir.resolve("data"), b -> b.workflowStore("batch", store))) {
      String admin = f.setUpAndLogInAdmin();
      String operator = f.userSession(admin, "olga", "operator");
      JsonNode list = f.get("/api/v1/workflows", operator).json();
      assertEquals("directory", list.get("stores").get(0).get("kind").asText());
      assertTrue(list.get("stores").get(0).get("available").asBoolean());
      assertEquals(2, list.get("workflows").size(), list.toString());
      JsonNode pending = f.get("/api/v1/workflows?status=pending", operator).json().get("workflows");
      assertEquals(1, pending.size());
      assertEquals("slow", pending.get(0).get("id").asText());
      assertEquals(1, f.get("/api/v1/workflows?limit=1", operator).json().get("workflows").size());

      JsonNode slow = f.get("/api/v1/workflows/batch/slow", operator).json();
      assertEquals("PENDING", slow.get("status").asText());
      assertEquals("reserve", slow.get("stepList").get(0).get("name").asText());
      assertEquals("completed", slow.get("stepList").get(0).get("outcome").asText());

      ServerFixture.Reply resumed = f.post("/api/v1/workflows/batch/slow/resume", operator, "{}");
      assertEquals(200, resumed.status(), resumed.body());
      assertEquals("resume recorded", resumed.json().get("status").asText());
      ServerFixture.Reply cancelled = f.post("/api/v1/workflows/batch/slow/cancel", operator, "{}");
      assertEquals("cancellation recorded", cancelled.json().get("status").asText());
      ServerFixture.Reply finished = f.post("/api/v1/workflows/batch/fast/cancel", operator, "{}");
      assertEquals(409, finished.status(), finished.body());
      assertEquals("conflict", finished.error());
      assertEquals(404, f.post("/api/v1/workflows/batch/nope/resume", operator, "{}").status());
      assertEquals(404, f.get("/api/v1/workflows/other/slow", operator).status());
      assertEquals(400, f.post("/api/v1/workflows/batch/slow/resume", operator, "{\"now\":true}").status());

      // While an executor holds the store, the console reads it (without the lock) but cannot change it.
      try (WorkflowExecutor running = executor(store, (ctx, in) -> {
        ctx.step("reserve", () -> in + " reserved");
        return ctx.step("pay", () -> "paid");  // the recorded cancellation stops the workflow here
      })) {
        JsonNode live = f.get("/api/v1/workflows", operator).json();
        assertTrue(live.get("stores").get(0).get("available").asBoolean(), live.toString());
        ServerFixture.Reply refused = f.post("/api/v1/workflows/batch/slow/cancel", operator, "{}");
        assertEquals(409, refused.status(), refused.body());
        assertEquals("store-locked", refused.error());
        ExecutionException e = assertThrows(ExecutionException.class,
            () -> running.handle("slow").result().get(30, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("cancelled"), e.getCause().getMessage());
      }
      String audit = f.get("/api/v1/audit?limit=1000", admin).json().get("records").toString();
      assertTrue(audit.contains("cancellation recorded: workflow slow of store batch"), audit);
    }
  }

  @Test
  void workflowsPageByCursorAndACursorFarBeyondTheListIsNoServerError() throws Exception {
    Path store = workflowDirectory();
    try (ServerFixture f = new ServerFixture(dir.resolve("data"), b -> b.workflowStore("batch", store))) {
      String admin = f.setUpAndLogInAdmin();
      JsonNode first = f.get("/api/v1/workflows?limit=1", admin).json();
      assertEquals(1, first.get("workflows").size());
      JsonNode second = f.get("/api/v1/workflows?limit=1&cursor=" + first.get("next").asText(), admin).json();
      assertEquals(1, second.get("workflows").size(), second.toString());
      assertTrue(second.get("next").isNull(), second.toString());
      assertNotEquals(first.get("workflows").get(0).get("id"), second.get("workflows").get(0).get("id"));
      // 2^31 in base 36: an offset of Integer.MAX_VALUE, which plus the limit overflowed an int.
      for (String cursor : new String[] {"zik0zk", "zzzzzzzzzzzz", Long.toString(Long.MAX_VALUE, 36)}) {
        ServerFixture.Reply reply = f.get("/api/v1/workflows?limit=100&cursor=" + cursor, admin);
        assertTrue(reply.status() == 200 || reply.status() == 400, cursor + ": " + reply);
        if (reply.status() == 200) {
          assertEquals(0, reply.json().get("workflows").size(), reply.body());
          assertTrue(reply.json().get("next").isNull(), reply.body());
        }
      }
    }
  }

  @Test
  void aConfiguredWorkflowDirectoryThatIsNoStoreIsReportedAndNotCreated() throws Exception {
    // Before the fix reading it created the directory and an empty store in it: listed as available and empty.
    Path missing = dir.resolve("typo");
    try (ServerFixture f = new ServerFixture(dir.resolve("data"), b -> b.workflowStore("batch", missing))) {
      String admin = f.setUpAndLogInAdmin();
      String operator = f.userSession(admin, "olga", "operator");
      JsonNode list = f.get("/api/v1/workflows", operator).json();
      assertFalse(list.get("stores").get(0).get("available").asBoolean(), list.toString());
      assertTrue(list.get("stores").get(0).get("problem").asText().contains("no such directory"), list.toString());
      ServerFixture.Reply show = f.get("/api/v1/workflows/batch/slow", operator);
      assertEquals(503, show.status(), show.body());
      assertEquals("unavailable", show.error());
      ServerFixture.Reply cancel = f.post("/api/v1/workflows/batch/slow/cancel", operator, "{}");
      assertEquals(503, cancel.status(), cancel.body());
      assertFalse(java.nio.file.Files.exists(missing));
    }
  }

  @Test
  void workflowsOfALiveExecutorAreCancelledAtOnce() throws Exception {
    CountDownLatch inStep = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try (WorkflowExecutor executor = executor(dir.resolve("live"), (ctx, in) -> {
      ctx.step("reserve", () -> {
        inStep.countDown();
        release.await();
        return "reserved";
      });
      return ctx.step("ship", () -> "shipped");
    })) {
      executor.start("order", "o-1", "x");
      assertTrue(inStep.await(30, TimeUnit.SECONDS));
      try (ServerFixture f = new ServerFixture(dir.resolve("data"), b -> b.workflows("orders", executor))) {
        String admin = f.setUpAndLogInAdmin();
        JsonNode list = f.get("/api/v1/workflows?store=orders", admin).json();
        assertEquals("live", list.get("stores").get(0).get("kind").asText());
        assertEquals("RUNNING", list.get("workflows").get(0).get("status").asText());
        ServerFixture.Reply cancelled = f.post("/api/v1/workflows/orders/o-1/cancel", admin, "{}");
        assertEquals(200, cancelled.status(), cancelled.body());
        assertEquals("cancelled", cancelled.json().get("status").asText());
        release.countDown();
        assertThrows(ExecutionException.class, () -> executor.handle("o-1").result().get(30, TimeUnit.SECONDS));
        assertEquals(WorkflowStatus.CANCELLED.name(), f.get("/api/v1/workflows/orders/o-1", admin).json()
            .get("status").asText());
        assertEquals(409, f.post("/api/v1/workflows/orders/o-1/resume", admin, "{}").status());
      }
    }
  }

  /** A state directory with events a, b, c, a checkpoint, then d, e. */
  private Path stateDirectory() {
    Path state = dir.resolve("state");
    try (RecoverableState<String, String> s = RecoverableState.builder(state, APPEND, Codec.utf8(), Codec.utf8())
        .clock(clock).checkpointEvery(0).open()) {
      s.apply("a");
      s.apply("b");
      s.apply("c");
      s.checkpoint("before d");
      s.apply("d");
      s.apply("e");
    }
    return state;
  }

  @Test
  void aDirectoryRollsBackOnlyAfterConfirmationAndItsLossCounts() throws Exception {
    Path state = stateDirectory();
    try (ServerFixture f = new ServerFixture(dir.resolve("data"), b -> b.checkpointStore("ledger", state))) {
      String admin = f.setUpAndLogInAdmin();
      String olga = f.userSession(admin, "olga", "operator");
      String oscar = f.userSession(admin, "oscar", "operator");
      JsonNode stores = f.get("/api/v1/checkpoints", olga).json().get("stores");
      JsonNode checkpoint = stores.get(0).get("checkpoints").get(0);
      assertEquals(3, checkpoint.get("sequence").asLong());
      assertEquals("before d", checkpoint.get("label").asText());
      String id = checkpoint.get("id").asText();
      String target = "{\"target\":\"" + id + "\"}";

      JsonNode plan = f.post("/api/v1/checkpoints/ledger/rollback", olga, target).json();
      assertEquals("confirm", plan.get("status").asText(), plan.toString());
      assertEquals(2, plan.get("plan").get("discards").asLong());
      assertEquals(5, plan.get("plan").get("lastSequence").asLong());
      String token = plan.get("confirm").asText();
      assertEquals(5, RecoverableStateReader.lastSequence(state), "planning changes nothing");

      String confirmed = "{\"target\":\"" + id + "\",\"confirm\":\"" + token + "\"}";
      ServerFixture.Reply otherUser = f.post("/api/v1/checkpoints/ledger/rollback", oscar, confirmed);
      assertEquals(409, otherUser.status(), "a token confirms only its own user's plan: " + otherUser);
      assertEquals(5, RecoverableStateReader.lastSequence(state));

      token = f.post("/api/v1/checkpoints/ledger/rollback", olga, target).json().get("confirm").asText();
      f.clock.advance(OperationsApi.CONFIRM_TTL.plusSeconds(1));
      ServerFixture.Reply expired = f.post("/api/v1/checkpoints/ledger/rollback", olga,
          "{\"target\":\"" + id + "\",\"confirm\":\"" + token + "\"}");
      assertEquals(409, expired.status(), "an expired token confirms nothing: " + expired);

      token = f.post("/api/v1/checkpoints/ledger/rollback", olga, target).json().get("confirm").asText();
      confirmed = "{\"target\":\"" + id + "\",\"confirm\":\"" + token + "\"}";
      ServerFixture.Reply done = f.post("/api/v1/checkpoints/ledger/rollback", olga, confirmed);
      assertEquals(200, done.status(), done.body());
      assertEquals("rolled back", done.json().get("status").asText());
      assertEquals(2, done.json().get("result").get("discarded").asLong());
      assertEquals(3, RecoverableStateReader.lastSequence(state));
      assertEquals(409, f.post("/api/v1/checkpoints/ledger/rollback", olga, confirmed).status(), "used once");

      JsonNode loss = f.get("/api/v1/events?service=faultline-console", admin).json().get("events").get(0);
      assertEquals("StateRolledBack", loss.get("type").asText());
      assertEquals("ledger", loss.get("source").asText());
      assertEquals(2, loss.get("fields").get("discarded").asLong());
      String audit = f.get("/api/v1/audit?limit=1000", admin).json().get("records").toString();
      assertTrue(audit.contains("rolled ledger back to checkpoint " + id + ": 2 record(s) discarded"), audit);

      for (String bad : new String[] {"{\"target\":\"cp-000000000999\"}", "{\"target\":\"someday\"}",
          "{\"target\":\"99\"}", "{}", "{\"target\":\"1\",\"force\":true}"}) {
        ServerFixture.Reply reply = f.post("/api/v1/checkpoints/ledger/rollback", olga, bad);
        assertEquals(400, reply.status(), bad + " -> " + reply);
      }
      assertEquals(404, f.post("/api/v1/checkpoints/nope/rollback", olga, target).status());
    }
  }

  /**
   * A confirm that is refused (another user's, another target, the store locked by a running process) leaves the
   * state and the token as they were: the token is spent only by the rollback it confirms (it was spent first).
   */
  /**
   * Where a failed force left its marker (force-failed, naming the last durable sequence), the plan of an offline
   * rollback counts from where the next open leaves the state, not from the records that open cuts. Regression: the
   * plan said the store stood at sequence 5 and the rollback would discard 2, though the journal's force had failed
   * after sequence 4, so the rollback opened it at 4 and discarded 1.
   */
  @Test
  void theRollbackPlanOfADirectoryCountsFromTheDurableSequenceAFailedForceLeft() throws Exception {
    Path state = stateDirectory();
    java.nio.file.Files.writeString(state.resolve("force-failed"), "durableSequence=4\n");
    try (ServerFixture f = new ServerFixture(dir.resolve("data"), b -> b.checkpointStore("ledger", state))) {
      String admin = f.setUpAndLogInAdmin();
      String olga = f.userSession(admin, "olga", "operator");
      String id = f.get("/api/v1/checkpoints", olga).json().get("stores").get(0).get("checkpoints").get(0)
          .get("id").asText();
      String target = "{\"target\":\"" + id + "\"}";

      JsonNode plan = f.post("/api/v1/checkpoints/ledger/rollback", olga, target).json();
      assertEquals("confirm", plan.get("status").asText(), plan.toString());
      assertEquals(4, plan.get("plan").get("lastSequence").asLong(), plan.toString());
      assertEquals(1, plan.get("plan").get("discards").asLong(), plan.toString());

      String confirmed = "{\"target\":\"" + id + "\",\"confirm\":\"" + plan.get("confirm").asText() + "\"}";
      ServerFixture.Reply done = f.post("/api/v1/checkpoints/ledger/rollback", olga, confirmed);
      assertEquals(200, done.status(), done.body());
      assertEquals(1, done.json().get("result").get("discarded").asLong(), "as planned: " + done.body());
      assertEquals(3, RecoverableStateReader.lastSequence(state));
    }
  }

  @Test
  void aRefusedConfirmChangesNothingAndLeavesTheTokenForTheRollback() throws Exception {
    Path state = stateDirectory();
    try (ServerFixture f = new ServerFixture(dir.resolve("data"), b -> b.checkpointStore("ledger", state))) {
      String admin = f.setUpAndLogInAdmin();
      String olga = f.userSession(admin, "olga", "operator");
      String oscar = f.userSession(admin, "oscar", "operator");
      String id = f.get("/api/v1/checkpoints/ledger", olga).json().get("checkpoints").get(0).get("id").asText();
      String token = f.post("/api/v1/checkpoints/ledger/rollback", olga, "{\"target\":\"" + id + "\"}").json()
          .get("confirm").asText();
      String confirmed = "{\"target\":\"" + id + "\",\"confirm\":\"" + token + "\"}";

      ServerFixture.Reply otherUser = f.post("/api/v1/checkpoints/ledger/rollback", oscar, confirmed);
      assertEquals(409, otherUser.status(), otherUser.body());
      ServerFixture.Reply otherTarget = f.post("/api/v1/checkpoints/ledger/rollback", olga,
          "{\"target\":\"4\",\"confirm\":\"" + token + "\"}");
      assertEquals(409, otherTarget.status(), otherTarget.body());
      assertEquals(5, RecoverableStateReader.lastSequence(state), "refused confirms change nothing");
      try (RecoverableState<String, String> running = RecoverableState.builder(state, APPEND, Codec.utf8(),
          Codec.utf8()).clock(clock).checkpointEvery(0).open()) {
        ServerFixture.Reply locked = f.post("/api/v1/checkpoints/ledger/rollback", olga, confirmed);
        assertEquals(409, locked.status(), locked.body());
        assertEquals("store-locked", locked.error());
        assertEquals(5, running.sequence());
      }
      assertEquals(5, RecoverableStateReader.lastSequence(state));
      assertEquals(0, f.get("/api/v1/events?service=faultline-console", admin).json().get("events").size(),
          "no rollback recorded");

      ServerFixture.Reply done = f.post("/api/v1/checkpoints/ledger/rollback", olga, confirmed);
      assertEquals(200, done.status(), "the refusals did not spend the token: " + done.body());
      assertEquals(3, RecoverableStateReader.lastSequence(state));
      assertEquals(409, f.post("/api/v1/checkpoints/ledger/rollback", olga, confirmed).status(), "used once");
    }
  }

  /** Two confirms of one token at once: one rolls back, the other is refused while the first runs. */
  @Test
  void twoConcurrentConfirmsOfOneTokenRollBackOnce() throws Exception {
    try (RecoverableState<String, String> state = RecoverableState.builder(dir.resolve("live"), APPEND,
        Codec.utf8(), Codec.utf8()).clock(clock).checkpointEvery(0).open()) {
      state.apply("a");
      state.checkpoint("first");
      state.apply("b");
      CountDownLatch inRollback = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean();
      java.util.concurrent.atomic.AtomicInteger rollbacks = new java.util.concurrent.atomic.AtomicInteger();
      // Once armed, the only call to the supplier is the one a confirm makes to roll back: hold it there.
      java.util.function.Supplier<RecoverableState<String, String>> held = () -> {
        if (armed.get()) {
          rollbacks.incrementAndGet();
          inRollback.countDown();
          try {
            assertTrue(release.await(30, TimeUnit.SECONDS));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        return state;
      };
      try (ServerFixture f = new ServerFixture(dir.resolve("data"), b -> b.checkpoints("cart", held))) {
        String admin = f.setUpAndLogInAdmin();
        String token = f.post("/api/v1/checkpoints/cart/rollback", admin, "{\"target\":\"1\"}").json()
            .get("confirm").asText();
        String confirmed = "{\"target\":\"1\",\"confirm\":\"" + token + "\"}";
        armed.set(true);
        java.util.concurrent.CompletableFuture<ServerFixture.Reply> first = java.util.concurrent.CompletableFuture
            .supplyAsync(() -> f.post("/api/v1/checkpoints/cart/rollback", admin, confirmed));
        assertTrue(inRollback.await(30, TimeUnit.SECONDS));
        ServerFixture.Reply second = f.post("/api/v1/checkpoints/cart/rollback", admin, confirmed);
        assertEquals(409, second.status(), second.body());
        release.countDown();
        ServerFixture.Reply done = first.get(30, TimeUnit.SECONDS);
        assertEquals(200, done.status(), done.body());
        assertEquals(1, rollbacks.get(), "one rollback");
        assertEquals(1, state.sequence());
        assertEquals(409, f.post("/api/v1/checkpoints/cart/rollback", admin, confirmed).status(), "used once");
      }
    }
  }

  @Test
  void aLiveStateRollsBackThroughItsOwnApi() throws Exception {
    try (RecoverableState<String, String> state = RecoverableState.builder(dir.resolve("live"), APPEND,
        Codec.utf8(), Codec.utf8()).clock(clock).checkpointEvery(0).open()) {
      state.apply("a");
      CheckpointInfo first = state.checkpoint("first");
      state.apply("b");
      state.apply("c");
      try (ServerFixture f = new ServerFixture(dir.resolve("data"), b -> b.checkpoints("cart", state))) {
        String admin = f.setUpAndLogInAdmin();
        JsonNode list = f.get("/api/v1/checkpoints/cart", admin).json();
        assertEquals("live", list.get("kind").asText());
        assertEquals(first.id(), list.get("checkpoints").get(0).get("id").asText());
        String target = "{\"target\":\"1\"}";
        JsonNode plan = f.post("/api/v1/checkpoints/cart/rollback", admin, target).json();
        assertEquals(first.id(), plan.get("plan").get("checkpoint").asText());
        assertEquals(2, plan.get("plan").get("discards").asLong());
        ServerFixture.Reply done = f.post("/api/v1/checkpoints/cart/rollback", admin,
            "{\"target\":\"1\",\"confirm\":\"" + plan.get("confirm").asText() + "\"}");
        assertEquals(200, done.status(), done.body());
        assertEquals("a", state.state());
        assertEquals(1, state.sequence());
      }
    }
    assertEquals(Duration.ofMinutes(5), OperationsApi.CONFIRM_TTL);
  }
}
