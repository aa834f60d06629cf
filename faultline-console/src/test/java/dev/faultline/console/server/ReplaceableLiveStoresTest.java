package dev.faultline.console.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.faultline.state.Codec;
import dev.faultline.state.RecoverableState;
import dev.faultline.state.StateMachine;
import dev.faultline.state.workflow.WorkflowExecutor;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live workflow and checkpoint stores given as suppliers (an executor replaced when its service restarts, a state
 * opened after the server started, as in {@code faultline demo}): asked on every request, shown unavailable — not an
 * error of the whole list — while there is none, and served through whichever instance is current.
 */
class ReplaceableLiveStoresTest {

  @TempDir
  Path dir;

  /** A counter: the state is the number of events applied. */
  private static final class Count implements StateMachine<String, String> {
    @Override
    public String initial() {
      return "0";
    }

    @Override
    public String apply(String state, String event) {
      return Long.toString(Long.parseLong(state) + 1);
    }
  }

  @Test
  void storesWithoutAnInstanceNowAreUnavailableAndTheCurrentInstanceServes() throws Exception {
    AtomicReference<WorkflowExecutor> executor = new AtomicReference<>();
    AtomicReference<RecoverableState<String, String>> state = new AtomicReference<>();
    try (ServerFixture f = new ServerFixture(dir.resolve("console"), b -> b.workflows("orders", executor::get)
        .checkpoints("stock", state::get))) {
      String admin = f.setUpAndLogInAdmin();

      JsonNode workflows = f.get("/api/v1/workflows", admin).json();
      assertFalse(workflows.at("/stores/0/available").asBoolean(), workflows.toString());
      assertTrue(workflows.at("/stores/0/problem").asText().contains("not running"), workflows.toString());
      JsonNode checkpoints = f.get("/api/v1/checkpoints", admin).json();
      assertFalse(checkpoints.at("/stores/0/available").asBoolean(), checkpoints.toString());
      assertEquals(503, f.get("/api/v1/checkpoints/stock", admin).status());

      try (RecoverableState<String, String> opened = RecoverableState.builder(dir.resolve("stock"), new Count(),
          Codec.utf8(), Codec.utf8()).open();
          WorkflowExecutor first = WorkflowExecutor.builder(dir.resolve("orders"))
              .register("order", (ctx, input) -> ctx.step("ship", () -> "shipped " + input)).open()) {
        opened.apply("one");
        opened.checkpoint("after one");
        state.set(opened);
        executor.set(first);
        first.start("order", "order-1", "order-1").result().get(30, TimeUnit.SECONDS);

        workflows = f.get("/api/v1/workflows", admin).json();
        assertTrue(workflows.at("/stores/0/available").asBoolean(), workflows.toString());
        assertEquals("order-1", workflows.at("/workflows/0/id").asText(), workflows.toString());
        checkpoints = f.get("/api/v1/checkpoints", admin).json();
        assertEquals("after one", checkpoints.at("/stores/0/checkpoints/0/label").asText(), checkpoints.toString());
      }
      // The executor was closed (its service crashed): until the next one is handed over, the store is unavailable.
      executor.set(null);
      assertFalse(f.get("/api/v1/workflows", admin).json().at("/stores/0/available").asBoolean());
      try (WorkflowExecutor second = WorkflowExecutor.builder(dir.resolve("orders"))
          .register("order", (ctx, input) -> ctx.step("ship", () -> "shipped " + input)).open()) {
        executor.set(second);
        workflows = f.get("/api/v1/workflows", admin).json();
        assertEquals("SUCCEEDED", workflows.at("/workflows/0/status").asText(), "the new executor reads the same"
            + " store: " + workflows);
      }
    }
  }
}
