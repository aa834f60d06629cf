package dev.faultline.state.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

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
