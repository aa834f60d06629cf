package dev.faultline.console;

import dev.faultline.state.workflow.Workflow;
import dev.faultline.state.workflow.WorkflowExecutor;
import dev.faultline.state.workflow.WorkflowHandle;
import dev.faultline.state.workflow.WorkflowInfo;
import dev.faultline.state.workflow.WorkflowStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The child JVM of {@link WorkflowTortureTest}: opens the workflow store in {@code args[0]} (which resumes what a
 * killed predecessor left unfinished), starts {@code args[3]} "chain" workflows of each batch in the range
 * {@code args[2]} ({@code from-to}; starting a workflow a predecessor started returns its handle), waits for every
 * unfinished workflow and exits 0.
 *
 * <p>Each step of a chain first appends its idempotency key to the executions log {@code args[1]/executions.log}
 * (one write per line, so a kill never leaves half a line but a line without its newline), then applies its side
 * effect idempotently: unless {@code args[1]/effects/<key>} exists, it writes it aside and renames it into place.
 * A chain is {@value #STEPS} steps with a durable timer after the third; each step returns the previous result plus
 * its index, so a wrong replayed result shows in the output.
 */
public final class WorkflowChild {
  static final int STEPS = 6;

  private WorkflowChild() {}

  /** The expected output of a chain: {@code id + ":" + (0 + 1 + ... + STEPS-1)}. */
  static String expected(String id) {
    return id + ":" + (STEPS * (STEPS - 1) / 2);
  }

  /** The chain workflow, writing its executions and effects under {@code work}. */
  static Workflow<String, String> chain(Path work) {
    Path log = work.resolve("executions.log");
    Path effects = work.resolve("effects");
    return (ctx, id) -> {
      int sum = 0;
      for (int i = 0; i < STEPS; i++) {
        int index = i;
        int before = sum;
        sum = ctx.step("step-" + i, () -> {
          String key = ctx.idempotencyKey();
          Files.write(log, (key + "\n").getBytes(StandardCharsets.US_ASCII), StandardOpenOption.CREATE,
              StandardOpenOption.APPEND, StandardOpenOption.WRITE);
          Path effect = effects.resolve(key.replace('/', '_'));
          if (!Files.exists(effect)) {
            // Written aside and renamed, so that a kill never leaves a half-written effect under its key.
            Path temp = effects.resolve(effect.getFileName() + ".tmp");
            Files.write(temp, key.getBytes(StandardCharsets.US_ASCII));
            Files.move(temp, effect, StandardCopyOption.ATOMIC_MOVE);
          }
          return before + index;
        });
        if (i == 2) {
          ctx.sleep(Duration.ofMillis(15));
        }
      }
      return id + ":" + sum;
    };
  }

  /** Runs the child; see the class comment for the arguments. */
  public static void main(String[] args) throws Exception {
    Path store = Path.of(args[0]);
    Path work = Path.of(args[1]);
    String[] batches = args[2].split("-");
    int from = Integer.parseInt(batches[0]);
    int to = Integer.parseInt(batches[1]);
    int count = Integer.parseInt(args[3]);
    try {
      Files.createDirectories(work.resolve("effects"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try (WorkflowExecutor executor = WorkflowExecutor.builder(store).threads(4).checkpointEvery(50)
        .register("chain", chain(work)).open()) {
      List<WorkflowHandle<String>> handles = new ArrayList<>();
      for (WorkflowInfo info : executor.list(null)) {
        if (!info.status().terminal()) {
          handles.add(executor.handle(info.workflowId()));
        }
      }
      for (int batch = from; batch <= to; batch++) {
        for (int n = 0; n < count; n++) {
          String id = "wf-" + batch + "-" + n;
          // Idempotent: a workflow a predecessor started is not started again, its handle is returned.
          handles.add(executor.start("chain", id, id));
        }
      }
      for (WorkflowHandle<String> handle : handles) {
        String output = handle.result().get(120, TimeUnit.SECONDS);
        if (!expected(handle.workflowId()).equals(output)) {
          throw new IllegalStateException("workflow " + handle.workflowId() + " returned " + output);
        }
      }
      if (!executor.list(WorkflowStatus.PENDING).isEmpty() || !executor.list(WorkflowStatus.RUNNING).isEmpty()) {
        throw new IllegalStateException("unfinished workflows remain: " + executor.list(null));
      }
    }
  }
}
