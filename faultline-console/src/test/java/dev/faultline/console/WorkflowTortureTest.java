package dev.faultline.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.faultline.core.Clock;
import dev.faultline.state.journal.Durability;
import dev.faultline.state.workflow.WorkflowExecutor;
import dev.faultline.state.workflow.WorkflowInfo;
import dev.faultline.state.workflow.WorkflowStatus;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 torture of durable workflows on the embedded store: each iteration starts a child JVM ({@link
 * WorkflowChild}) that resumes what the previous child left unfinished and starts a new batch of chain workflows; the
 * test kills it with SIGKILL after a random number of step executions (seeded; sometimes during start-up or recovery,
 * sometimes not at all). After every kill it opens the store (without running anything) and checks:
 * <ul>
 *   <li>a step whose completion (or failure) was recorded before an iteration never executes again in it or later
 *       ones, nor does a compensation whose completion was recorded;
 *   <li>the journal only ever grows: every step recorded before is still recorded.
 * </ul>
 * At the end a last child starts every batch again (idempotent: the workflows already started keep their handles,
 * those a kill prevented from starting start now) and finishes everything, and the test checks that every workflow SUCCEEDED with the right
 * output and every saga FAILED with its three compensations recorded and run in reverse order, that every step and
 * compensation executed at least once, and more than once only if a kill interrupted it
 * (at most once more per kill), and that the side effects are exactly one file per step key: a re-run step found its
 * effect by the same idempotency key instead of applying it under another.
 *
 * <p>{@code -Dfaultline.workflow.iterations=N} sets the count (default 50; 200 with {@code -Dfaultline.heavy=true});
 * {@code -Dfaultline.workflow.seed=S} the seed. It runs once per {@link Durability} of the store: in ASYNC a step's
 * record is only written to the operating system before the step returns, which a kill of the process must not lose
 * either. Waiting for the child's progress polls its executions log with a
 * bounded loop, the one place where real time is unavoidable. Nothing is asserted about elapsed time.
 */
@Tag("slow")
class WorkflowTortureTest {
  private static final boolean HEAVY = Boolean.getBoolean("faultline.heavy");
  private static final int ITERATIONS = Integer.getInteger("faultline.workflow.iterations", HEAVY ? 200 : 50);
  private static final long SEED = Long.getLong("faultline.workflow.seed", 20261127L);
  private static final int PER_BATCH = 6;
  private static final long POLL_NANOS = 2_000_000;
  private static final int MAX_POLLS = 30_000;

  @ParameterizedTest
  @EnumSource(Durability.class)
  void everyWorkflowCompletesAndNoCompletedStepRunsAgainAfterKillMinus9(Durability durability, @TempDir Path tmp)
      throws Exception {
    Path store = tmp.resolve("store");
    Path work = tmp.resolve("work");
    Path log = work.resolve("executions.log");
    Random random = new Random(SEED);
    Clock clock = Clock.system();
    long started = clock.nanoTime();
    Map<String, Integer> completedCounts = new HashMap<>();
    int kills = 0;
    int earlyKills = 0;
    for (int iteration = 0; iteration < ITERATIONS; iteration++) {
      Path err = tmp.resolve("err-" + iteration);
      Process child = child(store, work, iteration + "-" + iteration, err, durability);
      boolean killed = true;
      try {
        int before = executions(log).size();
        int choice = random.nextInt(10);
        if (choice == 0) {
          earlyKills++;
          for (int polls = random.nextInt(300); polls > 0 && child.isAlive(); polls--) {
            clock.sleep(POLL_NANOS);
          }
        } else if (choice == 1) {
          killed = false;
          if (!child.waitFor(120, TimeUnit.SECONDS)) {
            fail("the child did not finish within 120 s; its threads:\n" + threadDump(child) + "\nits stderr:\n"
                + read(err));
          }
          assertEquals(0, child.exitValue(), () -> "the child failed: " + read(err));
        } else {
          awaitExecutions(child, log, before + 1 + random.nextInt(PER_BATCH * WorkflowChild.STEPS), err, clock);
        }
      } finally {
        child.destroyForcibly();
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child died");
      }
      if (killed) {
        kills++;
      }
      List<String> executions = executions(log);
      Map<String, Integer> counts = count(executions);
      for (Map.Entry<String, Integer> done : completedCounts.entrySet()) {
        assertEquals(done.getValue(), counts.get(done.getKey()), "iteration " + iteration + ": step "
            + done.getKey() + " was recorded as completed before and executed again");
      }
      Set<String> recorded = completedSteps(store);
      assertTrue(recorded.containsAll(completedCounts.keySet()), "iteration " + iteration
          + ": steps recorded before are missing");
      for (String key : recorded) {
        completedCounts.put(key, counts.getOrDefault(key, 0));
        assertTrue(counts.getOrDefault(key, 0) >= 1, "iteration " + iteration + ": step " + key
            + " is recorded as completed but never executed");
      }
    }
    Path err = tmp.resolve("err-final");
    Process last = child(store, work, "0-" + (ITERATIONS - 1), err, durability);
    if (!last.waitFor(120, TimeUnit.SECONDS)) {
      String dump = threadDump(last);
      last.destroyForcibly();
      fail("the final child did not finish within 120 s; its threads:\n" + dump + "\nits stderr:\n" + read(err));
    }
    assertEquals(0, last.exitValue(), () -> "the final child failed: " + read(err));

    Map<String, Integer> counts = count(executions(log));
    for (Map.Entry<String, Integer> done : completedCounts.entrySet()) {
      assertEquals(done.getValue(), counts.get(done.getKey()), "step " + done.getKey() + " ran again at the end");
    }
    Set<String> expectedKeys = new TreeSet<>();
    Set<String> expectedEffects = new TreeSet<>();
    int rerun = 0;
    try (WorkflowExecutor executor = inspector(store)) {
      List<WorkflowInfo> all = executor.list(null);
      assertEquals(ITERATIONS * (PER_BATCH + 1), all.size());
      for (WorkflowInfo info : all) {
        String id = info.workflowId();
        if (info.workflowName().equals("saga")) {
          assertEquals(WorkflowStatus.FAILED, info.status(), info.toString());
          assertTrue(info.error().contains(WorkflowChild.SAGA_FAILURE), info.toString());
          assertEquals(WorkflowChild.SAGA_STEPS, info.compensated(), info.toString());
          for (int step = 0; step < WorkflowChild.SAGA_STEPS; step++) {
            expectedEffects.add(id + "/" + step);
            expectedEffects.add(id + "/" + step + "/compensate");
          }
          expectedKeys.addAll(expectedEffects.stream().filter(k -> k.startsWith(id + "/")).toList());
          expectedKeys.add(id + "/" + WorkflowChild.SAGA_STEPS);
          continue;
        }
        assertEquals(WorkflowStatus.SUCCEEDED, info.status(), info.toString());
        assertEquals(WorkflowChild.expected(id), executor.handle(id).result().get(10, TimeUnit.SECONDS));
        for (int step = 0; step < WorkflowChild.STEPS; step++) {
          String key = id + "/" + (step < 3 ? step : step + 1);
          expectedKeys.add(key);
          expectedEffects.add(key);
        }
      }
    }
    List<String> executions = executions(log);
    for (int batch = 0; batch < ITERATIONS; batch++) {
      String saga = "saga-" + batch;
      int previous = Integer.MAX_VALUE;
      for (int step = 0; step < WorkflowChild.SAGA_STEPS; step++) {
        int at = executions.indexOf(saga + "/" + step + "/compensate");
        assertTrue(at >= 0 && at < previous, saga + ": compensation of step " + step + " ran out of reverse order");
        previous = at;
      }
    }
    for (String key : expectedKeys) {
      int n = counts.getOrDefault(key, 0);
      assertTrue(n >= 1 && n <= 1 + kills, "step " + key + " executed " + n + " times over " + kills + " kills");
      rerun += n - 1;
    }
    assertEquals(expectedKeys, counts.keySet(), "executions under keys that are not the workflows' steps");
    Set<String> effects;
    try (Stream<Path> files = Files.list(work.resolve("effects"))) {
      effects = files.map(p -> p.getFileName().toString()).filter(name -> !name.endsWith(".tmp"))
          .map(name -> name.replace('_', '/')).collect(Collectors.toCollection(TreeSet::new));
    }
    assertEquals(expectedEffects, effects, "side effects must be exactly one per step key");
    for (String key : expectedEffects) {
      assertEquals(key, Files.readString(work.resolve("effects").resolve(key.replace('/', '_'))));
    }
    System.out.printf("workflow torture (" + durability + "): %d iterations (%d kills, %d during start-up or"
            + " recovery), %d workflows (%d"
            + " compensated sagas), %d steps and compensations, %d executions repeated after a kill interrupted them,"
            + " %.1f s%n", ITERATIONS, kills, earlyKills, ITERATIONS * (PER_BATCH + 1), ITERATIONS,
        expectedKeys.size(), rerun, (clock.nanoTime() - started) / 1e9);
  }

  private static Process child(Path store, Path work, String batches, Path err, Durability durability)
      throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx64m", "-cp",
        System.getProperty("java.class.path"), WorkflowChild.class.getName(), store.toString(), work.toString(),
        batches, Integer.toString(PER_BATCH), durability.name())
        .redirectOutput(Redirect.DISCARD).redirectError(err.toFile()).start();
  }

  /** Opens the store without resuming anything, to read what it recorded. */
  private static WorkflowExecutor inspector(Path store) {
    return WorkflowExecutor.builder(store).resumeOnStart(false).register("chain", (ctx, in) -> {
      throw new IllegalStateException("the inspector runs no workflow");
    }).register("saga", (ctx, in) -> {
      throw new IllegalStateException("the inspector runs no workflow");
    }).open();
  }

  /** The keys of the steps (completed or failed) and compensations the store records. */
  private static Set<String> completedSteps(Path store) {
    Set<String> keys = new HashSet<>();
    try (WorkflowExecutor executor = inspector(store)) {
      for (WorkflowInfo info : executor.list(null)) {
        for (WorkflowInfo.StepInfo step : info.steps()) {
          if (step.outcome().equals("completed") || step.outcome().startsWith("failed")) {
            keys.add(info.workflowId() + "/" + step.index());
          }
          if (step.compensated()) {
            keys.add(info.workflowId() + "/" + step.index() + "/compensate");
          }
        }
      }
    }
    return keys;
  }

  private static void awaitExecutions(Process child, Path log, int target, Path err, Clock clock) throws Exception {
    for (int polls = 0; polls < MAX_POLLS; polls++) {
      if (executions(log).size() >= target || !child.isAlive()) {
        if (!child.isAlive() && child.exitValue() != 0) {
          fail("the workflow child exited with " + child.exitValue() + ": " + read(err));
        }
        return;
      }
      clock.sleep(POLL_NANOS);
    }
    fail("the workflow child made no progress to " + target + " executions; its threads:\n" + threadDump(child)
        + "\nits stderr:\n" + read(err));
  }

  /** The executed step keys; a last line without its newline was cut by the kill and does not count. */
  private static List<String> executions(Path log) throws IOException {
    if (!Files.exists(log)) {
      return List.of();
    }
    String text = Files.readString(log, StandardCharsets.US_ASCII);
    int end = text.lastIndexOf('\n');
    return end < 0 ? List.of() : List.of(text.substring(0, end).split("\n"));
  }

  private static Map<String, Integer> count(List<String> keys) {
    Map<String, Integer> counts = new HashMap<>();
    for (String key : keys) {
      counts.merge(key, 1, Integer::sum);
    }
    return counts;
  }

  /** The thread dump of a live child, taken with the JDK's jcmd, for the failure message of a hang. */
  static String threadDump(Process child) {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    try {
      Process dump = new ProcessBuilder(jcmd.toString(), Long.toString(child.pid()), "Thread.print")
          .redirectErrorStream(true).start();
      String text = new String(dump.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      dump.waitFor(30, TimeUnit.SECONDS);
      return text;
    } catch (IOException e) {
      return "(no thread dump: " + e + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "(no thread dump: interrupted)";
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "(cannot read " + file + ": " + e + ")";
    }
  }
}
