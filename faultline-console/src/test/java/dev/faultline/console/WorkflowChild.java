package dev.faultline.console;

import dev.faultline.state.workflow.Workflow;
import dev.faultline.state.journal.Durability;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The child JVM of {@link WorkflowTortureTest}: opens the workflow store in {@code args[0]} (which resumes what a
 * killed predecessor left unfinished), starts {@code args[3]} "chain" workflows and one "saga" of each batch in
 * the range {@code args[2]} ({@code from-to}; starting a workflow a predecessor started returns its handle), waits
 * for every unfinished workflow (a saga fails, compensated) and exits 0. {@code args[4]}, if given, is the store's
 * {@link Durability} (SYNC by default).
 *
 * <p>Each step of a chain first appends its idempotency key to the executions log {@code args[1]/executions.log}
 * (one write per line, so a kill never leaves half a line but a line without its newline), then applies its side
 * effect idempotently: unless {@code args[1]/effects/<key>} exists, it writes it aside and renames it into place.
 * A chain is {@value #STEPS} steps with a durable timer after the third; each step returns the previous result plus
 * its index, so a wrong replayed result shows in the output. A saga's compensations log and apply their effects the
 * same way, under their own keys ({@code <id>/<index>/compensate}).
 */
public final class WorkflowChild {
  static final int STEPS = 6;
  static final int SAGA_STEPS = 3;
  static final String SAGA_FAILURE = "out of trucks";

  private WorkflowChild() {}

  /** The expected output of a chain: {@code id + ":" + (0 + 1 + ... + STEPS-1)}. */
  static String expected(String id) {
    return id + ":" + (STEPS * (STEPS - 1) / 2);
  }

  /** Logs one execution of the step or compensation whose key is {@code key}, then applies its effect once. */
  private static void execute(Path work, String key, boolean effect) throws IOException {
    Files.write(work.resolve("executions.log"), (key + "\n").getBytes(StandardCharsets.US_ASCII),
        StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    Path file = work.resolve("effects").resolve(key.replace('/', '_'));
    if (effect && !Files.exists(file)) {
      // Written aside and renamed, so that a kill never leaves a half-written effect under its key.
      Path temp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.write(temp, key.getBytes(StandardCharsets.US_ASCII));
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
    }
  }

  /** The chain workflow, writing its executions and effects under {@code work}. */
  static Workflow<String, String> chain(Path work) {
    return (ctx, id) -> {
      int sum = 0;
      for (int i = 0; i < STEPS; i++) {
        int index = i;
        int before = sum;
        sum = ctx.step("step-" + i, () -> {
          execute(work, ctx.idempotencyKey(), true);
          return before + index;
        });
        if (i == 2) {
          ctx.sleep(Duration.ofMillis(15));
        }
      }
      return id + ":" + sum;
    };
  }

  /**
   * The saga workflow: {@value #SAGA_STEPS} steps with compensations (each an effect under its own key), then a step
   * that fails (logged, no effect), so that the compensations run in reverse order.
   */
  static Workflow<String, String> saga(Path work) {
    return (ctx, id) -> {
      for (int i = 0; i < SAGA_STEPS; i++) {
        ctx.step("reserve-" + i, null, () -> {
          execute(work, ctx.idempotencyKey(), true);
          return ctx.idempotencyKey();
        }, key -> execute(work, ctx.idempotencyKey(), true));
      }
      return ctx.step("ship", () -> {
        execute(work, ctx.idempotencyKey(), false);
        throw new IllegalStateException(SAGA_FAILURE);
      });
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
    Durability durability = args.length > 4 ? Durability.valueOf(args[4]) : Durability.SYNC;
    try {
      Files.createDirectories(work.resolve("effects"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try (WorkflowExecutor executor = WorkflowExecutor.builder(store).threads(4).checkpointEvery(50)
        .durability(durability).register("chain", chain(work)).register("saga", saga(work)).open()) {
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
        String saga = "saga-" + batch;
        handles.add(executor.start("saga", saga, saga));
      }
      for (WorkflowHandle<String> handle : handles) {
        if (handle.workflowName().equals("saga")) {
          try {
            handle.result().get(120, TimeUnit.SECONDS);
            throw new IllegalStateException("saga " + handle.workflowId() + " succeeded");
          } catch (ExecutionException e) {
            if (!String.valueOf(e.getCause().getMessage()).contains(SAGA_FAILURE)) {
              throw e;
            }
          }
          continue;
        }
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
