package dev.faultline.state.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.core.testing.FakeClock;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An executor opening a store with finished workflows decoded every SUCCEEDED workflow's output (and built every
 * FAILED or CANCELLED one's failure) to complete its result at once, so its memory held each decoded output beside
 * the recorded bytes, whether anyone asked for it or not. Now a recovered finished workflow's result is completed
 * from its recorded outcome when first asked for.
 */
class RecoveredOutcomeTest {
  @TempDir
  Path dir;
  private final FakeClock clock = new FakeClock();
  /** Decodes of the codec (inputs, step results, outputs). */
  private final AtomicInteger decodes = new AtomicInteger();
  private final WorkflowCodec counting = new WorkflowCodec() {
    private final WorkflowCodec standard = WorkflowCodec.standard();

    @Override
    public byte[] encode(Object value) {
      return standard.encode(value);
    }

    @Override
    public Object decode(byte[] bytes) {
      decodes.incrementAndGet();
      return standard.decode(bytes);
    }
  };

  private WorkflowExecutor open() {
    return WorkflowExecutor.builder(dir).clock(clock).scheduler(clock).storeTasks(Runnable::run).codec(counting)
        .register("w", (WorkflowContext ctx, String in) -> {
          if (in.startsWith("bad")) {
            throw new IllegalStateException("refused " + in);
          }
          return "out-" + in;
        }).open();
  }

  private static WorkflowException failure(WorkflowHandle<?> handle) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> handle.result().get(10, TimeUnit.SECONDS));
    assertTrue(e.getCause() instanceof WorkflowException, String.valueOf(e.getCause()));
    return (WorkflowException) e.getCause();
  }

  @Test
  void aRecoveredFinishedWorkflowsOutcomeIsDecodedWhenItsResultIsAskedFor() throws Exception {
    try (WorkflowExecutor first = open()) {
      for (int i = 0; i < 5; i++) {
        assertEquals("out-" + i, first.call("w", "ok-" + i, String.valueOf(i)));
      }
      assertThrows(WorkflowException.class, () -> first.call("w", "no", "bad"));
    }
    decodes.set(0);
    WorkflowHandle<String> ok;
    WorkflowHandle<String> no;
    WorkflowExecutor second = open();
    try {
      assertEquals(0, decodes.get(), "outputs decoded at open, before anyone asked for them");
      ok = second.handle("ok-3");
      no = second.handle("no");
      assertEquals(WorkflowStatus.SUCCEEDED, ok.status());
      assertEquals(0, decodes.get());
      assertEquals("out-3", ok.result().get(10, TimeUnit.SECONDS));
      assertEquals(1, decodes.get(), "only the output asked for is decoded");
      assertEquals("out-3", ok.result().getNow(null));
      assertEquals(1, decodes.get(), "decoded once");
      assertEquals("out-4", second.call("w", "ok-4", "4"), "a call of a finished workflow answers its output");
      assertEquals("workflow-failed", failure(no).code());
      assertTrue(failure(no).getMessage().contains("refused bad"), failure(no).getMessage());
      WorkflowHandle<String> notAsked = second.handle("ok-1");
      second.close(); // the executor closes before this finished workflow's result was asked for
      assertEquals("out-1", notAsked.result().get(10, TimeUnit.SECONDS), "a finished workflow's outcome stays");
    } finally {
      second.close();
    }
    assertEquals("out-3", ok.result().get(10, TimeUnit.SECONDS));
  }
}
