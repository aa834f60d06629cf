package dev.faultline.state.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.state.workflow.WorkflowExecutor;
import dev.faultline.state.workflow.WorkflowHandle;
import dev.faultline.state.workflow.WorkflowStatus;
import dev.faultline.state.workflow.contract.WorkflowExecutorTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The workflow contract ({@link WorkflowExecutorTest}, every scenario of the embedded store) on PostgreSQL: each
 * store location of a scenario becomes a schema of its own, and each executor opened on it a node of its own, so
 * restarts in the scenarios hand workflows from one node to the next through the database.
 */
class PostgresContractTest extends WorkflowExecutorTest {
  private static final Map<Path, String> SCHEMAS = new ConcurrentHashMap<>();
  private static final AtomicInteger NODES = new AtomicInteger();

  @Override
  protected WorkflowExecutor.Builder store(Path location) {
    String schema = SCHEMAS.computeIfAbsent(location, p -> TestDatabase.freshSchema("contract"));
    PostgresWorkflowStore store = PostgresWorkflowStore.builder(TestDatabase.dataSource()).schema(schema)
        .nodeId("node-" + NODES.incrementAndGet()).leaseTime(Duration.ofSeconds(5))
        .heartbeatInterval(Duration.ofMillis(200)).build();
    return WorkflowExecutor.builder(store);
  }

  @org.junit.jupiter.api.Test
  void workflowsWaitingInANodesQueueBeyondItsNextTurnRunOnANodeWithRoom() throws Exception {
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch twoIn = new java.util.concurrent.CountDownLatch(2);
    java.util.Set<String> ranOn = java.util.concurrent.ConcurrentHashMap.newKeySet();
    java.util.function.Function<String, dev.faultline.state.workflow.Workflow<String, String>> on = node ->
        (ctx, in) -> ctx.step("s", () -> {
          ranOn.add(node + ":" + in);
          twoIn.countDown();
          release.await(30, java.util.concurrent.TimeUnit.SECONDS);
          return node;
        });
    try (WorkflowExecutor a = builder().queue("q", 1, 0).register("w", on.apply("a")).open();
        WorkflowExecutor b = builder().queue("q", 1, 0).register("w", on.apply("b")).open()) {
      WorkflowHandle<String> first = a.start("q", "w", "first", "1");
      WorkflowHandle<String> second = a.start("q", "w", "second", "2");
      WorkflowHandle<String> third = a.start("q", "w", "third", "3");
      // Node a's sharing passes (one per second of its clock) keep "second" (its next turn) and hand "third" over,
      // once a heartbeat has shown node a that node b is alive.
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
      while (!twoIn.await(100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
        assertTrue(System.nanoTime() - deadline < 0,
            "node a runs one at a time; what waits beyond its next turn must run on node b meanwhile: " + ranOn);
        clock.advance(Duration.ofSeconds(1));
      }
      assertEquals(java.util.Set.of("a:1", "b:3"), ranOn);
      assertEquals(WorkflowStatus.PENDING, second.status(), "its next turn stays on node a");
      release.countDown();
      assertEquals("a", await(first));
      assertEquals("a", await(second));
      assertEquals("b", await(third), "node a's handle follows the workflow to node b");
      assertEquals(WorkflowStatus.SUCCEEDED, b.handle("third").status());
    }
  }

  @org.junit.jupiter.api.Test
  void aFinishedWorkflowsHandleLeavesTheNodesMemoryAMinuteAfterItFinished() throws Exception {
    try (WorkflowExecutor executor = builder().register("w", (ctx, in) -> "done").open()) {
      WorkflowHandle<String> handle = executor.start("w", "kept", null);
      assertEquals("done", await(handle));
      assertSame(handle, executor.handle("kept"), "held while recent");
      clock.advance(Duration.ofSeconds(61));
      WorkflowHandle<String> rebuilt = executor.handle("kept");
      assertNotSame(handle, rebuilt, "dropped from memory, rebuilt from the database");
      assertEquals(WorkflowStatus.SUCCEEDED, rebuilt.status());
      assertEquals("done", await(rebuilt));
    }
  }
}
